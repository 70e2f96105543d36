"""Shared Streamlit helpers: language, sidebar, data access, caching, tables and downloads.

Pages stay thin: they read the state kept here, call the library and draw. Nothing in
this module computes a metric; it only reads, caches, formats and lays out.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any, Literal, TypeVar

import pandas as pd
import streamlit as st

from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    MISSING,
    fmt_datetime,
    fmt_int,
    fmt_number,
    fmt_pct,
    t,
)
from cxmetrics.metrics import engine as metrics
from cxmetrics.metrics.source import Source
from cxmetrics.reports import small_cells
from cxmetrics.reports.tiles import Tile
from cxmetrics.serving import snapshot
from cxmetrics.ui import auth as ui_auth

LANG_KEY = "lang"  # both the session-state key and the URL query parameter
_LANG_WIDGET = "_lang_choice"
CACHE_TTL_SECONDS = 600
CACHE_MAX_ENTRIES = 256
# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)

Format = Literal["int", "number", "pct", "datetime", "text"]
T = TypeVar("T")


# --------------------------------------------------------------------------- language


def current_lang() -> str:
    """The language of this session (set by ``init_language``; the settings' default before)."""
    lang = st.session_state.get(LANG_KEY)
    return lang if lang in LANGUAGES else get_settings().language


def init_language() -> str:
    """Resolve the session language from the URL (``?lang=es``) and session state.

    A valid URL value wins (a shared link opens in its language); an invalid one is
    ignored with a visible warning and replaced in the URL by the session language.
    The URL always carries the current language so the view can be shared.
    """
    lang = current_lang()
    asked = st.query_params.get(LANG_KEY)
    if asked is not None and asked not in LANGUAGES:
        st.warning(t("warn.bad_lang", lang, value=asked[:20]))
    elif asked is not None:
        lang = asked
    st.session_state[LANG_KEY] = lang
    if st.query_params.get(LANG_KEY) != lang:
        st.query_params[LANG_KEY] = lang
    return lang


def _on_language_change() -> None:
    chosen = st.session_state.get(_LANG_WIDGET)
    if chosen in LANGUAGES:
        st.session_state[LANG_KEY] = chosen
        st.query_params[LANG_KEY] = chosen


def language_switch(lang: str) -> None:
    """The English/Español switch (kept in session state and the URL)."""
    st.session_state[_LANG_WIDGET] = lang
    st.radio(
        t("sidebar.language", lang),
        LANGUAGES,
        format_func=LANGUAGE_NAMES.__getitem__,
        key=_LANG_WIDGET,
        horizontal=True,
        on_change=_on_language_change,
    )


def sidebar(lang: str) -> None:
    """The shared sidebar: language switch, then who is logged in with which role and a
    logout button (or, without a login configured, the demo-mode notice with the role)."""
    with st.sidebar:
        language_switch(lang)
        ui_auth.account(lang)


# --------------------------------------------------------------------------- data access


def get_source() -> Source | None:
    """The current serving snapshot, or None when none has been published yet. A version
    seen for the first time is warmed in the background (``_warm``)."""
    source = snapshot.open_snapshot(get_settings().db_path)
    if source is not None and not source.extra.get("warming"):
        source.extra["warming"] = True
        threading.Thread(target=_warm, args=(source,), name=f"warm-{source.version}", daemon=True).start()
    return source


def _warm(source: Source) -> None:
    """Compute what the first committee view of a new version needs and keeps for every
    session (the period's alerts and incidents: seconds at ten million events), so the
    first person to open the Committee review does not wait for it."""
    from cxmetrics.analysis.incidents import build_incidents
    from cxmetrics.metrics.alerts import all_alerts
    from cxmetrics.metrics.compare import last_closed_period

    try:
        all_alerts(source)
        period = last_closed_period(source)
        if period is not None:
            build_incidents(source, period)
    except Exception:  # noqa: BLE001 - warming is an optimisation: the page computes (and reports) it anyway
        source.extra["warming"] = False


def get_source_or_none() -> Source | None:
    """The current snapshot, or None (no data yet, or unreadable: the page says why)."""
    try:
        return get_source()
    except UserError:
        return None


def require_source(lang: str) -> Source:
    """The current snapshot; without one, a friendly message and the page stops here."""
    try:
        source = get_source()
    except UserError as exc:
        st.error(str(exc))
        st.stop()
    if source is None:
        st.info(t("no_data", lang))
        st.stop()
    return source


def data_caption(source: Source, lang: str) -> None:
    """'data to 2026-04-19 23:58 UTC': the data's own "now", from the snapshot."""
    st.caption(t("data_to", lang, ts=fmt_datetime(source.max_ts, lang)))


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=CACHE_MAX_ENTRIES, show_spinner=False)
def _cached_call(
    _fn: Callable[..., Any], fn_key: str, _source: Source, version: str, args: tuple,
    kwargs: tuple = (),
) -> Any:
    return _fn(_source, *args, **dict(kwargs))


def cached(fn: Callable[..., T], source: Source, *args: Any, **kwargs: Any) -> T:
    """``fn(source, *args, **kwargs)`` cached by function, snapshot version and arguments
    (keyword arguments such as the viewer's ``role`` are part of the key).

    A new snapshot version (each build publishes one, its name carries a nanosecond
    timestamp) is a new cache key, so cached results never outlive their data.
    """
    return _cached_call(
        fn, f"{fn.__module__}.{fn.__qualname__}", source, source.version, tuple(args),
        tuple(sorted(kwargs.items())),
    )


def kpi_table(source: Source, role: str) -> list[dict[str, Any]]:
    """``metrics.kpi_table`` over all data as ``role`` may see it, cached per snapshot version."""
    return cached(metrics.kpi_table, source, role=role)


# --------------------------------------------------------------------------- tables


def _formatter(kind: Format, lang: str, decimals: int) -> Callable[[Any], str]:
    if kind == "int":
        return lambda x: fmt_int(x, lang)
    if kind == "number":
        return lambda x: fmt_number(x, lang, decimals)
    if kind == "pct":
        return lambda x: fmt_pct(x, lang, decimals)
    if kind == "datetime":
        return lambda x: fmt_datetime(x, lang)
    return lambda x: "" if x is None else str(x)


def file_name(path: str) -> str:
    """The last part of a stored file path (the full path stays in the CSV)."""
    return PurePath(str(path)).name


ROW_PX = 35  # the data grid's default row height


def fit_height(n_rows: int, max_rows: int = 20) -> int:
    """A table height showing up to ``max_rows`` rows without an inner scroll bar."""
    return ROW_PX * (min(max(n_rows, 1), max_rows) + 1) + 3


def show_table(
    df: pd.DataFrame,
    lang: str,
    *,
    columns: Mapping[str, str],
    formats: Mapping[str, Format] | None = None,
    decimals: Mapping[str, int] | None = None,
    max_rows: int = 20,
    column_widths: Mapping[str, Literal["small", "medium", "large"] | int] | None = None,
    right_align: tuple[str, ...] = (),
    key: str | None = None,
    select_row: bool = False,
    on_select: Callable[[], None] | None = None,
) -> Any:
    """A read-only table: ``columns`` maps data column -> i18n key of its header (and the
    order); numbers and dates are formatted in ``lang`` while sorting keeps raw values.
    Up to ``max_rows`` rows show without scrolling. With ``select_row`` the user can pick
    one row; the selection state is returned (``.selection.rows``); ``on_select`` (with
    ``select_row`` and a ``key``) is called when the selection changes, before the rerun.

    Cells are rendered as plain text by the data grid (never as Markdown or HTML).
    """
    formats = formats or {}
    decimals = decimals or {}
    header = {c: t(k, lang) for c, k in columns.items()}
    view = df[list(columns)].rename(columns=header)
    styler = view.style.format(
        {header[c]: _formatter(kind, lang, decimals.get(c, 1)) for c, kind in formats.items()},
        na_rep=MISSING,
    )
    config = {
        header[c]: st.column_config.Column(
            width=(column_widths or {}).get(c), alignment="right" if c in right_align else None
        )
        for c in columns
        if c in (column_widths or {}) or c in right_align
    }
    extra: dict[str, Any] = (
        {"on_select": on_select or "rerun", "selection_mode": "single-row"} if select_row else {}
    )
    return st.dataframe(
        styler,
        hide_index=True,
        height=fit_height(len(df), max_rows),
        column_config=config or None,
        key=key,
        **extra,
    )


def page_number(where: Any, label: str, n_rows: int, page_size: int, key: str) -> tuple[int, int]:
    """A page-number input (in ``where``, a column) over ``n_rows`` rows shown ``page_size``
    at a time; returns (page, pages). A stored page past the last one (the rows shrank
    since, e.g. another filter) goes back to the first."""
    pages = max(1, math.ceil(n_rows / page_size))
    if st.session_state.get(key, 1) > pages:
        st.session_state[key] = 1
    page = where.number_input(label, min_value=1, max_value=pages, step=1, key=key)
    return int(page), pages


def tile(where: Any, item: Tile) -> None:
    """``item`` in ``where`` (a column): a bordered metric, its caption under it if any."""
    where.metric(item.label, item.value, help=item.help, border=True)
    if item.caption:
        where.caption(item.caption)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with the stable machine column names and raw (unformatted) values."""
    return df.to_csv(index=False).encode("utf-8")


def download_csv(
    data: pd.DataFrame | Callable[[], bytes], file_name: str, key: str, lang: str
) -> None:
    """A CSV download button; ``data`` may be a callable, run only when the user clicks."""
    st.download_button(
        t("download_csv", lang),
        data=csv_bytes(data) if isinstance(data, pd.DataFrame) else data,
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )


def pretty_json(raw: str) -> str:
    """A stored raw row (JSON text) indented for reading; unparseable text comes back as is."""
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(raw)


def plotly_separators(lang: str) -> str:
    """Plotly's ``separators`` (decimal, thousands) for ``lang``."""
    return ",." if lang == "es" else ".,"


# --------------------------------------------------------------------------- charts

VALIDATE_FIGURES_ENV = "CXM_VALIDATE_FIGURES"


def figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> Any:
    """A Plotly figure from plain dicts, built without Plotly's property validation.

    Plotly validates every property of every trace and axis in Python; for the charts of
    this app that costs 50-400 ms a chart on every rerun (a six-panel forest plot: 0.4 s),
    more than the queries behind it. The figures are built by fixed code, so the
    validation is moved to the tests: with ``CXM_VALIDATE_FIGURES=1`` (set by
    tests/conftest.py) every figure is validated and an invalid property fails the test.
    The JSON sent to the browser is the same either way.
    """
    import os

    import plotly.graph_objects as go

    spec = {"data": data, "layout": layout}
    fast = go.Figure(spec, _validate=False)
    if os.environ.get(VALIDATE_FIGURES_ENV) == "1":
        checked = go.Figure(spec)  # raises ValueError on an unknown property or bad value
        # and the unvalidated figure must reach the browser exactly as the validated one
        # would (validation also rewrites shorthands such as a plain-string axis title)
        if json.loads(fast.to_json()) != json.loads(checked.to_json()):
            raise ValueError("figure differs once validated: write it in Plotly's full form")
    return fast


def stacked_axes(count: int, spacing: float) -> list[tuple[float, float]]:
    """Vertical domains (bottom, top) of ``count`` panels stacked top to bottom, like
    ``make_subplots(rows=count, cols=1, vertical_spacing=spacing)``."""
    height = (1 - spacing * (count - 1)) / count
    return [
        (max(0.0, 1 - (i + 1) * height - i * spacing), 1 - i * (height + spacing))
        for i in range(count)
    ]


def plotly_array(values: pd.Series) -> list:
    """A column as a plotly array: missing values (NaN, pandas' NA) as None."""
    return [None if pd.isna(v) else v for v in values]


class SuppressionSeen:
    """Remembers whether a page showed a suppressed figure, so that it adds the k-anonymity
    note once. Called with a cell's ``suppressed`` value it returns the reason
    ("k"/"complement") or None (pandas gives NaN for none); ``note`` notes a whole table."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, reason: object) -> str | None:
        if isinstance(reason, str):
            self.seen.append(reason)
            return reason
        return None

    def note(self, df: pd.DataFrame, *columns: str) -> None:
        """Note the reasons in ``df``'s ``columns`` (default ``suppressed``; missing ones skipped)."""
        for column in columns or ("suppressed",):
            self.seen.extend(r for r in small_cells.reasons(df, column) if r)
