"""The Channels & cohorts page in real Chromium: what only a browser shows.

Opens the served app (``app_server`` over ``demo_db``) on the page, changes the cohort
dimension, clicks a heatmap cell to drill down to its records, downloads the heatmap CSV
and compares it with the engine, switches to Spanish, and saves full-page screenshots to
``artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.serving import app_state, snapshot
from tests.apptest import data_to
from tests.e2e.screens import full_page_screenshot
from tests.e2e.widgets import choose

pytestmark = pytest.mark.e2e

TIMEOUT = 30_000
WIDTH = 1440
HEATMAP = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def _screenshot(page: Page, name: str) -> Path:
    return full_page_screenshot(page, name, TIMEOUT)


def _cell_centre(page: Page, channel: str, value: str) -> dict:
    """Page coordinates of a heatmap cell's centre, from the Plotly axes."""
    page.locator(HEATMAP).first.scroll_into_view_if_needed()
    return page.evaluate(
        """([channel, value, sel]) => {
          const gd = document.querySelector(sel);
          const fl = gd._fullLayout, box = gd.getBoundingClientRect();
          const i = fl.yaxis.categoryarray.indexOf(channel), j = fl.xaxis.categoryarray.indexOf(value);
          if (i < 0 || j < 0) return null;
          return {x: box.left + fl.xaxis._offset + fl.xaxis.l2p(j),
                  y: box.top + fl.yaxis._offset + fl.yaxis.l2p(i)};
        }""",
        [channel, value, HEATMAP],
    )


def _click_cell(page: Page, channel: str, value: str) -> None:
    """Click a cell; retried, because the chart may still be wiring its events after a redraw."""
    counts = page.get_by_test_id("stText").filter(has_text=f"{channel} · {value}: ")
    for _ in range(5):
        point = _cell_centre(page, channel, value)
        assert point is not None, f"no cell {channel} × {value}"
        page.mouse.move(point["x"], point["y"])
        page.wait_for_timeout(300)
        page.mouse.click(point["x"], point["y"])
        try:
            expect(counts).to_be_visible(timeout=6_000)
            return
        except AssertionError:
            continue
    expect(counts).to_be_visible(timeout=1)


def test_channels_page_in_chromium(
    page: Page, app_server: str, demo_db: Path, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 900})
    # The app's first run registers its pages: on a cold server a deep link would get a
    # "Page not found" dialog, so the main page is opened first.
    page.goto(app_server)
    expect(page.get_by_text(f"data to {data_to(demo_db)}")).to_be_visible(timeout=TIMEOUT)
    page.goto(f"{app_server}/channels?period=all&kpi=journey_completion")
    expect(page.get_by_role("heading", name="Channels & cohorts")).to_be_visible(timeout=TIMEOUT)
    expect(
        page.get_by_role("heading", name="Journey completion by channel and segment")
    ).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(f"{HEATMAP} .hm").first).to_be_attached(timeout=TIMEOUT)
    expect(page.get_by_text("Ignored")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)
    _screenshot(page, "channels_en")

    # ---- another cohort dimension
    choose(page, page.get_by_test_id("stSelectbox").filter(has_text="Cohort dimension (columns)"), "Value tier",
           timeout=TIMEOUT)
    expect(
        page.get_by_role("heading", name="Journey completion by channel and value tier")
    ).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"cohort=value_tier"), timeout=TIMEOUT)
    page.wait_for_function(
        "sel => { const gd = document.querySelector(sel);"
        " return gd && gd._fullLayout && gd._fullLayout.xaxis.categoryarray.includes('mid'); }",
        arg=HEATMAP,
        timeout=TIMEOUT,
    )

    # ---- drill down by clicking a heatmap cell
    _click_cell(page, "web", "mid")
    expect(
        page.get_by_test_id("stText").filter(has_text="hidden because the customer did not consent")
    ).to_be_visible()
    pseudonym = page.locator("td", has_text=re.compile(r"^p_[0-9a-f]{16}$"))
    records = page.locator('[data-testid="stDataFrame"]').filter(has=pseudonym)
    expect(records).to_have_count(1, timeout=TIMEOUT)
    expect(records.locator("td", has_text=re.compile(r"^jrn-")).first).to_be_attached()
    expect(page).to_have_url(re.compile(r"cell=web%7Cmid|cell=web\|mid"), timeout=TIMEOUT)
    expect(page.locator(".st-key-ch_cell_channel").get_by_role("combobox")).to_have_value("web")
    expect(page.locator(".st-key-ch_cell_value").get_by_role("combobox")).to_have_value("mid")
    _screenshot(page, "channels_drilldown_en")

    # ---- the heatmap CSV equals the engine
    with page.expect_download(timeout=TIMEOUT) as download_info:
        page.locator(".st-key-dl_ch_heatmap").get_by_role("button").click()
    download = download_info.value
    assert download.suggested_filename == "heatmap_journey_completion_channel_value_tier.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    csv = pd.read_csv(saved, keep_default_na=False, na_values=[""])
    source = snapshot.open_snapshot(demo_db)
    engine = kpi_stats(source, ["journey_completion"], ["channel", "value_tier"], FilterSpec())
    assert len(csv) == len(engine)
    got = {(r.channel, r.cohort_value): (r.value, r.n) for r in csv.itertuples()}
    for g in engine:
        value, n = got[(g.group["channel"], g.group["value_tier"])]
        assert n == g.n
        assert value == pytest.approx(g.estimate.value, abs=1e-9)
    assert set(csv["cohort_dim"]) == {"value_tier"}
    assert csv["significant"].any()

    # ---- the cell's records CSV: pseudonymized, and its download is in the audit log
    with page.expect_download(timeout=TIMEOUT) as download_info:
        page.locator(".st-key-dl_ch_records").get_by_role("button").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    records_csv = pd.read_csv(saved, keep_default_na=False, na_values=[""])
    assert len(records_csv) > 0
    assert records_csv["person"].dropna().str.fullmatch(r"p_[0-9a-f]{16}").all()
    audited = [e for e in app_state.audit_entries(path=demo_db.parent / "app_state.sqlite")
               if e["action"] == "drilldown_csv"]
    assert audited and audited[0]["rows"] == len(records_csv) and audited[0]["role"] == "analyst"

    # ---- Español: the view (KPI, cohort, cell) carries over
    page.get_by_test_id("stSidebar").get_by_text("Español").click()
    expect(page.get_by_role("heading", name="Canales y cohortes")).to_be_visible(timeout=TIMEOUT)
    expect(
        page.get_by_role("heading", name="Journeys completados por canal y nivel de valor")
    ).to_be_visible(timeout=TIMEOUT)
    expect(
        page.get_by_test_id("stText").filter(has_text="ocultos porque el cliente no consintió")
    ).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Descargar CSV").first).to_be_visible()
    _screenshot(page, "channels_es")
