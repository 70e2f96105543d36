"""The Channels & cohorts page's view state: the KPI, the cohort dimension and the cell.

The state is kept in the session (``STATE``: kpi, cohort, cell, notices) and mirrored in
the URL (``?kpi=nps&cohort=segment&cell=web|consumer``), so a copied link opens the same
view. The URL is read once per session; an invalid value there is ignored with a notice
that stays until the user changes a selection. The cell is chosen by a click on the
heatmap or with the drill-down's two selectboxes; both paths keep the other in step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from cxmetrics.i18n import t
from cxmetrics.metrics.registry import KPI_ORDER, KPIS
from cxmetrics.reports import channels as cr
from cxmetrics.ui.auth import md_escape
from cxmetrics.ui.charts.channels import OVERLAY_TRACE

STATE = "_ch_state"
CELL_SEP = "|"
_LAST_CLICK = "_ch_last_click"
Cell = tuple[str, str]


def _notice(name: str, value: str, lang: str) -> str:
    return t("ch.bad_param", lang, name=name, value=md_escape(value[:30]))


def _seed_state(lang: str) -> dict:
    """The view state from the URL (invalid values noted, not used)."""
    qp = st.query_params
    state: dict = {"kpi": KPI_ORDER[0], "cohort": cr.COHORT_DIMS[0], "cell": None, "notices": []}
    if "kpi" in qp:
        if qp["kpi"] in KPIS:
            state["kpi"] = qp["kpi"]
        else:
            state["notices"].append(_notice("kpi", qp["kpi"], lang))
    if "cohort" in qp:
        if qp["cohort"] in cr.cohort_dims(state["kpi"]):  # a churn KPI has the customer's dimensions only
            state["cohort"] = qp["cohort"]
        else:
            state["notices"].append(_notice("cohort", qp["cohort"], lang))
    if "cell" in qp:
        channel, sep, value = qp["cell"].partition(CELL_SEP)
        state["cell_from_url"] = (channel, value) if sep else None
        if not sep:
            state["notices"].append(_notice("cell", qp["cell"], lang))
    return state


def view_state(lang: str) -> dict:
    """This session's view state, seeded from the URL on its first run."""
    if STATE not in st.session_state:
        st.session_state[STATE] = _seed_state(lang)
    return st.session_state[STATE]


def _clear_notices() -> None:
    st.session_state[STATE]["notices"] = []


def _seeded_selectbox(
    where: Any, label: str, options: list, key: str, value: Any, fmt: Callable[[Any], str]
) -> Any:
    """A selectbox whose value lives in the page state (its key may change with the language)."""
    ss = st.session_state
    if key not in ss or ss[key] not in options:
        ss[key] = value if value in options else options[0]
    return where.selectbox(label, options, key=key, format_func=fmt, on_change=_clear_notices)


def kpi_and_cohort(state: dict, lang: str) -> tuple[str, str]:
    """The KPI and cohort selectboxes side by side; returns (kpi, cohort), kept in the state
    and the URL. Every KPI is offered, named with its group; a churn KPI offers only the
    customer's cohort dimensions (``cr.cohort_dims``). Choosing another cohort dimension
    drops the chosen cell."""
    left, right = st.columns(2)
    kpi = _seeded_selectbox(
        left, t("ch.kpi", lang), list(cr.PAGE_KPIS), f"ch_kpi_{lang}", state["kpi"],
        lambda k: cr.kpi_option(k, lang),
    )
    cohort = _seeded_selectbox(
        right, t("ch.cohort", lang), list(cr.cohort_dims(kpi)), f"ch_cohort_{lang}", state["cohort"],
        lambda d: t(f"dim.{d}", lang),
    )
    if cohort != state["cohort"] or cr.is_churn(kpi):  # a cell of another dimension means nothing here
        state["cell"] = None  # (nor does a cell of a churn KPI: its records are not listed)
        st.session_state["ch_cell_channel"] = st.session_state["ch_cell_value"] = None
        st.query_params.pop("cell", None)
    state["kpi"], state["cohort"] = kpi, cohort
    st.query_params["kpi"], st.query_params["cohort"] = kpi, cohort
    return kpi, cohort


def select_cell(state: dict, cell: Cell | None) -> None:
    """Make ``cell`` the drill-down's cell (from a click or the link); before its selectboxes run."""
    state["cell"] = cell
    st.session_state["ch_cell_channel"], st.session_state["ch_cell_value"] = cell if cell else (None, None)
    st.session_state["ch_page"] = 1


def take_url_cell(state: dict, channels: list[str], values: list[str], lang: str) -> None:
    """Select the cell the URL named, once; a cell the heatmap does not have is noted instead."""
    url_cell = state.pop("cell_from_url", None)
    if url_cell is None:
        return
    if url_cell[0] in channels and url_cell[1] in values:
        select_cell(state, url_cell)
    else:
        state["notices"].append(_notice("cell", CELL_SEP.join(url_cell), lang))
        st.warning(state["notices"][-1])


def follow_click(event: Any, cells: pd.DataFrame, state: dict, kpi: str, cohort: str) -> None:
    """Select the cell clicked on the heatmap (``event``: ``st.plotly_chart``'s selection) and
    rerun, so the heatmap is drawn again with it outlined. A click is followed once: the same
    selection seen on the next run is not a new click."""
    points = [
        p
        for p in ((event or {}).get("selection") or {}).get("points", [])
        if p.get("curve_number") == OVERLAY_TRACE
    ]
    if not points:
        st.session_state[_LAST_CLICK] = None  # so clicking the same cell again counts as a new click
        return
    overlay_cells = list(zip(cells["channel"], cells["cohort_value"], strict=True))
    index = points[0].get("point_index", points[0].get("point_number"))
    chosen = overlay_cells[index] if isinstance(index, int) and index < len(overlay_cells) else None
    if chosen is not None and st.session_state.get(_LAST_CLICK) != (kpi, cohort, *chosen):
        st.session_state[_LAST_CLICK] = (kpi, cohort, *chosen)
        select_cell(state, chosen)
        st.rerun()


def _on_cell_change() -> None:
    # before the rerun draws the heatmap, so its outline follows the selectboxes at once
    ss = st.session_state
    channel, value = ss.get("ch_cell_channel"), ss.get("ch_cell_value")
    ss[STATE]["cell"] = (channel, value) if channel is not None and value is not None else None
    ss["ch_page"] = 1
    _clear_notices()


def cell_picker(state: dict, channels: list[str], values: list[str], cohort: str, lang: str) -> Cell | None:
    """The drill-down's channel and cohort-value selectboxes (none without cells); returns
    the chosen cell, kept in the state and the URL (``?cell=``)."""
    ss = st.session_state
    for key, part, options in (("ch_cell_channel", 0, channels), ("ch_cell_value", 1, values)):
        if key not in ss:  # first run on this page (or back from another page): from the page state
            cell = state["cell"]
            ss[key] = cell[part] if cell and cell[part] in options else None
    cell: Cell | None = None
    has_cells = bool(channels)  # every cell has a channel
    if has_cells:
        pick_left, pick_right = st.columns(2)
        cell_channel = pick_left.selectbox(
            t("ch.drill.channel", lang),
            channels,
            index=None,
            key="ch_cell_channel",
            placeholder=t("ch.drill.choose", lang),
            on_change=_on_cell_change,
        )
        cell_value = pick_right.selectbox(
            t(f"dim.{cohort}", lang),
            values,
            index=None,
            key="ch_cell_value",
            placeholder=t("ch.drill.choose", lang),
            on_change=_on_cell_change,
        )
        cell = (
            (cell_channel, cell_value) if cell_channel is not None and cell_value is not None else None
        )
    state["cell"] = cell
    if cell is None:
        st.query_params.pop("cell", None)
        if has_cells:
            st.info(t("ch.drill.pick", lang))
    else:
        st.query_params["cell"] = CELL_SEP.join(cell)
    return cell
