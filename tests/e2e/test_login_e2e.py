"""The OIDC login in real Chromium, against the mock provider on loopback (tests/mock_oidc.py).

The app runs as deployed (``python -m cxmetrics.ui.serve``) from a temporary working
directory whose ``.streamlit/secrets.toml`` has an ``[auth]`` section pointing at the mock
provider; the users file gives Elena the executive role and Ana the analyst role, and
Mallory none. Checks: the login screen shows nothing else; Streamlit's real login (PKCE,
state, nonce, RS256 id_token) brings each user back with their role; the executive sees
the KPI tiles but no records on Cohort export and Channels; the analyst exports and the
audit log has her email; logging out returns to the login screen; Mallory is refused.
Screenshots of the login screen and of logged-in pages go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from cxmetrics.serving import app_state, snapshot
from tests.conftest import _free_port, serve_app
from tests.e2e.screens import full_page_screenshot
from tests.mock_oidc import IdpUser, MockOIDCProvider

pytestmark = pytest.mark.e2e

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30_000
ELENA = IdpUser("elena.exec@example.com", "Elena Exec")
ANA = IdpUser("ana.analyst@example.com", "Ana Analyst")
MALLORY = IdpUser("mallory@example.net", "Mallory")
USERS_YAML = f"users:\n  {ELENA.email}: executive\n  {ANA.email}: analyst\n"


@dataclass
class LoginApp:
    url: str
    idp: MockOIDCProvider
    db: Path




@pytest.fixture(scope="module")
def login_app(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoginApp]:
    root = tmp_path_factory.mktemp("login_app")
    db = root / "data" / "cxm.duckdb"  # a copy of the demo snapshot, with its own audit log
    db.parent.mkdir()
    shutil.copytree(snapshot.snapshot_dir(demo_db), snapshot.snapshot_dir(db))
    (root / "users.yaml").write_text(USERS_YAML, encoding="utf-8")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with MockOIDCProvider([ELENA, ANA, MALLORY]) as idp:
        # Streamlit reads .streamlit/ (config and secrets) from its working directory.
        work = root / "work"
        (work / ".streamlit").mkdir(parents=True)
        shutil.copy(PROJECT_ROOT / ".streamlit" / "config.toml", work / ".streamlit" / "config.toml")
        (work / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "{url}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            f'client_id = "{idp.client_id}"\n'
            f'client_secret = "{idp.client_secret}"\n'
            f'server_metadata_url = "{idp.metadata_url}"\n',
            encoding="utf-8",
        )
        with serve_app(
            db, root, port=port, cwd=work,
            CXM_USERS_PATH=str(root / "users.yaml"),
            CXM_ROLE="admin",  # ignored once a login is configured
        ):
            yield LoginApp(url, idp, db)


def _login_button(page: Page):
    return page.get_by_role("button", name="Log in")


def _log_in(page: Page, app: LoginApp, user: IdpUser) -> None:
    """From the login screen through the provider's account chooser back into the app."""
    _login_button(page).click()
    expect(page.get_by_role("heading", name="Mock identity provider")).to_be_visible(timeout=TIMEOUT)
    page.get_by_role("button", name=f"Sign in as {user.name}").click()
    page.wait_for_url(re.compile(re.escape(app.url) + r"/.*"), timeout=TIMEOUT)


def _wait_idle(page: Page) -> None:
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT)


def test_login_screen_then_executive_sees_aggregates_only(browser: Browser, login_app: LoginApp) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        # a deep link to record-level data, logged out: the login screen and nothing else
        page.goto(f"{login_app.url}/export?period=all")
        expect(_login_button(page)).to_be_visible(timeout=TIMEOUT)
        expect(page.get_by_text("Log in with your company account")).to_be_visible()
        _wait_idle(page)
        assert page.get_by_test_id("stSidebarNav").count() == 0
        for testid in ("stDataFrame", "stMetric", "stMultiSelect", "stPlotlyChart"):
            assert page.get_by_test_id(testid).count() == 0, testid
        shot = full_page_screenshot(page, "login_screen", TIMEOUT)
        assert shot.exists()

        _log_in(page, login_app, ELENA)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Signed in as Elena Exec")).to_be_visible(timeout=TIMEOUT)
        expect(sidebar.get_by_text("executive", exact=False)).to_be_visible()
        expect(page.locator(".st-key-tile_nps").get_by_test_id("stMetricValue")).to_be_visible(timeout=TIMEOUT)
        _wait_idle(page)
        full_page_screenshot(page, "login_executive_overview", TIMEOUT)

        for path in ("export", "channels"):
            page.goto(f"{login_app.url}/{path}?period=all")  # a new session: the cookie keeps her in
            expect(page.get_by_text(re.compile(r"Your role \(executive\) sees aggregates only"))).to_be_visible(
                timeout=TIMEOUT
            )
        expect(page.get_by_role("button", name="Prepare the export")).to_have_count(0)
    finally:
        context.close()


def test_analyst_exports_under_her_email_and_logs_out(browser: Browser, login_app: LoginApp) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(login_app.url)
        _log_in(page, login_app, ANA)
        expect(page.get_by_test_id("stSidebar").get_by_text("Signed in as Ana Analyst")).to_be_visible(
            timeout=TIMEOUT
        )
        page.goto(f"{login_app.url}/export?period=all")
        page.get_by_role("button", name="Prepare the export").click()
        expect(page.get_by_text(re.compile(r"^Ready: [\d,]+ rows"))).to_be_visible(timeout=TIMEOUT)
        _wait_idle(page)
        full_page_screenshot(page, "login_analyst_export", TIMEOUT)
        entries = app_state.audit_entries(path=login_app.db.parent / "app_state.sqlite")
        exports = [e for e in entries if e["action"] == "export"]
        assert [(e["user"], e["role"]) for e in exports] == [(ANA.email, "analyst")]

        page.get_by_test_id("stSidebar").get_by_role("button", name="Log out").click()
        expect(_login_button(page)).to_be_visible(timeout=TIMEOUT)
        assert ("GET", "/logout") in login_app.idp.requests  # logged out at the provider too
        page.goto(f"{login_app.url}/export")
        expect(_login_button(page)).to_be_visible(timeout=TIMEOUT)
    finally:
        context.close()


def test_a_user_without_a_role_is_refused(browser: Browser, login_app: LoginApp) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(login_app.url)
        _log_in(page, login_app, MALLORY)
        expect(page.get_by_text("mallory@example.net has no role in cxmetrics")).to_be_visible(timeout=TIMEOUT)
        _wait_idle(page)
        for testid in ("stDataFrame", "stMetric", "stMultiSelect", "stPlotlyChart"):
            assert page.get_by_test_id(testid).count() == 0, testid
    finally:
        context.close()
