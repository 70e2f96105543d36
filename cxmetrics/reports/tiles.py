"""A metric tile as a page shows it, built by the reports so the page only draws it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tile:
    """One ``st.metric`` tile (bordered): label, value text, an optional help text (the ⓘ
    beside the label) and an optional caption under it (``ui.tile`` draws it)."""

    label: str
    value: str
    help: str | None = None
    caption: str | None = None
