"""Pseudonymized person ids and consent: what record-level views may show.

Person ids are replaced by a keyed hash (HMAC-SHA256, first 16 hex characters): stable
for one key, so an analyst can follow one person across tables, but not reversible
without the key. The key comes from settings (``CXM_PSEUDONYM_KEY`` / secrets); when
none is configured (local demo) a random key is created once in the data folder, which
is git-ignored — it is never in the repository.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cxmetrics.settings import get_settings

RAW_ID_ROLES = frozenset({"admin"})


@lru_cache(maxsize=4)
def _key(configured: str, key_file: str) -> bytes:
    if configured:
        return configured.encode()
    path = Path(key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def pseudonym_key() -> bytes:
    settings = get_settings()
    return _key(settings.pseudonym_key, str(settings.db_path.parent / ".pseudonym_key"))


def pseudonymize(person: str | None, key: bytes | None = None) -> str | None:
    """``p_`` + the first 16 hex characters of HMAC-SHA256(key, person)."""
    if person is None:
        return None
    digest = hmac.new(key or pseudonym_key(), person.encode(), hashlib.sha256).hexdigest()
    return "p_" + digest[:16]


def may_see_raw_ids(role: str) -> bool:
    return role in RAW_ID_ROLES
