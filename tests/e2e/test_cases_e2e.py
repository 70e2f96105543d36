"""The closed loop in real Chromium: a committee member works a case from open to resolved
and sees the closed-loop rate move.

The app is served over a small generated database whose data ends yesterday, as
``make run``'s demo does, so the cases of the last day are not due yet (due times are
wall-clock). The member opens such a case on the Cases page, marks it contacted, then
resolved; the case's history shows both actions with who did them, the stored case is
resolved, and the Figures tab's closed-loop rate is higher than before. Full-page
screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cxmetrics.serving import app_state
from cxmetrics.serving import cases as store
from tests.conftest import serve_app
from tests.e2e.screens import full_page_screenshot

pytestmark = pytest.mark.e2e

TIMEOUT = 60_000
WIDTH = 1440


@pytest.fixture(scope="module")
def recent_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,000 customers over 14 days ending yesterday, built as the demo is (cases opened)."""
    from cxmetrics.serving.pipeline import ingest_and_build
    from cxmetrics.synth import generate

    root = tmp_path_factory.mktemp("cases_recent")
    res = generate(root / "src", seed=8, customers=1000, days=14, end=date.today() - timedelta(days=1),
                   fmt="parquet")
    db = root / "cxm.duckdb"
    built = ingest_and_build([res.events_path], res.customers_path, db)
    assert built.cases.opened > 20 and not built.cases.error
    return db


@pytest.fixture(scope="module")
def committee_server(recent_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_app(recent_db, tmp_path_factory.mktemp("cases_server"), CXM_ROLE="committee",
                   CXM_TIMEZONE="Europe/Madrid") as url:
        yield url


def _wait_idle(page: Page) -> None:
    """Until the script run ends (the status widget stops showing 'Running'; hidden tab
    panels are always inert, so that is no sign here)."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT)


def _rate(page: Page) -> str:
    page.get_by_role("tab", name="Figures").click()
    tile = page.get_by_test_id("stMetric").filter(has_text="Closed-loop rate")
    expect(tile).to_be_visible(timeout=TIMEOUT)
    return tile.get_by_test_id("stMetricValue").inner_text()


def _record(page: Page, action: str) -> None:
    form = page.get_by_test_id("stForm")
    form.get_by_text(action, exact=True).click()
    form.get_by_role("button", name="Record").click()
    try:
        expect(page.get_by_text(re.compile(rf"{action} recorded by local-committee"))).to_be_visible(timeout=TIMEOUT)
    except AssertionError:
        full_page_screenshot(page, f"cases_failed_{action}", TIMEOUT)
        raise
    _wait_idle(page)


def test_a_committee_member_works_a_case_to_resolved(page: Page, committee_server: str, recent_db: Path) -> None:
    state = app_state.path_for(recent_db)
    now = store.utcnow()
    case = next(c for c in store.list_cases(state, role="admin", status="open", now=now) if c.hours_left(now) > 1)

    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(committee_server)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT)
    page.get_by_test_id("stSidebarNav").get_by_text("Cases", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible(timeout=TIMEOUT)
    _wait_idle(page)
    before = _rate(page)

    # ---- open the case
    box = page.get_by_label("Case id")
    box.fill(case.case_id)
    box.press("Enter")
    expect(page.get_by_role("heading", name="Record an action")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Playbook")).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(rf"/cases\?.*case={case.case_id}"), timeout=TIMEOUT)
    _wait_idle(page)

    # ---- contacted, then resolved
    _record(page, "Contacted")
    assert store.get_case(case.case_id, state, role="admin").status == "contacted"
    _record(page, "Resolved")
    resolved = store.get_case(case.case_id, state, role="admin")
    assert (resolved.status, resolved.closed_in_sla) == ("resolved", True)
    history = page.get_by_test_id("stDataFrame").filter(has_text="Who")
    expect(history).to_be_visible(timeout=TIMEOUT)
    full_page_screenshot(page, "cases_case_en", TIMEOUT)

    # ---- the closed-loop rate moved
    after = _rate(page)
    assert after != before, (before, after)
    assert float(after.rstrip("%")) > float(before.rstrip("%"))
    _wait_idle(page)
    full_page_screenshot(page, "cases_figures_en", TIMEOUT)
    events = [e["action"] for e in store.history(case.case_id, state, role="admin")]
    assert events == ["opened", "contacted", "resolved"]
