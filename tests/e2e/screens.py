"""Full-page screenshots of Streamlit pages for the browser tests (artifacts/screenshots)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
WIDTH = 1440


def full_page_screenshot(page: Page, name: str, timeout: int = 30_000) -> Path:
    """A full-page screenshot. Streamlit scrolls inside its main container, not the
    document, so the viewport is stretched to the content's height for the shot, once
    every visible data grid is drawn (one in a hidden tab or a collapsed expander never
    is) and nothing is still loading."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stDataFrame]')]"
        ".filter(g => g.checkVisibility())"
        ".every(g => g.querySelector('table[role=grid] td'))"
        " && !document.querySelector('[data-testid=stSkeleton]')",
        timeout=timeout,
    )
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stSidebarContent'].map("
        "id => document.querySelector(`[data-testid=${id}]`)?.scrollHeight || 0))"
    )
    page.set_viewport_size({"width": WIDTH, "height": max(900, int(height) + 40)})
    page.wait_for_timeout(1000)  # let the data grids and charts re-layout
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    return path
