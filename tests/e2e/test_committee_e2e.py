"""The Committee review and OKR pages in real Chromium: what only a browser shows.

Opens the served app (``app_server`` over ``demo_db``), records an action on the committee
page, reloads (a new browser session) and finds it again, turns on "Show all changes",
and saves full-page screenshots of both pages to ``artifacts/screenshots/``. The review's
"why" opening: the summary and the first two incidents (the outage, the chatbot handoff),
one incident's evidence unfolded and its link followed to the filtered Channels page, the
decomposition split by another dimension, in English and Spanish.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cxmetrics.serving import app_state
from tests.e2e.screens import full_page_screenshot
from tests.e2e.widgets import choose

pytestmark = pytest.mark.e2e

TIMEOUT = 60_000
WIDTH = 1440


def _screenshot(page: Page, name: str) -> Path:
    return full_page_screenshot(page, name, TIMEOUT)


def _wait_idle(page: Page) -> None:
    """Until the script run is over (Streamlit makes the page inert while it reruns)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]')"
        " && !document.querySelector('[inert]:not([data-testid=stExpanderDetails])')",  # folded expanders are inert
        timeout=TIMEOUT,
    )


def _open(page: Page, app_server: str, title: str) -> None:
    """The app's main page first, then the page through the sidebar (a page's own URL opened
    first on a fresh server can meet a "Page not found" dialog before navigation is known)."""
    page.goto(app_server)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT)
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=TIMEOUT)


def test_committee_review_in_chromium(page: Page, app_server: str, demo_db: Path) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 900})
    _open(page, app_server, "Committee review")
    expect(page.get_by_role("heading", name="What changed")).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"/review\?.*review=2026-02-16"), timeout=TIMEOUT)
    shown = page.get_by_text(re.compile(r"^Showing \d+ of \d+ comparisons\.$"))
    expect(shown).to_be_visible(timeout=TIMEOUT)
    significant_text = shown.inner_text()
    _wait_idle(page)

    # ---- record an action through the form
    what = f"Call back chatbot abandoners {time.time_ns()}"
    form = page.get_by_test_id("stForm")
    form.get_by_label("What").fill(what)
    form.get_by_label("Owner").fill("Conversational AI lead")
    form.get_by_role("button", name="Add action").click()
    expect(page.get_by_text(re.compile(r"Action #\d+ recorded by local-analyst"))).to_be_visible(
        timeout=TIMEOUT
    )
    expect(page.get_by_test_id("stText").filter(has_text=what)).to_be_visible(timeout=TIMEOUT)
    stored = [a for a in app_state.actions(demo_db.parent / "app_state.sqlite", role="committee") if a.what == what]
    assert len(stored) == 1 and stored[0].period == "2026-02-16"

    # ---- reload: a new session reads the action back from the app state
    page.reload()
    expect(page.get_by_role("heading", name="Open actions")).to_be_visible(timeout=TIMEOUT)
    _wait_idle(page)
    expect(page.get_by_test_id("stText").filter(has_text=what)).to_be_visible(timeout=TIMEOUT)

    # ---- show all changes
    page.get_by_text("Show all changes").click()
    expect(page.get_by_text(re.compile(r"^Showing (\d+) of \1 comparisons\.$"))).to_be_visible(
        timeout=TIMEOUT
    )
    assert (
        significant_text
        != page.get_by_text(re.compile(r"^Showing \d+ of \d+ comparisons\.$")).inner_text()
    )
    _wait_idle(page)
    _screenshot(page, "committee_review_en")

    # ---- mark it done
    page.get_by_test_id("stText").filter(has_text=what).locator(
        "xpath=ancestor::*[@data-testid='stHorizontalBlock'][1]"
    ).get_by_role("button", name="Mark done").click()
    expect(page.get_by_text(re.compile(r"marked done by local-analyst"))).to_be_visible(
        timeout=TIMEOUT
    )
    done = [a for a in app_state.actions(demo_db.parent / "app_state.sqlite", role="committee") if a.what == what]
    assert done[0].status == "done"


def test_okr_page_in_chromium(page: Page, app_server: str) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 900})
    _open(page, app_server, "OKRs")
    expect(page.get_by_role("heading", name="All key results")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Expected pace").first).to_be_visible(timeout=TIMEOUT)
    _screenshot(page, "okrs_en")
    page.get_by_test_id("stSidebar").get_by_text("Español").click()
    expect(page.get_by_role("heading", name="Todos los resultados clave")).to_be_visible(
        timeout=TIMEOUT
    )
    _screenshot(page, "okrs_es")


def test_committee_review_why_in_chromium(page: Page, app_server: str) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 900})
    _open(page, app_server, "Committee review")
    expect(page.get_by_role("heading", name="Incidents")).to_be_visible(timeout=TIMEOUT)
    summary = page.locator(".st-key-why_summary")
    expect(summary).to_contain_text(re.compile(r"^\d+ incidents this period group"), timeout=TIMEOUT)
    expect(summary).to_contain_text("The largest: Region Andalucía")
    expect(summary).to_contain_text("Second: Channel chatbot: Handoff abandonment")
    first, second = page.locator(".st-key-why_incident_1"), page.locator(".st-key-why_incident_2")
    expect(first).to_contain_text("1. Region Andalucía:")
    expect(first).to_contain_text(re.compile(r"Onset 2026-0\d-\d\d · [\d,]+ people"))
    expect(second).to_contain_text("2. Channel chatbot: Handoff abandonment")
    _wait_idle(page)

    # ---- unfold the first incident's evidence
    link = first.get_by_role("link", name="Open the filtered view")
    expect(link).to_be_hidden()
    first.get_by_text("Evidence and slices").click()
    expect(first.get_by_text(re.compile(r"^Evidence \(the alert rule"))).to_be_visible(timeout=TIMEOUT)
    expect(link).to_be_visible(timeout=TIMEOUT)
    href = link.get_attribute("href")
    assert "kpi=" in href and "region=Andaluc%C3%ADa" in href and "from=" in href

    # ---- the decomposition: NPS by region, then by channel
    sentence = page.locator(".st-key-rv_why_sentence")
    expect(sentence).to_contain_text(re.compile(r"^NPS fell [\d.]+ points: −[\d.]+ from Andalucía \(rate\)"))
    waterfall = page.get_by_test_id("stPlotlyChart").filter(has=page.locator(".waterfalllayer .point")).first
    expect(waterfall).to_be_visible(timeout=TIMEOUT)
    choose(page, page.get_by_test_id("stSelectbox").filter(has_text="Split by"), "Channel", timeout=TIMEOUT)
    expect(sentence).not_to_contain_text("Andalucía", timeout=TIMEOUT)
    expect(sentence).to_contain_text(re.compile(r"^NPS fell [\d.]+ points: [−+][\d.]+ from \w+ \(rate\)"))
    _wait_idle(page)
    expect(page.locator(".st-key-rv_drv_summary")).to_contain_text("NPS responses of the period")
    _screenshot(page, "committee_review_why_en")

    # ---- Spanish
    page.get_by_test_id("stSidebar").get_by_text("Español").click()
    expect(page.get_by_role("heading", name="Incidentes")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".st-key-why_summary")).to_contain_text("El mayor: Región Andalucía")
    expect(page.get_by_role("heading", name="Factores clave de NPS")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".st-key-rv_why_sentence")).to_contain_text(re.compile(r"^NPS bajó [\d,]+ puntos"))
    # the dimension chosen in English stays chosen, now labelled in Spanish
    expect(page.get_by_test_id("stSelectbox").filter(has_text="Desglosar por").get_by_role("combobox")).to_have_value(
        "Canal", timeout=TIMEOUT)
    _wait_idle(page)
    _screenshot(page, "committee_review_why_es")

    # ---- the incident's link opens the Channels page filtered to it
    page.goto(f"{app_server}/{href.removeprefix('./')}")
    expect(page.get_by_role("heading", name=re.compile(r" by channel and segment$"))).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(re.compile(r"Showing: Region: Andalucía · 2026-"))).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=re.compile(r": where the change came from$"))).to_be_visible(
        timeout=TIMEOUT)
    _wait_idle(page)
    _screenshot(page, "channels_incident_link_en")


def test_committee_review_themes_and_closed_loop_in_chromium(page: Page, app_server: str) -> None:
    """The incident cards name their comment themes, each linked to the Voice of the
    customer page on that theme, slice and days; the Closed loop section (cases of the
    period, by owner); in English and Spanish."""
    page.set_viewport_size({"width": WIDTH, "height": 900})
    _open(page, app_server, "Committee review")
    outage, chatbot = page.locator(".st-key-why_incident_1_themes"), page.locator(".st-key-why_incident_2_themes")
    expect(outage).to_contain_text(re.compile(r"^Comments: Coverage and outages [\d.]+% \(▲ \+[\d.]+ pp\)"),
                                   timeout=TIMEOUT)
    expect(chatbot).to_contain_text(re.compile(r"^Comments: (Bot understanding|Waiting time) [\d.]+%"))
    link = outage.get_by_role("link", name="Coverage and outages")
    href = link.get_attribute("href")
    assert href.startswith("./voc?") and "region=Andaluc%C3%ADa" in href and "theme=coverage_outage" in href
    heading = page.get_by_role("heading", name="Closed loop")
    heading.scroll_into_view_if_needed()
    expect(heading).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="By owner")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(re.compile(r"^Cases opened for the detractor responses of the period \(2026-02-16"))
           ).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("link", name="Open the Cases page")).to_be_visible()
    _wait_idle(page)
    _screenshot(page, "committee_review_closed_loop_en")

    page.get_by_test_id("stSidebar").get_by_text("Español").click()
    expect(page.locator(".st-key-why_incident_1_themes")).to_contain_text(
        re.compile(r"^Comentarios: Cobertura y averías de red [\d,]+ % \(▲ \+[\d,]+ p\.p\.\)"), timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Ciclo cerrado")).to_be_attached(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Por responsable")).to_be_attached(timeout=TIMEOUT)
    _wait_idle(page)
    _screenshot(page, "committee_review_closed_loop_es")

    # ---- the theme's link: the Voice of the customer page on the outage's theme, region and days
    page.goto(f"{app_server}/{href.removeprefix('./')}")
    expect(page.get_by_role("heading", name="Voice of the customer")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(re.compile(r"Region: Andalucía · Theme: coverage_outage · 2026-"))).to_be_visible(
        timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=re.compile(r"^Themes by volume"))).to_be_visible(timeout=TIMEOUT)
    _screenshot(page, "voc_incident_theme_link_en")
