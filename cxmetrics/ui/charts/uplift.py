"""The Identity uplift page's figures: the forest plot of recognized − anonymous, the
negative experiences before login, and the research-to-contact lead times."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go

from cxmetrics import ui
from cxmetrics.i18n import fmt_int, fmt_pct, t
from cxmetrics.metrics import suppression
from cxmetrics.metrics.registry import KPIS
from cxmetrics.reports import uplift_tables as ut
from cxmetrics.reports.small_cells import reason_of, reasons
from cxmetrics.ui.charts import count_axis

# (estimate, marker, colour, vertical offset within its row)
ESTIMATES = (("raw", "circle", ui.PALETTE[0], -0.14), ("adjusted", "diamond", ui.PALETTE[1], 0.14))


def _kpi_title(kpi: str, lang: str) -> str:
    return f"{KPIS[kpi].label(lang)} ({t(f'up.diff_unit.{KPIS[kpi].kind}', lang)})"


def forest_figure(
    rows: pd.DataFrame, group_col: str | None, group_label: Callable[[str | None], str], title: str, lang: str
) -> go.Figure:
    """``forest_rows`` (with ``group_col``, one row of markers per group; without, one row):
    one panel per KPI in its own unit, a zero line, raw and adjusted difference with 95 %
    whiskers. A suppressed comparison has no marker; its group's name, or the empty
    panel, says why."""
    short = t("privacy.suppressed.short", lang)
    panels = list(dict.fromkeys(rows["kpi"]))
    groups = list(dict.fromkeys(rows[group_col])) if group_col else [None]
    domains = ui.stacked_axes(len(panels), min(0.5 / len(panels), 0.12))
    data: list[dict] = []
    layout: dict = {
        "title": {"text": title},
        "height": 90 + len(panels) * (70 + 45 * len(groups)),
        "margin": {"l": 10, "r": 20, "t": 80, "b": 30},
        "separators": ui.plotly_separators(lang),
        "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        "annotations": [],
        "shapes": [],
    }
    for i, (kpi, (bottom, top)) in enumerate(zip(panels, domains, strict=True), start=1):
        axis = "" if i == 1 else str(i)
        part = rows[rows["kpi"] == kpi]
        why = {(g if group_col else None): reason_of(r) for g, r in
               zip(part[group_col] if group_col else [None] * len(part), part["suppressed"], strict=True)}
        for est, symbol, color, offset in ESTIMATES:
            sub = part[part["estimate"] == est]
            ys = (
                [groups.index(g) + offset for g in sub[group_col]]
                if group_col
                else [offset] * len(sub)
            )
            diff = sub["diff"].astype(float)
            data.append(
                {
                    "type": "scatter",
                    "x": diff.tolist(),
                    "y": ys,
                    "xaxis": f"x{axis}",
                    "yaxis": f"y{axis}",
                    "mode": "markers",
                    "name": t(f"up.estimate.{est}", lang),
                    "legendgroup": est,
                    "showlegend": i == 1,
                    "marker": {"symbol": symbol, "size": 11, "color": color},
                    "error_x": {
                        "type": "data",
                        "symmetric": False,
                        "color": color,
                        "thickness": 2,
                        "array": (sub["ci_high"].astype(float) - diff).tolist(),
                        "arrayminus": (diff - sub["ci_low"].astype(float)).tolist(),
                    },
                    "customdata": [
                        [lo, hi] for lo, hi in zip(sub["ci_low"], sub["ci_high"], strict=True)
                    ],
                    "hovertemplate": "%{x:.2f} (%{customdata[0]:.2f} – %{customdata[1]:.2f})<extra>"
                    + t(f"up.estimate.{est}", lang)
                    + "</extra>",
                }
            )
        ends = pd.concat([part["ci_low"], part["ci_high"], part["diff"]]).astype(float).dropna()
        low, high = min(ends.min(), 0.0), max(ends.max(), 0.0)  # NaN-safe when all are missing
        pad = 0.06 * (high - low) or 1.0
        layout[f"xaxis{axis}"] = {
            "anchor": f"y{axis}",
            "domain": [0.0, 1.0],
            "range": [low - pad, high + pad],
            "zeroline": False,
        }
        layout[f"yaxis{axis}"] = {
            "anchor": f"x{axis}",
            "domain": [bottom, top],
            "tickvals": list(range(len(groups))),
            # a suppressed comparison has no marker: its name says why
            "ticktext": [f"{group_label(g)} ({short})" if why.get(g) and group_col else group_label(g)
                         for g in groups],
            "range": [-0.6, len(groups) - 0.4],
        }
        layout["annotations"].append(  # the panel's title, as make_subplots places it
            {
                "text": _kpi_title(kpi, lang),
                "x": 0.5,
                "y": top,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 16},
            }
        )
        layout["shapes"].append(  # the zero line: no difference
            {
                "type": "line",
                "x0": 0,
                "x1": 0,
                "xref": f"x{axis}",
                "y0": 0,
                "y1": 1,
                "yref": f"y{axis} domain",
                "line": {"dash": "dash", "color": "#555555"},
            }
        )
        if part["diff"].isna().all():
            found = {r for r in why.values() if r}
            layout["annotations"].append(
                {
                    "text": suppression.label("k" if "k" in found else "complement", lang)
                    if found and all(why.values())
                    else t("up.no_difference", lang),
                    "showarrow": False,
                    "x": 0.5,
                    "y": 0.5,
                    "xref": f"x{axis} domain",
                    "yref": f"y{axis} domain",
                    "font": {"color": "#555555"},
                }
            )
    return ui.figure(data, layout)


def before_login_figure(before: pd.DataFrame, lang: str) -> go.Figure:
    """``negative_before_login``: grouped bars of negatives per kind (largest at the top),
    anonymous beside recognized, labelled "n (share)"; a suppressed cell has no bar and its
    kind's name says so."""
    short = t("privacy.suppressed.short", lang)
    kinds = ut.kinds_by_size(before)
    hidden = ut.hidden_kinds(before)
    bars = []
    for state, color in (("anonymous", ui.PALETTE[1]), ("recognized", ui.PALETTE[0])):
        part = before[before["identity_state"] == state].set_index("kind").loc[kinds[::-1]]  # bottom-up
        bars.append(
            {
                "type": "bar",
                "y": [t(f"up.kind.{k}", lang) + (f" ({short})" if k in hidden else "") for k in part.index],
                "x": ui.plotly_array(part["negatives"]),
                "orientation": "h",
                "name": t(f"up.state.{state}", lang),
                "marker": {"color": color},
                "text": [
                    "" if pd.isna(n) else f"{fmt_int(n, lang)} ({fmt_pct(s, lang)})"
                    for n, s in zip(part["negatives"], part["share"], strict=True)
                ],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{y}: %{x}<extra>" + t(f"up.state.{state}", lang) + "</extra>",
            }
        )
    return ui.figure(
        bars,
        {
            "title": {"text": t("up.before.chart_title", lang)},
            "barmode": "group",
            "height": 360,
            "xaxis": {"title": {"text": t("up.axis.count", lang)}},
            "yaxis": {"automargin": True},
            "separators": ui.plotly_separators(lang),
            "margin": {"l": 10, "r": 80, "t": 60, "b": 40},
            "legend": {
                "orientation": "h",
                "y": 1.02,
                "yanchor": "bottom",
                "x": 1,
                "xanchor": "right",
                "traceorder": "normal",
            },
        },
    )


def lead_figure(lead: pd.DataFrame, lang: str) -> go.Figure:
    """``research_lead_distribution``: churned researchers per lead-time bin; a suppressed
    bin has no bar and its name says so."""
    short = t("privacy.suppressed.short", lang)
    why = reasons(lead)
    return ui.figure(
        [
            {
                "type": "bar",
                "x": [f"{b} ({short})" if r else b for b, r in zip(lead["bin"], why, strict=True)],
                "y": ui.plotly_array(lead["customers"]),
                "marker": {"color": ui.PALETTE[2]},
                "text": ["" if r else fmt_int(v, lang) for v, r in zip(lead["customers"], why, strict=True)],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{x}: %{y}<extra></extra>",
            }
        ],
        {
            "title": {"text": t("up.lead.chart_title", lang)},
            "height": 320,
            "separators": ui.plotly_separators(lang),
            "xaxis": {"title": {"text": t("up.col.bin", lang)}, "type": "category"},
            "yaxis": count_axis(lead["customers"].max(), t("up.col.customers", lang)),
            "margin": {"l": 10, "r": 10, "t": 60, "b": 40},
        },
    )
