"""The model build's steps, in order: each a function of the writer's connection.

The full build (``build``) runs them all; the incremental update (``incremental``) runs
the same functions on restricted inputs; the Spark engine runs their SQL transpiled.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from cxmetrics.model import (
    churn,
    churn_risk,
    cube,
    events,
    identity,
    insights,
    journeys,
    quality,
    records,
    verbatims,
)

STEPS: list[tuple[str, Callable[[duckdb.DuckDBPyConnection], object]]] = [
    ("identity links", identity.build_links),
    ("stitching persons", identity.stitch_components),
    ("component owners", identity.build_owners),
    ("identifier lookup", identity.build_ident_lookup),
    ("enriching events", events.build_events_enriched),
    ("journeys", journeys.build_journeys),
    ("verbatim themes and sentiment", verbatims.build_verbatims),
    ("KPI records", records.build_records),
    ("journey, contact and churn insights", insights.build_insights),
    ("cube", cube.build_cube),
    ("person load", cube.build_person_load),  # k-anonymity bound: always from every record
    ("churn records", churn.build_churn),  # after the records; built whole (its period is the question's)
    ("churn risk", churn_risk.build_churn_risk),  # after the churn records; trained whole, seeded
    ("data quality", quality.build_quality),
]
