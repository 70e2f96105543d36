"""Rebuild the whole derived model in one transaction and record how long each step took."""

from __future__ import annotations

import time
from collections.abc import Callable

import duckdb

from cxmetrics import db
from cxmetrics.model import cube, identity, insights, quality, records

Progress = Callable[[str], None]

STEPS: list[tuple[str, Callable[[duckdb.DuckDBPyConnection], object]]] = [
    ("identity links", identity.build_links),
    ("stitching persons", identity.stitch_components),
    ("component owners", identity.build_owners),
    ("identifier lookup", identity.build_ident_lookup),
    ("enriching events", records.build_events_enriched),
    ("journeys", records.build_journeys),
    ("KPI records", records.build_records),
    ("journey, contact and churn insights", insights.build_insights),
    ("cube", cube.build_cube),
    ("data quality", quality.build_quality),
]


def build_model(con: duckdb.DuckDBPyConnection, progress: Progress | None = None) -> dict[str, float]:
    """Rebuild every model table from ``events`` and ``customers``; returns step timings."""
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for name, step in STEPS:
            say(f"model: {name}")
            t0 = time.perf_counter()
            out = step(con)
            timings[name] = time.perf_counter() - t0
            if name == "stitching persons":
                db.set_meta(con, "stitch_passes", out)
        max_ts = con.execute("SELECT max(ts) FROM events").fetchall()[0][0]
        db.set_meta(con, "max_ts", max_ts.isoformat() if max_ts else "")
        db.set_meta(con, "model_version", db.get_meta(con, "data_version", "0"))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return timings
