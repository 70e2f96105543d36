"""The Cases page (AppTest) on a copy of ``demo_db`` (data to 2026-03-01) with its own
app-state database, and the operational clock fixed at 2026-03-01 18:00 UTC (so the
cases of the last days are not due yet): the queues, one case, an action that changes
the status and the figures, executives' figures-only view, Spanish."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.serving import app_state, snapshot
from cxmetrics.serving import cases as store
from tests.apptest import open_page

PAGE = "pages/10_Cases.py"
NOW = datetime(2026, 3, 1, 18, 0)


@pytest.fixture
def own_db(tmp_path: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch, app_db_env) -> Path:
    """The demo snapshot in a folder of its own; its cases opened from the snapshot."""
    root = tmp_path / "own"
    shutil.copytree(snapshot.snapshot_dir(demo_db), snapshot.snapshot_dir(root / demo_db.name))
    db = root / demo_db.name
    monkeypatch.setattr(store, "utcnow", lambda: NOW)
    app_db_env(db)
    res = store.open_cases(snapshot.open_snapshot(db).con, app_state.path_for(db), now=datetime(2026, 3, 1, 12))
    assert res.opened > 100
    return db


def as_role(monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    from cxmetrics.core.settings import get_settings

    monkeypatch.setenv("CXM_ROLE", role)
    get_settings.cache_clear()  # app_db_env's clean-up clears it again


@pytest.fixture
def committee(own_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    as_role(monkeypatch, "committee")
    return own_db


def _state(db: Path) -> Path:
    return app_state.path_for(db)


def _not_due(db: Path) -> store.Case:
    """An open case not due yet at NOW."""
    return next(c for c in store.list_cases(_state(db), role="admin", status="open", now=NOW) if not c.overdue(NOW))


def _metric(at: AppTest, label: str) -> str:
    found = [m for m in at.metric if m.label == label]
    assert found, [m.label for m in at.metric]
    return found[0].value


def _button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, [b.label for b in at.button]
    return found[0]


def _frame(at: AppTest, *headers: str):
    for df in at.dataframe:
        if all(h in df.value.columns for h in headers):
            return df.value
    raise AssertionError([list(d.value.columns) for d in at.dataframe])


def test_queues_overdue_first_and_nothing_in_my_queue(committee: Path) -> None:
    at = open_page(PAGE)
    assert [t.label for t in at.tabs] == ["My queue", "All open cases", "Figures"]
    assert any("No case is assigned to local\\-committee" in i.value for i in at.info)  # Markdown-escaped
    owners = _frame(at, "Owner", "Open", "Overdue", "Earliest due")
    expected = store.owner_counts(_state(committee), role="committee", now=NOW)
    assert owners["Owner"].tolist() == [r["owner"] for r in expected]
    assert owners["Open"].sum() == store.count_cases(_state(committee), role="admin", status="open")
    listed = _frame(at, "Case", "Due", "Age", "Customer")
    first = store.list_cases(_state(committee), role="committee", status="open", now=NOW, limit=50)
    assert listed["Case"].tolist() == [c.case_id for c in first]
    assert listed["Due"].iloc[0].startswith("overdue by") and listed["Customer"].str.startswith("p_").all()
    assert not at.sidebar.multiselect  # the sidebar filter does not apply to cases


def test_a_case_from_the_link_with_its_timeline_playbook_and_history(committee: Path) -> None:
    case = _not_due(committee)
    at = open_page(PAGE, case=case.case_id)
    assert at.text_input(key="cs_case_id").value == case.case_id
    assert any(case.owner in m.value for m in at.markdown)
    assert any(m.value.startswith(f"**{case.survey_type.upper()} {case.score}**") for m in at.markdown)
    assert [i.value for i in at.info if "·" not in i.value]  # the playbook
    timeline = _frame(at, "When", "What", "Detail")
    assert timeline["What"].str.contains("(this case)", regex=False).sum() == 1
    history = _frame(at, "Who", "Action", "Change")
    assert history["Action"].tolist() == ["opened"]
    views = [e for e in app_state.audit_entries(path=_state(committee)) if e["action"] == "case_view"]
    assert len(views) == 1 and case.case_id in views[0]["filter_json"] and views[0]["role"] == "committee"
    at.run()  # a rerun is not another view
    assert len([e for e in app_state.audit_entries(path=_state(committee)) if e["action"] == "case_view"]) == 1


def test_working_a_case_changes_its_status_and_the_figures(committee: Path) -> None:
    case = _not_due(committee)
    at = open_page(PAGE)
    assert _metric(at, "Closed-loop rate") == "0.0%"
    open_before = _metric(at, "Open")
    at.text_input(key="cs_case_id").input(case.case_id).run()
    at.radio(key="cs_action_open_en").set_value("contacted")
    at.text_area(key="cs_note").input("Called, will check the bill")
    _button(at, "Record").click().run()
    assert not at.exception
    assert any(f"Case {case.case_id}: Contacted recorded by local-committee" in s.value for s in at.success)
    stored = store.get_case(case.case_id, _state(committee), role="admin")
    assert (stored.status, stored.closed_at, stored.closed_in_sla) == ("contacted", NOW, True)
    rate = _metric(at, "Closed-loop rate")
    assert rate != "0.0%" and _metric(at, "Open") != open_before
    assert at.radio(key="cs_action_contacted_en").options == ["Resolved", "Not reachable", "Note", "Reassign"]
    at.radio(key="cs_action_contacted_en").set_value("resolved")
    _button(at, "Record").click().run()
    assert store.get_case(case.case_id, _state(committee), role="admin").status == "resolved"
    assert _metric(at, "Closed-loop rate") == rate  # resolving a contacted case does not close it again
    history = _frame(at, "Who", "Action", "Change", "Note")
    assert history["Action"].tolist() == ["opened", "Contacted", "Resolved"]
    assert history["Note"].tolist()[1] == "Called, will check the bill"
    assert at.radio(key="cs_action_resolved_en").options == ["Note", "Reassign"]  # resolved is final
    audit = [e["action"] for e in app_state.audit_entries(path=_state(committee))]
    assert audit[:2] == ["case_resolved", "case_contacted"]


def test_reassigning_to_myself_fills_my_queue(committee: Path) -> None:
    case = _not_due(committee)
    at = open_page(PAGE, case=case.case_id)
    at.radio(key="cs_action_open_en").set_value("reassign")
    at.selectbox(key="cs_owner_pick").set_value("local-committee")
    _button(at, "Record").click().run()
    assert store.get_case(case.case_id, _state(committee), role="admin").owner == "local-committee"
    mine = _frame(at, "Case", "Due", "Customer")
    assert mine["Case"].tolist()[0] == case.case_id
    at.radio(key="cs_action_open_en").set_value("note")
    _button(at, "Record").click().run()  # a note without text
    assert any("a note needs its text" in e.value for e in at.error)


def test_an_unknown_case_is_an_error_not_a_crash(committee: Path) -> None:
    at = open_page(PAGE, case="no-such-case")
    assert any("there is no case 'no-such-case'" in e.value for e in at.error)


def test_executives_see_the_figures_only(own_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    as_role(monkeypatch, "executive")
    at = open_page(PAGE, case=_not_due(own_db).case_id)
    assert any("sees the case figures only" in i.value for i in at.info)
    assert not at.tabs and not at.text_input and not at.text_area  # no case, no action form
    assert _metric(at, "Cases") != "0"
    assert any("suppressed for the executive role" in c.value for c in at.caption)
    assert not [e for e in app_state.audit_entries(path=_state(own_db)) if e["action"] == "case_view"]


def test_analysts_and_the_spanish_page(own_db: Path) -> None:
    at = open_page(PAGE, lang="es", case=_not_due(own_db).case_id)
    assert [t.label for t in at.tabs] == ["Mi cola", "Todos los casos abiertos", "Cifras"]
    assert _metric(at, "Tasa de ciclo cerrado") == "0,0 %"
    assert _frame(at, "Caso", "Vencimiento", "Cliente")["Vencimiento"].iloc[0].startswith("vencido hace")
