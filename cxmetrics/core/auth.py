"""Who is using the app, and with which role: the one place pages and the audit log ask.

Two modes, chosen by the secrets:

- ``oidc``: ``.streamlit/secrets.toml`` has an ``[auth]`` section (Streamlit's ``st.login``
  format). The user logs in at the identity provider; the role comes from the users file
  (``CXM_USERS_PATH``, default ``config/users.yaml``), keyed by the ``email`` claim. An
  address in neither ``users`` nor a ``domains`` rule is refused: nobody gets a role by
  default.
- ``demo``: no login configured. One local user, ``local-<role>``, with the role of
  ``CXM_ROLE`` (default analyst).

Roles are enforced again by the library functions that return records
(``privacy.require_record_access``); this module only says who the user is.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import PROJECT_ROOT, get_settings

Role = Literal["executive", "committee", "analyst", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
Mode = Literal["oidc", "demo"]
# The keys Streamlit needs for one provider (the default one sits in [auth] itself).
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


@dataclass(frozen=True)
class CurrentUser:
    """The user of this session: ``id`` is the email (oidc) or ``local-<role>`` (demo)."""

    id: str
    name: str
    role: Role
    mode: Mode


class AccessRefused(UserError):
    """A logged-in identity that gets no role; ``reason`` names why (for the login screen)."""

    def __init__(self, reason: Literal["not_logged_in", "no_email", "unverified", "unknown"], email: str = ""):
        self.reason = reason
        self.email = email
        messages = {
            "not_logged_in": "nobody is logged in",
            "no_email": "the identity provider sent no email address (ask for the 'email' scope)",
            "unverified": f"{email}: the identity provider says this address is not verified",
            "unknown": f"{email} is not in the users file: ask an administrator for a role",
        }
        super().__init__(messages[reason])


# --------------------------------------------------------------------------- the users file


class UsersFile(BaseModel):
    """``users``: email -> role; ``domains``: domain -> role for verified addresses there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    users: dict[str, Role] = {}
    domains: dict[str, Role] = {}

    @field_validator("users", mode="before")
    @classmethod
    def _emails(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value  # pydantic reports the wrong type
        for email in value:
            e = str(email).strip()
            local, _, domain = e.partition("@")
            if not local or "." not in domain or "@" in domain or any(c.isspace() for c in e):
                raise ValueError(f"'{email}' is not an email address")
        return {str(k).strip().lower(): v for k, v in value.items()}

    @field_validator("domains", mode="before")
    @classmethod
    def _domains(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        for domain in value:
            d = str(domain).strip()
            if "@" in d or "*" in d or "." not in d or any(c.isspace() for c in d):
                raise ValueError(f"'{domain}' is not a domain (write example.com, without @ or *)")
        return {str(k).strip().lower(): v for k, v in value.items()}


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice (PyYAML keeps the last one silently)."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[str, int] = {}
    for key_node, _ in node.value:
        key = str(loader.construct_object(key_node, deep=deep)).strip().lower()
        if key in seen:
            raise UserError(
                f"line {key_node.start_mark.line + 1}: '{key}' is listed twice "
                f"(first on line {seen[key]}); give each email or domain one role"
            )
        seen[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def load_users(path: Path | str | None = None) -> UsersFile:
    """The users file, validated; any problem is one ``UserError`` naming the file.

    Re-read when the file changes (keyed by modification time and size), so an
    administrator's edit takes effect on the next page view without a restart.
    """
    p = Path(path) if path is not None else get_settings().users_path
    try:
        stat = p.stat()
    except FileNotFoundError:
        raise UserError(
            f"{p}: the users file does not exist; login is configured, so create it "
            "(see config/users.example.yaml) or set CXM_USERS_PATH"
        ) from None
    return _load_users(str(p), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load_users(path: str, _mtime_ns: int, _size: int) -> UsersFile:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: the users file cannot be read ({exc})") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except UserError as exc:
        raise UserError(f"{path}, {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise UserError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise UserError(f"{path}: expected a mapping with 'users' (and optionally 'domains')")
    try:
        users = UsersFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        problem = first["msg"].removeprefix("Value error, ")
        if first["type"] == "literal_error":
            problem = f"'{first['input']}' is not a role (use one of {', '.join(ROLES)})"
        raise UserError(f"{path}, {where}: {problem}") from None
    if not users.users and not users.domains:
        raise UserError(f"{path}: lists no users and no domains, so nobody could log in")
    return users


def _truthy(value: Any) -> bool | None:
    """An ``email_verified`` claim as a bool (some providers send the string 'true')."""
    if isinstance(value, bool) or value is None:
        return value
    return str(value).strip().lower() == "true"


def role_for(claims: Mapping[str, Any], users: UsersFile) -> tuple[str, Role]:
    """(email, role) for the identity ``claims`` of a logged-in user, or ``AccessRefused``.

    A listed email gets its role unless the provider says the address is unverified; a
    ``domains`` rule applies only to addresses the provider marks verified (an unverified
    email claim can be anything the user typed at some providers). Anyone else is refused.
    """
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        raise AccessRefused("no_email")
    verified = _truthy(claims.get("email_verified"))
    if email in users.users:
        if verified is False:
            raise AccessRefused("unverified", email)
        return email, users.users[email]
    domain = email.rpartition("@")[2]
    if domain in users.domains:
        if verified is not True:
            raise AccessRefused("unverified", email)
        return email, users.domains[domain]
    raise AccessRefused("unknown", email)


# --------------------------------------------------------------------------- the command line


def secrets_files() -> list[Path]:
    """The secrets files Streamlit reads (the user's and the project's, from the working
    directory) and the project root's, where ``make run`` starts the app."""
    return list(dict.fromkeys([Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml",
                               PROJECT_ROOT / ".streamlit" / "secrets.toml"]))


def login_configured_on_disk() -> bool:
    """Whether the app requires a login, read from the files (for the command line, which
    has no Streamlit session): the users file exists and a secrets file has ``[auth]``."""
    if not get_settings().users_path.exists():
        return False
    for path in secrets_files():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if isinstance(data.get("auth"), Mapping):
            return True
    return False


def cli_user(as_email: str | None, role: str | None) -> CurrentUser:
    """Who runs a command that follows the app's role rules (``cxm cases``).

    With a login configured (``login_configured_on_disk``) the user says who they are with
    ``--as EMAIL`` and the role is the one the users file gives that address (treated as
    verified: the command line is an operator's tool, run by someone who can read the
    files anyway; this records who acted and applies their role's rules). Without one, the
    role is ``--role`` or ``CXM_ROLE`` and the user ``--as`` or ``local-<role>``.
    """
    if login_configured_on_disk():
        if not as_email:
            raise UserError("a login is configured (the users file and [auth] in .streamlit/secrets.toml): "
                            "say who you are with --as EMAIL")
        if role:
            raise UserError("with a login configured the role comes from the users file: leave out --role")
        email, user_role = role_for({"email": as_email, "email_verified": True}, load_users())
        return CurrentUser(id=email, name=email, role=user_role, mode="oidc")
    chosen = role or get_settings().role
    if chosen not in ROLES:
        raise UserError(f"'{chosen}' is not a role (use one of {', '.join(ROLES)})")
    user = (as_email or "").strip() or f"local-{chosen}"
    return CurrentUser(id=user, name=user, role=chosen, mode="demo")  # type: ignore[arg-type]
