"""Channels & cohorts: KPI × channel × cohort heatmap with significance, trend lines by
review period, and the records behind a cell (consented only, pseudonymized ids).

View state lives in the URL: ``?kpi=nps&cohort=segment&cell=web|consumer``. An invalid
value there is ignored with a visible notice.
"""

from __future__ import annotations

import html
import math
import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.privacy import may_see_records
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_int, fmt_number, t
from cxmetrics.metrics import suppression
from cxmetrics.metrics.registry import KPI_ORDER, KPIS
from cxmetrics.reports import channels as cr
from cxmetrics.serving import app_state
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters

PAGE_SIZE = 50
VERBATIM_LIMIT = 20
STATE = "_ch_state"  # the page's own view state: kpi, cohort, cell, notices
CELL_SEP = "|"
GREY = "#c9c9c9"
# Heatmap overlay: one invisible marker per cell makes cells clickable (heatmaps are not selectable).
OVERLAY_TRACE = 2
# Trend lines: the Okabe-Ito palette, the largest series first, yellow (low contrast on white) last.
TREND_COLOURS = tuple(c for c in ui.PALETTE if c != "#F0E442") + ("#F0E442",)

lang = ui.current_lang()
source = ui.require_source(lang)
active = ui_filters.current()
settings = get_settings()
ss = st.session_state


def md_escape(text: str) -> str:
    """Data shown inside a Markdown element (a notice): special characters escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text)


def _notice(name: str, value: str) -> str:
    return t("ch.bad_param", lang, name=name, value=md_escape(value[:30]))


def _seed_state() -> dict:
    """The view state from the URL, once per session (invalid values noted, not used)."""
    qp = st.query_params
    state: dict = {"kpi": KPI_ORDER[0], "cohort": cr.COHORT_DIMS[0], "cell": None, "notices": []}
    if "kpi" in qp:
        if qp["kpi"] in KPIS:
            state["kpi"] = qp["kpi"]
        else:
            state["notices"].append(_notice("kpi", qp["kpi"]))
    if "cohort" in qp:
        if qp["cohort"] in cr.COHORT_DIMS:
            state["cohort"] = qp["cohort"]
        else:
            state["notices"].append(_notice("cohort", qp["cohort"]))
    if "cell" in qp:
        channel, sep, value = qp["cell"].partition(CELL_SEP)
        state["cell_from_url"] = (channel, value) if sep else None
        if not sep:
            state["notices"].append(_notice("cell", qp["cell"]))
    return state


def _clear_notices() -> None:
    ss[STATE]["notices"] = []


if STATE not in ss:
    ss[STATE] = _seed_state()
state = ss[STATE]


def seeded_selectbox(where, label: str, options: list, key: str, value, fmt=str):
    """A selectbox whose value lives in the page state (its key may change with the language)."""
    if key not in ss or ss[key] not in options:
        ss[key] = value if value in options else options[0]
    return where.selectbox(label, options, key=key, format_func=fmt, on_change=_clear_notices)


def dim_label(dim: str) -> str:
    return t(f"dim.{dim}", lang)


# ---------------------------------------------------------------- header and controls
ui_filters.page_header(t("ch.title", lang), source, lang, active)
st.caption(t("ch.intro", lang))
for notice in state["notices"]:
    st.warning(notice)

left, right = st.columns(2)
kpi = seeded_selectbox(
    left,
    t("ch.kpi", lang),
    list(KPI_ORDER),
    f"ch_kpi_{lang}",
    state["kpi"],
    lambda k: KPIS[k].label(lang),
)
cohort = seeded_selectbox(
    right,
    t("ch.cohort", lang),
    list(cr.COHORT_DIMS),
    f"ch_cohort_{lang}",
    state["cohort"],
    dim_label,
)
if cohort != state["cohort"]:  # a cell of another dimension means nothing here
    state["cell"] = None
    ss["ch_cell_channel"] = ss["ch_cell_value"] = None
state["kpi"], state["cohort"] = kpi, cohort
st.query_params["kpi"], st.query_params["cohort"] = kpi, cohort

kspec = KPIS[kpi]
kpi_label = kspec.label(lang)
unit = t(f"ch.unit.{kspec.unit}", lang)
decimals = 2 if kspec.kind == "mean" else 1
definition = kspec.definition_es if lang == "es" else kspec.definition_en
st.caption(t("ch.kpi_definition", lang, label=kpi_label, unit=unit, definition=definition))


def fmt_value(x: float | None) -> str:
    return fmt_number(x, lang, decimals)


# ---------------------------------------------------------------- heatmap
st.header(t("ch.heatmap.header", lang, kpi=kpi_label, cohort=dim_label(cohort).lower()))
# aggregate cells with fewer than k people are suppressed for roles without record access
viewer_role = ui_auth.current_user().role
cells = ui.cached(
    cr.channel_cohort_heatmap, source, kpi, cohort, active.spec, settings.min_n, settings.alpha,
    role=viewer_role,
)
overall = ui.cached(cr.overall_value, source, kpi, active.spec, role=viewer_role)
channels = cr.sort_categories(cells["channel"], "channel")
values = cr.sort_categories(cells["cohort_value"], cohort)
MARKS = {"above": " ▲", "below": " ▼", "": ""}


def heatmap_figure(cells: pd.DataFrame, selected: tuple[str, str] | None) -> go.Figure:
    """Coloured cells (n >= min_n), grey cells (too few records) and a clickable overlay."""
    x_labels = [html.escape(v) for v in values]  # data values: shown literally, never as HTML
    shape = (len(channels), len(values))
    z = [[None] * shape[1] for _ in range(shape[0])]
    grey = [[None] * shape[1] for _ in range(shape[0])]
    text = [[""] * shape[1] for _ in range(shape[0])]
    grey_text = [[""] * shape[1] for _ in range(shape[0])]
    ox, oy, hover = [], [], []
    compact = len(values) > 5
    for row in cells.itertuples():
        i, j = channels.index(row.channel), values.index(row.cohort_value)
        hidden = row.suppressed if isinstance(row.suppressed, str) else None
        if hidden:  # k-anonymity: no value, interval or n, only the label
            grey[i][j] = 0
            grey_text[i][j] = (
                t("privacy.suppressed.short", lang)
                if compact
                else suppression.label(hidden, lang).replace(" (", "<br>(", 1)
            )
            ox.append(x_labels[j])
            oy.append(row.channel)
            hover.append(f"<b>{row.channel} · {x_labels[j]}</b><br>{suppression.label(hidden, lang)}")
            continue
        n_text = f"n = {fmt_int(row.n, lang)}"
        if row.enough_data:
            z[i][j] = row.value
            text[i][j] = f"<b>{fmt_value(row.value)}{MARKS[row.direction]}</b><br>{n_text}"
        else:
            grey[i][j] = 0
            # many columns: the cell is too narrow for the words; the legend says what grey means
            grey_text[i][j] = n_text if compact else f"{t('not_enough_data', lang)}<br>{n_text}"
        ox.append(x_labels[j])
        oy.append(row.channel)
        ci = f"{fmt_value(row.ci_low)} – {fmt_value(row.ci_high)}"
        mark = t(f"ch.{row.direction}", lang) if row.direction else t("not_significant", lang)
        hover.append(
            f"<b>{row.channel} · {x_labels[j]}</b><br>{kpi_label}: {fmt_value(row.value)} {unit}"
            f"<br>95%: {ci}<br>{n_text}<br>{mark}<br><i>{t('ch.heatmap.hover', lang)}</i>"
        )
    coloured = [v for v in cells.loc[cells["enough_data"], "value"] if v is not None]
    mid = overall if overall is not None else 0.0
    spread = max([abs(v - mid) for v in coloured] + [1e-9])
    # RdBu is colour-blind safe; blue always means better, red worse.
    scale = "RdBu" if kspec.higher_is_better else "RdBu_r"
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            z=grey,
            x=x_labels,
            y=channels,
            text=grey_text,
            texttemplate="%{text}",
            colorscale=[[0, GREY], [1, GREY]],
            showscale=False,
            hoverinfo="skip",
            xgap=3,
            ygap=3,
            textfont={"size": 12, "color": "#333333"},
        )
    )
    fig.add_trace(
        go.Heatmap(
            z=z,
            x=x_labels,
            y=channels,
            text=text,
            texttemplate="%{text}",
            hoverinfo="skip",
            colorscale=scale,
            zmid=mid,
            zmin=mid - spread,
            zmax=mid + spread,
            xgap=3,
            ygap=3,
            textfont={"size": 13},
            colorbar={
                "title": {
                    "text": t("ch.heatmap.colorbar", lang, kpi=kpi_label, unit=unit),
                    "side": "right",
                },
                "thickness": 14,
            },
        )
    )
    fig.add_trace(
        go.Scatter(
            x=ox,
            y=oy,
            mode="markers",
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            marker={"size": 40, "symbol": "square", "opacity": 0, "color": "#000000"},
            selected={"marker": {"opacity": 0}},
            unselected={"marker": {"opacity": 0}},
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(  # legend entry for the grey cells (only when there are some)
            x=[None],
            y=[None],
            mode="markers",
            name=f"{t('not_enough_data', lang)} (n < {fmt_int(settings.min_n, lang)})",
            marker={"size": 14, "symbol": "square", "color": GREY},
            hoverinfo="skip",
            showlegend=not cells["enough_data"].all(),
        )
    )
    if selected and selected[0] in channels and selected[1] in values:
        i, j = channels.index(selected[0]), values.index(selected[1])
        fig.add_shape(
            type="rect",
            x0=j - 0.5,
            x1=j + 0.5,
            y0=i - 0.5,
            y1=i + 0.5,
            xref="x",
            yref="y",
            line={"color": "#000000", "width": 3},
        )
    fig.update_layout(
        height=170 + 62 * len(channels),
        margin={"l": 10, "r": 10, "t": 30, "b": 40},
        legend={"orientation": "h", "x": 0, "y": 0, "yanchor": "top", "font": {"size": 13}},
        xaxis={
            "title": {"text": dim_label(cohort)},
            "type": "category",
            "side": "top",
            "fixedrange": True,
            "showgrid": False,
            "categoryorder": "array",
            "categoryarray": x_labels,
        },
        yaxis={
            "title": {"text": dim_label("channel")},
            "type": "category",
            "autorange": "reversed",
            "fixedrange": True,
            "showgrid": False,
            "categoryorder": "array",
            "categoryarray": channels,
        },
        separators=ui.plotly_separators(lang),
        hovermode="closest",
        hoverdistance=-1,
        dragmode=False,
        plot_bgcolor="#ffffff",
    )
    return fig


def select_cell(cell: tuple[str, str] | None) -> None:
    """Make ``cell`` the drill-down's cell (from a click or the link); before its selectboxes run."""
    state["cell"] = cell
    ss["ch_cell_channel"], ss["ch_cell_value"] = cell if cell else (None, None)
    ss["ch_page"] = 1


url_cell = state.pop("cell_from_url", None)
if url_cell is not None:
    if url_cell[0] in channels and url_cell[1] in values:
        select_cell(url_cell)
    else:
        state["notices"].append(_notice("cell", CELL_SEP.join(url_cell)))
        st.warning(state["notices"][-1])

overlay_cells = list(zip(cells["channel"], cells["cohort_value"], strict=True))
if cells.empty:
    st.info(t("ch.heatmap.empty", lang, kpi=kpi_label))
else:
    st.caption(
        t(
            "ch.heatmap.caption",
            lang,
            unit=unit,
            cohort=dim_label(cohort).lower(),
            alpha=fmt_number(settings.alpha, lang, 2),
            min_n=fmt_int(settings.min_n, lang),
            overall=f"{fmt_value(overall)} {unit}",
        )
    )
    if cells["suppressed"].notna().any():
        st.caption(
            t("privacy.note", lang, k=fmt_int(settings.k_anonymity, lang), role=t(f"role.{viewer_role}", lang))
        )
    event = st.plotly_chart(
        heatmap_figure(cells, state["cell"]),
        key=f"ch_heatmap_{kpi}_{cohort}",
        on_select="rerun",
        selection_mode="points",
        config={"displayModeBar": False},
    )
    points = [
        p
        for p in ((event or {}).get("selection") or {}).get("points", [])
        if p.get("curve_number") == OVERLAY_TRACE
    ]
    if points:
        index = points[0].get("point_index", points[0].get("point_number"))
        chosen = (
            overlay_cells[index] if isinstance(index, int) and index < len(overlay_cells) else None
        )
        if chosen is not None and ss.get("_ch_last_click") != (kpi, cohort, *chosen):
            ss["_ch_last_click"] = (kpi, cohort, *chosen)
            select_cell(chosen)
            st.rerun()  # draw the heatmap again with the chosen cell outlined
    else:
        ss["_ch_last_click"] = None  # so clicking the same cell again counts as a new click
    ui.download_csv(cells, f"heatmap_{kpi}_channel_{cohort}.csv", "dl_ch_heatmap", lang)
    with st.expander(t("ch.heatmap.table", lang)):
        st.caption(t("ch.heatmap.table_caption", lang, cohort=dim_label(cohort).lower(), unit=unit))
        shown = cells.assign(
            mark=[t(f"ch.{d}", lang) if d else "" for d in cells["direction"]],
            enough=[t("ch.yes" if e else "ch.no", lang) for e in cells["enough_data"]],
            hidden=[suppression.label(h, lang) if isinstance(h, str) else "" for h in cells["suppressed"]],
        )
        hidden_column = {"hidden": "privacy.col.suppressed"} if cells["suppressed"].notna().any() else {}
        ui.show_table(
            shown,
            lang,
            columns={
                "channel": "ch.col.channel",
                "cohort_value": f"dim.{cohort}",
                "value": "ch.col.value",
                "ci_low": "ch.col.ci_low",
                "ci_high": "ch.col.ci_high",
                "n": "ch.col.n",
                "rest_value": "ch.col.rest_value",
                "rest_n": "ch.col.rest_n",
                "diff": "ch.col.diff",
                "q_value": "ch.col.q_value",
                "mark": "ch.col.mark",
                "enough": "ch.col.enough",
                **hidden_column,
            },
            formats={
                "value": "number",
                "ci_low": "number",
                "ci_high": "number",
                "n": "int",
                "rest_value": "number",
                "rest_n": "int",
                "diff": "number",
                "q_value": "number",
            },
            decimals={
                "value": decimals,
                "ci_low": decimals,
                "ci_high": decimals,
                "rest_value": decimals,
                "diff": decimals,
                "q_value": 3,
            },
            max_rows=40,
            key="ch_heatmap_table",
        )

# ---------------------------------------------------------------- drill-down
def drilldown() -> None:
    """The records behind one heatmap cell (analyst and admin roles only)."""
    st.header(t("ch.drill.header", lang))
    st.caption(t("ch.drill.caption", lang, cohort=dim_label(cohort).lower(), size=PAGE_SIZE))
    for key, part, options in (("ch_cell_channel", 0, channels), ("ch_cell_value", 1, values)):
        if key not in ss:  # first run on this page (or back from another page): from the page state
            cell = state["cell"]
            ss[key] = cell[part] if cell and cell[part] in options else None


    def _on_cell_change() -> None:
        # before the rerun draws the heatmap, so its outline follows the selectboxes at once
        channel, value = ss.get("ch_cell_channel"), ss.get("ch_cell_value")
        state["cell"] = (channel, value) if channel is not None and value is not None else None
        ss["ch_page"] = 1
        _clear_notices()


    cell: tuple[str, str] | None = None
    if not cells.empty:  # nothing to choose from otherwise
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
            dim_label(cohort),
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
        if not cells.empty:
            st.info(t("ch.drill.pick", lang))
    else:
        st.query_params["cell"] = CELL_SEP.join(cell)
        cspec = cr.cell_spec(active.spec, cohort, *cell)
        me = ui_auth.current_user()
        role = me.role
        counts = ui.cached(cr.consent_counts, source, kpi, cspec)
        # channel and cohort values are data: plain text, never Markdown
        st.text(
            t(
                "ch.drill.counts",
                lang,
                channel=cell[0],
                cohort=cell[1],
                kpi=kpi_label,
                total=fmt_int(counts.total, lang),
                shown=fmt_int(counts.consented, lang),
                hidden=fmt_int(counts.hidden, lang),
            )
        )
        if counts.consented == 0:
            st.info(t("ch.drill.none", lang))
        else:
            pages = max(1, math.ceil(counts.consented / PAGE_SIZE))
            if ss.get("ch_page", 1) > pages:
                ss["ch_page"] = 1
            page_col, _ = st.columns([1, 4])
            page = int(
                page_col.number_input(
                    t("ch.drill.page", lang), min_value=1, max_value=pages, step=1, key="ch_page"
                )
            )
            rows, _total = ui.cached(cr.cell_records, source, kpi, cspec, role, page, PAGE_SIZE)
            # Audit every drill-down view (once per cell, page and data version in a session).
            seen = ss.setdefault("_audited_drilldowns", set())
            audit_key = (source.version, kpi, repr(cspec), page)
            if audit_key not in seen:
                app_state.audit(me.id, role, "drilldown",
                                {"kpi": kpi, "dims": {k: list(v) for k, v in cspec.dims.items()},
                                 "from": cspec.date_from, "to": cspec.date_to, "page": page}, len(rows))
                seen.add(audit_key)
            first = (page - 1) * PAGE_SIZE + 1
            st.caption(
                t(
                    "ch.drill.page_of",
                    lang,
                    page=fmt_int(page, lang),
                    pages=fmt_int(pages, lang),
                    first=fmt_int(first, lang),
                    last=fmt_int(first + len(rows) - 1, lang),
                    n=fmt_int(counts.consented, lang),
                )
            )
            columns = cr.record_columns(kpi)
            shown = cr.plain_text_table(
                rows[list(columns)], t("ch.yes", lang), t("ch.no", lang), keep=("t",), lang=lang
            )
            ui.show_table(
                shown,
                lang,
                columns={c: f"ch.col.{c}" for c in columns},
                formats={"t": "datetime"},
                max_rows=15,
                column_widths={"verbatim": "large", "t": 150},
                key="ch_records",
            )

            def records_csv() -> bytes:
                """Runs when the user clicks: the download is audited like an export."""
                records = cr.all_cell_records(source, kpi, cspec, role)
                app_state.audit(me.id, role, "drilldown_csv",
                                {"kpi": kpi, "dims": {k: list(v) for k, v in cspec.dims.items()},
                                 "from": cspec.date_from, "to": cspec.date_to}, len(records))
                return ui.csv_bytes(records)

            ui.download_csv(records_csv, f"records_{kpi}_{cell[0]}_{cohort}.csv", "dl_ch_records", lang)
            st.caption(t("ch.drill.csv_caption", lang))
            if kspec.record_table == "rec_survey":
                st.subheader(t("ch.verbatims.header", lang))
                st.caption(t("ch.verbatims.caption", lang, limit=VERBATIM_LIMIT))
                verbatims = ui.cached(cr.cell_verbatims, source, kpi, cspec, role, VERBATIM_LIMIT)
                if verbatims.empty:
                    st.info(t("ch.verbatims.empty", lang))
                else:
                    ui.show_table(
                        cr.plain_text_table(verbatims, keep=("t",), lang=lang),
                        lang,
                        columns={
                            "t": "ch.col.t",
                            "channel": "ch.col.channel",
                            "score": "ch.col.score",
                            "verbatim": "ch.col.verbatim",
                        },
                        formats={"t": "datetime"},
                        column_widths={"verbatim": "large", "t": 150},
                        key="ch_verbatims",
                    )
                    ui.download_csv(verbatims, f"verbatims_{kpi}.csv", "dl_ch_verbatims", lang)


viewer_role = ui_auth.current_user().role
if may_see_records(viewer_role):
    drilldown()
else:
    st.header(t("ch.drill.header", lang))
    st.info(t("ch.drill.no_access", lang, role=t(f"role.{viewer_role}", lang)))

# ---------------------------------------------------------------- trend
st.header(t("ch.trend.header", lang, kpi=kpi_label))
by_key = f"ch_trend_by_{lang}"
if by_key not in ss:
    ss[by_key] = state.get("trend_by", "channel")
trend_by = st.radio(
    t("ch.trend.by", lang),
    ["channel", "cohort"],
    key=by_key,
    horizontal=True,
    format_func=lambda b: (
        t("ch.trend.by_channel", lang)
        if b == "channel"
        else t("ch.trend.by_cohort", lang, cohort=dim_label(cohort).lower())
    ),
)
state["trend_by"] = trend_by
series_dim = "channel" if trend_by == "channel" else cohort
window = cr.trend_window(source, active.period.end if active.period else None)
trend, dropped = (
    ui.cached(cr.kpi_trend, source, kpi, series_dim, active.spec, *window, settings.min_n, role=viewer_role)
    if window
    else (pd.DataFrame(columns=list(cr.TREND_COLUMNS)), [])
)
if trend.empty:
    st.info(t("ch.trend.empty", lang))
else:
    st.caption(
        t(
            "ch.trend.caption",
            lang,
            unit=unit,
            days=source.period_days,
            first=window[0].isoformat(),
            last=window[1].isoformat(),
            min_n=fmt_int(settings.min_n, lang),
            max=cr.MAX_SERIES,
        )
    )
    periods = sorted(trend["period"].unique())
    fig = go.Figure()
    by_size = trend.groupby("series")["n"].sum().sort_values(ascending=False, kind="stable")
    colour = {name: TREND_COLOURS[i % len(TREND_COLOURS)] for i, name in enumerate(by_size.index)}
    for name, series in trend.groupby("series", sort=False):
        full = series.set_index("period").reindex(periods)
        fig.add_trace(
            go.Scatter(
                x=periods,
                y=full["value"],
                name=html.escape(str(name)),
                mode="lines+markers",
                connectgaps=False,
                line={"color": colour[name], "width": 2},
                marker={
                    "size": 8,
                    "symbol": [
                        "circle" if e == e and e else "circle-open" for e in full["enough_data"]
                    ],
                    "line": {"width": 2},
                },
                customdata=[
                    [fmt_int(n, lang), fmt_value(lo), fmt_value(hi)]
                    for n, lo, hi in zip(full["n"], full["ci_low"], full["ci_high"], strict=True)
                ],
                hovertemplate=f"<b>{html.escape(str(name))}</b> · %{{x}}<br>{kpi_label}: %{{y:.{decimals}f}} {unit}"
                "<br>95%: %{customdata[1]} – %{customdata[2]}<br>n = %{customdata[0]}<extra></extra>",
            )
        )
    fig.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": {"text": t("ch.trend.x", lang)}, "type": "category"},
        yaxis={"title": {"text": f"{kpi_label} ({unit})"}},
        legend={"title": {"text": dim_label(series_dim)}},
        separators=ui.plotly_separators(lang),
        hovermode="closest",
    )
    st.plotly_chart(fig, key="ch_trend", config={"displayModeBar": False})
    if dropped:
        st.caption(t("ch.trend.more", lang, n=len(dropped), names=md_escape(", ".join(dropped))))
    if trend["suppressed"].notna().any():
        st.caption(
            t("privacy.note", lang, k=fmt_int(settings.k_anonymity, lang), role=t(f"role.{viewer_role}", lang))
        )
    ui.download_csv(trend, f"trend_{kpi}_by_{series_dim}.csv", "dl_ch_trend", lang)
