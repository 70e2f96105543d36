"""The application-state database: decisions and actions, frozen reviews, closed-loop
cases (``cxmetrics.serving.cases``), the audit log.

It is a separate SQLite file (``data/app_state.sqlite`` beside the data), never touched
by ingest or the model build, so everything in it survives every re-ingest, rebuild and
app restart. SQLite is used because several processes (the app, the CLI) write small rows
to it; each write is its own short transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cxmetrics.core import privacy
from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    period TEXT NOT NULL,            -- the review period it was decided in (first day)
    what TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_date TEXT NOT NULL,
    kpi TEXT,
    filter_json TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    done_at TEXT,
    done_by TEXT
);
CREATE TABLE IF NOT EXISTS reviews (
    period TEXT PRIMARY KEY,         -- first day of the closed review period
    closed_at TEXT NOT NULL,
    closed_by TEXT NOT NULL,
    data_version TEXT NOT NULL,
    figures_json TEXT NOT NULL       -- the pack's figures as reported
);
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,            -- 'export', 'drilldown', 'close_review', ...
    filter_json TEXT NOT NULL,
    rows INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY,        -- the survey response's record_id (its event_id): the idempotency key
    person TEXT NOT NULL,            -- the raw customer id: pseudonymized on read (raw for admins only)
    consent INTEGER NOT NULL DEFAULT 1,  -- the customer's analytics consent now (refreshed after each build)
    survey_type TEXT NOT NULL,
    score INTEGER NOT NULL,
    verbatim TEXT,
    response_ts TEXT NOT NULL,       -- UTC, to the second
    channel TEXT NOT NULL,
    intent TEXT NOT NULL,
    segment TEXT NOT NULL,
    contact_id TEXT,
    journey_id TEXT,
    rule TEXT NOT NULL,              -- the routing rule that chose the owner and SLA at opening
    owner TEXT NOT NULL,
    sla_hours REAL NOT NULL,
    due_at TEXT NOT NULL,            -- response_ts + sla_hours, UTC
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'contacted', 'resolved', 'not_reachable')),
    opened_at TEXT NOT NULL,
    closed_at TEXT,                  -- when it first left 'open'
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_by_status ON cases (status, due_at);
CREATE TABLE IF NOT EXISTS case_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL REFERENCES cases (case_id),
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,            -- opened, contacted, resolved, not_reachable, note, reassign
    note TEXT,
    old_status TEXT,
    new_status TEXT,
    old_owner TEXT,
    new_owner TEXT
);
CREATE INDEX IF NOT EXISTS case_events_by_case ON case_events (case_id, id);
"""


def path_for(db_path: Path) -> Path:
    """The application-state database of the data at ``db_path`` (beside it)."""
    return Path(db_path).parent / "app_state.sqlite"


def default_path() -> Path:
    return path_for(get_settings().db_path)


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


@contextmanager
def connect(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    path = Path(path) if path else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    con.row_factory = sqlite3.Row
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(SCHEMA)
        yield con
        con.commit()
    finally:
        con.close()


@dataclass(frozen=True)
class Action:
    id: int
    created_at: str
    created_by: str
    period: str
    what: str
    owner: str
    due_date: str
    kpi: str | None
    filter: dict
    status: str
    done_at: str | None
    done_by: str | None

    @property
    def overdue(self) -> bool:
        return self.status == "open" and self.due_date < date.today().isoformat()


def _action(row: sqlite3.Row) -> Action:
    d = dict(row)
    d["filter"] = json.loads(d.pop("filter_json") or "{}")
    return Action(**d)


def add_action(what: str, owner: str, due: date, period: str, user: str, kpi: str | None = None,
               filter_dims: dict[str, Any] | None = None, path: Path | None = None, *, role: str) -> Action:
    privacy.require_action_log(role)
    if not what.strip() or not owner.strip():
        raise UserError("an action needs a description and an owner")
    with connect(path) as con:
        cur = con.execute(
            "INSERT INTO actions (created_at, created_by, period, what, owner, due_date, kpi, filter_json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [_now(), user, period, what.strip(), owner.strip(), due.isoformat(), kpi,
             json.dumps(filter_dims or {}, sort_keys=True)],
        )
        row = con.execute("SELECT * FROM actions WHERE id = ?", [cur.lastrowid]).fetchone()
    return _action(row)


def mark_done(action_id: int, user: str, path: Path | None = None, *, role: str) -> None:
    privacy.require_action_log(role)
    with connect(path) as con:
        con.execute("UPDATE actions SET status = 'done', done_at = ?, done_by = ? WHERE id = ? AND status = 'open'",
                    [_now(), user, action_id])


def actions(path: Path | None = None, *, role: str) -> list[Action]:
    privacy.require_action_log(role)
    with connect(path) as con:
        return [_action(r) for r in con.execute("SELECT * FROM actions ORDER BY due_date, id").fetchall()]


def actions_due_in(start: date, end: date, path: Path | None = None, *, role: str) -> list[Action]:
    """Actions whose due date falls in [start, end]: what the committee checks this period."""
    return [a for a in actions(path, role=role) if start.isoformat() <= a.due_date <= end.isoformat()]


def freeze_review(period: str, figures: dict, data_version: str, user: str, path: Path | None = None,
                  *, role: str) -> None:
    """Store the pack's figures of a closed review as reported (first close wins)."""
    privacy.require_close_review(role)
    with connect(path) as con:
        con.execute(
            "INSERT OR IGNORE INTO reviews (period, closed_at, closed_by, data_version, figures_json)"
            " VALUES (?, ?, ?, ?, ?)",
            [period, _now(), user, data_version, json.dumps(figures, sort_keys=True, default=str)],
        )


def frozen_review(period: str, path: Path | None = None) -> dict | None:
    with connect(path) as con:
        row = con.execute("SELECT * FROM reviews WHERE period = ?", [period]).fetchone()
    if row is None:
        return None
    d = dict(row)
    d["figures"] = json.loads(d.pop("figures_json"))
    return d


def audit(user: str, role: str, action: str, filter_dims: dict, rows: int, path: Path | None = None) -> None:
    with connect(path) as con:
        audit_in(con, user, role, action, filter_dims, rows)


def audit_in(con: sqlite3.Connection, user: str, role: str, action: str, filter_dims: dict, rows: int,
             at: str | None = None) -> None:
    """An audit-log row written in ``con``'s open transaction (with the change it records)."""
    con.execute(
        "INSERT INTO audit_log (at, user, role, action, filter_json, rows) VALUES (?, ?, ?, ?, ?, ?)",
        [at or _now(), user, role, action, json.dumps(filter_dims, sort_keys=True, default=str), rows],
    )


def audit_entries(limit: int = 500, path: Path | None = None) -> list[dict]:
    with connect(path) as con:
        return [dict(r) for r in con.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit]).fetchall()]
