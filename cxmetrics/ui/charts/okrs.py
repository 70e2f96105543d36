"""The OKR page's figure: one objective's key results as progress bars with the expected pace."""

from __future__ import annotations

import plotly.graph_objects as go

from cxmetrics.i18n import fmt_int, fmt_pct, t
from cxmetrics.metrics import suppression
from cxmetrics.reports.okrs import STATUS_STYLE, status_word


def progress_figure(objective: dict, lang: str) -> go.Figure:
    """Horizontal progress bars (coloured and labelled by status) with the expected pace
    drawn as a black tick on each bar; progress is the share of baseline → target done.
    A key result without enough data gets no bar, only its status word and n."""
    krs = list(reversed(objective["key_results"]))  # plotly draws horizontal bars bottom-up
    labels = [
        f"{kr['id']} · {kr['title'][:48]}{'…' if len(kr['title']) > 48 else ''}" for kr in krs
    ]
    shown = [kr["status"] != "no_data" and kr["progress"] is not None for kr in krs]
    progress = [kr["progress"] * 100 if ok else 0 for kr, ok in zip(krs, shown, strict=True)]
    texts = [
        f"{STATUS_STYLE[kr['status']][2]} {status_word(kr['status'], lang)}"
        + (
            f" · {fmt_pct(kr['progress'], lang, 0)}"
            if ok
            else f" ({suppression.label(kr['suppressed'], lang)})"
            if kr.get("suppressed")
            else f" (n = {fmt_int(kr['n'], lang)})"
        )
        for kr, ok in zip(krs, shown, strict=True)
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=progress,
            y=labels,
            orientation="h",
            name=t("okr.chart.progress", lang),
            showlegend=False,
            marker={
                "color": [STATUS_STYLE[kr["status"]][0] for kr in krs],
                "line": {"color": "#333", "width": 1},
            },
            text=texts,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.0f}%<extra></extra>",
        )
    )
    exp_x = [None if kr["expected"] is None else kr["expected"] * 100 for kr in krs]
    fig.add_trace(
        go.Scatter(
            x=exp_x,
            y=labels,
            mode="markers",
            name=t("okr.chart.expected", lang),
            showlegend=True,
            marker={"symbol": "line-ns", "size": 26, "line": {"width": 4, "color": "#000000"}},
            hovertemplate=t("okr.chart.expected", lang) + ": %{x:.0f}%<extra></extra>",
        )
    )
    fig.update_layout(
        height=80 + 44 * len(krs),
        margin={"l": 10, "r": 170, "t": 30, "b": 40},
        xaxis={
            "range": [0, 100],
            "ticksuffix": " %" if lang == "es" else "%",
            "title": t("okr.chart.x", lang),
            "dtick": 25,
        },
        yaxis={"automargin": True},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},
        separators=",." if lang == "es" else ".,",
        bargap=0.45,
    )
    return fig
