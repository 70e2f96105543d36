"""The shared sidebar filter: widgets ⇄ FilterSpec ⇄ URL query parameters.

The whole filter lives in the URL (``?period=2026-02-02&channel=web,app&lang=es``), so a
copied link reproduces the view. On the first run of a session the widgets take their
values from the URL; afterwards the URL follows the widgets. A URL value that is not
valid (an unknown channel, a malformed date) is dropped with a visible notice, never an
exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_datetime, t
from cxmetrics.metrics.compare import Period, closed_periods, last_closed_period, period_of
from cxmetrics.metrics.filters import CATEGORICAL_DIMS, CLOSED_VOCABULARIES, FilterSpec
from cxmetrics.metrics.source import Source
from cxmetrics.ui import cached

PERIOD_MODE, RANGE_MODE, ALL_MODE = "period", "range", "all"
_INIT = "_filters_initialized"
ACTIVE_KEY = "active_filter"
_NOTICES = "_filter_notices"


@dataclass(frozen=True)
class ActiveFilter:
    spec: FilterSpec
    period: Period | None  # the review period (or custom range) the page compares
    mode: str

    def previous(self) -> Period | None:
        return self.period.previous() if self.period else None


def dimension_values(source: Source, dim: str) -> list[str]:
    """Values present in the data for one dimension (sorted)."""
    rows = source.con.execute(f"SELECT DISTINCT {dim} FROM cube ORDER BY 1").fetchall()  # dim from a fixed list
    return [r[0] for r in rows if r[0] is not None]


def _options(source: Source, dim: str) -> list[str]:
    return cached(dimension_values, source, dim)


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def _init_from_url(source: Source, lang: str) -> None:
    """Seed the widget state from the URL once per session; note what was ignored."""
    notices: list[str] = []
    qp = st.query_params
    periods = closed_periods(source, 26)
    mode = PERIOD_MODE
    if "from" in qp or "to" in qp:
        start, end = _parse_date(qp.get("from", "")), _parse_date(qp.get("to", ""))
        if start and end and start <= end:
            mode = RANGE_MODE
            st.session_state["f_range"] = (start, end)
        else:
            notices.append(t("filters.bad_value", lang, name="from/to", value=f"{qp.get('from')}…{qp.get('to')}"))
    elif qp.get("period") == "all":
        mode = ALL_MODE
    elif "period" in qp:
        start = _parse_date(qp["period"])
        if start and start in [p.start for p in periods]:
            st.session_state["f_period"] = start
        else:
            notices.append(t("filters.bad_value", lang, name="period", value=qp["period"][:30]))
    st.session_state["f_mode"] = mode
    for dim in CATEGORICAL_DIMS:
        raw = qp.get(dim)
        if not raw:
            continue
        allowed = set(_options(source, dim)) | set(CLOSED_VOCABULARIES.get(dim, ()))
        values = [v for v in raw.split(",") if v]
        good = [v for v in values if v in allowed]
        for bad in [v for v in values if v not in allowed]:
            notices.append(t("filters.bad_value", lang, name=dim, value=bad[:30]))
        st.session_state[f"f_{dim}"] = good
    st.session_state[_NOTICES] = notices
    st.session_state[_INIT] = True


def _write_url(active: ActiveFilter) -> None:
    qp = st.query_params
    for key in ["period", "from", "to", *CATEGORICAL_DIMS]:
        if key in qp:
            del qp[key]
    if active.mode == PERIOD_MODE and active.period:
        qp["period"] = active.period.label
    elif active.mode == RANGE_MODE and active.period:
        qp["from"], qp["to"] = active.period.start.isoformat(), active.period.end.isoformat()
    elif active.mode == ALL_MODE:
        qp["period"] = "all"
    for dim, values in active.spec.dims.items():
        qp[dim] = ",".join(values)


def _bind(name: str, lang: str) -> dict:
    """Widget kwargs that keep ``name``'s value across reruns AND language switches.

    A widget whose label changes (every label does, with the language) is a new widget to
    Streamlit and would lose its value; so the value lives in ``session_state[name]``, the
    widget gets a per-language key seeded from it, and a callback copies changes back.
    """
    key = f"w_{name}_{lang}"
    if name in st.session_state:
        st.session_state[key] = st.session_state[name]

    def keep() -> None:
        st.session_state[name] = st.session_state[key]

    return {"key": key, "on_change": keep}


def sidebar_filters(source: Source, lang: str) -> ActiveFilter:
    """Draw the global filter in the sidebar and return it (also written to the URL)."""
    if not st.session_state.get(_INIT):
        _init_from_url(source, lang)
    for notice in st.session_state.get(_NOTICES, []):
        st.warning(notice)
    periods = closed_periods(source, 26)
    last = last_closed_period(source)
    with st.sidebar:
        st.subheader(t("filters.title", lang))
        modes = [PERIOD_MODE, RANGE_MODE, ALL_MODE]
        st.session_state.setdefault("f_mode", PERIOD_MODE)
        mode = st.radio(t("filters.time", lang), modes, format_func=lambda m: t(f"filters.mode.{m}", lang),
                        horizontal=True, **_bind("f_mode", lang))
        period: Period | None = None
        if mode == PERIOD_MODE and periods:
            starts = [p.start for p in periods]
            if st.session_state.get("f_period") not in starts:
                st.session_state["f_period"] = starts[0]
            chosen = st.selectbox(
                t("filters.period", lang), starts, **_bind("f_period", lang),
                format_func=lambda d: f"{d.isoformat()} → {(d + timedelta(days=source.period_days - 1)).isoformat()}",
            )
            period = period_of(chosen, source.anchor, source.period_days)
        elif mode == RANGE_MODE:
            default_end = last.end if last else (source.max_ts.date() if source.max_ts else date.today())
            if "f_range" not in st.session_state:
                st.session_state["f_range"] = (default_end - timedelta(days=13), default_end)
            rng = st.date_input(t("filters.range", lang, zone=get_settings().timezone), **_bind("f_range", lang))
            if isinstance(rng, tuple) and len(rng) == 2:
                period = Period(rng[0], rng[1])
        dims: dict[str, list[str]] = {}
        for dim in CATEGORICAL_DIMS:
            chosen_values = st.multiselect(t(f"dim.{dim}", lang), _options(source, dim),
                                           placeholder=t("filters.all", lang), **_bind(f"f_{dim}", lang))
            if chosen_values:
                dims[dim] = chosen_values
        if st.button(t("filters.reset", lang), use_container_width=True):
            for dim in CATEGORICAL_DIMS:
                st.session_state[f"f_{dim}"] = []
            st.session_state["f_mode"] = PERIOD_MODE
            st.session_state.pop("f_period", None)
            st.rerun()
    spec = FilterSpec(
        dims=dims,
        date_from=period.start if period else None,
        date_to=period.end if period else None,
    )
    active = ActiveFilter(spec=spec, period=period, mode=mode)
    _write_url(active)
    return active


def describe(active: ActiveFilter, lang: str) -> str:
    """The active filter in words, for the caption under every page title."""
    parts = []
    for dim, values in active.spec.dims.items():
        parts.append(f"{t(f'dim.{dim}', lang)}: {', '.join(values)}")
    if active.period:  # dates are local to the app's zone: say which
        zone = get_settings().timezone
        parts.append(f"{active.period.start.isoformat()} → {active.period.end.isoformat()} ({zone})")
    else:
        parts.append(t("filters.all_time", lang))
    return " · ".join(parts)


def current() -> ActiveFilter:
    """The filter app.py drew in the sidebar for this run (all data when there is none)."""
    active = st.session_state.get(ACTIVE_KEY)
    return active if isinstance(active, ActiveFilter) else ActiveFilter(FilterSpec(), None, ALL_MODE)


def page_header(title: str, source: Source, lang: str, active: ActiveFilter | None = None) -> None:
    """Title, then one caption: the active filter in words and the data's freshness."""
    st.title(title)
    active = active or current()
    st.caption(
        t("filters.caption", lang, what=describe(active, lang))
        + " · "
        + t("data_to", lang, ts=fmt_datetime(source.max_ts, lang))
    )
