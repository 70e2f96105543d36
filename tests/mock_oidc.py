"""A small OpenID Connect provider on loopback, for testing the app's ``st.login``.

It speaks the authorization-code flow as a real provider does, enough for Authlib (which
Streamlit's login uses) to accept it unchanged:

- ``/.well-known/openid-configuration``: the discovery document (PKCE S256 advertised,
  so Streamlit enforces it; an ``end_session_endpoint`` for ``st.logout``);
- ``/authorize``: checks the client, redirect URI, scope and PKCE challenge, then shows
  an account chooser, one button per configured test user (or, with ``login_hint``
  naming a user, redirects back at once);
- ``/token``: client authentication (HTTP Basic or form), the one-time code, the
  redirect URI and the PKCE verifier; returns an RS256-signed id_token carrying the
  nonce, ``email``, ``email_verified`` and ``name``;
- ``/jwks``, ``/userinfo`` (Bearer) and ``/logout`` (back to ``post_logout_redirect_uri``).

Loopback only, stdlib HTTP server in a daemon thread; every request is recorded in
``requests`` so a test can check what the client sent. Run it by hand with
``python tests/mock_oidc.py --user ana.analyst@example.com``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CODE_TTL_SECONDS = 60
TOKEN_TTL_SECONDS = 3600


@dataclass(frozen=True)
class IdpUser:
    email: str
    name: str
    email_verified: bool = True

    @property
    def sub(self) -> str:
        return "sub-" + hashlib.sha256(self.email.encode()).hexdigest()[:16]

    def claims(self) -> dict[str, Any]:
        return {"sub": self.sub, "email": self.email, "email_verified": self.email_verified, "name": self.name}


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    user: IdpUser
    nonce: str | None
    challenge: str | None
    method: str | None
    expires: float
    scope: str


@dataclass
class MockOIDCProvider:
    """``with MockOIDCProvider(users, client_id, client_secret) as idp: idp.metadata_url``."""

    users: list[IdpUser]
    client_id: str = "cxmetrics-test"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    host: str = "127.0.0.1"
    requests: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._key = RSAKey.generate_key(2048, parameters={"kid": "mock-1", "use": "sig", "alg": "RS256"})
        self._codes: dict[str, _Grant] = {}
        self._tokens: dict[str, IdpUser] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> MockOIDCProvider:
        provider = self

        class Handler(_Handler):
            idp = provider

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True, name="mock-oidc").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> MockOIDCProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def issuer(self) -> str:
        assert self._server is not None, "start the provider first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def metadata(self) -> dict[str, Any]:
        i = self.issuer
        return {
            "issuer": i,
            "authorization_endpoint": i + "/authorize",
            "token_endpoint": i + "/token",
            "userinfo_endpoint": i + "/userinfo",
            "jwks_uri": i + "/jwks",
            "end_session_endpoint": i + "/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self._key.as_dict(private=False)]}

    # ------------------------------------------------------------------ the flow
    def user(self, email: str) -> IdpUser | None:
        return next((u for u in self.users if u.email.lower() == email.strip().lower()), None)

    def check_authorize(self, q: dict[str, str]) -> str | None:
        """The reason an authorization request is refused, or None."""
        if q.get("client_id") != self.client_id:
            return "unknown client_id"
        if q.get("response_type") != "code":
            return "response_type must be code"
        if "openid" not in q.get("scope", "").split():
            return "scope must include openid"
        redirect = urlparse(q.get("redirect_uri", ""))
        if redirect.scheme != "http" or redirect.hostname not in ("127.0.0.1", "localhost"):
            return "redirect_uri must be a loopback http URL"
        if q.get("code_challenge") and q.get("code_challenge_method") != "S256":
            return "only the S256 code challenge method is supported"
        return None

    def issue_code(self, q: dict[str, str], user: IdpUser) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(
                client_id=q["client_id"], redirect_uri=q["redirect_uri"], user=user, nonce=q.get("nonce"),
                challenge=q.get("code_challenge"), method=q.get("code_challenge_method"),
                expires=time.time() + CODE_TTL_SECONDS, scope=q.get("scope", ""),
            )
        query = {"code": code, **({"state": q["state"]} if q.get("state") else {})}
        return q["redirect_uri"] + ("&" if "?" in q["redirect_uri"] else "?") + urlencode(query)

    def exchange(self, form: dict[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        client_id, client_secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if client_id != self.client_id or not secrets.compare_digest(client_secret, self.client_secret):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # one use only
        if grant is None or grant.expires < time.time() or grant.client_id != client_id:
            return 400, {"error": "invalid_grant", "error_description": "unknown, used or expired code"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        if grant.challenge:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != grant.challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        now = int(time.time())
        claims = {
            "iss": self.issuer, "aud": client_id, "iat": now, "exp": now + TOKEN_TTL_SECONDS, "auth_time": now,
            **grant.user.claims(), **({"nonce": grant.nonce} if grant.nonce else {}),
        }
        id_token = jwt.encode({"alg": "RS256", "kid": self._key.kid}, claims, self._key)
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[access_token] = grant.user
        return 200, {
            "access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_TTL_SECONDS,
            "id_token": id_token, "scope": grant.scope,
        }

    def userinfo(self, bearer: str) -> IdpUser | None:
        with self._lock:
            return self._tokens.get(bearer)


def _first(values: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in values.items() if v}


class _Handler(BaseHTTPRequestHandler):
    idp: MockOIDCProvider

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: str | bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, obj: dict[str, Any]) -> None:
        self._send(status, json.dumps(obj), "application/json")

    def _redirect(self, url: str) -> None:
        self._send(302, b"", "text/plain", {"Location": url})

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        return _first(parse_qs(self.rfile.read(length).decode()))

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlparse(self.path)
        q = _first(parse_qs(url.query))
        self.idp.requests.append(("GET", url.path))
        if url.path == "/.well-known/openid-configuration":
            self._json(200, self.idp.metadata())
        elif url.path == "/jwks":
            self._json(200, self.idp.jwks())
        elif url.path == "/authorize":
            self._authorize(q)
        elif url.path == "/userinfo":
            auth = self.headers.get("Authorization", "")
            user = self.idp.userinfo(auth.removeprefix("Bearer ").strip()) if auth.startswith("Bearer ") else None
            self._json(200, user.claims()) if user else self._json(401, {"error": "invalid_token"})
        elif url.path == "/logout":
            target = q.get("post_logout_redirect_uri")
            self._redirect(target) if target else self._send(200, "Logged out.", "text/plain")
        else:
            self._send(404, "not found", "text/plain")

    def do_POST(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        self.idp.requests.append(("POST", url.path))
        form = self._form()
        if url.path == "/authorize":
            self._authorize(form, chosen=form.pop("account", None))
        elif url.path == "/token":
            basic = None
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                basic = (unquote_plus(user), unquote_plus(password))
            status, body = self.idp.exchange(form, basic)
            self._json(status, body)
        else:
            self._send(404, "not found", "text/plain")

    def _authorize(self, q: dict[str, str], chosen: str | None = None) -> None:
        problem = self.idp.check_authorize(q)
        if problem:
            self._send(400, f"invalid authorization request: {problem}", "text/plain")
            return
        pick = chosen or q.get("login_hint")
        if pick:
            user = self.idp.user(pick)
            if user is None:
                self._send(400, f"no test user {pick}", "text/plain")
                return
            self._redirect(self.idp.issue_code(q, user))
            return
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in q.items()
        )
        buttons = "".join(
            f'<p><button name="account" value="{html.escape(u.email)}">Sign in as {html.escape(u.name)} '
            f"({html.escape(u.email)})</button></p>"
            for u in self.idp.users
        )
        page = (
            "<!doctype html><html><head><title>Mock identity provider</title></head><body>"
            f'<h1>Mock identity provider</h1><p>Choose an account</p><form method="post" action="/authorize">'
            f"{hidden}{buttons}</form></body></html>"
        )
        self._send(200, page, "text/html; charset=utf-8")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", action="append", default=[], help="an email (repeat for more users)")
    parser.add_argument("--client-secret", default="dev-secret")
    args = parser.parse_args()
    users = [IdpUser(e, e.split("@")[0]) for e in args.user or ["ana.analyst@example.com"]]
    with MockOIDCProvider(users, client_secret=args.client_secret) as idp:
        print(f"server_metadata_url = {idp.metadata_url!r}  client_id = {idp.client_id!r}  "
              f"client_secret = {idp.client_secret!r}", flush=True)
        threading.Event().wait()
