"""Data behind the Journeys & handoffs page: pure functions over a ``Source``.

Every function takes the active ``FilterSpec`` and applies it the way
``metrics.stats_sql`` does: categorical dimensions are columns of the record tables,
time dimensions and the date range use ``CAST(t AS DATE) AS day``; values always enter
the SQL as parameters. KPI values and their intervals come from ``metrics.kpi_stats``
(and so ``stats.py``); the SQL here only counts records and takes medians of times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from cxmetrics import metrics
from cxmetrics.errors import UserError
from cxmetrics.filters import FilterSpec
from cxmetrics.metrics import Source, record_filter

GOAL_STAGE = "__goal__"  # the funnel's last stage: the journey reached its goal
FUNNEL_DIMS = ("channel", "intent")
TOP_PATHS = 10


def _sliced(source: Source, table: str, spec: FilterSpec) -> tuple[str, list[Any]]:
    """``table`` as a relation restricted to the filter's slice, with its parameters."""
    where, params = record_filter(source, spec)
    # table names come from this module's fixed list, never from user input
    relation = f"(SELECT *, CAST(t AS DATE) AS day FROM {table}) r WHERE {' AND '.join(where)}"
    return relation, params


def _frame(source: Source, sql: str, params: list[Any]) -> pd.DataFrame:
    rel = source.con.execute(sql, params)
    columns = [d[0] for d in rel.description]
    return pd.DataFrame(rel.fetchall(), columns=columns)


def _estimates(source: Source, kpi: str, by: list[str], spec: FilterSpec) -> pd.DataFrame:
    """One row per group: the KPI's value, 95 % interval, n and successes (from kpi_stats)."""
    rows = []
    for g in metrics.kpi_stats(source, [kpi], by, spec):
        est = g.estimate
        rows.append(
            {
                **g.group,
                "value": est.value,
                "ci_low": est.ci_low,
                "ci_high": est.ci_high,
                "n": est.n,
                "successes": int(g.s1),
            }
        )
    return pd.DataFrame(rows, columns=[*by, "value", "ci_low", "ci_high", "n", "successes"])


# --------------------------------------------------------------------------- journeys


def journey_completion(source: Source, spec: FilterSpec) -> pd.DataFrame:
    """Journey completion (%) by journey type and channel, with 95 % intervals and n."""
    df = _estimates(source, "journey_completion", ["journey_type", "channel"], spec)
    return df.rename(columns={"successes": "completed"})


def journey_types(source: Source, spec: FilterSpec) -> list[str]:
    """Journey types with at least one journey in the slice, sorted by name."""
    relation, params = _sliced(source, "rec_journey", spec)
    rows = source.con.execute(
        f"SELECT DISTINCT journey_type FROM {relation} ORDER BY 1", params
    ).fetchall()
    return [r[0] for r in rows]


def step_funnel(source: Source, spec: FilterSpec, journey_type: str) -> pd.DataFrame:
    """The step drop-off funnel of one journey type.

    One row per page-view step reached before the goal (distinct journeys that reached
    it, their share of the type's journeys started in the slice), in the order of the
    step's median seconds from the journey's start; then the goal (journeys completed)
    as the last stage. Columns: stage, is_goal, journeys, share, median_seconds,
    journeys_started.
    """
    spec = spec.with_dims(journey_type=(journey_type,))
    jrel, jparams = _sliced(source, "rec_journey", spec)
    started, completed = source.con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE completed) FROM {jrel}", jparams
    ).fetchone()
    if not started:
        return pd.DataFrame(
            columns=["stage", "is_goal", "journeys", "share", "median_seconds", "journeys_started"]
        )
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
    return out[["stage", "is_goal", "journeys", "share", "median_seconds", "journeys_started"]]


# --------------------------------------------------------------------------- bot → agent


def bot_channels(source: Source) -> list[str]:
    """Channels on which at least one contact was ever handed off to an agent (all data)."""
    rows = source.con.execute(
        "SELECT DISTINCT channel FROM rec_contact WHERE handed_off ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def handoff_funnel(source: Source, spec: FilterSpec, by: str | None) -> pd.DataFrame:
    """The bot→agent funnel of contacts on bot channels, by ``channel``, ``intent`` or overall.

    Counts from ``rec_contact``: contacts → handed off → connected / abandoned, where
    abandoned = handed off and no agent connected (the handoff_abandonment definition).
    Beside them, the handoff_abandonment KPI of the same slice and group (value, 95 %
    interval, n) from ``kpi_stats``. Sorted by contacts, largest first.
    """
    if by is not None and by not in FUNNEL_DIMS:
        raise UserError(f"the handoff funnel groups by {' or '.join(FUNNEL_DIMS)}, not '{by}'")
    channels = bot_channels(source)
    group = [by] if by else []
    counts_cols = [*group, "contacts", "handed_off", "connected", "abandoned"]
    if not channels:
        return pd.DataFrame(
            columns=[*counts_cols, "handoff_share", "value", "ci_low", "ci_high", "n"]
        )
    relation, params = _sliced(source, "rec_contact", spec)
    select = f"{by}, " if by else ""
    counts = _frame(
        source,
        f"""SELECT {select}count(*) AS contacts,
               count(*) FILTER (WHERE handed_off) AS handed_off,
               count(*) FILTER (WHERE handed_off AND connected) AS connected,
               count(*) FILTER (WHERE handed_off AND NOT connected) AS abandoned
            FROM {relation} AND channel IN ({", ".join("?" for _ in channels)})
            {"GROUP BY ALL" if by else ""} HAVING count(*) > 0""",
        params + channels,
    )
    counts = counts.astype({c: "int64" for c in counts_cols[len(group) :]})
    counts["handoff_share"] = counts["handed_off"] / counts["contacts"]
    kpi = _estimates(source, "handoff_abandonment", group, spec).drop(columns="successes")
    if by:
        out = counts.merge(kpi, on=by, how="left").astype({"n": "Int64"})  # no handoff: no KPI row
        return out.sort_values(["contacts", by], ascending=[False, True], ignore_index=True)
    if len(kpi):
        for col in ("value", "ci_low", "ci_high", "n"):
            counts[col] = kpi[col].iloc[0]
    else:
        counts = counts.assign(value=None, ci_low=None, ci_high=None, n=0)
    return counts


# --------------------------------------------------------------------------- FCR and repeats


def fcr_overall(source: Source, spec: FilterSpec) -> dict[str, Any]:
    """FCR over the whole slice: value, interval, n (eligible episodes), resolved and repeated."""
    df = _estimates(source, "fcr", [], spec)
    if df.empty:
        return {
            "value": None,
            "ci_low": None,
            "ci_high": None,
            "n": 0,
            "resolved": 0,
            "repeated": 0,
        }
    row = df.iloc[0]
    n, resolved = int(row["n"]), int(row["successes"])
    return {
        "value": row["value"],
        "ci_low": row["ci_low"],
        "ci_high": row["ci_high"],
        "n": n,
        "resolved": resolved,
        "repeated": n - resolved,
    }


def fcr_by(source: Source, spec: FilterSpec, dim: str) -> pd.DataFrame:
    """FCR (%) by one dimension over eligible episodes, with 95 % intervals and n; sorted by value."""
    df = _estimates(source, "fcr", [dim], spec).rename(columns={"successes": "resolved"})
    return df.sort_values(["value", dim], ascending=[False, True], ignore_index=True)


def repeat_paths(source: Source, spec: FilterSpec, top: int | None = None) -> pd.DataFrame:
    """First contact channel → channel of the first repeat within 7 days, over eligible episodes.

    Eligible as for FCR: the episode's 7-day window closed by ``as_of`` (the filter's, else
    the latest event). Columns: path ("chatbot → voice"), first_channel, repeat_channel,
    episodes, share_of_episodes (of all eligible episodes in the slice, so the shares add
    up to 100 % − FCR), share_of_repeats (of the eligible episodes with a repeat),
    median_hours_to_repeat. Sorted by episodes, largest first, then by path.
    """
    as_of: datetime | None = spec.as_of or source.default_as_of()
    columns = [
        "path",
        "first_channel",
        "repeat_channel",
        "episodes",
        "share_of_episodes",
        "share_of_repeats",
        "median_hours_to_repeat",
    ]
    if as_of is None:
        return pd.DataFrame(columns=columns)
    relation, params = _sliced(source, "rec_fcr", spec)
    df = _frame(
        source,
        f"""WITH e AS (SELECT * FROM {relation} AND window_close <= ?)
            SELECT channel AS first_channel, repeat_channel, count(*) AS episodes,
                   median(hours_to_repeat)::DOUBLE AS median_hours_to_repeat,
                   any_value(n_all) AS n_all, any_value(n_rep) AS n_rep
            FROM e, (SELECT count(*) AS n_all, count(*) FILTER (WHERE repeats > 0) AS n_rep FROM e)
            WHERE repeats > 0 GROUP BY ALL""",
        params + [as_of],
    )
    if df.empty:
        return pd.DataFrame(columns=columns)
    df["path"] = df["first_channel"] + " → " + df["repeat_channel"]
    df["episodes"] = df["episodes"].astype("int64")
    df["share_of_episodes"] = df["episodes"] / df["n_all"]
    df["share_of_repeats"] = df["episodes"] / df["n_rep"]
    df = df.sort_values(["episodes", "path"], ascending=[False, True], ignore_index=True)[columns]
    return df.head(top) if top else df
