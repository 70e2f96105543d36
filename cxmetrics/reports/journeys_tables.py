"""The Journeys & handoffs page's tables and tiles as shown: texts in a language, hidden
groups labelled (k-anonymity), from the frames of ``reports.journeys`` (no query here).

A table with a suppressed row shows the suppression label in the row's figure column; as
the data grid would draw the hidden row's empty numbers as "None", every formatted column
of such a table becomes text, right-aligned (``labelled``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from cxmetrics.i18n import fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics import suppression
from cxmetrics.reports.small_cells import reason_of, reasons
from cxmetrics.reports.tiles import Tile

KPI_FORMATS = {"value": "number", "ci_low": "number", "ci_high": "number", "n": "int"}
HANDOFF_FORMATS = {
    "contacts": "int",
    "handed_off": "int",
    "handoff_share": "pct",
    "connected": "int",
    "abandoned": "int",
    **KPI_FORMATS,
}
PATH_FORMATS = {
    "episodes": "int",
    "share_of_episodes": "pct",
    "share_of_repeats": "pct",
    "median_hours_to_repeat": "number",
}
# A table as shown: the frame, the formats left to ui.show_table, the columns to right-align.
Shown = tuple[pd.DataFrame, dict[str, str], tuple[str, ...]]


def _formatters(lang: str) -> dict[str, Callable[[object], str]]:
    return {
        "number": lambda v: fmt_number(v, lang),
        "int": lambda v: fmt_int(v, lang),
        "pct": lambda v: fmt_pct(v, lang),
    }


def labelled(df: pd.DataFrame, formats: Mapping[str, str], hidden_by: Mapping[str, str], lang: str) -> Shown:
    """For a table with a suppressed row: each column of ``hidden_by`` (column -> the column
    holding its rows' reasons) shows the label where its row is hidden, and every formatted
    column becomes text. Unchanged (``formats`` kept, nothing right-aligned) without one."""
    why = {col: reasons(df, by) for col, by in hidden_by.items()}
    if not any(r for rows in why.values() for r in rows):
        return df, dict(formats), ()
    formatters = _formatters(lang)
    out = df.copy()
    for col, kind in formats.items():
        out[col] = [formatters[kind](v) for v in df[col]]
    for col, rows in why.items():
        out[col] = [suppression.label(r, lang) if r else v for v, r in zip(out[col], rows, strict=True)]
    return out, {}, tuple(formats)


def kpi_table(df: pd.DataFrame, lang: str) -> Shown:
    """A KPI by group (journey completion, FCR): value, interval and n; a hidden group's
    value column says why."""
    return labelled(df, KPI_FORMATS, {"value": "suppressed"}, lang)


def stage_labels(funnel: pd.DataFrame, lang: str) -> list[str]:
    """The stages of ``step_funnel`` in words: the step's name, or "Goal reached"."""
    return [
        t("jr.steps.goal", lang) if g else s
        for s, g in zip(funnel["stage"], funnel["is_goal"], strict=True)
    ]


def step_table(funnel: pd.DataFrame, lang: str) -> Shown:
    """``step_funnel`` as its table: stages in words, medians as text (the goal has none:
    the data grid draws a missing number as "None" whatever the formatter)."""
    return labelled(
        funnel.assign(
            stage=stage_labels(funnel, lang),
            median_seconds=[fmt_number(v, lang, 0) for v in funnel["median_seconds"]],
        ),
        {"journeys": "int", "share": "pct"},
        {"journeys": "suppressed"},
        lang,
    )


def handoff_table(df: pd.DataFrame, lang: str) -> Shown:
    """``handoff_funnel`` by a dimension: a hidden row says why in its contacts, a row whose
    handoffs are hidden in its abandonment value."""
    return labelled(df, HANDOFF_FORMATS, {"contacts": "suppressed", "value": "handoff_suppressed"}, lang)


def paths_table(paths: pd.DataFrame, lang: str) -> Shown:
    """``repeat_paths``: a hidden path says why in its episodes."""
    return labelled(paths, PATH_FORMATS, {"episodes": "suppressed"}, lang)


def visible_paths(paths: pd.DataFrame) -> pd.DataFrame:
    """The repeat paths that are not suppressed (the chart's; the table has them all)."""
    return paths[[not r for r in reasons(paths)]]


def handoff_tiles(row: pd.Series, lang: str) -> list[Tile]:
    """The five tiles of the overall bot→agent funnel (a ``handoff_funnel(..., None)`` row):
    contacts, handed off, connected, abandoned (each with its share), abandonment (with its
    interval). A hidden cell's tile says "suppressed" (the full label does not fit a fifth
    of the page), the label under it."""
    short = t("privacy.suppressed.short", lang)
    all_hidden, handoff_hidden = reason_of(row["suppressed"]), reason_of(row["handoff_suppressed"])
    tiles = [
        Tile(
            t("jr.tile.contacts", lang),
            short if all_hidden else fmt_int(row["contacts"], lang),
            help=t("jr.tile.help.contacts", lang),
            caption=suppression.label(all_hidden, lang) if all_hidden else None,
        )
    ]
    for key, of in (("handed_off", "contacts"), ("connected", "handed_off"), ("abandoned", "handed_off")):
        if handoff_hidden:
            tiles.append(Tile(t(f"jr.tile.{key}", lang), short, caption=suppression.label(handoff_hidden, lang)))
            continue
        share = row[key] / row[of] if row[of] else None
        what = t(f"jr.col.{of}", lang).lower()
        tiles.append(
            Tile(
                t(f"jr.tile.{key}", lang),
                fmt_int(row[key], lang),
                caption=t("jr.tile.share_of", lang, share=fmt_pct(share, lang), what=what),
            )
        )
    tiles.append(  # no help icon: it would cut the label; the caption says it
        Tile(
            t("jr.tile.abandonment", lang),
            short if handoff_hidden else fmt_pct(row["value"] / 100 if row["n"] else None, lang),
            caption=suppression.label(handoff_hidden, lang)
            if handoff_hidden
            else t(
                "jr.tile.ci",
                lang,
                low=fmt_number(row["ci_low"], lang),
                high=fmt_number(row["ci_high"], lang),
                n=fmt_int(row["n"], lang),
            ),
        )
    )
    return tiles


def handoff_mismatch(row: pd.Series, lang: str) -> str | None:
    """The note under the tiles when the abandonment KPI's n (handoffs of the handoff
    records) differs from the handed-off contacts; None when they agree or are hidden."""
    if reason_of(row["handoff_suppressed"]) or int(row["n"]) == int(row["handed_off"]):
        return None
    return t("jr.handoff.note_mismatch", lang, n=fmt_int(abs(int(row["n"]) - int(row["handed_off"])), lang))
