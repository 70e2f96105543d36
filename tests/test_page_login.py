"""The app with and without an OIDC login configured (AppTest).

``at.secrets`` gives the app an ``[auth]`` section and ``at.user`` plays ``st.user``: a
logged-out visitor gets the login screen and nothing else (no sidebar filter, no table,
no number, on any page); a logged-in user gets the role of the users file, and that role,
not ``CXM_ROLE``, decides what the pages and the audit log see. Without ``[auth]`` the
demo mode is as before.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.serving import app_state, snapshot
from tests.apptest import APP

AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-0123456789abcdef",
    "client_id": "cxmetrics-test",
    "client_secret": "test-client-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
USERS_YAML = """users:
  elena.exec@example.com: executive
  ana.analyst@example.com: analyst
"""
PAGES = ("pages/1_Overview.py", "pages/2_Channels_cohorts.py", "pages/7_Cohort_export.py",
         "pages/8_Data_quality.py")


@pytest.fixture
def login_env(demo_db: Path, app_db_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo snapshot (its own audit log beside it) and a users file."""
    db = tmp_path / "copy" / "cxm.duckdb"
    db.parent.mkdir()
    shutil.copytree(snapshot.snapshot_dir(demo_db), snapshot.snapshot_dir(db))
    users = tmp_path / "users.yaml"
    users.write_text(USERS_YAML, encoding="utf-8")
    monkeypatch.setenv("CXM_USERS_PATH", str(users))
    monkeypatch.setenv("CXM_ROLE", "admin")  # must be ignored once a login is configured
    app_db_env(db)  # also clears the cached settings
    return db


def _app(user: dict, page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.secrets["auth"] = dict(AUTH)
    at.user = user
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shows_no_data(at: AppTest) -> None:
    assert not at.dataframe and not at.metric and not at.table
    assert not at.multiselect and not at.selectbox and not at.date_input  # no sidebar filter
    assert not at.get("plotly_chart")


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "error", "success", "title", "header") for e in
             getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", (None, *PAGES))
def test_logged_out_visitors_see_the_login_screen_only(login_env: Path, page: str | None) -> None:
    at = _app({"is_logged_in": False}, page, period="all")
    assert [b.label for b in at.button] == ["Log in"]
    assert "Log in with your company account" in _texts(at)
    _shows_no_data(at)
    assert "Demo mode" not in _texts(at)


def test_the_login_screen_speaks_spanish(login_env: Path) -> None:
    at = _app({"is_logged_in": False}, lang="es")
    assert [b.label for b in at.button] == ["Iniciar sesión"]
    assert [r.value for r in at.sidebar.radio] == ["es"]  # the language switch stays


def test_an_executive_sees_aggregates_and_is_refused_records(login_env: Path) -> None:
    user = {"is_logged_in": True, "email": "Elena.Exec@example.com", "name": "Elena Exec"}
    at = _app(user, period="all")
    assert at.metric, "the overview's KPI tiles"
    sidebar = "\n".join(c.value for c in at.sidebar.caption)
    assert "Elena Exec" in sidebar and "elena\\.exec@example\\.com" in sidebar and "**executive**" in sidebar
    assert "Demo mode" not in sidebar
    assert at.sidebar.button(key="logout").label == "Log out"
    for page in ("pages/2_Channels_cohorts.py", "pages/7_Cohort_export.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert any("aggregates only" in i.value for i in at.info), page  # CXM_ROLE=admin is ignored


def test_an_analysts_drilldown_is_audited_under_their_email(login_env: Path) -> None:
    user = {"is_logged_in": True, "email": "ana.analyst@example.com", "name": "Ana"}
    at = _app(user, "pages/2_Channels_cohorts.py", period="all")
    channel = next(s for s in at.selectbox if s.key == "ch_cell_channel")
    channel.set_value(channel.options[0]).run()
    value = next(s for s in at.selectbox if s.key == "ch_cell_value")
    value.set_value(value.options[0]).run()
    assert not at.exception
    entries = [e for e in app_state.audit_entries(path=app_state.default_path()) if e["action"] == "drilldown"]
    assert [(e["user"], e["role"]) for e in entries] == [("ana.analyst@example.com", "analyst")]


def test_an_unknown_user_is_refused_with_a_clear_message(login_env: Path) -> None:
    at = _app({"is_logged_in": True, "email": "mallory@example.net", "name": "Mallory"}, "pages/7_Cohort_export.py")
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "mallory@example\\.net has no role in cxmetrics" in errors[0]
    assert [b.label for b in at.button] == ["Log out"]
    _shows_no_data(at)


def test_a_bad_users_file_shows_the_problem_and_no_data(login_env: Path, tmp_path: Path) -> None:
    (tmp_path / "users.yaml").write_text("users:\n  ana.analyst@example.com: boss\n", encoding="utf-8")
    at = _app({"is_logged_in": True, "email": "ana.analyst@example.com"})
    assert any("users file" in e.value for e in at.error)
    assert any("'boss' is not a role" in c.value for c in at.code)
    _shows_no_data(at)


def test_logging_out_returns_to_the_login_screen(login_env: Path) -> None:
    at = _app({"is_logged_in": True, "email": "ana.analyst@example.com", "name": "Ana"})
    assert at.metric
    at.sidebar.button(key="logout").click().run()
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"]
    _shows_no_data(at)


def test_demo_mode_is_unchanged_without_auth(demo_db: Path, app_db_env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_ROLE", "executive")
    app_db_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["period"] = "all"
    at.run()
    assert not at.exception
    assert at.metric
    sidebar = "\n".join(c.value for c in at.sidebar.caption)
    assert "Demo mode: no login configured. You are viewing as **executive**." in sidebar
    assert not [b for b in at.button if b.label in ("Log in", "Log out")]
