"""Role matrix: for each role and each data-returning action, allowed or refused.

Roles are enforced in the library functions that return data (not only by hiding pages):
executive and committee see aggregates only; analyst adds records (pseudonymized);
admin adds raw person ids.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.core.errors import UserError
from cxmetrics.metrics.engine import kpi_table
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.records import record_page, survey_verbatims
from cxmetrics.reports.export import export_cohort, preview
from cxmetrics.serving.snapshot import open_snapshot

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
    # closed-loop cases (cxmetrics.serving.cases): worked by the committee, analysts, admins
    "cases_list": {"committee", "analyst", "admin"},
    "case_show": {"committee", "analyst", "admin"},
    "case_timeline": {"committee", "analyst", "admin"},
    "case_act": {"committee", "analyst", "admin"},
    "case_figures": {"executive", "committee", "analyst", "admin"},
    "case_raw_ids": {"admin"},
}


def _case_state(src, tmp: Path) -> Path:
    """The demo's cases, opened again from its snapshot into an app state of the test's own."""
    from cxmetrics.serving import cases

    state = tmp / "cases.sqlite"
    if not state.exists():
        cases.open_cases(src.con, state)
    return state


def _case_act(action: str, src, role: str, tmp: Path):
    from cxmetrics.reports import cases as rc
    from cxmetrics.serving import cases

    state = _case_state(src, tmp)
    first = cases.list_cases(state, role="admin", limit=1)[0].case_id
    if action == "cases_list":
        return cases.list_cases(state, role=role, limit=10)
    if action == "case_show":
        return cases.get_case(first, state, role=role), cases.history(first, state, role=role)
    if action == "case_timeline":
        return rc.timeline(src, first, state, role=role)
    if action == "case_act":
        return cases.update_case(first, "contacted", user="t", role=role, path=state)
    if action == "case_figures":
        return rc.figures(state, role=role)
    if action == "case_raw_ids":
        people = [c.person for c in cases.list_cases(state, role=role, limit=20)]
        if all(p.startswith("p_") for p in people):
            raise UserError("pseudonymized")
        return people
    raise AssertionError(action)


def _act(action: str, src, role: str, tmp: Path):
    if action.startswith("case"):
        return _case_act(action, src, role, tmp)
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
    for page, marker, refused_roles in (("pages/2_Channels_cohorts.py", "aggregates only", ("executive", "committee")),
                                        ("pages/7_Cohort_export.py", "aggregates only", ("executive", "committee")),
                                        ("pages/10_Cases.py", "sees the case figures only", ("executive",))):
        at = AppTest.from_file(APP, default_timeout=90)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, page
        refused = any(marker in i.value for i in at.info)
        assert refused == (role in refused_roles), (page, role)


def test_drilldown_views_are_audited(demo_db: Path, app_db_env, tmp_path: Path) -> None:
    import shutil

    from cxmetrics.serving import app_state, snapshot

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


# --------------------------------------------------------------------------- k-anonymity

SEES_SMALL_CELLS = {"analyst", "admin"}  # roles with record-level access see every aggregate cell


def _people(src, kpi: str, by: list[str]) -> dict[tuple, int]:
    """Distinct persons per group, counted here straight from the record table."""
    from cxmetrics.metrics.registry import KPIS

    spec = KPIS[kpi]
    cols = ", ".join(by)
    rows = src.con.execute(
        f"SELECT {cols}, count(DISTINCT person) FROM {spec.record_table} WHERE {spec.where} GROUP BY ALL"
    ).fetchall()
    return {tuple(r[:-1]): r[-1] for r in rows}


@pytest.mark.parametrize("role", ROLES)
def test_small_cells_follow_the_role(small_demo_db: Path, role: str) -> None:
    """Executive and committee never see a cell with fewer than k people (and see every
    other cell unless it is a complement); analyst and admin see every cell."""
    from cxmetrics.metrics.engine import kpi_stats

    src = open_snapshot(small_demo_db)
    by = ["channel", "region", "plan"]  # a fine grouping: many small cells
    for kpi in ("nps", "journey_completion"):
        people = _people(src, kpi, by)
        assert any(p < 5 for p in people.values()), "the check needs small cells"
        rows = kpi_stats(src, [kpi], by, FilterSpec(), role=role)
        assert len(rows) == len(people)
        for g in rows:
            p = people[tuple(g.group[d] for d in by)]
            if role in SEES_SMALL_CELLS:
                assert g.suppressed is None and g.n > 0
            elif p < 5:
                assert g.suppressed == "k" and (g.n, g.s1, g.s2) == (0, 0.0, 0.0), (g, p)
            else:
                assert g.suppressed in (None, "complement"), (g, p)
        if role not in SEES_SMALL_CELLS:
            assert any(g.suppressed == "k" for g in rows) and any(g.suppressed is None for g in rows)


def test_aggregate_views_need_the_role(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       request: pytest.FixtureRequest) -> None:
    """The functions behind aggregate views take the viewer's role: a page cannot forget it."""
    from cxmetrics.core.settings import get_settings
    from cxmetrics.metrics import okr
    from cxmetrics.metrics.compare import last_closed_period
    from cxmetrics.reports import channels as cohorts_report
    from cxmetrics.reports import committee as committee_ui
    from cxmetrics.reports import overview as ov
    from cxmetrics.reports import review

    monkeypatch.setenv("CXM_DB_PATH", str(tmp_path / "cxm.duckdb"))  # the app state of the review lives here
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)

    src = open_snapshot(demo_db)
    period = last_closed_period(src)
    spec = FilterSpec()
    calls = [
        lambda **kw: ov.tiles(src, period, spec, **kw),
        lambda **kw: ov.sparklines(src, period, spec, **kw),
        lambda **kw: cohorts_report.channel_cohort_heatmap(src, "nps", "segment", spec, 30, 0.05, **kw),
        lambda **kw: cohorts_report.overall_value(src, "nps", spec, **kw),
        lambda **kw: cohorts_report.kpi_trend(src, "nps", "channel", spec, period.start, period.end, 30, **kw),
        lambda **kw: review.review_data(src, period, None, spec, **kw),
        lambda **kw: committee_ui.review_figures(src, period, None, 0.0, **kw),
        lambda **kw: okr.key_result_history(src, okr.KeyResult(
            id="K", title="t", owner="o", kpi="nps", baseline=0, target=1, start=period.start, end=period.end),
            [period], **kw),
    ]
    for call in calls:
        with pytest.raises(TypeError):
            call()
        assert call(role="executive") is not None


@pytest.mark.parametrize("role", ["executive", "committee"])
def test_aggregate_pages_render_for_restricted_roles(demo_db: Path, app_db_env, monkeypatch: pytest.MonkeyPatch,
                                                     role: str) -> None:
    monkeypatch.setenv("CXM_ROLE", role)
    app_db_env(demo_db)
    for page in ("pages/1_Overview.py", "pages/2_Channels_cohorts.py", "pages/5_OKRs.py",
                 "pages/6_Committee_review.py"):
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params["cohort"] = "plan"  # Channels: a grouping with small cells
        at.run()
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])


ACTION_LOG = {"committee", "analyst", "admin"}
CLOSE_REVIEW = {"committee", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_action_log_and_closing_a_review_follow_the_role(tmp_path: Path, role: str) -> None:
    """The committee's action log is not for executives; closing a review is for the
    committee and admins. Enforced in cxmetrics.serving.app_state, not only on the page."""
    from datetime import date

    from cxmetrics.serving import app_state

    state = tmp_path / "state.sqlite"
    seeded = app_state.add_action("Seed", "Ops", date(2026, 3, 1), "2026-02-02", "t", path=state, role="admin")
    calls = {
        "add": lambda: app_state.add_action("Fix IVR", "Ops", date(2026, 3, 1), "2026-02-02", "t",
                                            path=state, role=role),
        "read": lambda: app_state.actions(state, role=role),
        "due": lambda: app_state.actions_due_in(date(2026, 2, 1), date(2026, 3, 31), state, role=role),
        "done": lambda: app_state.mark_done(seeded.id, "t", state, role=role) or "done",
    }
    for name, call in calls.items():
        if role in ACTION_LOG:
            assert call() is not None, name
        else:
            with pytest.raises(UserError):
                call()
    close = lambda: app_state.freeze_review("2026-02-02", {}, "v1", "t", state, role=role)  # noqa: E731
    if role in CLOSE_REVIEW:
        close()
        assert app_state.frozen_review("2026-02-02", state)["closed_by"] == "t"
    else:
        with pytest.raises(UserError):
            close()
        assert app_state.frozen_review("2026-02-02", state) is None


def test_executive_review_page_and_pack_leave_out_the_action_log(
    demo_db: Path, app_db_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxmetrics.metrics.compare import closed_periods
    from cxmetrics.reports import pack as report
    from cxmetrics.reports.review import review_data

    monkeypatch.setenv("CXM_ROLE", "executive")
    app_db_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/6_Committee_review.py").run()
    assert not at.exception
    assert any("action log" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "rv_close"]
    assert not at.text_input  # no form to add an action
    src = open_snapshot(demo_db)
    data = review_data(src, closed_periods(src)[-1], role="executive")
    assert data["actions_due"] is None and data["actions_decided_last_time"] is None
    html = report.render_pack(data, "html", "en").decode()
    assert "The action log is not part of this pack" in html


def test_journey_and_uplift_views_need_the_role(demo_db: Path) -> None:
    """The views of the Journeys & handoffs and Identity uplift pages take the viewer's role."""
    from cxmetrics.reports import journeys as jr
    from cxmetrics.reports import uplift as up

    src = open_snapshot(demo_db)
    spec = FilterSpec()
    calls = [
        lambda **kw: jr.journey_completion(src, spec, **kw),
        lambda **kw: jr.step_funnel(src, spec, "billing", **kw),
        lambda **kw: jr.handoff_funnel(src, spec, "channel", **kw),
        lambda **kw: jr.fcr_overall(src, spec, **kw),
        lambda **kw: jr.fcr_by(src, spec, "intent", **kw),
        lambda **kw: jr.repeat_paths(src, spec, **kw),
        lambda **kw: up.uplift_table(src, spec, **kw),
        lambda **kw: up.uplift_row(src, "nps", spec, **kw),
        lambda **kw: up.high_intent_uplift(src, spec, **kw),
        lambda **kw: up.negative_before_login(src, spec, **kw),
        lambda **kw: up.churn_research(src, spec, **kw),
        lambda **kw: up.research_lead_distribution(src, spec, **kw),
    ]
    for call in calls:
        with pytest.raises(TypeError):
            call()
        assert call(role="executive") is not None


def test_journey_and_uplift_pages_render_for_committee(demo_db: Path, app_db_env,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_ROLE", "committee")
    app_db_env(demo_db)
    for page in ("pages/3_Journeys_handoffs.py", "pages/4_Identity_uplift.py"):
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params["intent"] = "device_upgrade"  # small groups in every view
        at.run()
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert any("for the committee member role" in c.value for c in at.caption), page
