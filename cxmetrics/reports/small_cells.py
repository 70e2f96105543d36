"""k-anonymity for the reports' views with SQL of their own (not ``metrics.kpi_stats``).

``metrics.kpi_stats(..., role=)`` suppresses the KPI views; a view that counts records
itself (journey steps, handoff counts, repeat paths, the telco questions) asks here which
of its groups a role may not see: ``small_group_verdicts`` runs
``suppression.custom_verdicts`` over the view's own relation, filter and grouping, but
only for the groups a bound (``person_bound``, ``table_bound``) cannot already clear, then
adds complements. Roles with record access (analyst, admin) cost no query.

Every view marks a hidden group in its ``suppressed`` column ("k" or "complement");
``reason_of`` and ``reasons`` read those columns for the pages' tables and figures.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxmetrics.core.privacy import k_threshold
from cxmetrics.metrics import suppression
from cxmetrics.metrics.source import Source


def reason_of(value: object) -> str | None:
    """A ``suppressed`` value as its reason ("k" / "complement"); None for a shown group
    (pandas gives None or NaN)."""
    return value if isinstance(value, str) else None


def reasons(df: pd.DataFrame, column: str = "suppressed") -> list[str | None]:
    """``reason_of`` of every row of ``df``'s ``column``; all None when it has no such column."""
    return [reason_of(r) for r in df[column]] if column in df else [None] * len(df)


def restricted(role: str) -> bool:
    """Whether ``role`` sees aggregates with small cells suppressed (executive, committee)."""
    return k_threshold(role) is not None


def person_bound(source: Source, role: str, kpi: str) -> int | None:
    """The most records of ``kpi``'s table that k − 1 persons can hold (``suppression.
    person_bounds``): a group of those records with more records-with-a-person than this
    certainly has k people. None when there is no usable bound (or no k for the role)."""
    k = k_threshold(role)
    return None if k is None else suppression.person_bounds(source, k).get(kpi)


def table_bound(source: Source, role: str, table: str) -> int | None:
    """As ``person_bound`` for a record table that is no KPI's (``rec_contact``): the sum of
    the record counts of its k − 1 busiest persons over *all* its records, computed once per
    snapshot (one scan) and kept in ``source.extra``."""
    k = k_threshold(role)
    if k is None:
        return None
    key = f"person_bound_{table}_{k}"
    if key not in source.extra:
        rows = source.con.execute(
            f"SELECT count(*) AS c FROM {table} WHERE person IS NOT NULL GROUP BY person ORDER BY c DESC "
            f"LIMIT {int(k) - 1}"
        ).fetchall() if k > 1 else []
        source.extra[key] = sum(int(r[0]) for r in rows)
    return source.extra[key]


def small_group_verdicts(
    source: Source,
    role: str,
    relation: str,
    where: str,
    params: list[Any],
    group_exprs: list[str],
    cells: dict[tuple, int],
    *,
    certain: frozenset[tuple] | set[tuple] = frozenset(),
    person: str = "person",
    with_complement: bool = True,
) -> dict[tuple, str]:
    """Which groups of a custom-SQL view ``role`` may not see: ``suppression.custom_verdicts``
    over the view's relation, filter and grouping, but counting only the groups not in
    ``certain`` (groups a bound already proves to hold k people), then complements over
    the lines of *all* the view's groups (``cells``: group values -> n, the number the view
    shows; complements pick the smallest). Empty, without a query, for roles with record
    access."""
    if not restricted(role) or not cells:
        return {}
    small = [key for key in cells if key not in certain]
    verdict: dict[tuple[tuple, str], str] = {}
    if small:
        clauses, values = [where], list(params)
        if group_exprs and len(small) < len(cells) and len(small) <= suppression.MAX_CELLS_IN_FILTER:
            one = "(" + " AND ".join(f"{e} IS NOT DISTINCT FROM ?" for e in group_exprs) + ")"
            clauses.append("(" + " OR ".join(one for _ in small) + ")")
            values += [v for key in small for v in key]
        found = suppression.custom_verdicts(
            source, relation, " AND ".join(clauses), values, group_exprs, role, person=person,
            with_complement=False,
        )
        verdict = {(key, ""): reason for key, reason in found.items() if key in cells}
    if with_complement:
        suppression.complement({(key, ""): n for key, n in cells.items()}, len(group_exprs), verdict)
    return {key: reason for (key, _), reason in verdict.items()}
