"""The Retention & churn page's figures: monthly churn by cohort, Kaplan–Meier curves with
95 % bands, churn after a negative experience, the research signal by identity state and
the risk model's calibration. A suppressed group has no mark; its label says why."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxmetrics import ui
from cxmetrics.i18n import t
from cxmetrics.reports import retention_tables as rt
from cxmetrics.reports.small_cells import reason_of

# Okabe-Ito first, then Tol's muted colours: region and signup quarter have 9 values
COLORS = (*(c for c in ui.PALETTE if c != "#F0E442"), "#882255", "#44AA99", "#999933", "#888888", "#F0E442")


def _layout(title: str, units: str, height: int, lang: str, **extra: Any) -> dict:
    return {
        "title": {"text": title, "font": {"size": 16}, "subtitle": {"text": units}},
        "height": height,
        "margin": {"l": 10, "r": 30, "t": 115, "b": 50},
        "separators": ui.plotly_separators(lang),
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        **extra,
    }


def _whiskers(df: pd.DataFrame, value: str = "rate", scale: float = 1.0) -> dict:
    v = df[value].astype(float) * scale
    return {"type": "data", "symmetric": False, "thickness": 1.2,
            "array": ui.plotly_array(df["ci_high"].astype(float) * scale - v),
            "arrayminus": ui.plotly_array(v - df["ci_low"].astype(float) * scale)}


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)}, {int(h[2:4], 16)}, {int(h[4:6], 16)}, {alpha})"


def monthly_figure(df: pd.DataFrame, cohort: str, lang: str) -> Any:
    """churn_rate by month, one line per cohort with 95 % whiskers; partial months are
    labelled on the axis."""
    months = sorted(df["month"].unique())
    partial = dict(zip(df["month"], df["partial"], strict=False))
    labels = {m: rt.month_label(m, bool(partial.get(m)), lang) for m in months}
    traces = []
    for i, (value, part) in enumerate(df.groupby("cohort", sort=True)):
        color = COLORS[i % len(COLORS)]
        traces.append({
            "type": "scatter", "mode": "lines+markers", "name": rt.cohort_value(cohort, value, lang),
            "x": [labels[m] for m in part["month"]], "y": ui.plotly_array(part["rate"]),
            "line": {"color": color}, "marker": {"color": color, "size": 7},
            "error_y": _whiskers(part) | {"color": color},
            "hovertemplate": "%{x} · %{fullData.name}: %{y:.2f} %<extra></extra>",
        })
    return ui.figure(traces, _layout(
        t("ret.month.chart_title", lang, cohort=rt.cohort_name(cohort, lang)), t("ret.month.chart_units", lang),
        440, lang, showlegend=True, yaxis={"title": {"text": t("ret.month.axis", lang)}, "rangemode": "tozero"},
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": [labels[m] for m in months]}))


def survival_figure(table: pd.DataFrame, cohort: str, time_scale: str, lang: str) -> Any:
    """Kaplan–Meier step curves (percent still customers) with shaded 95 % bands, one
    colour per cohort; a hidden cohort is only named in the legend."""
    traces: list[dict] = []
    low_y = 100.0
    for i, (value, part) in enumerate(table.groupby("cohort", sort=True)):
        color = COLORS[i % len(COLORS)]
        name = rt.cohort_value(cohort, value, lang)
        reason = reason_of(part["suppressed"].iloc[0])
        if reason:
            traces.append({"type": "scatter", "mode": "lines", "x": [None], "y": [None], "line": {"color": color},
                           "name": f"{name} ({t('privacy.suppressed.short', lang)})"})
            continue
        part = part.sort_values("time")
        low_y = min(low_y, float(part["ci_low"].min()) * 100)
        x = part["time"].tolist()
        traces.append({"type": "scatter", "mode": "lines", "x": x, "y": (part["ci_low"] * 100).tolist(),
                       "line": {"width": 0, "shape": "hv", "color": color}, "hoverinfo": "skip",
                       "showlegend": False, "legendgroup": str(value)})
        traces.append({"type": "scatter", "mode": "lines", "x": x, "y": (part["ci_high"] * 100).tolist(),
                       "line": {"width": 0, "shape": "hv", "color": color}, "fill": "tonexty",
                       "fillcolor": _rgba(color, 0.15), "hoverinfo": "skip", "showlegend": False,
                       "legendgroup": str(value)})
        traces.append({"type": "scatter", "mode": "lines", "x": x, "y": (part["survival"] * 100).tolist(),
                       "line": {"shape": "hv", "color": color, "width": 2}, "name": name,
                       "legendgroup": str(value), "customdata": part["at_risk"].tolist(),
                       "hovertemplate": f"{t(f'ret.km.axis_x.{time_scale}', lang)} %{{x}}: %{{y:.2f}} %"
                                        f" · {t('ret.km.at_risk', lang)} %{{customdata}}<extra>%{{fullData.name}}</extra>"})
    bottom = max(0.0, low_y - (100 - low_y) * 0.1) if low_y < 100 else 95.0
    return ui.figure(traces, _layout(
        t("ret.km.chart_title", lang, cohort=rt.cohort_name(cohort, lang)), t("ret.km.chart_units", lang),
        480, lang, showlegend=True,
        xaxis={"title": {"text": t(f"ret.km.axis_x.{time_scale}", lang)}, "rangemode": "tozero"},
        yaxis={"title": {"text": t("ret.km.axis_y", lang)}, "range": [bottom, 100.5]}))


def windows_figure(table: pd.DataFrame, lang: str) -> Any:
    """Churn within 30 and 90 days after the anchor: bars per group with 95 % whiskers."""
    traces = []
    for i, group in enumerate(("negative", "none")):
        part = table[table["group"] == group]
        color = (ui.PALETTE[5], ui.PALETTE[0])[i]
        traces.append({
            "type": "bar", "name": t(f"ret.after.group.{group}", lang),
            "x": [rt.window_label(w, lang) for w in part["window_days"]], "y": ui.plotly_array(part["rate"]),
            "marker": {"color": color}, "error_y": _whiskers(part) | {"color": "#444"},
            "hovertemplate": "%{x} · %{fullData.name}: %{y:.2f} %<extra></extra>",
        })
    return ui.figure(traces, _layout(t("ret.after.chart_title", lang), t("ret.after.chart_units", lang), 420, lang,
                                     showlegend=True, barmode="group",
                                     yaxis={"title": {"text": t("ret.after.axis", lang)}, "rangemode": "tozero"}))


def research_figure(df: pd.DataFrame, lang: str) -> Any:
    """Churned customers by the identity state of their first termination research."""
    short = t("privacy.suppressed.short", lang)
    labels = [f"{t(f'ret.research.state.{s}', lang)}" + (f" ({short})" if reason_of(r) else "")
              for s, r in zip(df["identity_state"], df["suppressed"], strict=True)]
    bar = {"type": "bar", "orientation": "h", "y": labels, "x": ui.plotly_array(df["share"]),
           "marker": {"color": [ui.PALETTE[2], ui.PALETTE[1], "#9aa5b1", "#9aa5b1"][: len(df)]},
           "error_x": _whiskers(df, "share") | {"color": "#444"},
           "hovertemplate": "%{y}: %{x:.1f} %<extra></extra>"}
    return ui.figure([bar], _layout(t("ret.research.chart_title", lang), t("ret.research.chart_units", lang),
                                    300, lang, showlegend=False,
                                    xaxis={"title": {"text": t("ret.research.axis", lang)}, "rangemode": "tozero"},
                                    yaxis={"automargin": True, "autorange": "reversed"}))


def calibration_figure(cal: pd.DataFrame, lang: str) -> Any:
    """Observed churn in the test window by decile of predicted risk (bars, 95 % whiskers)
    beside the mean predicted risk (markers): a calibrated model has them level."""
    observed = {"type": "bar", "name": t("ret.risk.cal.observed", lang), "x": cal["decile"].tolist(),
                "y": ui.plotly_array(cal["observed"]), "marker": {"color": ui.PALETTE[0]},
                "error_y": _whiskers(cal, "observed") | {"color": "#444"},
                "hovertemplate": f"{t('ret.risk.cal.decile', lang)} %{{x}}: %{{y:.2f}} %<extra>%{{fullData.name}}</extra>"}
    predicted = {"type": "scatter", "mode": "lines+markers", "name": t("ret.risk.cal.predicted", lang),
                 "x": cal["decile"].tolist(), "y": ui.plotly_array(cal["mean_score"]),
                 "marker": {"color": ui.PALETTE[1], "size": 9, "symbol": "diamond"},
                 "line": {"color": ui.PALETTE[1], "dash": "dot"},
                 "hovertemplate": f"{t('ret.risk.cal.decile', lang)} %{{x}}: %{{y:.2f}} %<extra>%{{fullData.name}}</extra>"}
    return ui.figure([observed, predicted], _layout(
        t("ret.risk.cal.title", lang), t("ret.risk.cal.units", lang), 420, lang, showlegend=True,
        xaxis={"title": {"text": t("ret.risk.cal.decile_axis", lang)}, "dtick": 1},
        yaxis={"title": {"text": t("ret.risk.cal.axis", lang)}, "rangemode": "tozero"}))
