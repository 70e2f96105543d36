"""Pseudonymized person ids and consent: what record-level views may show.

Person ids are replaced by a keyed hash — ``p_`` + the first 16 hex characters of
SHA-256(key | person) — stable for one key, so an analyst can follow one person across a
drill-down and an export, but not reversible without the key. The same formula runs in
Python (drill-down pages) and in DuckDB SQL (streaming exports). The key comes from settings (``CXM_PSEUDONYM_KEY`` / secrets); when
none is configured (local demo) a random key is created once in the data folder, which
is git-ignored — it is never in the repository.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from functools import lru_cache
from pathlib import Path

from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings

RAW_ID_ROLES = frozenset({"admin"})


@lru_cache(maxsize=4)
def _key(configured: str, key_file: str) -> bytes:
    if configured:
        return configured.encode()
    path = Path(key_file)
    if not path.exists():
        # Sessions may get here at the same time (the load test caught FileExistsError):
        # each writes its key to its own file and links it into place; the first link
        # wins, every other session reads that key. A reader never sees a half-written key.
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip().encode()


def pseudonym_key() -> bytes:
    settings = get_settings()
    return _key(settings.pseudonym_key, str(settings.db_path.parent / ".pseudonym_key"))


def pseudonymize(person: str | None, key: bytes | None = None) -> str | None:
    """``p_`` + the first 16 hex characters of SHA-256(key + '|' + person)."""
    if person is None:
        return None
    secret = (key or pseudonym_key()).decode()
    return "p_" + hashlib.sha256(f"{secret}|{person}".encode()).hexdigest()[:16]


def may_see_raw_ids(role: str) -> bool:
    return role in RAW_ID_ROLES


RECORD_ROLES = frozenset({"analyst", "admin"})
# The committee's action log (free text, owners' names) and its decisions: not for the
# executive role, which sees aggregates only. Closing a review is the committee's own act.
ACTION_LOG_ROLES = frozenset({"committee", "analyst", "admin"})
CLOSE_REVIEW_ROLES = frozenset({"committee", "admin"})
# Closed-loop cases (one customer's detractor response, its owner, due time and history):
# worked by the committee, analysts and admins; executives see the case figures only.
CASE_ROLES = frozenset({"committee", "analyst", "admin"})


def may_see_records(role: str) -> bool:
    return role in RECORD_ROLES


def require_record_access(role: str) -> None:
    """Record-level data (drill-down, exports) is for analysts and admins only."""
    if not may_see_records(role):
        raise UserError(f"the {role} role sees aggregates only: record-level data needs the analyst or admin role")


def k_threshold(role: str, k: int | None = None) -> int | None:
    """The k of k-anonymity for ``role``: aggregate cells with fewer than k people
    (``CXM_K_ANONYMITY``, default 5, or ``k``) are suppressed for roles without record-level
    access; None for analysts and admins, who see every cell (they may see the records
    themselves). An unknown role is treated as one without record access."""
    if may_see_records(role):
        return None
    return get_settings().k_anonymity if k is None else k


def may_use_action_log(role: str) -> bool:
    return role in ACTION_LOG_ROLES


def require_action_log(role: str) -> None:
    """Reading or writing the committee's action log: committee, analyst and admin."""
    if not may_use_action_log(role):
        raise UserError(f"the {role} role sees aggregates only: the action log is for the committee, analysts and admins")


def require_close_review(role: str) -> None:
    """Closing (freezing) a review period: committee and admin."""
    if role not in CLOSE_REVIEW_ROLES:
        raise UserError(f"the {role} role cannot close a review: that is for the committee and admins")


def may_work_cases(role: str) -> bool:
    return role in CASE_ROLES


def require_case_access(role: str) -> None:
    """Reading a case or acting on it (``cxmetrics.serving.cases``): committee, analyst and
    admin. The committee sees a case's customer only pseudonymized, like analysts."""
    if not may_work_cases(role):
        raise UserError(f"the {role} role sees the case figures only: cases are worked by the committee, analysts and admins")


def case_k_threshold(role: str, k: int | None = None) -> int | None:
    """The k of the case figures for ``role``: None for the roles that work cases (they see
    the cases themselves), else ``k_threshold`` (executives)."""
    return None if may_work_cases(role) else k_threshold(role, k)


def require_raw_rows(role: str) -> None:
    """Quarantined input rows as they arrived (they may hold anything, personal data
    included): admin only, like raw ids."""
    if role not in RAW_ID_ROLES:
        raise UserError(f"the {role} role cannot see quarantined raw rows: that is for admins")
