"""Rebuild the whole derived model in one transaction and record how long each step took."""

from __future__ import annotations

import time
from collections.abc import Callable

import duckdb

from cxmetrics.core.settings import get_settings
from cxmetrics.ingest import store as db
from cxmetrics.model import incremental, steps, verbatims

Progress = Callable[[str], None]



def build_model(con: duckdb.DuckDBPyConnection, progress: Progress | None = None) -> dict[str, float]:
    """Rebuild every model table from ``events`` and ``customers``; returns step timings."""
    return update_model(con, progress, full=True)[0]


def _run_steps(con: duckdb.DuckDBPyConnection, say: Progress, timings: dict[str, float]) -> None:
    con.execute(f"DROP TABLE IF EXISTS {verbatims.TABLE}")  # a full rebuild analyses every text again
    for name, step in steps.STEPS:  # read at call time: tests may replace a step
        say(f"model: {name}")
        t0 = time.perf_counter()
        out = step(con)
        timings[name] = time.perf_counter() - t0
        if name == "stitching persons":
            db.set_meta(con, "stitch_passes", out)


def update_model(
    con: duckdb.DuckDBPyConnection, progress: Progress | None = None, *, full: bool = False
) -> tuple[dict[str, float], incremental.Changes]:
    """Bring the model up to date with the stored data in one transaction: incrementally
    (only what the events ingested since the last build can change) when
    ``incremental.full_rebuild_reason`` allows it and ``full`` is false, else by a full
    rebuild. Returns step timings and what changed (for the snapshot)."""
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    max_share = get_settings().incremental_max_share
    incremental.drop_scratch(con)  # left by a process killed mid-update, if any
    con.execute("BEGIN TRANSACTION")
    try:
        t0 = time.perf_counter()
        reason = "requested" if full else incremental.full_rebuild_reason(con, max_share)
        timings["deciding"] = time.perf_counter() - t0
        changes = incremental.Changes(incremental=False, reason=reason or "")
        if reason is None:
            since = int(db.get_meta(con, "model_version") or 0)
            try:
                steps, changes = incremental.update(con, since, max_share, say)
                timings.update(steps)
            except incremental.FallBack as exc:
                say(f"model: full rebuild ({exc})")
                changes = incremental.Changes(incremental=False, reason=str(exc))
        if not changes.incremental:
            _run_steps(con, say, timings)
        max_ts = con.execute("SELECT max(ts) FROM events").fetchall()[0][0]
        db.set_meta(con, "max_ts", max_ts.isoformat() if max_ts else "")
        db.set_meta(con, "model_version", db.get_meta(con, "data_version", "0"))
        db.set_meta(con, "model_fingerprint", incremental.fingerprint())
        db.set_meta(con, "local_tz", get_settings().timezone)  # the zone of cube_local
        t0 = time.perf_counter()
        con.execute("COMMIT")
        timings["commit"] = time.perf_counter() - t0
    except BaseException:
        con.execute("ROLLBACK")
        raise
    t0 = time.perf_counter()
    incremental.drop_scratch(con)
    timings["dropping scratch tables"] = time.perf_counter() - t0
    return timings, changes
