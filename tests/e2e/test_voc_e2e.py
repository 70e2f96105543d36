"""The Voice of the customer page in real Chromium: what only a browser shows.

Opens the page from the navigation, reads the rising outage theme, picks the bot theme and
its negative comments and sees them (the comment with the bot's words, as plain text),
downloads their CSV and compares it with the library, follows a theme's link to the
Channels page filtered on it, switches to Spanish, and saves full-page screenshots to
``artifacts/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from cxmetrics.metrics.compare import last_closed_period
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.reports import voc, voc_text
from cxmetrics.serving import snapshot
from tests.e2e.screens import full_page_screenshot
from tests.e2e.widgets import choose, wait_for_query

pytestmark = pytest.mark.e2e

TIMEOUT = 30_000
WIDTH = 1440


def _screenshot(page: Page, name: str) -> Path:
    return full_page_screenshot(page, name, TIMEOUT)


def test_voc_page_in_chromium(page: Page, app_server: str, demo_db: Path, tmp_path: Path) -> None:
    source = snapshot.open_snapshot(demo_db)
    period = last_closed_period(source)
    spec = FilterSpec(date_from=period.start, date_to=period.end)

    page.set_viewport_size({"width": WIDTH, "height": 900})
    # the app's root first (a deep link as the first request of a fresh server is not found)
    page.goto(app_server)
    page.get_by_test_id("stSidebarNav").get_by_text("Voice of the customer").click()
    expect(page.get_by_role("heading", name="Voice of the customer")).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(f"{app_server}/voc?lang=en&period=2026-02-16&survey=nps&example=coverage_outage&tone=all",
                             timeout=TIMEOUT)
    for header in ("Themes by volume and NPS impact", "Sentiment", "Trending themes", "Themes by channel",
                   "Example comments", "Emerging phrases"):
        expect(page.get_by_role("heading", name=header)).to_be_visible()
    # the planted outage rises in the last closed period
    expect(page.get_by_text("Coverage and outages ▲", exact=False).first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".st-key-voc_trend_chart g.ytick text", has_text="Coverage and outages ▲")).to_have_count(
        1, timeout=TIMEOUT)
    _screenshot(page, "voc_en")

    # ---- pick the bot theme and its negative comments
    choose(page, page.locator(".st-key-voc_example_en"), "Bot understanding", timeout=TIMEOUT)
    choose(page, page.locator(".st-key-voc_tone_en"), "negative", timeout=TIMEOUT)
    wait_for_query(page, "/voc", {"lang": "en", "period": "2026-02-16", "survey": "nps",
                                  "example": "bot_understanding", "tone": "negative"}, TIMEOUT)
    expected = voc_text.theme_examples(source, "nps", spec, "bot_understanding", "negative", 20, role="analyst")
    assert not expected.empty
    expect(page.get_by_text(f"Bot understanding: {voc_text.example_counts(source, 'nps', spec, 'bot_understanding', 'negative').total} responses",
                            exact=False)).to_be_visible(timeout=TIMEOUT)
    grid = page.locator(".st-key-voc_examples_table")
    expect(grid).to_be_visible(timeout=TIMEOUT)
    # the data grid draws on a canvas; its accessible table holds the cells' text
    expect(grid.locator("table[role=grid] td", has_text=expected["verbatim"].iloc[0]).first).to_be_attached(
        timeout=TIMEOUT)
    grid.scroll_into_view_if_needed()
    _screenshot(page, "voc_bot_examples_en")

    # ---- their CSV equals the library's (every consented comment of the choice)
    with page.expect_download(timeout=TIMEOUT) as download_info:
        page.locator(".st-key-dl_voc_examples").get_by_role("button").click()
    download = download_info.value
    assert download.suggested_filename == "verbatims_nps_bot_understanding.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    csv = pd.read_csv(saved)
    assert csv["record_id"].tolist() == expected["record_id"].tolist()
    assert csv["verbatim"].tolist() == expected["verbatim"].tolist()
    assert set(csv["theme"]) == {"bot_understanding"} and set(csv["sentiment"]) == {"negative"}

    # ---- a theme's link opens the Channels page filtered on it (a new session reads the URL)
    ranking = voc.theme_ranking(source, "nps", spec, 30, 0.05, role="analyst")
    href = voc.channels_href(source, "bot_understanding", "nps", spec, "en")
    assert href == "./channels?kpi=nps&lang=en&period=2026-02-16&theme=bot_understanding"
    assert "bot_understanding" in ranking["theme"].tolist()
    channels = page.context.new_page()
    channels.set_viewport_size({"width": WIDTH, "height": 900})
    channels.goto(f"{app_server}/{href[2:]}")
    expect(channels.get_by_role("heading", name="Channels & cohorts")).to_be_visible(timeout=TIMEOUT)
    expect(channels.get_by_text("Theme: bot_understanding", exact=False).first).to_be_visible(timeout=TIMEOUT)
    channels.close()

    # ---- Español
    page.get_by_test_id("stSidebar").get_by_text("Español").click()
    expect(page.get_by_role("heading", name="Voz del cliente")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Temas en tendencia")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Cobertura y averías de red ▲", exact=False).first).to_be_visible(timeout=TIMEOUT)
    # the choice of theme and sentiment survives the switch
    expect(page.locator(".st-key-voc_example_es").get_by_role("combobox")).to_have_value(
        "Comprensión del asistente virtual", timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Descargar CSV").first).to_be_visible()
    _screenshot(page, "voc_es")
