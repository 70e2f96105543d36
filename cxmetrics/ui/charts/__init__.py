"""Plotly figure builders, one module per page.

Each builder is a pure function from a report's data (``cxmetrics.reports``) and the
language to a figure: no Streamlit call, no query, so a page only passes the figure to
``st.plotly_chart``. The shared helpers (``ui.figure``, ``ui.PALETTE``,
``ui.plotly_separators``) stay in ``cxmetrics.ui``; the axis helper shared by several
pages' builders is here.
"""

from __future__ import annotations

import pandas as pd


def count_axis(max_count: float, title: str) -> dict:
    """An axis of counts: whole-number ticks (never 0.5 episodes) when counts are small."""
    return {"title": {"text": title}, "rangemode": "tozero", "tickformat": ",d"} | (
        {"dtick": 1} if not pd.isna(max_count) and max_count <= 8 else {}
    )
