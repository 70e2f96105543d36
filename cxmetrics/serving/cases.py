"""Closed-loop cases (CONTRACT.md section 8; docs/metrics.md, "Cases"): opened from the
model, stored and worked in the application-state database.

**Opening.** After every publish (``pipeline.rebuild``: each ingest, incremental or full,
and ``cxm build``) ``open_cases`` reads the qualifying responses from the model — every
``rec_survey`` record with NPS <= 6, CSAT <= 2 or CES <= 3 whose record person is a
customer (a person of ``rec_churn_person``: a customer id, never an ``anon:`` component)
with analytics consent — routes the new ones (``serving.routing``) and inserts them. The
case id is the response's ``record_id`` (its ``event_id``, the ingest's idempotency key),
so a re-ingest, an incremental update or a full rebuild never opens a second case for a
response, and nothing a rebuild does removes one: cases live here, not in the model. A
failed ingest or build publishes nothing and opens nothing. One SQLite transaction per
sync (cases, their ``opened`` events and one audit row commit together).

**Consent.** Each sync also refreshes every case's ``consent`` from the customers table: a
customer who withdraws analytics consent later keeps their cases (they still count in the
figures) but their person id, verbatim and timeline are hidden from every role.

**Reading and acting** (committee, analyst, admin: ``privacy.require_case_access``).
Person ids are pseudonymized for everyone but admins. Actions ``contacted``,
``resolved``, ``not_reachable`` (statuses), ``note`` and ``reassign`` are recorded in
``case_events`` with who and when, and in the audit log, in one transaction.

**Time.** Cases are operational, so "now" is the wall clock (``utcnow``), not the data's
latest event; every function takes ``now`` so tests (and reports) can fix it. A case is due
``sla_hours`` after the response; it is *overdue* when still open after that; it is
*closed* from its first status other than open (``closed_at``), *in SLA* when
``closed_at <= due_at``. Times are naive UTC to the second.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cxmetrics.core import privacy
from cxmetrics.core.errors import UserError
from cxmetrics.serving import app_state
from cxmetrics.serving.routing import Routing, load_routing

STATUSES = ("open", "contacted", "resolved", "not_reachable")
CLOSED_STATUSES = frozenset({"contacted", "resolved", "not_reachable"})
STATUS_ACTIONS = ("contacted", "resolved", "not_reachable")
ACTIONS = (*STATUS_ACTIONS, "note", "reassign")
MAX_NOTE = 2000
SYSTEM = "system"
# A response qualifies by its score (the negative experiences of section 8).
QUALIFYING_SCORE = (
    "((survey_type = 'nps' AND score <= 6) OR (survey_type = 'csat' AND score <= 2)"
    " OR (survey_type = 'ces' AND score <= 3))"
)


def utcnow() -> datetime:
    """The operational clock: the wall clock, naive UTC, to the second."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _iso(dt: datetime) -> str:
    return dt.replace(microsecond=0).isoformat(timespec="seconds")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def due_at(response_ts: datetime, sla_hours: float) -> datetime:
    """The due time: ``sla_hours`` after the response (to the second)."""
    return response_ts.replace(microsecond=0) + timedelta(seconds=round(sla_hours * 3600))


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """A case as a role may see it: ``person`` is pseudonymized (raw for admins) and, with
    ``verbatim``, None when ``hidden`` (the customer withdrew analytics consent)."""

    case_id: str
    person: str | None
    hidden: bool
    survey_type: str
    score: int
    verbatim: str | None
    response_ts: datetime
    channel: str
    intent: str
    segment: str
    contact_id: str | None
    journey_id: str | None
    rule: str
    owner: str
    sla_hours: float
    due_at: datetime
    status: str
    opened_at: datetime
    closed_at: datetime | None
    updated_at: datetime

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def overdue(self, now: datetime | None = None) -> bool:
        """Still open after its due time."""
        return self.status == "open" and (now or utcnow()) > self.due_at

    @property
    def closed_in_sla(self) -> bool:
        return self.closed_at is not None and self.closed_at <= self.due_at

    @property
    def hours_to_close(self) -> float | None:
        """Hours from the response to the first close (the customer's wait)."""
        if self.closed_at is None:
            return None
        return (self.closed_at - self.response_ts).total_seconds() / 3600

    def age_hours(self, now: datetime | None = None) -> float:
        """Hours since the response."""
        return ((now or utcnow()) - self.response_ts).total_seconds() / 3600

    def hours_left(self, now: datetime | None = None) -> float:
        """Hours until the due time (negative: past it)."""
        return (self.due_at - (now or utcnow())).total_seconds() / 3600

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or utcnow()
        out = {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}
        out["overdue"] = self.overdue(now)
        out["closed_in_sla"] = self.closed_in_sla if self.closed else None
        out["hours_to_close"] = self.hours_to_close
        return out


_TIMES = ("response_ts", "due_at", "opened_at", "closed_at", "updated_at")


def _case(row: sqlite3.Row, role: str, key: bytes | None = None) -> Case:
    d = dict(row)
    hidden = not d.pop("consent")
    person = d.pop("person")
    verbatim = d.pop("verbatim")
    for k in _TIMES:
        d[k] = _dt(d[k])
    if hidden:
        shown = None
    else:
        shown = person if privacy.may_see_raw_ids(role) else privacy.pseudonymize(person, key)
    return Case(person=shown, hidden=hidden, verbatim=None if hidden else verbatim, **d)


# Overdue first (longest overdue first), then the other open cases by due time, then closed
# cases, most recently closed first (ISO times sort as text).
ORDER = (
    "CASE WHEN status = 'open' AND due_at < $now THEN 0 WHEN status = 'open' THEN 1 ELSE 2 END,"
    " CASE WHEN status = 'open' THEN due_at END, closed_at DESC, case_id"
)


def _where(statuses: Sequence[str] | str | None, owners: Sequence[str] | None, overdue: bool,
           now: datetime) -> tuple[str, dict[str, Any]]:
    statuses = [statuses] if isinstance(statuses, str) else list(statuses or [])
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise UserError(f"'{bad[0]}' is not a case status (use one of {', '.join(STATUSES)})")
    where, params = ["true"], {"now": _iso(now)}
    if statuses:
        where.append(f"status IN ({', '.join(f'$s{i}' for i in range(len(statuses)))})")
        params |= {f"s{i}": s for i, s in enumerate(statuses)}
    if owners is not None:
        names = sorted({o.strip().lower() for o in owners if o and o.strip()})
        where.append(f"lower(owner) IN ({', '.join(f'$o{i}' for i in range(len(names)))})" if names else "false")
        params |= {f"o{i}": o for i, o in enumerate(names)}
    if overdue:
        where.append("status = 'open' AND due_at < $now")
    return " AND ".join(where), params


def list_cases(
    path: Path | None = None,
    *,
    role: str,
    status: Sequence[str] | str | None = None,
    owners: Sequence[str] | None = None,
    overdue: bool = False,
    now: datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Case]:
    """The cases ``role`` may work, overdue first (longest overdue first), then the other
    open cases by due time, then the closed ones (latest closed first): optionally only
    those of ``status`` (one or several), of ``owners`` (compared without case) or overdue;
    ``limit``/``offset`` page through them (``count_cases`` counts them)."""
    privacy.require_case_access(role)
    where, params = _where(status, owners, overdue, now or utcnow())
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
    with app_state.connect(path) as con:
        rows = con.execute(f"SELECT * FROM cases WHERE {where} ORDER BY {ORDER}{page}", params).fetchall()
    key = privacy.pseudonym_key()
    return [_case(r, role, key) for r in rows]


def count_cases(
    path: Path | None = None,
    *,
    role: str,
    status: Sequence[str] | str | None = None,
    owners: Sequence[str] | None = None,
    overdue: bool = False,
    now: datetime | None = None,
) -> int:
    """How many cases ``list_cases`` with the same arguments returns (without a limit)."""
    privacy.require_case_access(role)
    where, params = _where(status, owners, overdue, now or utcnow())
    with app_state.connect(path) as con:
        return int(con.execute(f"SELECT count(*) FROM cases WHERE {where}", params).fetchone()[0])


def owner_counts(path: Path | None = None, *, role: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """Open cases per owner: ``owner``, ``open``, ``overdue`` and ``next_due`` (the earliest
    due time); most overdue owners first."""
    privacy.require_case_access(role)
    with app_state.connect(path) as con:
        rows = con.execute(
            "SELECT owner, count(*) AS open, sum(due_at < $now) AS overdue, min(due_at) AS next_due"
            " FROM cases WHERE status = 'open' GROUP BY owner ORDER BY overdue DESC, open DESC, owner",
            {"now": _iso(now or utcnow())},
        ).fetchall()
    return [{**dict(r), "next_due": _dt(r["next_due"])} for r in rows]


def get_case(case_id: str, path: Path | None = None, *, role: str) -> Case:
    privacy.require_case_access(role)
    with app_state.connect(path) as con:
        row = con.execute("SELECT * FROM cases WHERE case_id = ?", [case_id]).fetchone()
    if row is None:
        raise UserError(f"there is no case '{case_id}' (a case id is the survey response's event id)")
    return _case(row, role)


def history(case_id: str, path: Path | None = None, *, role: str) -> list[dict[str, Any]]:
    """The case's events, oldest first: opened, then every action with who and when."""
    get_case(case_id, path, role=role)
    with app_state.connect(path) as con:
        rows = con.execute("SELECT * FROM case_events WHERE case_id = ? ORDER BY id", [case_id]).fetchall()
    return [dict(r) for r in rows]


def case_person(case_id: str, path: Path | None = None, *, role: str) -> str | None:
    """The case's raw customer id, for reading the customer's own records from the model
    (the caller pseudonymizes what it shows); None when the customer withdrew consent."""
    privacy.require_case_access(role)
    with app_state.connect(path) as con:
        row = con.execute("SELECT person, consent FROM cases WHERE case_id = ?", [case_id]).fetchone()
    if row is None:
        raise UserError(f"there is no case '{case_id}'")
    return row["person"] if row["consent"] else None


@dataclass(frozen=True)
class CaseFact:
    """One case as the aggregate figures need it (no personal data: ``person_key`` is a
    pseudonym, used only to count people for k-anonymity)."""

    case_id: str
    person_key: str
    response_ts: datetime
    channel: str
    intent: str
    segment: str
    owner: str
    status: str
    due_at: datetime
    closed_at: datetime | None


def has_cases(path: Path | None = None) -> bool:
    """Whether any case was ever opened in the app state at ``path`` (none there: False,
    and nothing is created)."""
    if path is not None and not Path(path).exists():
        return False
    with app_state.connect(path) as con:
        return con.execute("SELECT 1 FROM cases LIMIT 1").fetchone() is not None


def latest_response_ts(path: Path | None = None) -> datetime | None:
    """The latest response time among the cases (None: no case), without reading them all."""
    with app_state.connect(path) as con:
        row = con.execute("SELECT max(response_ts) AS ts FROM cases").fetchone()
    return _dt(row["ts"]) if row is not None and row["ts"] is not None else None


def case_facts(path: Path | None = None) -> list[CaseFact]:
    """Every case, for the figures (``reports.cases.figures`` applies the role's k)."""
    with app_state.connect(path) as con:
        rows = con.execute(
            "SELECT case_id, person, response_ts, channel, intent, segment, owner, status, due_at, closed_at"
            " FROM cases"
        ).fetchall()
    key = privacy.pseudonym_key()
    return [
        CaseFact(r["case_id"], privacy.pseudonymize(r["person"], key) or "", _dt(r["response_ts"]),
                 r["channel"], r["intent"], r["segment"], r["owner"], r["status"], _dt(r["due_at"]),
                 _dt(r["closed_at"]))
        for r in rows
    ]


# --------------------------------------------------------------------------- acting


def _check_action(case: sqlite3.Row, action: str, note: str, owner: str) -> None:
    status = case["status"]
    if action not in ACTIONS:
        raise UserError(f"'{action}' is not a case action (use one of {', '.join(ACTIONS)})")
    if len(note) > MAX_NOTE:
        raise UserError(f"the note is {len(note):,} characters long: keep it under {MAX_NOTE:,}")
    if action in STATUS_ACTIONS:
        if status == "resolved":
            raise UserError(f"case {case['case_id']} is resolved already: add a note instead")
        if status == action:
            raise UserError(f"case {case['case_id']} is {action.replace('_', ' ')} already")
    elif action == "note" and not note:
        raise UserError("a note needs its text")
    elif action == "reassign":
        if not owner:
            raise UserError("reassigning needs the new owner")
        if owner == case["owner"]:
            raise UserError(f"case {case['case_id']} is {owner}'s already")


def update_case(
    case_id: str,
    action: str,
    *,
    user: str,
    role: str,
    note: str | None = None,
    owner: str | None = None,
    now: datetime | None = None,
    path: Path | None = None,
) -> Case:
    """Record ``action`` on a case as ``user`` (with ``role``) at ``now``; returns the case.

    ``contacted``, ``resolved`` and ``not_reachable`` set the status (a resolved case is
    final; the first status other than open sets ``closed_at``); ``note`` needs ``note``;
    ``reassign`` needs ``owner``. A note may go with any action. Written to
    ``case_events`` and the audit log in the same transaction.
    """
    privacy.require_case_access(role)
    at = _iso(now or utcnow())
    note = (note or "").strip()
    new_owner = (owner or "").strip()
    with app_state.connect(path) as con:
        con.execute("BEGIN IMMEDIATE")  # read, check and write with no other writer in between
        row = con.execute("SELECT * FROM cases WHERE case_id = ?", [case_id]).fetchone()
        if row is None:
            raise UserError(f"there is no case '{case_id}' (a case id is the survey response's event id)")
        _check_action(row, action, note, new_owner)
        status, current_owner = row["status"], row["owner"]
        to_status = action if action in STATUS_ACTIONS else status
        to_owner = new_owner if action == "reassign" else current_owner
        closed_at = row["closed_at"] or (at if to_status in CLOSED_STATUSES else None)
        con.execute(
            "UPDATE cases SET status = ?, owner = ?, closed_at = ?, updated_at = ? WHERE case_id = ?",
            [to_status, to_owner, closed_at, at, case_id],
        )
        con.execute(
            "INSERT INTO case_events (case_id, at, who, role, action, note, old_status, new_status, old_owner,"
            " new_owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [case_id, at, user, role, action, note or None, status, to_status, current_owner, to_owner],
        )
        app_state.audit_in(con, user, role, f"case_{action}",
                           {"case": case_id, "status": to_status, "owner": to_owner}, 1)
        updated = con.execute("SELECT * FROM cases WHERE case_id = ?", [case_id]).fetchone()
    return _case(updated, role)


# --------------------------------------------------------------------------- opening


@dataclass
class SyncResult:
    opened: int = 0  # new cases
    total: int = 0  # cases stored after the sync
    qualifying: int = 0  # qualifying responses in the model
    hidden: int = 0  # cases whose customer has withdrawn consent
    error: str = ""  # why no case could be opened (a bad routing file); the next sync retries
    opened_ids: list[str] = field(default_factory=list)


def _has_table(con: Any, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()[0][0])


def qualifying_sql(con: Any) -> str:
    """The responses that open a case, in (t, record_id) order, over ``con``'s model."""
    customers = ("person IN (SELECT person FROM rec_churn_person)" if _has_table(con, "rec_churn_person")
                 else "person NOT LIKE 'anon:%'")  # a snapshot of an older build: the id rule
    return (
        "SELECT record_id, person, survey_type, score, verbatim, t, channel, intent, segment, contact_id,"
        f" journey_id FROM rec_survey WHERE consent AND person IS NOT NULL AND {customers}"
        f" AND {QUALIFYING_SCORE} ORDER BY t, record_id"
    )


def open_cases(
    con: Any,
    path: Path | None = None,
    *,
    routing: Routing | None = None,
    now: datetime | None = None,
) -> SyncResult:
    """Open a case for every qualifying response of the model in ``con`` (a DuckDB
    connection: the writer's after a build, or a snapshot's) that has none yet, and refresh
    every case's consent. Idempotent; one transaction."""
    routing = routing or load_routing()
    at = _iso(now or utcnow())
    rows = con.execute(qualifying_sql(con)).fetchall()
    withdrawn = [r[0] for r in con.execute(
        "SELECT customer_id FROM customers WHERE NOT coalesce(consent_analytics, true)").fetchall()]
    result = SyncResult(qualifying=len(rows))
    with app_state.connect(path) as sc:
        sc.execute("BEGIN IMMEDIATE")
        existing = {r[0] for r in sc.execute("SELECT case_id FROM cases")}
        new = []
        for rid, person, survey_type, score, verbatim, t, channel, intent, segment, contact_id, journey_id in rows:
            if rid in existing:
                continue
            route = routing.route(channel, intent, segment)
            new.append((rid, person, survey_type, int(score), verbatim, _iso(t), channel or "unknown",
                        intent or "unknown", segment or "unknown", contact_id, journey_id, route.rule, route.owner,
                        route.sla_hours, _iso(due_at(t, route.sla_hours)), at, at))
        sc.executemany(
            "INSERT OR IGNORE INTO cases (case_id, person, survey_type, score, verbatim, response_ts, channel,"
            " intent, segment, contact_id, journey_id, rule, owner, sla_hours, due_at, opened_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            new,
        )
        sc.executemany(
            "INSERT INTO case_events (case_id, at, who, role, action, new_status, new_owner)"
            " VALUES (?, ?, ?, 'system', 'opened', 'open', ?)",
            [(r[0], at, SYSTEM, r[12]) for r in new],
        )
        sc.execute("CREATE TEMP TABLE IF NOT EXISTS withdrawn (person TEXT PRIMARY KEY)")
        sc.execute("DELETE FROM temp.withdrawn")
        sc.executemany("INSERT OR IGNORE INTO temp.withdrawn VALUES (?)", [(p,) for p in withdrawn])
        sc.execute(
            "UPDATE cases SET consent = (person NOT IN (SELECT person FROM temp.withdrawn))"
            " WHERE consent != (person NOT IN (SELECT person FROM temp.withdrawn))"
        )
        if new:
            app_state.audit_in(sc, SYSTEM, "system", "cases_opened", {"routing": routing.path}, len(new), at)
        result.total, result.hidden = sc.execute(
            "SELECT count(*), coalesce(sum(1 - consent), 0) FROM cases").fetchone()
    result.opened = len(new)
    result.opened_ids = [r[0] for r in new]
    return result
