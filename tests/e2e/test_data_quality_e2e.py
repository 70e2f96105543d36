"""The Data quality page in real Chromium: what only a browser shows.

Opens the served app as an admin (``admin_app_server`` over ``demo_db``: raw quarantined rows are for admins), goes to Data quality through the
sidebar, checks the ingest log and the quarantine, switches to Spanish, downloads the
quarantine CSV and saves full-page screenshots to ``artifacts/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Locator, Page, expect

from cxmetrics.serving import snapshot
from tests.apptest import data_to
from tests.e2e.screens import full_page_screenshot

pytestmark = pytest.mark.e2e

TIMEOUT = 30_000
WIDTH = 1440


def _screenshot(page: Page, name: str) -> Path:
    return full_page_screenshot(page, name, TIMEOUT)


def _table_with_cell(page: Page, text: str) -> Locator:
    # The data grid draws on a canvas and mirrors its cells in an accessible table.
    return page.locator('[data-testid="stDataFrame"]').filter(has=page.locator("td", has_text=text))


def _quarantine_count(db_path: Path) -> int:
    import duckdb

    root = snapshot.snapshot_dir(db_path)
    version = snapshot.current_version(root)
    return duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{root / version / 'quarantine.parquet'}')"
    ).fetchall()[0][0]


def test_data_quality_page_in_chromium(
    page: Page, admin_app_server: str, demo_db: Path, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(admin_app_server)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(f"data to {data_to(demo_db)}")).to_be_visible(timeout=TIMEOUT)
    expect(_table_with_cell(page, "Handoff abandonment")).to_have_count(1, timeout=TIMEOUT)
    _screenshot(page, "overview_en")

    # ---- to Data quality through the sidebar
    page.get_by_test_id("stSidebarNav").get_by_text("Data quality").click()
    expect(page.get_by_role("heading", name="Ingest log")).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(f"{admin_app_server}/data-quality?lang=en")
    expect(_table_with_cell(page, "dirty_events.csv").first).to_be_attached(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Quarantine by reason")).to_be_visible()
    expect(_table_with_cell(page, "unparseable_ts")).to_have_count(1, timeout=TIMEOUT)
    expect(page.get_by_test_id("stPlotlyChart")).to_be_visible()
    expect(page.get_by_role("heading", name="Identity-stitching health")).to_be_visible()
    expect(page.get_by_text("No data yet")).to_have_count(0)
    _screenshot(page, "data_quality_en")

    # ---- the quarantine CSV holds every quarantined row
    expected_rows = _quarantine_count(demo_db)
    with page.expect_download(timeout=TIMEOUT) as download_info:
        page.locator(".st-key-dl_quarantine_rows").get_by_role("button").click()
    download = download_info.value
    assert download.suggested_filename == "quarantine_all.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    csv = pd.read_csv(saved)
    assert len(csv) == expected_rows == 25
    assert {"file", "row_no", "reason", "raw"} <= set(csv.columns)

    # ---- Español
    page.get_by_test_id("stSidebar").get_by_text("Español").click()
    expect(page.get_by_role("heading", name="Calidad de datos")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Registro de cargas")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Cuarentena por motivo")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Resumen")).to_be_visible()
    expect(page.get_by_text(f"datos hasta {data_to(demo_db)}")).to_be_visible()
    expect(page).to_have_url(f"{admin_app_server}/data-quality?lang=es")
    expect(page.get_by_role("button", name="Descargar CSV").first).to_be_visible()
    expect(page.get_by_role("combobox", name="Motivo")).to_have_value("Todos los motivos")
    expect(page.get_by_test_id("stMetric").get_by_text("Vinculados a cliente")).to_be_visible()
    _screenshot(page, "data_quality_es")
