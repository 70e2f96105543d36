"""Plotly figure builders, one module per page.

Each builder is a pure function from a report's data (``cxmetrics.reports``) and the
language to a figure: no Streamlit call, no query, so a page only passes the figure to
``st.plotly_chart``. The shared helpers (``ui.figure``, ``ui.PALETTE``,
``ui.plotly_separators``) stay in ``cxmetrics.ui``.
"""
