"""Role matrix: for each role and each data-returning action, allowed or refused.

Roles are enforced in the library functions that return data (not only by hiding pages):
executive and committee see aggregates only; analyst adds records (pseudonymized);
admin adds raw person ids.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.errors import UserError
from cxmetrics.export import export_cohort, preview
from cxmetrics.filters import FilterSpec
from cxmetrics.metrics import kpi_table
from cxmetrics.records_view import record_page, survey_verbatims
from cxmetrics.snapshot import open_snapshot

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ROLES = ("executive", "committee", "analyst", "admin")
ALLOWED = {
    # action: roles allowed
    "aggregates": {"executive", "committee", "analyst", "admin"},
    "drilldown": {"analyst", "admin"},
    "verbatims": {"analyst", "admin"},
    "export_preview": {"analyst", "admin"},
    "export": {"analyst", "admin"},
    "raw_ids": {"admin"},
}


def _act(action: str, src, role: str, tmp: Path):
    spec = FilterSpec()
    if action == "aggregates":
        return kpi_table(src, None, [], spec)
    if action == "drilldown":
        return record_page(src, "nps", spec, role=role)
    if action == "verbatims":
        return survey_verbatims(src, "nps", spec, role=role)
    if action == "export_preview":
        return preview(src, spec, "records", role)
    if action == "export":
        return export_cohort(src, spec, tmp / f"{role}.csv", role=role, user="t", state_path=tmp / "s.sqlite")
    if action == "raw_ids":
        people = record_page(src, "nps", spec, role=role).rows["person"].dropna()
        if not len(people) or all(p.startswith("p_") for p in people):
            raise UserError("pseudonymized")
        return people
    raise AssertionError(action)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_role_matrix(demo_db: Path, tmp_path: Path, role: str, action: str) -> None:
    src = open_snapshot(demo_db)
    if role in ALLOWED[action]:
        assert _act(action, src, role, tmp_path) is not None
    else:
        with pytest.raises(UserError):
            _act(action, src, role, tmp_path)


@pytest.mark.parametrize("role", ROLES)
def test_pages_follow_the_role(demo_db: Path, app_db_env, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    monkeypatch.setenv("CXM_ROLE", role)
    app_db_env(demo_db)
    for page, marker in (("pages/2_Channels_cohorts.py", "aggregates only"),
                         ("pages/7_Cohort_export.py", "aggregates only")):
        at = AppTest.from_file(APP, default_timeout=90)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, page
        refused = any(marker in i.value for i in at.info)
        assert refused == (role in ("executive", "committee")), (page, role)


def test_drilldown_views_are_audited(demo_db: Path, app_db_env, tmp_path: Path) -> None:
    import shutil

    from cxmetrics import app_state, snapshot

    db = tmp_path / "copy" / "cxm.duckdb"  # its own app-state database beside it
    db.parent.mkdir()
    shutil.copytree(snapshot.snapshot_dir(demo_db), snapshot.snapshot_dir(db))
    app_db_env(db)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["period"] = "all"
    at.run()
    at.switch_page("pages/2_Channels_cohorts.py").run()
    channel = next(s for s in at.selectbox if s.key == "ch_cell_channel")
    channel.set_value(channel.options[0]).run()
    value = next(s for s in at.selectbox if s.key == "ch_cell_value")
    value.set_value(value.options[0]).run()
    assert not at.exception
    entries = [e for e in app_state.audit_entries(path=app_state.default_path()) if e["action"] == "drilldown"]
    assert len(entries) == 1
    assert entries[0]["role"] == "analyst" and entries[0]["rows"] >= 0 and '"kpi"' in entries[0]["filter_json"]
