"""The Data quality page's figure: quarantined rows by reason."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cxmetrics import ui
from cxmetrics.i18n import fmt_int, t


def quarantine_figure(by_reason: pd.DataFrame, lang: str) -> go.Figure:
    """Horizontal bars of ``quality.quarantine_by_reason``, the largest at the top; a reason
    of customer rows (not events) carries its kind in its label."""
    ordered = by_reason.sort_values("rows")  # plotly draws horizontal bars bottom-up
    labels = ordered["reason_code"] + (" (" + ordered["kind"] + ")").where(
        ordered["kind"] != "event", ""
    )
    fig = go.Figure(
        go.Bar(
            x=ordered["rows"],
            y=labels,
            orientation="h",
            marker_color=ui.PALETTE[0],
            text=[fmt_int(v, lang) for v in ordered["rows"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_layout(
        title=t("dq.quarantine.chart_title", lang),
        height=max(260, 90 + 26 * len(ordered)),
        margin={"l": 10, "r": 40, "t": 50, "b": 40},
        xaxis_title=t("col.rows", lang),
        yaxis={"automargin": True},
        separators=ui.plotly_separators(lang),
        showlegend=False,
    )
    return fig
