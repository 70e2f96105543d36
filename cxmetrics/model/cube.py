"""The additive cubes: sufficient statistics by day and every dimension, in UTC (``cube``)
and in the reporting zone ``CXM_TIMEZONE`` (``cube_local``).

Any slice of any KPI is a sum over the cube (week, month and review period are
functions of the day). The statistics come from the KPI registry
(``cxmetrics.metrics.KPIS``): n, s1 and s2 per KPI family (promoters/detractors for
NPS, successes for rates, sum/sum of squares for CES).

FCR rows hold every episode by the day of its first contact; eligibility depends on
``as_of`` and is applied at query time (see ``cxmetrics.metrics.engine.stats_sql``).

For k-anonymity (``cxmetrics.metrics.suppression``) the cube also holds ``np``, the records with
a person (additive like n), and ``person_load`` (``build_person_load``, its own build step)
the record counts of the ``PERSON_LOAD_RANKS`` busiest persons of each KPI: k − 1 persons
can hold at most the sum of the top k − 1 counts, so a cell with more records-with-a-person
than that has at least k people without counting them. ``person_load`` must always be
built from *all* records (a load computed from some days only would be too small and the
bound unsound), which is why it is a separate step an incremental update runs whole.
"""

from __future__ import annotations

import duckdb

from cxmetrics.core.settings import get_settings
from cxmetrics.metrics.registry import KPIS, PERSON_LOAD_RANKS, record_stats_sql
from cxmetrics.metrics.timezones import day_sql

# The cubes the model keeps: by UTC day, and by local day in CXM_TIMEZONE.
CUBES = ("cube", "cube_local")


def build_cube(con: duckdb.DuckDBPyConnection) -> None:
    """``cube`` by UTC day and ``cube_local`` by local day in ``CXM_TIMEZONE``."""
    for table, tz in (("cube", "UTC"), ("cube_local", get_settings().timezone)):
        day = day_sql(tz)
        parts = [record_stats_sql(spec, people=True, day=day) for spec in KPIS.values() if spec.in_cube]
        con.execute(f"CREATE OR REPLACE TABLE {table} AS " + "\nUNION ALL\n".join(parts) + " ORDER BY kpi, day")


def build_person_load(con: duckdb.DuckDBPyConnection) -> None:
    """Per KPI, the record counts of its ``PERSON_LOAD_RANKS`` busiest persons (all records)."""
    loads = [
        f"SELECT '{spec.name}' AS kpi, count(*) AS records FROM {spec.record_table} "
        f"WHERE {spec.where} AND person IS NOT NULL GROUP BY person"
        for spec in KPIS.values() if spec.in_cube
    ]
    con.execute(
        "CREATE OR REPLACE TABLE person_load AS SELECT kpi, rank, records FROM ("
        "SELECT kpi, records, row_number() OVER (PARTITION BY kpi ORDER BY records DESC) AS rank "
        f"FROM ({' UNION ALL '.join(loads)}) AS loads) AS ranked WHERE rank <= {PERSON_LOAD_RANKS} ORDER BY kpi, rank"
    )
