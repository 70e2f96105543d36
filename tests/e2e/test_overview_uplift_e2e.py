"""Overview and Identity uplift in real Chromium (``app_server`` over ``demo_db``).

Changes a sidebar filter and sees a tile change; opens the copied URL in a new browser
context and sees the same tiles; switches to Spanish; opens Identity uplift, sees the
observational caveat and downloads a chart's CSV, which must equal the engine. Full-page
screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect

from cxmetrics.i18n import fmt_number
from cxmetrics.metrics.compare import Period, compare_periods
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER
from cxmetrics.reports import uplift as up
from cxmetrics.serving import snapshot
from tests.e2e.screens import full_page_screenshot
from tests.e2e.widgets import choose

pytestmark = pytest.mark.e2e

TIMEOUT = 30_000
WIDTH = 1440
LAST = Period(date(2026, 2, 16), date(2026, 3, 1))


def _screenshot(page: Page, name: str) -> Path:
    return full_page_screenshot(page, name, TIMEOUT)


def _tile_values(page: Page) -> dict[str, str]:
    values = {}
    for kpi in KPI_ORDER:
        locator = page.locator(f".st-key-tile_{kpi}").get_by_test_id("stMetricValue")
        expect(locator).to_be_visible(timeout=TIMEOUT)
        values[kpi] = locator.inner_text().strip()
    return values


def _wait_idle(page: Page) -> None:
    """Wait until the script run ends (the status widget stops showing 'Running')."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT)


def _journey_value(period: Period, spec: FilterSpec, source) -> str:
    (c,) = compare_periods(source, period, ["journey_completion"], [], spec)
    return fmt_number(c.current.value, "en", 1) + "%"


def test_overview_and_uplift_in_chromium(
    page: Page, browser: Browser, app_server: str, demo_db: Path, tmp_path: Path
) -> None:
    source = snapshot.open_snapshot(demo_db)
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(app_server)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT)
    before = _tile_values(page)
    assert before["journey_completion"] == _journey_value(LAST, FilterSpec(), source)
    _screenshot(page, "overview_tiles_en")

    # ---- pick a channel in the sidebar: the journey-completion tile changes
    sidebar = page.get_by_test_id("stSidebar")
    _wait_idle(page)  # a click during a run can land on a widget that is being redrawn
    choose(page, sidebar.get_by_test_id("stMultiSelect").filter(has_text="Channel"), "web", multi=True,
           timeout=TIMEOUT)
    web = FilterSpec(dims={"channel": ["web"]})
    expected_web = _journey_value(LAST, web, source)
    assert expected_web != before["journey_completion"]
    expect(
        page.locator(".st-key-tile_journey_completion").get_by_test_id("stMetricValue")
    ).to_have_text(expected_web, timeout=TIMEOUT)
    expect(page).to_have_url(f"{app_server}/?lang=en&period=2026-02-16&channel=web")
    _wait_idle(page)
    after = _tile_values(page)
    assert after["handoff_abandonment"] == "not enough data"  # web has no bot handoffs
    _screenshot(page, "overview_web_en")

    # ---- the copied link in a new browser context shows the same tiles
    other = browser.new_context(viewport={"width": WIDTH, "height": 900})
    try:
        shared = other.new_page()
        shared.goto(page.url)
        expect(shared.get_by_text("Showing: Channel: web · 2026-02-16 → 2026-03-01")).to_be_visible(
            timeout=TIMEOUT
        )
        expect(
            shared.locator(".st-key-tile_journey_completion").get_by_test_id("stMetricValue")
        ).to_have_text(expected_web, timeout=TIMEOUT)
        assert _tile_values(shared) == after
    finally:
        other.close()

    # ---- Español
    sidebar.get_by_text("Español").click()
    expect(page.get_by_role("heading", name="Resumen")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Mostrando: Canal: web")).to_be_visible(timeout=TIMEOUT)
    expect(
        page.locator(".st-key-tile_journey_completion").get_by_test_id("stMetricValue")
    ).to_have_text(expected_web.replace(".", ",").replace("%", " %"), timeout=TIMEOUT)
    _wait_idle(page)
    _screenshot(page, "overview_web_es")

    # ---- Identity uplift: the caveat, then a chart's CSV against the engine
    page.get_by_test_id("stSidebarNav").get_by_text("Impacto de la identificación").click()
    expect(page.get_by_role("heading", name="Impacto de la identificación").first).to_be_visible(
        timeout=TIMEOUT
    )
    expect(page.get_by_text("Comparación observacional, no un experimento")).to_be_visible(
        timeout=TIMEOUT
    )
    expect(page).to_have_url(
        re.compile(re.escape(f"{app_server}/uplift?lang=es&period=2026-02-16&channel=web") + r"(&q=before_login)?$")
    )
    # the KPI forest plot and the open question's chart (the questions are lazy tabs)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(2, timeout=TIMEOUT)
    _wait_idle(page)
    _screenshot(page, "uplift_web_es")

    with page.expect_download(timeout=TIMEOUT) as info:
        page.locator(".st-key-dl_before_login").get_by_role("button").click()
    download = info.value
    assert download.suggested_filename == "negative_before_login.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    csv = pd.read_csv(saved)
    spec = web.model_copy(update={"date_from": LAST.start, "date_to": LAST.end})
    engine = up.negative_before_login(source, spec, role="analyst")
    assert list(csv.columns) == list(engine.columns)
    assert (
        csv[["kind", "identity_state"]].values.tolist()
        == engine[["kind", "identity_state"]].values.tolist()
    )
    assert csv["negatives"].tolist() == engine["negatives"].tolist()
    assert csv["records"].tolist() == engine["records"].tolist()
    pd.testing.assert_series_equal(csv["share"], engine["share"].astype(float), check_exact=False)

    # ---- English, all dates: the full uplift page for the screenshot
    page.goto(f"{app_server}/uplift?lang=en&period=all")
    expect(page.get_by_text("Observational comparison, not an experiment")).to_be_visible(
        timeout=TIMEOUT
    )
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(2, timeout=TIMEOUT)
    _wait_idle(page)
    _screenshot(page, "uplift_all_en")
    # the other two questions: a tab each, kept in the URL so a link opens the same one
    for tab, q, heading in (
        ("Churn and termination research", "churn", "Did churned customers research contract termination first?"),
        ("High-intent journeys", "high_intent", "Uplift for high-intent journeys when recognized in real time"),
    ):
        page.get_by_role("tab", name=tab).click()
        expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=TIMEOUT)
        expect(page).to_have_url(re.compile(rf"[?&]q={q}"), timeout=TIMEOUT)
        expect(page.get_by_test_id("stPlotlyChart")).to_have_count(2, timeout=TIMEOUT)
        _wait_idle(page)
        _screenshot(page, f"uplift_{q}_en")
    page.goto(f"{app_server}/uplift?lang=en&period=all&q=churn")  # a shared link to one question
    expect(
        page.get_by_role("heading", name="Did churned customers research contract termination first?")
    ).to_be_visible(timeout=TIMEOUT)
