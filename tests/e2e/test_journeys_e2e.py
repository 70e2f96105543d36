"""The Journeys & handoffs page in real Chromium: what only a browser shows.

Opens the page by its shared link, changes the journey type of the step funnel and sees
the funnel's stages change, downloads the repeat-paths CSV and compares it with the
library on the same snapshot and filter, switches to Spanish, and saves full-page
screenshots to ``artifacts/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from cxmetrics.metrics.compare import last_closed_period
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.reports import journeys as jr
from cxmetrics.serving import snapshot
from tests.e2e.screens import full_page_screenshot
from tests.e2e.widgets import choose

pytestmark = pytest.mark.e2e

TIMEOUT = 30_000
WIDTH = 1440


def _screenshot(page: Page, name: str) -> Path:
    return full_page_screenshot(page, name, TIMEOUT)


def _funnel_stages(page: Page) -> list[str]:
    """The stage labels drawn on the step funnel's y axis, top to bottom as seen."""
    chart = page.locator(".st-key-jr_step_funnel")
    return chart.locator("g.ytick text").evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().top, e.textContent])"
        ".sort((a, b) => a[0] - b[0]).map(p => p[1])"
    )


def test_journeys_page_in_chromium(
    page: Page, app_server: str, demo_db: Path, tmp_path: Path
) -> None:
    source = snapshot.open_snapshot(demo_db)
    period = last_closed_period(source)
    spec = FilterSpec(date_from=period.start, date_to=period.end)

    page.set_viewport_size({"width": WIDTH, "height": 900})
    # The app's root first: a deep link as the very first request of a fresh server gets
    # Streamlit's "Page not found" dialog (st.navigation registers its pages on that run).
    page.goto(app_server)
    page.get_by_test_id("stSidebarNav").get_by_text("Journeys & handoffs").click()
    expect(page.get_by_role("heading", name="Journeys & handoffs")).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(f"{app_server}/journeys?lang=en&period=2026-02-16", timeout=TIMEOUT)
    # ...after which the shared link opens the page itself
    page.goto(f"{app_server}/journeys?lang=en&period=2026-02-16")
    expect(page.get_by_role("heading", name="Journeys & handoffs")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_text("Showing: 2026-02-16 → 2026-03-01")).to_be_visible(timeout=TIMEOUT)
    for header in (
        "Journey completion",
        "Step drop-off",
        "Bot → agent handoffs",
        "First-contact resolution",
        "Repeat-contact paths",
    ):
        expect(page.get_by_role("heading", name=header)).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("stMetric").get_by_text("Handoff abandonment")).to_be_visible()

    # ---- the step funnel of the first journey type (billing), then plan_change
    billing = jr.step_funnel(source, spec, "billing", role="analyst")
    expect(page.locator(".st-key-jr_step_funnel g.ytick text").first).to_be_attached(
        timeout=TIMEOUT
    )
    assert _funnel_stages(page) == [*billing["stage"].iloc[:-1], "✓ goal reached"]
    _screenshot(page, "journeys_en")

    choose(page, page.locator(".st-key-jr_journey_type"), "plan_change", timeout=TIMEOUT)
    expect(page.get_by_text("plan_change: journeys reaching each step")).to_be_visible(
        timeout=TIMEOUT
    )
    plan_change = jr.step_funnel(source, spec, "plan_change", role="analyst")
    expected = [*plan_change["stage"].iloc[:-1], "✓ goal reached"]
    expect(
        page.locator(".st-key-jr_step_funnel g.ytick text", has_text="plan_compare")
    ).to_have_count(1, timeout=TIMEOUT)
    # The chart redraws in place: wait until the old journey type's ticks are gone.
    expect(
        page.locator(".st-key-jr_step_funnel g.ytick text", has_text="invoice_list")
    ).to_have_count(0, timeout=TIMEOUT)
    for _ in range(20):
        stages = _funnel_stages(page)
        if stages == expected:
            break
        page.wait_for_timeout(500)
    assert stages == expected
    _screenshot(page, "journeys_plan_change_en")

    # ---- the repeat-paths CSV equals the library's table
    with page.expect_download(timeout=TIMEOUT) as download_info:
        page.locator(".st-key-dl_repeat_paths").get_by_role("button").click()
    download = download_info.value
    assert download.suggested_filename == "repeat_paths.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    csv = pd.read_csv(saved)
    paths = jr.repeat_paths(source, spec, role="analyst")
    assert list(csv.columns) == list(paths.columns)
    assert csv["path"].tolist() == paths["path"].tolist()
    assert csv["episodes"].tolist() == paths["episodes"].tolist()
    assert (
        csv["share_of_episodes"].round(9).tolist() == paths["share_of_episodes"].round(9).tolist()
    )
    assert csv["episodes"].sum() == jr.fcr_overall(source, spec, role="analyst")["repeated"]

    # ---- Español
    page.get_by_test_id("stSidebar").get_by_text("Español").click()
    expect(page.get_by_role("heading", name="Journeys y traspasos")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Traspasos bot → agente")).to_be_visible(
        timeout=TIMEOUT
    )
    expect(page).to_have_url(f"{app_server}/journeys?lang=es&period=2026-02-16")
    expect(page.get_by_test_id("stMetric").get_by_text("Abandono en traspaso")).to_be_visible()
    expect(page.get_by_role("button", name="Descargar CSV").first).to_be_visible()
    # the bot→agent funnel by intent (second tab)
    page.get_by_role("tab", name="Por intención").click()
    expect(page.locator(".st-key-jr_handoff_intent")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Embudo bot→agente por intención")).to_be_visible(timeout=TIMEOUT)
    _screenshot(page, "journeys_es")
