"""The login screen and the sidebar's account block (Streamlit's ``st.login`` / ``st.logout``).

``require_login`` runs before any page or sidebar filter: with a login configured and
nobody (or nobody with a role) logged in it draws only the login or refusal screen, so
no data is read or shown. Who the user is and their role come from ``current_user`` (the
session's OIDC identity or the demo's local user, mapped to a role by ``cxmetrics.core.auth``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from cxmetrics.core import auth
from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import t

_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>$~:")


def md_escape(text: str) -> str:
    """``text`` shown literally inside Markdown (names and emails come from the provider)."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in text)


def _login_buttons(lang: str) -> None:
    providers = login_providers()
    if not providers:
        st.error(t("auth.no_provider", lang))
        return
    for provider in providers:
        label = t("auth.login", lang) if provider == "default" else t("auth.login_with", lang, provider=provider)
        if st.button(label, type="primary", key=f"login_{provider}", icon=":material/login:"):
            try:
                st.login(provider)
            except Exception as exc:  # StreamlitAuthError (bad [auth]) or missing Authlib
                st.error(t("auth.login_failed", lang, error=str(exc)))


def _logout_button(lang: str, key: str) -> None:
    if st.button(t("auth.logout", lang), key=key, icon=":material/logout:"):
        st.logout()


def require_login(lang: str) -> auth.CurrentUser | None:
    """The session's user; or None after drawing the login, refusal or configuration-error
    screen (the caller then stops before any page content)."""
    try:
        return current_user()
    except auth.AccessRefused as refused:
        _, middle, _ = st.columns([1, 2, 1])
        with middle:
            st.title(t("auth.title", lang))
            if refused.reason == "not_logged_in":
                st.write(t("auth.intro", lang))
                _login_buttons(lang)
            else:
                st.error(t(f"auth.refused.{refused.reason}", lang, email=md_escape(refused.email)))
                _logout_button(lang, "logout_refused")
    except UserError as exc:  # the users file is missing or invalid
        st.title(t("auth.title", lang))
        st.error(t("auth.config_error", lang))
        st.code(str(exc), language=None, wrap_lines=True)
        if st.user.to_dict().get("is_logged_in"):
            _logout_button(lang, "logout_config")
    return None


def account(lang: str) -> None:
    """The sidebar's account block: who is logged in, with which role, and a logout
    button; in demo mode the notice that no login is configured."""
    user = current_user()
    role = t(f"role.{user.role}", lang)
    if user.mode == "demo":
        st.caption(t("sidebar.demo_mode", lang, role=role))
        return
    st.caption(t("auth.signed_in", lang, name=md_escape(user.name), email=md_escape(user.id), role=role))
    _logout_button(lang, "logout")


# --------------------------------------------------------------------------- the session's user


def _auth_section() -> Mapping[str, Any] | None:
    # load_if_toml_exists is False (never raises) when there is no secrets file at all
    if not st.secrets.load_if_toml_exists() or "auth" not in st.secrets:
        return None
    section = st.secrets["auth"]
    return section if isinstance(section, Mapping) else None


def login_configured() -> bool:
    """True when the secrets have an ``[auth]`` section: the app then requires a login."""
    return _auth_section() is not None


def login_providers() -> list[str]:
    """The providers ``st.login`` can use: ``default`` when [auth] holds the keys itself,
    else each named ``[auth.<name>]`` subsection that does."""
    section = _auth_section() or {}
    if any(k in section for k in auth.PROVIDER_KEYS):
        return ["default"]
    return [k for k, v in section.items() if isinstance(v, Mapping) and "client_id" in v]


def _claims() -> dict[str, Any]:
    return dict(st.user.to_dict())


def current_user() -> auth.CurrentUser:
    """The user of this session, for pages, library calls and the audit log.

    With a login configured: the logged-in identity and its role from the users file
    (``AccessRefused`` when nobody is logged in or the identity has no role; ``UserError``
    when the users file is missing or invalid). Without one: the demo's local user.
    """
    if not login_configured():
        role = get_settings().role
        return auth.CurrentUser(id=f"local-{role}", name=f"local-{role}", role=role, mode="demo")
    claims = _claims()
    if not claims.get("is_logged_in"):
        raise auth.AccessRefused("not_logged_in")
    email, role = auth.role_for(claims, auth.load_users())
    name = str(claims.get("name") or "").strip() or email
    return auth.CurrentUser(id=email, name=name, role=role, mode="oidc")

