"""The "why" figures: the change waterfall (Committee review, Channels) and the key-driver
quadrant. The traces are built in ``cxmetrics.reports`` as plain dicts, so the pack draws
the very same chart; here they become figures for ``st.plotly_chart``."""

from __future__ import annotations

from typing import Any

from cxmetrics import ui
from cxmetrics.reports import decomposition as dc
from cxmetrics.reports import key_drivers as kd


def waterfall_figure(decomposition: dict[str, Any], lang: str, top: int = dc.TOP) -> Any:
    """``reports.decomposition.change_by``'s result as a waterfall: previous value, the
    largest rate effects, other slices, mix, current value (steps coloured by the KPI's
    good direction: blue better, vermillion worse)."""
    data, layout = dc.waterfall_traces(decomposition, lang, top)
    return ui.figure(data, layout)


def quadrant_figure(drivers: dict[str, Any], lang: str) -> Any:
    """``reports.key_drivers.drivers_for``'s yes/no experiences: importance × performance."""
    data, layout = kd.quadrant_traces(drivers, lang)
    return ui.figure(data, layout)
