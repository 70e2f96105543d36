"""Data behind the Journeys & handoffs page: pure functions over a ``Source``.

Every function takes the active ``FilterSpec`` and applies it the way
``metrics.stats_sql`` does: categorical dimensions are columns of the record tables,
time dimensions and the date range use ``local_day(t) AS day`` (the source's time zone); values always enter
the SQL as parameters. KPI values and their intervals come from ``metrics.kpi_stats``
(and so ``stats.py``); the SQL here only counts records and takes medians of times.

k-anonymity (``cxmetrics.metrics.suppression``, docs/metrics.md): every view takes the viewer's
``role`` (keyword, required). For a role without record-level access a group of the view
with fewer than k people is returned with its figures empty and ``suppressed`` set ("k",
or "complement" for a sibling hidden so that it cannot be recomputed from a total shown
elsewhere). KPI views get it from ``metrics.kpi_stats(..., role=)``; the views with their
own SQL ask ``suppression.custom_verdicts`` with the same relation, filter and grouping,
counting only the groups a bound cannot clear (``small_cells.small_group_verdicts``).
Analysts and admins: no extra query, every figure shown (``suppressed`` is empty).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from cxmetrics.core.errors import UserError
from cxmetrics.metrics import engine as metrics
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.source import Source, record_filter
from cxmetrics.reports.small_cells import (
    person_bound,
    restricted,
    small_group_verdicts,
    table_bound,
)

GOAL_STAGE = "__goal__"  # the funnel's last stage: the journey reached its goal
STARTED_STAGE = "__started__"  # the funnel's base (journeys started), for k-anonymity only
FUNNEL_DIMS = ("channel", "intent")
TOP_PATHS = 10


def _relation(table: str) -> str:
    """A record table (from this module's fixed list, never user input) with its UTC ``day``."""
    return f"(SELECT *, local_day(t) AS day FROM {table}) r"


def _sliced(source: Source, table: str, spec: FilterSpec) -> tuple[str, list[Any]]:
    """``table`` as a relation restricted to the filter's slice, with its parameters."""
    where, params = record_filter(source, spec)
    return f"{_relation(table)} WHERE {' AND '.join(where)}", params


def _blank(df: pd.DataFrame, mask: pd.Series, columns: list[str]) -> pd.DataFrame:
    """``columns`` emptied where ``mask`` (integer counts become nullable: Int64)."""
    if not mask.any():
        return df
    for col in columns:
        if pd.api.types.is_integer_dtype(df[col]):
            df[col] = df[col].astype("Int64")
        elif not pd.api.types.is_float_dtype(df[col]):
            df[col] = df[col].astype(object)
        df.loc[mask, col] = None
    return df


def _frame(source: Source, sql: str, params: list[Any]) -> pd.DataFrame:
    rel = source.con.execute(sql, params)
    columns = [d[0] for d in rel.description]
    return pd.DataFrame(rel.fetchall(), columns=columns)


ESTIMATE_COLUMNS = ["value", "ci_low", "ci_high", "n", "successes", "suppressed"]


def _estimates(source: Source, kpi: str, by: list[str], spec: FilterSpec, *, role: str) -> pd.DataFrame:
    """One row per group: the KPI's value, 95 % interval, n and successes (from kpi_stats);
    a group ``role`` may not see keeps its row with every figure empty and ``suppressed``."""
    groups = metrics.kpi_stats(source, [kpi], by, spec, role=role)
    if not groups:
        return pd.DataFrame(columns=[*by, *ESTIMATE_COLUMNS])
    ests = [g.estimate for g in groups]

    def floats(values: list) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype="float64")

    def counts(values: list) -> Any:  # whole numbers; nullable only where something is hidden
        if any(g.suppressed for g in groups):
            return pd.array([None if g.suppressed else v for g, v in zip(groups, values, strict=True)], dtype="Int64")
        return np.array(values, dtype="int64")

    # built column by column: a frame of rows plus dtype conversions costs ~15 ms a call
    data = {d: [g.group[d] for g in groups] for d in by} | {
        "value": floats([e.value for e in ests]),
        "ci_low": floats([e.ci_low for e in ests]),
        "ci_high": floats([e.ci_high for e in ests]),
        "n": counts([e.n for e in ests]),
        "successes": counts([int(g.s1) for g in groups]),
        "suppressed": [g.suppressed for g in groups],
    }
    return pd.DataFrame(data, columns=[*by, *ESTIMATE_COLUMNS])


# --------------------------------------------------------------------------- journeys


def journey_completion(source: Source, spec: FilterSpec, *, role: str) -> pd.DataFrame:
    """Journey completion (%) by journey type and channel, with 95 % intervals and n."""
    df = _estimates(source, "journey_completion", ["journey_type", "channel"], spec, role=role)
    return df.rename(columns={"successes": "completed"})


def journey_types(source: Source, spec: FilterSpec) -> list[str]:
    """Journey types with at least one journey in the slice, sorted by name (names only, no
    figure: nothing to suppress)."""
    relation, params = _sliced(source, "rec_journey", spec)
    rows = source.con.execute(
        f"SELECT DISTINCT journey_type FROM {relation} ORDER BY 1", params
    ).fetchall()
    return [r[0] for r in rows]


STEP_COLUMNS = ["stage", "is_goal", "journeys", "share", "median_seconds", "journeys_started", "suppressed"]
# The stages as one relation with a person (steps have none: their journey's), for counting people.
_STAGE_BRANCHES = {
    "steps": "SELECT s.*, j.person, s.step AS stage FROM rec_journey_step s "
    "JOIN rec_journey j ON j.record_id = s.journey_id",
    GOAL_STAGE: f"SELECT *, '{GOAL_STAGE}' AS stage FROM rec_journey WHERE completed",
    STARTED_STAGE: f"SELECT *, '{STARTED_STAGE}' AS stage FROM rec_journey",
}


def step_funnel(source: Source, spec: FilterSpec, journey_type: str, *, role: str) -> pd.DataFrame:
    """The step drop-off funnel of one journey type.

    One row per page-view step reached before the goal (distinct journeys that reached
    it, their share of the type's journeys started in the slice), in the order of the
    step's median seconds from the journey's start; then the goal (journeys completed)
    as the last stage. Columns: stage, is_goal, journeys, share, median_seconds,
    journeys_started, suppressed.

    k-anonymity: each stage is a cell of its own (the people of the journeys that reached
    it), and so is the number of journeys started. Stages overlap (a journey reaches
    several) and add up to no total, so a hidden stage cannot be recomputed from the shown
    ones: no complements. When the journeys started have fewer than k people, every stage
    (each a subset of them) is hidden too.
    """
    spec = spec.with_dims(journey_type=(journey_type,))
    jrel, jparams = _sliced(source, "rec_journey", spec)
    started, completed = source.con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE completed) FROM {jrel}", jparams
    ).fetchone()
    if not started:
        return pd.DataFrame(columns=STEP_COLUMNS)
    srel, sparams = _sliced(source, "rec_journey_step", spec)
    steps = _frame(
        source,
        # one row per (journey, step) by construction (model/insights.py), so count(*)
        # counts distinct journeys — half the time of count(DISTINCT journey_id)
        f"""SELECT step AS stage, count(*) AS journeys,
               median(seconds_from_start)::DOUBLE AS median_seconds
            FROM {srel} GROUP BY step ORDER BY median_seconds, journeys DESC, stage""",
        sparams,
    )
    goal = pd.DataFrame([{"stage": GOAL_STAGE, "journeys": completed, "median_seconds": None}])
    out = pd.concat([steps, goal], ignore_index=True) if len(steps) else goal
    out.insert(1, "is_goal", out["stage"] == GOAL_STAGE)
    out["journeys"] = out["journeys"].astype("int64")
    out["median_seconds"] = out["median_seconds"].astype("float64")  # the goal has none: NaN
    out["share"] = out["journeys"] / started
    out["journeys_started"] = int(started)
    out["suppressed"] = None
    if restricted(role):
        out = _suppress_stages(source, spec, out, int(started), role)
    return out[STEP_COLUMNS]


def _suppress_stages(source: Source, spec: FilterSpec, out: pd.DataFrame, started: int, role: str) -> pd.DataFrame:
    cells = {(s,): int(n) for s, n in zip(out["stage"], out["journeys"], strict=True)} | {(STARTED_STAGE,): started}
    certain: set[tuple] = set()
    bound = person_bound(source, role, "journey_completion")  # a stage's records are journeys
    if bound is not None:
        # the cube's journeys of the same slice: how many have no person (at most that many
        # of a stage's journeys are person-less, the rest belong to persons)
        total = metrics.kpi_stats(source, ["journey_completion"], [], spec)
        if total and total[0].n == started and total[0].np is not None:
            personless = started - total[0].np
            certain = {key for key, n in cells.items() if n - personless > bound}
    small = {key[0] for key in cells if key not in certain}
    hidden: dict[tuple, str] = {}
    if small:
        # only the branches with a stage to count (the steps' join is the costly one)
        branches = ([_STAGE_BRANCHES["steps"]] if small - {GOAL_STAGE, STARTED_STAGE} else []) + [
            _STAGE_BRANCHES[b] for b in (GOAL_STAGE, STARTED_STAGE) if b in small
        ]
        relation = f"(SELECT *, local_day(t) AS day FROM ({' UNION ALL BY NAME '.join(branches)})) r"
        where, params = record_filter(source, spec)
        hidden = small_group_verdicts(
            source, role, relation, " AND ".join(where), params, ["stage"], cells, certain=certain,
            with_complement=False,
        )
    base = hidden.get((STARTED_STAGE,))
    out["suppressed"] = [base or hidden.get((s,)) for s in out["stage"]]
    out = _blank(out, out["suppressed"].notna(), ["journeys", "share", "median_seconds"])
    return _blank(out, pd.Series(base is not None, index=out.index), ["journeys_started"])


# --------------------------------------------------------------------------- bot → agent


def bot_channels(source: Source) -> list[str]:
    """Channels on which at least one contact was ever handed off to an agent (all data)."""
    rows = source.con.execute(
        "SELECT DISTINCT channel FROM rec_contact WHERE handed_off ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


HANDOFF_COUNTS = ["contacts", "handed_off", "connected", "abandoned"]
HANDOFF_COLUMNS = [
    *HANDOFF_COUNTS, "handoff_share", "value", "ci_low", "ci_high", "n", "suppressed", "handoff_suppressed",
]
HANDED_OFF_FIGURES = ["handed_off", "connected", "abandoned", "handoff_share", "value", "ci_low", "ci_high", "n"]


def handoff_funnel(source: Source, spec: FilterSpec, by: str | None, *, role: str) -> pd.DataFrame:
    """The bot→agent funnel of contacts on bot channels, by ``channel``, ``intent`` or overall.

    Counts from ``rec_contact``: contacts → handed off → connected / abandoned, where
    abandoned = handed off and no agent connected (the handoff_abandonment definition).
    Beside them, the handoff_abandonment KPI of the same slice and group (value, 95 %
    interval, n) from ``kpi_stats``. Sorted by contacts, largest first.

    k-anonymity, two cells per group: its contacts (people of its bot contacts, counted
    over ``rec_contact``; ``suppressed``: the whole row is empty) and its handed-off
    contacts (the KPI's cell, people of its handoffs; ``handoff_suppressed``: handed off,
    connected, abandoned, the share and the KPI are empty, the contacts may show). Both get
    complements along the grouping, so neither the contacts tile nor the handed-off tile
    (the totals) minus the shown groups gives a hidden one; connected and abandoned are
    parts of the handed-off cell, as a KPI's successes are of its n.
    """
    if by is not None and by not in FUNNEL_DIMS:
        raise UserError(f"the handoff funnel groups by {' or '.join(FUNNEL_DIMS)}, not '{by}'")
    channels = bot_channels(source)
    group = [by] if by else []
    columns = [*group, *HANDOFF_COLUMNS]
    if not channels:
        return pd.DataFrame(columns=columns)
    where, params = record_filter(source, spec)
    where.append(f"channel IN ({', '.join('?' for _ in channels)})")
    params = params + channels
    relation = _relation("rec_contact")
    select = f"{by}, " if by else ""
    restrict = restricted(role)
    counts = _frame(
        source,
        f"""SELECT {select}count(*) AS contacts,
               count(*) FILTER (WHERE handed_off) AS handed_off,
               count(*) FILTER (WHERE handed_off AND connected) AS connected,
               count(*) FILTER (WHERE handed_off AND NOT connected) AS abandoned
               {", count(person) AS np" if restrict else ""}
            FROM {relation} WHERE {' AND '.join(where)}
            {"GROUP BY ALL" if by else ""} HAVING count(*) > 0""",
        params,
    )
    counts = counts.astype({c: "int64" for c in HANDOFF_COUNTS})
    counts["handoff_share"] = counts["handed_off"] / counts["contacts"]
    kpi = (
        _estimates(source, "handoff_abandonment", group, spec, role=role)
        .drop(columns="successes")
        .rename(columns={"suppressed": "kpi_suppressed"})
    )
    if by:
        out = counts.merge(kpi, on=by, how="left").astype({"n": "Int64"})  # no handoff: no KPI row
    elif len(kpi):
        out = counts.assign(**{c: [kpi[c].iloc[0]] * len(counts) for c in kpi.columns})
    else:
        out = counts.assign(value=None, ci_low=None, ci_high=None, n=0, kpi_suppressed=None)
    keys = [tuple(r) for r in out[group].itertuples(index=False)] if by else [()] * len(out)
    hidden: dict[tuple, str] = {}
    if restrict:
        bound = table_bound(source, role, "rec_contact")  # contacts with a person above it: k people
        hidden = small_group_verdicts(
            source, role, relation, " AND ".join(where), params, group,
            dict(zip(keys, out["contacts"].astype(int), strict=True)),
            certain={key for key, np_ in zip(keys, counts["np"], strict=True) if np_ > bound},
        )
    mine = [hidden.get(key) for key in keys]
    out["handoff_suppressed"] = [
        m or (kp if isinstance(kp, str) else None) for m, kp in zip(mine, out["kpi_suppressed"], strict=True)
    ]
    out["suppressed"] = mine
    out = _blank(out, out["suppressed"].notna(), ["contacts"])
    out = _blank(out, out["handoff_suppressed"].notna(), HANDED_OFF_FIGURES)
    out = out[columns]  # (np, records with a person, is not shown)
    if by:
        # a hidden row sorts last (by name): its position must not tell its size
        return out.sort_values(["contacts", by], ascending=[False, True], na_position="last", ignore_index=True)
    return out


# --------------------------------------------------------------------------- FCR and repeats


def fcr_overall(source: Source, spec: FilterSpec, *, role: str) -> dict[str, Any]:
    """FCR over the whole slice: value, interval, n (eligible episodes), resolved and
    repeated; all empty, with ``suppressed`` set, when ``role`` may not see the slice."""
    df = _estimates(source, "fcr", [], spec, role=role)
    empty = {"value": None, "ci_low": None, "ci_high": None}
    if df.empty:
        return {**empty, "n": 0, "resolved": 0, "repeated": 0, "suppressed": None}
    row = df.iloc[0]
    if isinstance(row["suppressed"], str):
        return {**empty, "n": None, "resolved": None, "repeated": None, "suppressed": row["suppressed"]}
    n, resolved = int(row["n"]), int(row["successes"])
    return {
        "value": row["value"],
        "ci_low": row["ci_low"],
        "ci_high": row["ci_high"],
        "n": n,
        "resolved": resolved,
        "repeated": n - resolved,
        "suppressed": None,
    }


def fcr_by(source: Source, spec: FilterSpec, dim: str, *, role: str) -> pd.DataFrame:
    """FCR (%) by one dimension over eligible episodes, with 95 % intervals and n; sorted by
    value (groups ``role`` may not see last, by name)."""
    df = _estimates(source, "fcr", [dim], spec, role=role).rename(columns={"successes": "resolved"})
    return df.sort_values(["value", dim], ascending=[False, True], na_position="last", ignore_index=True)


PATH_COLUMNS = [
    "path",
    "first_channel",
    "repeat_channel",
    "episodes",
    "share_of_episodes",
    "share_of_repeats",
    "median_hours_to_repeat",
    "suppressed",
]


def repeat_paths(source: Source, spec: FilterSpec, top: int | None = None, *, role: str) -> pd.DataFrame:
    """First contact channel → channel of the first repeat within 7 days, over eligible episodes.

    Eligible as for FCR: the episode's 7-day window closed by ``as_of`` (the filter's, else
    the latest event). Columns: path ("chatbot → voice"), first_channel, repeat_channel,
    episodes, share_of_episodes (of all eligible episodes in the slice, so the shares add
    up to 100 % − FCR), share_of_repeats (of the eligible episodes with a repeat),
    median_hours_to_repeat, suppressed. Sorted by episodes, largest first, then by path.

    k-anonymity: a path is a cell of the first channel × repeat channel grid, whose total
    (the repeated episodes) and row totals (FCR by channel) are shown elsewhere: small paths
    and their complements along both dimensions are empty, and sort last.
    """
    as_of: datetime | None = spec.as_of or source.default_as_of()
    if as_of is None:
        return pd.DataFrame(columns=PATH_COLUMNS)
    restrict = restricted(role)
    relation, params = _sliced(source, "rec_fcr", spec)
    df = _frame(
        source,
        f"""WITH e AS (SELECT * FROM {relation} AND window_close <= ?)
            SELECT channel AS first_channel, repeat_channel, count(*) AS episodes,
                   median(hours_to_repeat)::DOUBLE AS median_hours_to_repeat,
                   any_value(n_all) AS n_all, any_value(n_rep) AS n_rep
                   {", count(person) AS np" if restrict else ""}
            FROM e, (SELECT count(*) AS n_all, count(*) FILTER (WHERE repeats > 0) AS n_rep FROM e)
            WHERE repeats > 0 GROUP BY ALL""",
        params + [as_of],
    )
    if df.empty:
        return pd.DataFrame(columns=PATH_COLUMNS)
    df["path"] = df["first_channel"] + " → " + df["repeat_channel"]
    df["episodes"] = df["episodes"].astype("int64")
    df["share_of_episodes"] = df["episodes"] / df["n_all"]
    df["share_of_repeats"] = df["episodes"] / df["n_rep"]
    df["suppressed"] = None
    if restrict:
        keys = list(zip(df["first_channel"], df["repeat_channel"], strict=True))
        bound = person_bound(source, role, "fcr")  # a path's records are FCR episodes
        certain = {key for key, np in zip(keys, df["np"], strict=True) if bound is not None and np > bound}
        where, wparams = record_filter(source, spec)
        hidden = small_group_verdicts(
            source, role, _relation("rec_fcr"), " AND ".join([*where, "window_close <= ?", "repeats > 0"]),
            wparams + [as_of], ["channel", "repeat_channel"], dict(zip(keys, df["episodes"], strict=True)),
            certain=certain,
        )
        df["suppressed"] = [hidden.get(key) for key in keys]
        df = _blank(df, df["suppressed"].notna(), ["episodes", "share_of_episodes", "share_of_repeats",
                                                   "median_hours_to_repeat"])
    df = df.sort_values(["episodes", "path"], ascending=[False, True], na_position="last", ignore_index=True)
    df = df[PATH_COLUMNS]
    return df.head(top) if top else df
