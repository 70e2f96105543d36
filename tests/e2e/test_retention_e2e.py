"""Retention & churn in real Chromium, over the 120-day ``retention_db`` (analyst role).

Opens the page from the sidebar, sees every section and the honest model sentence,
switches the retention curves to the signup cohort, downloads the high-risk list (which
must equal the report and be audited), and switches to Spanish. Full-page screenshots go
to ``artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from cxmetrics.core.privacy import pseudonymize
from cxmetrics.reports import retention as rr
from cxmetrics.serving import app_state, snapshot
from tests.conftest import serve_app
from tests.e2e.screens import full_page_screenshot
from tests.e2e.widgets import choose

pytestmark = pytest.mark.e2e

TIMEOUT = 30_000


@pytest.fixture(scope="module")
def retention_server(retention_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_app(retention_db, tmp_path_factory.mktemp("retention_server"), CXM_ROLE="analyst") as url:
        yield url


def _wait_idle(page: Page) -> None:
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT)


def test_retention_page_in_chromium(page: Page, retention_server: str, retention_db: Path, tmp_path: Path) -> None:
    source = snapshot.open_snapshot(retention_db)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{retention_server}/?lang=en&period=all")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT)
    page.get_by_test_id("stSidebarNav").get_by_text("Retention & churn").click()
    expect(page.get_by_role("heading", name="Retention & churn").first).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(f"{retention_server}/retention?lang=en&period=all", timeout=TIMEOUT)
    for heading in ("Churn rate by month", "How long customers stay (Kaplan–Meier)",
                    "Churn after a negative experience", "Early signal — contract-termination research",
                    "Churn risk", "High-value customers at high risk"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(5, timeout=TIMEOUT)
    v = rr.risk_validation(source, role="analyst")
    verdict = "The model ranks churners better" if v.beats_baseline else "The model does not rank churners better"
    expect(page.get_by_text(verdict)).to_be_visible(timeout=TIMEOUT)
    _wait_idle(page)
    full_page_screenshot(page, "retention_en", TIMEOUT)

    # ---- curves by signup quarter, on the tenure axis
    choose(page, page.locator(".st-key-ret_km_cohort"), "Signup quarter", timeout=TIMEOUT)
    page.locator(".st-key-ret_km_scale").get_by_text("Days since signup").click()
    expect(page.get_by_text("delayed entry", exact=False)).to_be_visible(timeout=TIMEOUT)
    _wait_idle(page)
    full_page_screenshot(page, "retention_tenure_en", TIMEOUT)

    # ---- the list's CSV: the report's rows, pseudonymized, and an audit entry
    before = len([e for e in app_state.audit_entries(path=retention_db.parent / "app_state.sqlite")
                  if e["action"] == "retention_list_csv"])
    with page.expect_download(timeout=TIMEOUT) as info:
        page.locator(".st-key-dl_ret_high_risk").get_by_role("button").click()
    download = info.value
    assert download.suggested_filename == "high_value_high_risk.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    csv = pd.read_csv(saved, keep_default_na=False)
    expected = rr.high_risk_customers(source, None, role="admin")
    assert list(csv.columns) == rr.HIGH_RISK_COLUMNS
    # pseudonymized with the app's key (it lives beside the database the app serves)
    key = (retention_db.parent / ".pseudonym_key").read_text().strip().encode()
    assert csv["person"].tolist() == [pseudonymize(p, key) for p in expected["person"]]
    assert csv["negatives"].tolist() == expected["negatives"].tolist()
    entries = [e for e in app_state.audit_entries(path=retention_db.parent / "app_state.sqlite")
               if e["action"] == "retention_list_csv"]
    assert len(entries) == before + 1 and entries[0]["rows"] == len(expected)

    # ---- Español
    page.get_by_test_id("stSidebar").get_by_text("Español").click()
    expect(page.get_by_role("heading", name="Retención y bajas").first).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Clientes de alto valor con riesgo alto")).to_be_visible(timeout=TIMEOUT)
    _wait_idle(page)
    full_page_screenshot(page, "retention_es", TIMEOUT)
