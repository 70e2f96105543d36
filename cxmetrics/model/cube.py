"""The additive cube: sufficient statistics by UTC day and every dimension.

Any slice of any KPI is a sum over the cube (week, month and review period are
functions of the day). The statistics come from the KPI registry
(``cxmetrics.metrics.KPIS``): n, s1 and s2 per KPI family (promoters/detractors for
NPS, successes for rates, sum/sum of squares for CES).

FCR rows hold every episode by the day of its first contact; eligibility depends on
``as_of`` and is applied at query time (see ``cxmetrics.metrics.stats_sql``).
"""

from __future__ import annotations

import duckdb


def build_cube(con: duckdb.DuckDBPyConnection) -> None:
    from cxmetrics.metrics import KPIS, record_stats_sql

    parts = [record_stats_sql(spec) for spec in KPIS.values()]
    con.execute("CREATE OR REPLACE TABLE cube AS " + "\nUNION ALL\n".join(parts) + " ORDER BY kpi, day")
