"""The Channels & cohorts page's figures: the KPI × channel × cohort heatmap and the trend."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from cxmetrics import ui
from cxmetrics.i18n import fmt_int, fmt_number, t
from cxmetrics.metrics import suppression
from cxmetrics.metrics.registry import KPIS
from cxmetrics.reports import channels as cr
from cxmetrics.reports.overview import value_decimals

GREY = "#c9c9c9"
# Heatmap overlay: one invisible marker per cell makes cells clickable (heatmaps are not selectable).
OVERLAY_TRACE = 2
# Trend lines: the Okabe-Ito palette, the largest series first, yellow (low contrast on white) last.
TREND_COLOURS = tuple(c for c in ui.PALETTE if c != "#F0E442") + ("#F0E442",)
MARKS = {"above": " ▲", "below": " ▼", "": ""}


def heatmap_figure(
    cells: pd.DataFrame,
    channels: list[str],
    values: list[str],
    selected: tuple[str, str] | None,
    *,
    kpi: str,
    cohort: str,
    overall: float | None,
    min_n: int,
    lang: str,
) -> go.Figure:
    """``channel_cohort_heatmap`` as a heatmap, ``channels`` as rows and ``values`` (of the
    ``cohort`` dimension) as columns: coloured cells (n >= min_n; blue better, red worse,
    white at ``overall``), grey cells (too few records, or suppressed: only the label), an
    invisible clickable marker per cell (trace ``OVERLAY_TRACE``, one per row of ``cells``
    in order) and the ``selected`` cell outlined.

    A count (contact volume) has no good or bad direction: one blue scale from 0, no test.
    A median (time to answer) shows its p90 under the value. A churn KPI has one row, the
    customers (a customer has no channel)."""
    kspec = KPIS[kpi]
    kpi_label = kspec.label(lang)
    unit = cr.unit_text(kpi, lang)
    decimals = value_decimals(kpi)
    count, median, churn = kspec.kind == "count", kspec.kind == "median", cr.is_churn(kpi)

    def fmt_value(x: float | None) -> str:
        return fmt_number(x, lang, decimals)

    def row_name(channel: str) -> str:
        return t("ops.ch.customers", lang) if churn else channel

    def p90_text(p90: float | None, sep: str) -> str:
        return f"{sep}p90 = {fmt_value(p90)}" if median and p90 == p90 and p90 is not None else ""

    y_labels = [row_name(c) for c in channels]
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
            oy.append(y_labels[i])
            hover.append(f"<b>{y_labels[i]} · {x_labels[j]}</b><br>{suppression.label(hidden, lang)}")
            continue
        n_text = f"n = {fmt_int(row.n, lang)}"
        if row.enough_data:
            z[i][j] = row.value
            n_line = "" if count else f"<br>{n_text}"  # a count is its own n
            text[i][j] = f"<b>{fmt_value(row.value)}{MARKS[row.direction]}</b>{p90_text(row.p90, '<br>')}{n_line}"
        else:
            grey[i][j] = 0
            # many columns: the cell is too narrow for the words; the legend says what grey means
            grey_text[i][j] = n_text if compact else f"{t('not_enough_data', lang)}<br>{n_text}"
        ox.append(x_labels[j])
        oy.append(y_labels[i])
        ci = "" if count else f"<br>95%: {fmt_value(row.ci_low)} – {fmt_value(row.ci_high)}"
        mark = (
            t(f"ch.{row.direction}", lang) if row.direction
            else t("not_significant", lang) if cr.is_tested(kpi) else t("ops.ch.no_test", lang)
        )
        click = "" if churn else f"<br><i>{t('ch.heatmap.hover', lang)}</i>"
        hover.append(
            f"<b>{y_labels[i]} · {x_labels[j]}</b><br>{kpi_label}: {fmt_value(row.value)} {unit}"
            f"{p90_text(row.p90, '<br>')}{ci}<br>{n_text}<br>{mark}{click}"
        )
    coloured = [v for v in cells.loc[cells["enough_data"], "value"] if v is not None]
    mid = overall if overall is not None else 0.0
    spread = max([abs(v - mid) for v in coloured] + [1e-9])
    # RdBu is colour-blind safe; blue always means better, red worse.
    scale = "RdBu" if kspec.higher_is_better else "RdBu_r"
    colour_range = (
        {"colorscale": [[0, "#F7FBFF"], [1, "#08306B"]], "zmin": 0, "zmax": max(coloured + [1])}  # a count: more or fewer, not better
        if count
        else {"colorscale": scale, "zmid": mid, "zmin": mid - spread, "zmax": mid + spread}
    )
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            z=grey,
            x=x_labels,
            y=y_labels,
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
            y=y_labels,
            text=text,
            texttemplate="%{text}",
            hoverinfo="skip",
            **colour_range,
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
            name=f"{t('not_enough_data', lang)} (n < {fmt_int(min_n, lang)})",
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
            "title": {"text": t(f"dim.{cohort}", lang)},
            "type": "category",
            "side": "top",
            "fixedrange": True,
            "showgrid": False,
            "categoryorder": "array",
            "categoryarray": x_labels,
        },
        yaxis={
            "title": {"text": "" if churn else t("dim.channel", lang)},
            "type": "category",
            "autorange": "reversed",
            "fixedrange": True,
            "showgrid": False,
            "categoryorder": "array",
            "categoryarray": y_labels,
        },
        separators=ui.plotly_separators(lang),
        hovermode="closest",
        hoverdistance=-1,
        dragmode=False,
        plot_bgcolor="#ffffff",
    )
    return fig


def trend_figure(trend: pd.DataFrame, kpi: str, series_dim: str, lang: str) -> go.Figure:
    """``kpi_trend`` as one line per series over the review periods (a gap where a series
    has no point), coloured by size (largest first); hollow markers: fewer than min_n.
    The hover has the 95% interval (none for a count) and a median's p90. Plain dicts
    (``ui.figure``): Plotly's validation of twenty traces cost ~0.5 s a run."""
    kpi_label = KPIS[kpi].label(lang)
    unit = cr.unit_text(kpi, lang)
    decimals = value_decimals(kpi)
    kind = KPIS[kpi].kind
    extra = ("" if kind == "count" else "<br>95%: %{customdata[1]} – %{customdata[2]}") + (
        "<br>p90 = %{customdata[3]}" if kind == "median" else ""
    )
    periods = sorted(trend["period"].unique())
    by_size = trend.groupby("series")["n"].sum().sort_values(ascending=False, kind="stable")
    colour = {name: TREND_COLOURS[i % len(TREND_COLOURS)] for i, name in enumerate(by_size.index)}
    traces = []
    for name, series in trend.groupby("series", sort=False):
        full = series.set_index("period").reindex(periods)
        traces.append({
            "type": "scatter",
            "x": list(periods),
            "y": [None if v != v else float(v) for v in full["value"]],
            "name": html.escape(str(name)),
            "mode": "lines+markers",
            "connectgaps": False,
            "line": {"color": colour[name], "width": 2},
            "marker": {
                "size": 8,
                "symbol": ["circle" if e == e and e else "circle-open" for e in full["enough_data"]],
                "line": {"width": 2},
            },
            "customdata": [
                [fmt_int(n, lang), fmt_number(lo, lang, decimals), fmt_number(hi, lang, decimals),
                 fmt_number(p90, lang, decimals)]
                for n, lo, hi, p90 in zip(full["n"], full["ci_low"], full["ci_high"],
                                        full["p90"] if "p90" in full else [None] * len(full), strict=True)
            ],
            "hovertemplate": f"<b>{html.escape(str(name))}</b> · %{{x}}<br>{kpi_label}: %{{y:.{decimals}f}} {unit}"
            f"{extra}<br>n = %{{customdata[0]}}<extra></extra>",
        })
    return ui.figure(traces, {
        "height": 420,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "xaxis": {"title": {"text": t("ch.trend.x", lang)}, "type": "category"},
        "yaxis": {"title": {"text": f"{kpi_label} ({unit})"}},
        "legend": {"title": {"text": t(f"dim.{series_dim}", lang)}},
        "separators": ui.plotly_separators(lang),
        "hovermode": "closest",
    })
