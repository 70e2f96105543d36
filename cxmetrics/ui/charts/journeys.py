"""The Journeys & handoffs page's figures: completion, step funnel, bot→agent funnel, FCR
and repeat paths. A suppressed group has no bar; its category label says why."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from cxmetrics import ui
from cxmetrics.i18n import fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics import suppression
from cxmetrics.reports import journeys as jr
from cxmetrics.reports.journeys_tables import stage_labels
from cxmetrics.reports.small_cells import reasons
from cxmetrics.ui.charts import count_axis

# the bot→agent funnel's stacked segments, left to right
HANDOFF_SEGMENTS = (
    ("contained", ui.PALETTE[4]),
    ("connected", ui.PALETTE[2]),
    ("abandoned", ui.PALETTE[5]),
)


def _chart(
    traces: list[dict], title: str, units: str, height: int, lang: str, legend: bool = False, **layout: Any
) -> go.Figure:
    """A figure (built without Plotly's validation: ``ui.figure``) with a title over a
    subtitle with the units, language separators, and a legend under them if any."""
    return ui.figure(
        traces,
        {
            "title": {"text": title, "font": {"size": 16}, "subtitle": {"text": units}},
            "height": height,
            "margin": {"l": 10, "r": 30, "t": 115 if legend else 80, "b": 40},
            "separators": ui.plotly_separators(lang),
            "showlegend": legend,
            "legend": {
                "orientation": "h",
                "yanchor": "bottom",
                "y": 1.02,
                "xanchor": "left",
                "x": 0,
                "traceorder": "normal",
            },
            **layout,
        },
    )


def _ci_text(row: pd.Series, lang: str) -> str:
    return f"{fmt_number(row['ci_low'], lang)}–{fmt_number(row['ci_high'], lang)}"


def _whiskers(df: pd.DataFrame) -> dict:
    """Asymmetric 95 % interval whiskers around each row's value."""
    return {
        "type": "data",
        "symmetric": False,
        "array": (df["ci_high"] - df["value"]).tolist(),
        "arrayminus": (df["value"] - df["ci_low"]).tolist(),
        "color": "#444",
        "thickness": 1.2,
    }


def completion_figure(completion: pd.DataFrame, lang: str) -> go.Figure:
    """``journey_completion``: grouped bars per journey type, one colour per channel, with
    95 % whiskers (a suppressed cell has no value, so no bar)."""
    bars = []
    for i, channel in enumerate(sorted(completion["channel"].unique())):
        part = completion[completion["channel"] == channel]
        bars.append(
            {
                "type": "bar",
                "name": channel,
                "x": part["journey_type"].tolist(),
                "y": part["value"].tolist(),
                "marker": {"color": ui.PALETTE[i % len(ui.PALETTE)]},
                "error_y": _whiskers(part),
                "customdata": [[_ci_text(r, lang), fmt_int(r["n"], lang)] for _, r in part.iterrows()],
                "hovertemplate": f"%{{x}} · {channel}: %{{y:.1f}} %<br>{t('jr.hover.ci', lang)} "
                "%{customdata[0]}<br>n = %{customdata[1]}<extra></extra>",
            }
        )
    return _chart(
        bars,
        t("jr.completion.chart_title", lang),
        t("jr.completion.chart_units", lang),
        430,
        lang,
        legend=True,
        barmode="group",
        yaxis={"title": {"text": t("jr.completion.axis", lang)}, "range": [0, 100]},
        xaxis={"categoryorder": "array", "categoryarray": sorted(completion["journey_type"].unique())},
    )


def step_funnel_figure(funnel: pd.DataFrame, journey_type: str, lang: str) -> go.Figure:
    """``step_funnel``: journeys reaching each stage with their share of those started, the
    goal in green; a suppressed stage keeps its place with no bar."""
    short = t("privacy.suppressed.short", lang)
    why = reasons(funnel)
    stages = {
        "type": "funnel",
        "y": [f"{s} ({short})" if r else s for s, r in zip(stage_labels(funnel, lang), why, strict=True)],
        "x": ui.plotly_array(funnel["journeys"]),
        "text": [
            "" if r else f"{fmt_int(n, lang)} · {fmt_pct(s, lang)}"
            for n, s, r in zip(funnel["journeys"], funnel["share"], why, strict=True)
        ],
        "textinfo": "text",
        "textposition": "inside",
        "marker": {"color": [ui.PALETTE[2] if g else ui.PALETTE[0] for g in funnel["is_goal"]]},
        "connector": {"fillcolor": "#dfe6ee"},
        "hovertemplate": "%{y}: %{text}<extra></extra>",
    }
    return _chart(
        [stages],
        t("jr.steps.chart_title", lang, type=journey_type),
        t("jr.steps.chart_units", lang, n=fmt_int(funnel["journeys_started"].iloc[0], lang)),
        max(320, 130 + 48 * len(funnel)),
        lang,
        yaxis={"automargin": True},
    )


def handoff_figure(df: pd.DataFrame, dim: str, lang: str) -> go.Figure:
    """``handoff_funnel`` by ``dim``: contacts as stacked bars (contained by the bot,
    connected to an agent, abandoned), the largest at the top. A suppressed row has no bar
    (its name says why); a row whose handoffs are suppressed shows its contacts as one grey
    bar, the label in its hover."""
    short = t("privacy.suppressed.short", lang)
    ordered = df.assign(contained=df["contacts"] - df["handed_off"]).iloc[::-1]  # bottom-up
    row_why, handoff_why = reasons(ordered), reasons(ordered, "handoff_suppressed")
    y = [f"{v} ({short})" if r else v for v, r in zip(ordered[dim], row_why, strict=True)]
    bars = [
        {
            "type": "bar",
            "name": t(f"jr.seg.{seg}", lang),
            "x": ui.plotly_array(ordered[seg]),
            "y": y,
            "orientation": "h",
            "marker": {"color": color},
            "text": ["" if pd.isna(v) or not v else fmt_int(v, lang) for v in ordered[seg]],
            "textposition": "inside",
            "insidetextanchor": "middle",
            "hovertemplate": f"%{{y}} · {t(f'jr.seg.{seg}', lang)}: %{{x}}<extra></extra>",
        }
        for seg, color in HANDOFF_SEGMENTS
    ]
    if any(handoff_why):
        only_handoffs = [h if not r else None for h, r in zip(handoff_why, row_why, strict=True)]
        bars.append(
            {
                "type": "bar",
                "name": t("jr.seg.suppressed", lang),
                "x": [c if h else None for c, h in zip(ordered["contacts"], only_handoffs, strict=True)],
                "y": y,
                "orientation": "h",
                "marker": {"color": "#c9ced6"},
                "customdata": [suppression.label(h, lang) if h else "" for h in only_handoffs],
                "hovertemplate": f"%{{y}} · {t('jr.col.contacts', lang)}: %{{x}}<br>"
                f"{t('jr.col.handed_off', lang)}: %{{customdata}}<extra></extra>",
            }
        )
    return _chart(
        bars,
        t("jr.handoff.chart_title", lang, dim=t(f"dim.{dim}", lang).lower()),
        t("jr.handoff.chart_units", lang),
        max(280, 150 + 34 * len(df)),
        lang,
        legend=True,
        barmode="stack",
        xaxis=count_axis(df["contacts"].max(), t("jr.axis.contacts", lang)),
        yaxis={"automargin": True},
    )


def fcr_figure(df: pd.DataFrame, dim: str, color: str, lang: str) -> go.Figure:
    """``fcr_by`` ``dim``: horizontal bars of FCR (%) with 95 % whiskers, best at the top;
    n on the category label, so the value inside the bar stays short enough to fit."""
    short = t("privacy.suppressed.short", lang)
    ordered = df.iloc[::-1]  # plotly draws horizontal bars bottom-up
    why = reasons(ordered)
    bar = {
        "type": "bar",
        "x": ordered["value"].tolist(),
        "y": [
            f"{c} ({short})" if r else f"{c} (n={fmt_int(n, lang)})"
            for c, n, r in zip(ordered[dim], ordered["n"], why, strict=True)
        ],
        "orientation": "h",
        "marker": {"color": color},
        "error_x": _whiskers(ordered),
        "text": ["" if r else fmt_number(v, lang) for v, r in zip(ordered["value"], why, strict=True)],
        "textposition": "inside",
        "insidetextanchor": "start",
        "textfont": {"color": "white"},
        "customdata": [[_ci_text(r, lang), fmt_int(r["n"], lang)] for _, r in ordered.iterrows()],
        "hovertemplate": f"%{{y}}: %{{x:.1f}} %<br>{t('jr.hover.ci', lang)} %{{customdata[0]}}<br>"
        "n = %{customdata[1]}<extra></extra>",
    }
    return _chart(
        [bar],
        t("jr.fcr.chart_title", lang, dim=t(f"dim.{dim}", lang).lower()),
        t("jr.fcr.chart_units", lang),
        max(260, 130 + 34 * len(df)),
        lang,
        xaxis={"title": {"text": t("jr.fcr.axis", lang)}, "range": [0, 100]},
        yaxis={"automargin": True},
    )


def paths_figure(visible: pd.DataFrame, lang: str) -> go.Figure:
    """The ``jr.TOP_PATHS`` largest of the shown repeat paths (``visible_paths``) as bars
    labelled "n · share of episodes", the largest at the top."""
    top = visible.head(jr.TOP_PATHS).iloc[::-1]
    bar = {
        "type": "bar",
        "x": top["episodes"].tolist(),
        "y": top["path"].tolist(),
        "orientation": "h",
        "marker": {"color": ui.PALETTE[0]},
        "text": [
            f"{fmt_int(n, lang)} · {fmt_pct(s, lang)}"
            for n, s in zip(top["episodes"], top["share_of_episodes"], strict=True)
        ],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": [fmt_number(h, lang) for h in top["median_hours_to_repeat"]],
        "hovertemplate": f"%{{y}}: %{{text}}<br>{t('jr.col.median_hours', lang)}: %{{customdata}}<extra></extra>",
    }
    return _chart(
        [bar],
        t("jr.paths.chart_title", lang, k=min(jr.TOP_PATHS, len(visible))),
        t("jr.paths.chart_units", lang),
        max(300, 130 + 32 * len(top)),
        lang,
        # room on the right for the "n · share" labels outside the longest bar
        xaxis=count_axis(int(top["episodes"].max()), t("jr.paths.axis", lang))
        | {"range": [0, top["episodes"].max() * 1.4]},
        yaxis={"automargin": True},
    )
