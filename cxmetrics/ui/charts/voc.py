"""The Voice of the customer page's figures: theme volume and impact, sentiment mix, the
trend of the themes' shares and the theme × channel heatmap.

Pure builders over the frames of ``cxmetrics.reports.voc`` (no Streamlit, no query). A
hidden theme (k-anonymity) keeps its place with no bar and says why in its label; data
values (channel names) are escaped, never read as HTML.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
from plotly.colors import get_colorscale

from cxmetrics import ui
from cxmetrics.i18n import fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics.registry import KPIS
from cxmetrics.reports.channels import unit_text
from cxmetrics.reports.overview import value_decimals
from cxmetrics.reports.small_cells import reasons
from cxmetrics.reports.voc import theme_label

GREY = "#c9c9c9"
BLUE, VERMILLION, DARK = "#0072B2", "#D55E00", "#444444"
SENTIMENT_COLOURS = {"negative": VERMILLION, "neutral": "#BBBBBB", "positive": "#009E73"}
MARKS = {"up": " ▲", "down": " ▼", "": ""}


def _layout(title: str, subtitle: str, height: int, lang: str, **extra: Any) -> dict:
    return {
        "title": {"text": title, "font": {"size": 16}, "subtitle": {"text": subtitle}},
        "height": height,
        "margin": {"l": 10, "r": 30, "t": 80, "b": 40},
        "separators": ui.plotly_separators(lang),
        "showlegend": False,
        "plot_bgcolor": "#ffffff",
        **extra,
    }


def _labels(df: pd.DataFrame, lang: str) -> list[str]:
    short = t("privacy.suppressed.short", lang)
    return [f"{theme_label(k, lang)} ({short})" if r else theme_label(k, lang)
            for k, r in zip(df["theme"], reasons(df), strict=True)]


def _height(rows: int) -> int:
    return 140 + 34 * max(rows, 1)


def _category_axis(labels: list[str]) -> dict:
    return {"type": "category", "categoryorder": "array", "categoryarray": labels, "autorange": "reversed",
            "automargin": True}


def volume_figure(ranking: pd.DataFrame, lang: str) -> Any:
    """``theme_ranking``: each theme's share of the comments (bars, Wilson whiskers, n),
    largest first."""
    labels = _labels(ranking, lang)
    share = ui.plotly_array(ranking["share"])
    high = ui.plotly_array(ranking["share_ci_high"])
    low = ui.plotly_array(ranking["share_ci_low"])
    text = ["" if v is None else f"{fmt_pct(v / 100, lang)} · n = {fmt_int(n, lang)}"
            for v, n in zip(share, ranking["n"], strict=True)]
    bar = {
        "type": "bar", "orientation": "h", "y": labels, "x": share,
        "marker": {"color": BLUE},
        "error_x": {"type": "data", "symmetric": False,
                    "array": [None if v is None else hi - v for v, hi in zip(share, high, strict=True)],
                    "arrayminus": [None if v is None else v - lo for v, lo in zip(share, low, strict=True)],
                    "color": DARK, "thickness": 1.2},
        "customdata": text,
        "hovertemplate": "%{y}: %{customdata}<extra></extra>",
    }
    # the labels right of the whiskers, so that they never overlap
    labels_trace = {
        "type": "scatter", "mode": "text", "y": labels, "x": [None if v is None else hi for v, hi in zip(share, high, strict=True)],
        "text": [f"  {x}" for x in text], "textposition": "middle right", "textfont": {"size": 12, "color": "#333333"},
        "hoverinfo": "skip", "cliponaxis": False,
    }
    top = max([v for v in high if v is not None] + [1.0])
    return ui.figure([bar, labels_trace], _layout(
        t("voc.volume.chart_title", lang), t("voc.volume.chart_units", lang), _height(len(labels)), lang,
        xaxis={"title": {"text": t("voc.volume.axis", lang)}, "range": [0, top * 1.45], "rangemode": "tozero"},
        yaxis=_category_axis(labels),
    ))


def impact_figure(ranking: pd.DataFrame, kpi: str, lang: str) -> Any:
    """``theme_ranking``: each theme's KPI minus that of every other comment, with its 95 %
    interval; ordered from the most negative; significant differences coloured (blue
    better, vermillion worse), hollow markers for themes under the minimum n."""
    shown = ranking[ranking["diff"].notna()].sort_values("diff", kind="stable")
    labels = _labels(shown, lang)
    dec = value_decimals(kpi)
    better = KPIS[kpi].higher_is_better
    colours = [(BLUE if (d > 0) == better else VERMILLION) if s else "#888888"
               for d, s in zip(shown["diff"], shown["significant"], strict=True)]
    dots = {
        "type": "scatter", "mode": "markers", "y": labels, "x": shown["diff"].tolist(),
        "marker": {"size": 11, "color": colours, "symbol": ["circle" if e else "circle-open" for e in shown["enough_data"]],
                   "line": {"width": 2, "color": colours}},
        "error_x": {"type": "data", "symmetric": False, "array": (shown["diff_ci_high"] - shown["diff"]).tolist(),
                    "arrayminus": (shown["diff"] - shown["diff_ci_low"]).tolist(), "color": DARK, "thickness": 1.2},
        "customdata": [[fmt_number(v, lang, dec), fmt_number(r, lang, dec), fmt_int(n, lang),
                        fmt_number(lo, lang, dec), fmt_number(hi, lang, dec)]
                       for v, r, n, lo, hi in zip(shown["value"], shown["rest_value"], shown["n"], shown["diff_ci_low"],
                                                  shown["diff_ci_high"], strict=True)],
        "hovertemplate": f"<b>%{{y}}</b><br>{t('voc.impact.with', lang, kpi=KPIS[kpi].label(lang))}: "
        f"%{{customdata[0]}} (n = %{{customdata[2]}})<br>{t('voc.impact.rest', lang)}: %{{customdata[1]}}"
        f"<br>{t('voc.impact.diff', lang)}: %{{x:.{dec}f}} (95 %: %{{customdata[3]}} – %{{customdata[4]}})"
        "<extra></extra>",
    }
    return ui.figure([dots], _layout(
        t("voc.impact.chart_title", lang, kpi=KPIS[kpi].label(lang)),
        t("voc.impact.chart_units", lang, unit=unit_text(kpi, lang)), _height(len(labels)), lang,
        xaxis={"title": {"text": t("voc.impact.axis", lang, kpi=KPIS[kpi].label(lang))}, "zeroline": True,
               "zerolinecolor": "#000000", "zerolinewidth": 1},
        yaxis=_category_axis(labels),
    ))


def sentiment_figure(mix: pd.DataFrame, lang: str) -> Any:
    """``sentiment_mix``: one 100 % bar per theme (all comments first), a segment per
    sentiment; what the role may not see is one grey segment ('suppressed')."""
    themes = list(dict.fromkeys(mix["theme"]))
    totals = mix.drop_duplicates("theme").set_index("theme")["theme_n"]
    visible = [k for k in themes if not pd.isna(totals[k])]

    def label(k: str) -> str:
        name = t("voc.sentiment.all", lang) if k == "all" else theme_label(k, lang)
        return f"{name} (n = {fmt_int(totals[k], lang)})"

    labels = [label(k) for k in visible]
    traces = []
    for s in dict.fromkeys(mix["sentiment"]):
        part = mix[mix["sentiment"] == s].set_index("theme")
        x = [None if pd.isna(part.at[k, "share"]) else float(part.at[k, "share"]) for k in visible]
        n = [part.at[k, "n"] for k in visible]
        traces.append({
            "type": "bar", "orientation": "h", "name": t(f"voc.sentiment.{s}", lang), "y": labels, "x": x,
            "marker": {"color": SENTIMENT_COLOURS.get(s, GREY)},
            "text": ["" if v is None or v < 6 else fmt_pct(v / 100, lang, 0) for v in x],
            "textposition": "inside", "insidetextanchor": "middle",
            "customdata": [fmt_int(v, lang) for v in n],
            "hovertemplate": "%{y}<br>" + t(f"voc.sentiment.{s}", lang) + ": %{x:.1f} % (n = %{customdata})<extra></extra>",
        })
    hidden = []
    for k in visible:
        shown = mix[(mix["theme"] == k)]["share"].fillna(0).sum()
        hidden.append(max(0.0, 100.0 - float(shown)) if any(reasons(mix[mix["theme"] == k])) else None)
    if any(h for h in hidden):
        traces.append({"type": "bar", "orientation": "h", "name": t("privacy.suppressed.short", lang), "y": labels,
                       "x": hidden, "hoverinfo": "skip",
                       "marker": {"color": "#ffffff", "line": {"color": "#888888", "width": 1},
                                  "pattern": {"shape": "/", "fgcolor": "#888888"}}})
    return ui.figure(traces, _layout(
        t("voc.sentiment.chart_title", lang), t("voc.sentiment.chart_units", lang), _height(len(labels)) + 40, lang,
        barmode="stack", showlegend=True,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0, "traceorder": "normal"},
        margin={"l": 10, "r": 30, "t": 110, "b": 40},
        xaxis={"title": {"text": t("voc.sentiment.axis", lang)}, "range": [0, 100]},
        yaxis=_category_axis(labels),
    ))


def trend_figure(trends: pd.DataFrame, previous: str, current: str, lang: str) -> Any:
    """``theme_trends``: each theme's share of the comments in the previous period (hollow)
    and this one (filled), joined; rising first; a significant change is marked ▲/▼ and
    coloured."""
    shown = trends[trends["share"].notna() & trends["prev_share"].notna()]
    labels = [theme_label(k, lang) + MARKS[d] for k, d in zip(shown["theme"], shown["share_direction"], strict=True)]
    colours = [VERMILLION if d == "up" else BLUE if d == "down" else "#888888" for d in shown["share_direction"]]
    lines_x: list = []
    lines_y: list = []
    for label, a, b in zip(labels, shown["prev_share"], shown["share"], strict=True):
        lines_x += [a, b, None]
        lines_y += [label, label, None]
    traces = [
        {"type": "scatter", "mode": "lines", "x": lines_x, "y": lines_y, "line": {"color": "#bbbbbb", "width": 3},
         "hoverinfo": "skip", "showlegend": False},
        {"type": "scatter", "mode": "markers", "name": previous, "x": shown["prev_share"].tolist(), "y": labels,
         "marker": {"size": 11, "symbol": "circle-open", "color": "#666666", "line": {"width": 2}},
         "customdata": [fmt_int(n, lang) for n in shown["prev_n"]],
         "hovertemplate": f"%{{y}} · {previous}: %{{x:.1f}} % (n = %{{customdata}})<extra></extra>"},
        {"type": "scatter", "mode": "markers", "name": current, "x": shown["share"].tolist(), "y": labels,
         "marker": {"size": 12, "color": colours},
         "customdata": [fmt_int(n, lang) for n in shown["n"]],
         "hovertemplate": f"%{{y}} · {current}: %{{x:.1f}} % (n = %{{customdata}})<extra></extra>"},
    ]
    return ui.figure(traces, _layout(
        t("voc.trend.chart_title", lang), t("voc.trend.chart_units", lang, previous=previous, current=current),
        _height(len(labels)) + 40, lang, showlegend=True,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
        margin={"l": 10, "r": 30, "t": 110, "b": 40},
        xaxis={"title": {"text": t("voc.volume.axis", lang)}, "rangemode": "tozero"},
        yaxis=_category_axis(labels),
    ))


def heatmap_figure(cells: pd.DataFrame, measure: str, kpi: str, overall: float | None, min_n: int, lang: str) -> Any:
    """``theme_channel_cells`` as themes (rows) × channels (columns): ``measure`` 'share'
    (the share of the channel's comments on the theme, blues) or 'value' (the KPI of the
    cell, blue better, red worse, white at ``overall``); grey where the base is under
    ``min_n`` or the cell is hidden from the role."""
    themes = list(dict.fromkeys(cells["theme"]))
    channels = list(dict.fromkeys(cells["channel"]))
    rows = [theme_label(k, lang) for k in themes]
    cols = [html.escape(c) for c in channels]
    z = [[None] * len(cols) for _ in rows]
    grey = [[None] * len(cols) for _ in rows]
    text = [[""] * len(cols) for _ in rows]
    dec = 1 if measure == "share" else value_decimals(kpi)
    for r in cells.itertuples():
        i, j = themes.index(r.theme), channels.index(r.channel)
        enough = r.enough_share if measure == "share" else r.enough_value
        figure = r.share if measure == "share" else r.value
        if isinstance(r.suppressed, str):
            grey[i][j], text[i][j] = 0, t("privacy.suppressed.short", lang)
        elif enough and figure == figure and figure is not None:
            z[i][j] = figure
            text[i][j] = f"<b>{fmt_number(figure, lang, dec)}</b><br>n = {fmt_int(r.n, lang)}"
        else:
            grey[i][j], text[i][j] = 0, f"n = {fmt_int(r.n, lang)}"
    if measure == "share":
        scale: dict = {"colorscale": get_colorscale("Blues"), "zmin": 0}
        bar_title = t("voc.heatmap.share_bar", lang)
    else:
        coloured = [v for row in z for v in row if v is not None]
        mid = overall if overall is not None else 0.0
        spread = max([abs(v - mid) for v in coloured] + [1e-9])
        scale = {"colorscale": get_colorscale("RdBu" if KPIS[kpi].higher_is_better else "RdBu_r"), "zmid": mid,
                 "zmin": mid - spread, "zmax": mid + spread}
        bar_title = f"{KPIS[kpi].label(lang)} ({unit_text(kpi, lang)})"
    common = {"x": cols, "y": rows, "xgap": 3, "ygap": 3, "texttemplate": "%{text}", "hoverinfo": "skip"}
    traces = [
        {"type": "heatmap", "z": grey, "text": text, "colorscale": [[0, GREY], [1, GREY]], "showscale": False,
         "textfont": {"size": 12, "color": "#333333"}, **common},
        {"type": "heatmap", "z": z, "text": text, "textfont": {"size": 12}, **scale,
         "colorbar": {"title": {"text": bar_title, "side": "right"}, "thickness": 14}, **common},
    ]
    return ui.figure(traces, {
        "height": 170 + 48 * len(rows),
        "margin": {"l": 10, "r": 10, "t": 40, "b": 40},
        "xaxis": {"title": {"text": t("dim.channel", lang)}, "type": "category", "side": "top", "fixedrange": True,
                  "showgrid": False},
        "yaxis": {"type": "category", "autorange": "reversed", "fixedrange": True, "showgrid": False,
                  "automargin": True},
        "separators": ui.plotly_separators(lang),
        "plot_bgcolor": "#ffffff",
        "annotations": [{"text": t("voc.heatmap.grey", lang, min_n=fmt_int(min_n, lang)), "xref": "paper",
                         "yref": "paper", "x": 0, "y": -0.01, "yanchor": "top", "showarrow": False,
                         "font": {"size": 12, "color": "#555555"}}],
    })
