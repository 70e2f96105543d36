"""k-anonymity in aggregate views: cells with fewer than k people are suppressed.

For a role without record-level access (executive, committee; ``privacy.k_threshold``)
every aggregate cell — one KPI for one group of a grouping under one filter — that holds
fewer than ``k`` people (``CXM_K_ANONYMITY``, default 5) is *suppressed*: its value,
interval, n and every difference computed from it are withheld and the view shows
"suppressed (fewer than k people)". Analysts and admins see every cell (they may see the
records themselves).

**People** are the distinct stitched persons of the cell's records (a customer, or an
anonymous identity component). A record without a person (an event with no identifier
at all) is not a person: it may be anyone, including someone already counted, so it
never helps a cell reach k. A cell of 40 records of 3 people and 200 person-less records
is suppressed.

**Exact, and cheap where it can be.** The cube holds ``np`` (records with a person,
additive like n) and ``person_load`` the record counts of the busiest persons of each
KPI. k − 1 persons hold at most the sum of the k − 1 largest counts (``bound``), so a cell
with ``np`` above the bound certainly has at least k people and is shown without
counting. Only cells at or below the bound are counted exactly (``count(DISTINCT
person)`` over the record tables with the same filter, FCR eligibility and grouping).
Without ``np``/``person_load`` (a snapshot published before they existed) every cell is
counted exactly: slower, never wrong.

**Complementary suppression.** A table's margins (the totals over one grouping
dimension) are shown elsewhere (the Overview tiles, the "all" row of the committee's
change table, a trend by another dimension), so a suppressed cell could be recomputed as
margin − siblings. Within one grouping, every *line* (the cells that share all grouping
values but one, of one KPI) with exactly one suppressed cell gets a second one: the
sibling that leaves the fewest other lines with a single suppressed cell, then the one
with the smallest n; repeated until no line has a single suppressed cell (the usual
greedy secondary suppression; not the minimum possible loss). Such a cell is labelled
"suppressed (protects a small cell)".

What this does **not** prevent: differencing two overlapping filters a user chooses
(dates 1–14 vs 1–15, or a filter with and without one value). Record-level protection
against that needs noise or fixed publication grids; it is documented in
``docs/metrics.md``.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

import duckdb

from cxmetrics.core.privacy import k_threshold
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import t
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS, PERSON_LOAD_RANKS
from cxmetrics.metrics.source import GroupStats, Source, record_filter, records_relation

Reason = Literal["k", "complement"]
REASONS: tuple[str, ...] = ("k", "complement")
# Above this many cells to count, the exact count groups the whole filter (one scan either way).
MAX_CELLS_IN_FILTER = 200

Key = tuple[tuple[str, ...], str]  # (group values in ``by`` order, kpi)


def label(reason: str | None, lang: str = "en", k: int | None = None) -> str:
    """'suppressed (fewer than 5 people)' / 'suprimido (menos de 5 personas)'; for a
    complementary cell 'suppressed (protects a small cell)'."""
    k = get_settings().k_anonymity if k is None else k
    return t("privacy.suppressed.complement" if reason == "complement" else "privacy.suppressed", lang, k=k)


def key_of(g: GroupStats, by: Sequence[str]) -> Key:
    return tuple(g.group[d] for d in by), g.kpi


# --------------------------------------------------------------------------- the bound


def person_bounds(source: Source, k: int) -> dict[str, int]:
    """Per KPI: the most records that k − 1 persons can hold (sum of the k − 1 largest person
    loads). A KPI missing here has no usable bound (every cell of it is counted exactly)."""
    cache_key = f"person_bound_{k}"
    if cache_key in source.extra:
        return source.extra[cache_key]
    bounds: dict[str, int] = {}
    try:
        rows = source.con.execute("SELECT kpi, records FROM person_load ORDER BY kpi, rank").fetchall()
    except duckdb.Error:  # a snapshot published before person_load existed
        rows = []
    loads: dict[str, list[int]] = defaultdict(list)
    for kpi, records in rows:
        loads[kpi].append(int(records))
    for kpi, counts in loads.items():
        if k - 1 <= len(counts):
            bounds[kpi] = sum(counts[: k - 1])
        elif len(counts) < PERSON_LOAD_RANKS:  # every person of the KPI is listed
            bounds[kpi] = sum(counts)
    for kpi in KPIS:  # a KPI without any person: np is 0 everywhere, nothing passes 0
        if kpi not in loads and rows:
            bounds[kpi] = 0
    source.extra[cache_key] = bounds
    return bounds


# --------------------------------------------------------------------------- exact counts


def people_counts(
    source: Source, kpi: str, by: Sequence[str], spec: FilterSpec, cells: Sequence[tuple[str, ...]] | None = None
) -> dict[tuple[str, ...], int]:
    """Distinct persons per group of ``by`` among ``kpi``'s records selected by ``spec``
    (same filter, dates and FCR eligibility as the KPI), optionally only for ``cells``."""
    clauses, params = record_filter(source, spec, kpi)
    group_cols = [source.dim_sql(d) for d in by]
    if group_cols and cells is not None and len(cells) <= MAX_CELLS_IN_FILTER:
        if not cells:
            return {}
        one = "(" + " AND ".join(f"{c} IS NOT DISTINCT FROM ?" for c in group_cols) + ")"
        clauses.append("(" + " OR ".join(one for _ in cells) + ")")
        params += [v for cell in cells for v in cell]
    select = ", ".join([f"{c} AS g{i}" for i, c in enumerate(group_cols)] + ["count(DISTINCT person) AS people"])
    sql = (
        f"SELECT {select} FROM {records_relation(KPIS[kpi].record_table)} "
        f"WHERE {' AND '.join(clauses)} GROUP BY ALL"
    )
    rows = source.con.execute(sql, params).fetchall()
    return {tuple(r[: len(by)]): int(r[len(by)]) for r in rows}


# --------------------------------------------------------------------------- the verdict


def complement(cells: dict[Key, int], width: int, verdict: dict[Key, Reason]) -> None:
    """Add complementary cells to ``verdict`` until no line of the table has exactly one
    suppressed cell. ``cells``: every cell of one grouping (key -> n), its group values
    ``width`` long; a line is the cells of one KPI sharing all group values but one."""
    if not width:
        return

    def line(key: Key, i: int) -> tuple:
        values, kpi = key
        return kpi, values[:i] + values[i + 1:]

    lines: list[dict[tuple, list[Key]]] = []
    for i in range(width):
        by_line: dict[tuple, list[Key]] = defaultdict(list)
        for key in cells:
            by_line[line(key, i)].append(key)
        lines.append(by_line)

    def new_singles(key: Key, i: int) -> int:
        """How many of the key's other lines would get their first suppressed cell."""
        return sum(
            1 for j in range(width)
            if j != i and not any(c in verdict for c in lines[j][line(key, j)])
        )

    changed = True
    while changed:
        changed = False
        for i in range(width):
            for members in lines[i].values():
                hidden = [c for c in members if c in verdict]
                shown = [c for c in members if c not in verdict]
                if len(hidden) == 1 and shown:
                    # the sibling that opens the fewest new lines, then the smallest n
                    pick = min(shown, key=lambda c: (new_singles(c, i), cells[c], c[0]))
                    verdict[pick] = "complement"
                    changed = True


def verdicts(
    source: Source,
    groups: Sequence[GroupStats],
    by: Sequence[str],
    spec: FilterSpec,
    role: str,
    *,
    k: int | None = None,
    with_complement: bool = True,
) -> dict[Key, Reason]:
    """Which cells of one grouping ``role`` may not see, and why ("k": fewer than k people;
    "complement": hidden so that a "k" cell cannot be recomputed from its line's total)."""
    k = k_threshold(role, k)
    if k is None or not groups:
        return {}
    bounds = person_bounds(source, k)
    to_count: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for g in groups:
        bound = bounds.get(g.kpi)
        if g.np is None or bound is None or g.np <= bound:
            to_count[g.kpi].append(key_of(g, by)[0])
    verdict: dict[Key, Reason] = {}
    for g in groups:  # a churn record is one person: its n is the number of people
        if not KPIS[g.kpi].in_cube and g.n < k:
            verdict[key_of(g, by)] = "k"
    for kpi, cells in to_count.items():
        if not KPIS[kpi].in_cube:
            continue
        counted = people_counts(source, kpi, by, spec, cells)
        for cell in cells:
            if counted.get(cell, 0) < k:
                verdict[(cell, kpi)] = "k"
    if with_complement:
        complement({key_of(g, by): g.n for g in groups}, len(by), verdict)
    return verdict


def apply(
    source: Source,
    groups: list[GroupStats],
    by: Sequence[str],
    spec: FilterSpec,
    role: str,
    *,
    k: int | None = None,
    with_complement: bool = True,
) -> list[GroupStats]:
    """``groups`` as ``role`` may see them: a suppressed cell keeps its group and KPI but its
    statistics are zeroed (n = s1 = s2 = 0, so any value computed from it is empty) and
    ``suppressed`` says why. Same order as given."""
    verdict = verdicts(source, groups, by, spec, role, k=k, with_complement=with_complement)
    if not verdict:
        return groups
    return [
        dataclasses.replace(g, n=0, s1=0.0, s2=0.0, np=None, dist=None, suppressed=verdict[key_of(g, by)])
        if key_of(g, by) in verdict
        else g
        for g in groups
    ]


# --------------------------------------------------------------------------- other aggregate views


def custom_verdicts(
    source: Source,
    relation: str,
    where: str,
    params: Sequence[object],
    group_exprs: Sequence[str],
    role: str,
    *,
    person: str = "person",
    k: int | None = None,
    with_complement: bool = True,
) -> dict[tuple, Reason]:
    """For an aggregate view with its own SQL (a funnel, repeat-contact paths, churn
    research): which of its groups ``role`` may not see. ``relation`` / ``where`` /
    ``params`` select the view's records (the relation and expressions are code, never user
    input; values are bound parameters), ``group_exprs`` are its grouping expressions and
    ``person`` the person column. Counts distinct persons per group (no bound: these
    relations have no ``np``), then adds complements over the grouping's lines. Keys are the
    group values in ``group_exprs`` order; empty for roles with record access."""
    k = k_threshold(role, k)
    if k is None:
        return {}
    cols = [f"{e} AS g{i}" for i, e in enumerate(group_exprs)]
    sql = (f"SELECT {', '.join([*cols, f'count(DISTINCT {person})', 'count(*)'])} "
           f"FROM {relation} WHERE {where} GROUP BY ALL")
    rows = source.con.execute(sql, list(params)).fetchall()
    width = len(group_exprs)
    cells: dict[Key, int] = {(tuple(r[:width]), ""): int(r[width + 1]) for r in rows}
    verdict: dict[Key, Reason] = {(tuple(r[:width]), ""): "k" for r in rows if r[width] < k}
    if with_complement:
        complement(cells, width, verdict)
    return {values: reason for (values, _), reason in verdict.items()}
