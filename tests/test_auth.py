"""Users -> roles mapping for the OIDC login (cxmetrics.core.auth), and the mock provider itself."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from cxmetrics.core import auth
from cxmetrics.core.auth import AccessRefused, UsersFile, load_users, role_for
from cxmetrics.core.errors import UserError
from tests.mock_oidc import IdpUser, MockOIDCProvider

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "users.example.yaml"

USERS = UsersFile(
    users={"ana.analyst@example.com": "analyst", "elena.exec@example.com": "executive"},
    domains={"example.org": "committee"},
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "users.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_committed_example_file_is_valid_and_fictitious() -> None:
    users = load_users(EXAMPLE)
    assert users.users == {
        "elena.exec@example.com": "executive",
        "carlos.committee@example.com": "committee",
        "ana.analyst@example.com": "analyst",
        "ops.admin@example.com": "admin",
    }
    assert users.domains == {}
    assert all(e.endswith("@example.com") for e in users.users)  # documentation domain only


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": "ana.analyst@example.com"}, ("ana.analyst@example.com", "analyst")),
        # case and spaces do not matter; an absent email_verified does not refuse a listed user
        ({"email": " Elena.Exec@Example.COM "}, ("elena.exec@example.com", "executive")),
        ({"email": "ana.analyst@example.com", "email_verified": True}, ("ana.analyst@example.com", "analyst")),
        ({"email": "ana.analyst@example.com", "email_verified": "true"}, ("ana.analyst@example.com", "analyst")),
        # a domain rule needs a verified address
        ({"email": "luis@example.org", "email_verified": True}, ("luis@example.org", "committee")),
        ({"email": "luis@EXAMPLE.org", "email_verified": "True"}, ("luis@example.org", "committee")),
    ],
)
def test_known_users_get_their_role(claims: dict, expected: tuple[str, str]) -> None:
    assert role_for(claims, USERS) == expected


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"email": "mallory@example.net", "email_verified": True}, "unknown"),
        ({"email": "ana.analyst@example.com.evil.net", "email_verified": True}, "unknown"),
        ({"email": "luis@sub.example.org", "email_verified": True}, "unknown"),  # no subdomain match
        ({"email": "luis@example.org"}, "unverified"),  # domain rule, verification unknown
        ({"email": "luis@example.org", "email_verified": False}, "unverified"),
        ({"email": "luis@example.org", "email_verified": "false"}, "unverified"),
        ({"email": "ana.analyst@example.com", "email_verified": False}, "unverified"),
        ({"name": "No Mail"}, "no_email"),
        ({"email": "   "}, "no_email"),
    ],
)
def test_others_are_refused_not_given_a_role(claims: dict, reason: str) -> None:
    with pytest.raises(AccessRefused) as refused:
        role_for(claims, USERS)
    assert refused.value.reason == reason
    assert isinstance(refused.value, UserError) and str(refused.value)


def test_a_refusal_names_the_address() -> None:
    with pytest.raises(AccessRefused, match=r"mallory@example\.net is not in the users file"):
        role_for({"email": "mallory@example.net"}, USERS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users: [ana@example.com\n", "not valid YAML"),
        ("users:\n  ana@example.com: boss\n", "users.ana@example.com: 'boss' is not a role (use one of executive"),
        ("users:\n  ana: analyst\n", "'ana' is not an email address"),
        ("users:\n  ana @example.com: analyst\n", "is not an email address"),
        ("users:\n  ana@example.com: analyst\n  Ana@Example.com: admin\n",
         "line 3: 'ana@example.com' is listed twice (first on line 2)"),
        ("user:\n  ana@example.com: analyst\n", "user: Extra inputs are not permitted"),
        ("- ana@example.com\n", "expected a mapping with 'users'"),
        ("", "lists no users and no domains"),
        ("users: {}\ndomains: {}\n", "lists no users and no domains"),
        ("users:\n  - ana@example.com\n", "users: Input should be a valid dictionary"),
        ("domains:\n  '*.example.com': analyst\n", "is not a domain (write example.com"),
        ("domains:\n  '@example.com': analyst\n", "is not a domain"),
    ],
)
def test_a_bad_users_file_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(UserError) as err:
        load_users(path)
    assert str(err.value).startswith(str(path)), err.value
    assert message in str(err.value), err.value


def test_a_missing_users_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"does not exist; login is configured.*users\.example\.yaml.*CXM_USERS_PATH"):
        load_users(tmp_path / "nope.yaml")


def test_an_edited_users_file_is_read_again(tmp_path: Path) -> None:
    path = _write(tmp_path, "users:\n  ana@example.com: analyst\n")
    assert load_users(path).users == {"ana@example.com": "analyst"}
    path.write_text("users:\n  ana@example.com: executive\n", encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert load_users(path).users == {"ana@example.com": "executive"}


def test_the_users_path_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxmetrics.core.settings import get_settings

    path = _write(tmp_path, "users:\n  ana@example.com: admin\n")
    monkeypatch.setenv("CXM_USERS_PATH", str(path))
    get_settings.cache_clear()
    try:
        assert load_users().users == {"ana@example.com": "admin"}
    finally:
        monkeypatch.delenv("CXM_USERS_PATH")
        get_settings.cache_clear()


def test_without_a_login_the_demo_user_has_the_settings_role(monkeypatch: pytest.MonkeyPatch) -> None:
    from cxmetrics.core.settings import get_settings
    from cxmetrics.ui import auth as ui_auth

    monkeypatch.setattr(ui_auth, "login_configured", lambda: False)
    monkeypatch.setenv("CXM_ROLE", "committee")
    get_settings.cache_clear()
    try:
        assert ui_auth.current_user() == auth.CurrentUser("local-committee", "local-committee", "committee", "demo")
    finally:
        monkeypatch.delenv("CXM_ROLE")
        get_settings.cache_clear()


# --------------------------------------------------------------------------- the mock provider


def test_mock_provider_speaks_the_code_flow_with_pkce_and_a_signed_id_token() -> None:
    """The provider the browser tests log in with: discovery, authorize, token, jwks, userinfo."""
    user = IdpUser("ana.analyst@example.com", "Ana Analyst")
    with MockOIDCProvider([user]) as idp, httpx.Client(timeout=5) as http:
        meta = http.get(idp.metadata_url).json()
        assert meta["issuer"] == idp.issuer and "S256" in meta["code_challenge_methods_supported"]
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        redirect_uri = "http://127.0.0.1:9/oauth2callback"
        params = {
            "response_type": "code", "client_id": idp.client_id, "redirect_uri": redirect_uri,
            "scope": "openid email profile", "state": "st-1", "nonce": "n-1",
            "code_challenge": challenge, "code_challenge_method": "S256",
        }
        chooser = http.get(meta["authorization_endpoint"], params=params)
        assert chooser.status_code == 200 and "Sign in as Ana Analyst" in chooser.text
        back = http.post(meta["authorization_endpoint"], data={**params, "account": user.email})
        assert back.status_code == 302
        q = parse_qs(urlparse(back.headers["location"]).query)
        assert q["state"] == ["st-1"]
        token_form = {"grant_type": "authorization_code", "code": q["code"][0], "redirect_uri": redirect_uri,
                      "code_verifier": verifier}
        bad = http.post(meta["token_endpoint"], data=token_form, auth=(idp.client_id, "wrong"))
        assert bad.status_code == 401
        tokens = http.post(meta["token_endpoint"], data=token_form, auth=(idp.client_id, idp.client_secret)).json()
        keys = KeySet.import_key_set(http.get(meta["jwks_uri"]).json())
        claims = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
        assert claims["iss"] == idp.issuer and claims["aud"] == idp.client_id and claims["nonce"] == "n-1"
        assert claims["email"] == user.email and claims["email_verified"] is True
        again = http.post(meta["token_endpoint"], data=token_form, auth=(idp.client_id, idp.client_secret))
        assert again.status_code == 400  # a code is good once
        info = http.get(meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert info.json()["email"] == user.email
        # PKCE: a code redeemed with the wrong verifier is refused
        back = http.get(meta["authorization_endpoint"], params={**params, "login_hint": user.email})
        code = parse_qs(urlparse(back.headers["location"]).query)["code"][0]
        wrong = http.post(meta["token_endpoint"], data={**token_form, "code": code, "code_verifier": "x" * 48},
                          auth=(idp.client_id, idp.client_secret))
        assert wrong.status_code == 400 and "PKCE" in wrong.json()["error_description"]


def test_names_from_the_provider_are_shown_literally_not_as_markdown() -> None:
    from cxmetrics.ui.auth import md_escape

    name = "Eve *[click](http://evil.example)* `x` $y$"
    escaped = md_escape(name)
    assert "\\*\\[click\\]\\(http\\:" in escaped and "\\`x\\`" in escaped and "\\$y\\$" in escaped
    assert escaped.replace("\\", "") == name
