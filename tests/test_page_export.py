"""Cohort export page: counts equal the library's, role gating, the export is produced."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.reports.export import preview
from cxmetrics.serving.snapshot import open_snapshot
from tests.apptest import open_page

PAGE = "pages/7_Cohort_export.py"


def run_page(query: dict | None = None) -> AppTest:
    return open_page(PAGE, check=False, **(query or {}))


def test_export_page_counts_and_download(demo_db, app_db_env) -> None:
    app_db_env(demo_db)
    at = run_page({"period": "all", "channel": "web"})
    assert not at.exception
    total, _ = preview(
        open_snapshot(demo_db), FilterSpec(dims={"channel": ("web",)}), "records", "analyst"
    )
    assert at.metric[0].value == f"{total:,}"
    [prepare] = [b for b in at.button if "Prepare" in b.label]
    prepare.click().run()
    assert not at.exception
    assert any(f"{total:,} rows" in s.value for s in at.success)


@pytest.mark.parametrize("role", ["executive", "committee"])
def test_roles_without_record_access_see_a_notice(
    demo_db, app_db_env, monkeypatch, role: str
) -> None:
    monkeypatch.setenv("CXM_ROLE", role)
    app_db_env(demo_db)
    at = run_page()
    assert not at.exception
    assert any("aggregates only" in i.value for i in at.info)
    assert not [b for b in at.button if "Prepare" in b.label]


def test_export_page_in_spanish(demo_db, app_db_env) -> None:
    app_db_env(demo_db)
    at = run_page({"lang": "es"})
    assert not at.exception
    assert at.title[0].value == "Exportar cohorte"
