"""AppTest smoke and content tests for every page, on the demo database and on no data.

The app runs in-process (``streamlit.testing.v1.AppTest``) against the session's
``demo_db`` (generated data plus the dirty file) or ``empty_db`` (nothing yet).
Numbers on the Data quality page are checked against hand-counted figures of the dirty
file and against the snapshot's Parquet files read directly with DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.i18n import fmt_int, fmt_pct
from cxmetrics.serving import snapshot
from tests.apptest import data_to

pytest.importorskip("cxmetrics.synth")

APP = str(Path(__file__).resolve().parent.parent / "app.py")
OVERVIEW = "pages/1_Overview.py"
DATA_QUALITY = "pages/8_Data_quality.py"
PAGES = [OVERVIEW, DATA_QUALITY]

# Reason codes of the dirty file's quarantined rows, counted by hand from its row list
# (cxmetrics/synth.py, _dirty_rows): row 44 breaks event_id, ts and channel at once.
DIRTY_REASON_ROWS = {
    "missing_event_id": 3,  # rows 20, 21, 44
    "missing_ts": 2,  # rows 22, 23
    "unparseable_ts": 4,  # rows 24, 25, 26, 44
    "unknown_event_type": 1,  # row 27
    "missing_event_type": 1,  # row 28
    "unknown_channel": 3,  # rows 29, 30, 44
    "missing_intent": 2,  # rows 32, 44 (a contact)
    "score_not_integer": 2,  # rows 35, 36
    "score_out_of_range": 2,  # rows 37, 38
    "missing_score": 1,  # row 39
    "unknown_survey_type": 1,  # row 40
    "missing_journey_id": 1,  # row 43
}
DIRTY_QUARANTINED = 25


def _run(page: str | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if lang is not None:
        at.query_params["lang"] = lang
    at.run()
    if page is not None and page != OVERVIEW:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _snapshot_table(db_path: Path, table: str) -> list[dict]:
    """A served table read straight from the current snapshot's Parquet file."""
    root = snapshot.snapshot_dir(db_path)
    version = snapshot.current_version(root)
    rel = duckdb.sql(f"SELECT * FROM read_parquet('{root / version / (table + '.parquet')}')")
    return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]


def _frame_by_columns(at: AppTest, *headers: str):
    for df in at.dataframe:
        if all(h in df.value.columns for h in headers):
            return df.value
    raise AssertionError(
        f"no table with columns {headers}: {[list(d.value.columns) for d in at.dataframe]}"
    )


@pytest.fixture
def demo(app_db_env, demo_db: Path) -> Path:
    return app_db_env(demo_db)


@pytest.fixture
def admin(demo: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The demo database seen by an admin (quarantined raw rows are for admins only)."""
    from cxmetrics.core.settings import get_settings

    monkeypatch.setenv("CXM_ROLE", "admin")
    get_settings.cache_clear()
    yield demo
    monkeypatch.delenv("CXM_ROLE")
    get_settings.cache_clear()  # no later test may inherit the admin role


@pytest.fixture
def empty(app_db_env, empty_db: Path) -> Path:
    return app_db_env(empty_db)


# --------------------------------------------------------------------------- every page


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_on_demo_data(demo: Path, page: str) -> None:
    at = _run(page)
    assert at.dataframe, "a page with data shows at least one table"
    assert any(f"data to {data_to(demo)}" in c.value for c in at.caption)
    assert not at.warning or all("Ignored" not in w.value for w in at.warning)


@pytest.mark.parametrize("page", PAGES)
def test_page_without_data_says_so(empty: Path, page: str) -> None:
    at = _run(page)
    assert [i.value for i in at.info] and "No data yet" in at.info[0].value
    assert "cxm ingest" in at.info[0].value
    assert not at.dataframe
    assert not at.error


def test_sidebar_has_language_switch_and_demo_notice(demo: Path) -> None:
    at = _run()
    assert at.sidebar.radio[0].options == ["English", "Español"]
    assert any("Demo mode" in c.value and "analyst" in c.value for c in at.sidebar.caption)


# --------------------------------------------------------------------------- overview placeholder


def test_overview_shows_the_six_kpis(demo: Path) -> None:
    at = _run(OVERVIEW)
    assert at.title[0].value == "Overview"
    kpis = _frame_by_columns(at, "KPI", "Value", "n")
    assert list(kpis["KPI"]) == [
        "NPS",
        "CSAT",
        "CES",
        "First-contact resolution",
        "Journey completion",
        "Handoff abandonment",
    ]
    assert (kpis["n"] > 0).all()


# --------------------------------------------------------------------------- data quality


def test_data_quality_sections_and_downloads(admin: Path) -> None:
    at = _run(DATA_QUALITY)
    assert at.title[0].value == "Data quality"
    assert [h.value for h in at.header] == [
        "Ingest log",
        "Quarantine by reason",
        "Freshness per channel",
        "Identity-stitching health",
    ]
    # one CSV download per table or chart: log, by reason, rows, freshness, identity, shared and
    # dissolved (over-linked) components
    assert len(at.get("download_button")) == 7
    assert len(at.get("plotly_chart")) == 1


def test_quarantined_raw_rows_are_for_admins_only(demo: Path) -> None:
    """The analyst (demo default) sees the counts by reason, not the rows as they arrived;
    the library refuses them too."""
    from cxmetrics.core.errors import UserError
    from cxmetrics.reports import quality as dq
    from cxmetrics.serving.snapshot import open_snapshot

    at = _run(DATA_QUALITY)
    assert any("only administrators see them" in i.value for i in at.info)
    assert not [d for d in at.dataframe if "Raw row" in list(d.value.columns)]
    assert len(at.get("download_button")) == 6  # no download of the raw rows
    src = open_snapshot(demo)
    for role in ("executive", "committee", "analyst"):
        with pytest.raises(UserError, match="for admins"):
            dq.quarantine_rows(src, role=role)
    assert len(dq.quarantine_rows(src, role="admin")) == 20


def test_ingest_log_shows_the_dirty_file_counts(demo: Path) -> None:
    log = _frame_by_columns(_run(DATA_QUALITY), "File", "Rows read")
    assert sorted(log["File"]) == ["customers.csv", "dirty_events.csv", "events.parquet"]
    dirty = log[log["File"] == "dirty_events.csv"].iloc[0]
    # rows read = loaded + duplicates + quarantined (44 = 18 + 1 + 25)
    assert (dirty["Rows read"], dirty["Loaded"], dirty["Duplicates"], dirty["Quarantined"]) == (
        44,
        18,
        1,
        25,
    )
    assert len(dirty["SHA-256"]) == 12


def test_quarantine_by_reason_counts_the_dirty_file(demo: Path) -> None:
    at = _run(DATA_QUALITY)
    by_reason = _frame_by_columns(at, "Reason code", "Rows")
    counts = dict(zip(by_reason["Reason code"], by_reason["Rows"], strict=True))
    for code, rows in DIRTY_REASON_ROWS.items():
        assert counts.get(code) == rows, code
    assert any(f"{DIRTY_QUARANTINED} rows quarantined in total" in c.value for c in at.caption)


def test_quarantined_rows_are_paginated_text(admin: Path) -> None:
    at = _run(DATA_QUALITY)
    rows = _frame_by_columns(at, "File", "Row", "Reason", "Raw row")
    assert len(rows) == 20
    assert set(rows["File"]) == {"dirty_events.csv"}
    assert rows["Raw row"].str.startswith("{").all()
    at.number_input(key="dq_page").set_value(2).run()
    assert not at.exception
    rows = _frame_by_columns(at, "File", "Row", "Reason", "Raw row")
    assert len(rows) == DIRTY_QUARANTINED - 20
    assert any(c.value.startswith("Page 2 of 2 · rows 21–25 of 25") for c in at.caption)


def test_selecting_a_quarantined_row_shows_its_raw_values(admin: Path) -> None:
    at = _run(DATA_QUALITY)
    assert not at.code  # nothing selected yet
    # no AppTest API to click a grid row: set the selection state the grid would send
    at.session_state["dq_rows_None_1"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.code and '"event_id": null' in at.code[0].value
    assert any(x.value == "Row 20 of dirty_events.csv" for x in at.text)


def test_quarantine_reason_filter(admin: Path) -> None:
    at = _run(DATA_QUALITY)
    at.number_input(key="dq_page").set_value(2).run()
    at.selectbox(key="dq_reason_en").set_value("unknown_channel").run()
    assert not at.exception
    rows = _frame_by_columns(at, "File", "Row", "Reason", "Raw row")
    assert sorted(rows["Row"]) == [29, 30, 44]
    assert at.number_input(key="dq_page").value == 1


def test_freshness_lag_is_measured_from_the_latest_event(demo: Path) -> None:
    fresh = _frame_by_columns(_run(DATA_QUALITY), "Channel", "Lag (h)")
    expected = {r["channel"]: r["events"] for r in _snapshot_table(demo, "dq_freshness")}
    assert dict(zip(fresh["Channel"], fresh["Events"], strict=True)) == expected
    assert fresh["Lag (h)"].min() == 0  # the channel holding the latest event
    assert (fresh["Lag (h)"] >= 0).all()


def test_identity_numbers_equal_dq_identity(demo: Path) -> None:
    at = _run(DATA_QUALITY)
    (idn,) = _snapshot_table(demo, "dq_identity")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Events"] == fmt_int(idn["events"])
    assert metrics["No identifier"] == fmt_int(idn["events_without_identifier"])
    assert metrics["Stitched events"] == fmt_int(idn["events_stitched"])
    assert metrics["Shared components"] == fmt_int(idn["shared_components"])
    assert metrics["Linked to a customer"] == fmt_pct(
        idn["events_linked_to_customer"] / idn["events"]
    )
    figures = _frame_by_columns(at, "Figure", "Value", "Definition")
    shown = dict(zip(figures["Figure"], figures["Value"], strict=True))
    assert shown["Events"] == fmt_int(idn["events"])
    assert shown["Events linked to a customer"] == fmt_int(idn["events_linked_to_customer"])
    assert shown["Identifiers"] == fmt_int(idn["identifiers"])
    assert shown["Identity components"] == fmt_int(idn["components"])
    assert shown["Largest component (identifiers)"] == fmt_int(idn["largest_component"])


# --------------------------------------------------------------------------- language


def test_spanish_from_the_url(demo: Path) -> None:
    at = _run(DATA_QUALITY, lang="es")
    assert at.title[0].value == "Calidad de datos"
    assert at.header[0].value == "Registro de cargas"
    (idn,) = _snapshot_table(demo, "dq_identity")
    assert {m.label: m.value for m in at.metric}["Eventos"] == fmt_int(idn["events"], "es")
    assert "." in fmt_int(idn["events"], "es")  # 9.736: Spanish thousands separator
    assert at.query_params["lang"] == "es"


def test_spanish_overview_heading(demo: Path) -> None:
    at = _run(OVERVIEW, lang="es")
    assert at.title[0].value == "Resumen"
    assert any(f"datos hasta {data_to(demo)}" in c.value for c in at.caption)


def test_invalid_language_in_url_warns_and_falls_back(demo: Path) -> None:
    at = _run(OVERVIEW, lang="xx")
    assert [w.value for w in at.warning] and "'xx'" in at.warning[0].value
    assert at.title[0].value == "Overview"
    assert at.query_params["lang"] == "en"


def test_language_switch_updates_state_and_url(demo: Path) -> None:
    at = _run(DATA_QUALITY)
    at.sidebar.radio[0].set_value("es").run()
    assert not at.exception
    assert at.title[0].value == "Calidad de datos"
    assert at.session_state["lang"] == "es"
    assert at.query_params["lang"] == "es"
