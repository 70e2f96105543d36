"""Reporting time zones (CONTRACT.md section 8, ``--tz``).

Stored times are naive UTC. Every date boundary — days, weeks, months, review periods,
``--from``/``--to``, ``--as-of DATE``, OKR windows — is a local midnight in the reporting
zone. ``UTC`` is the identity: a figure with ``--tz UTC`` is exactly the figure without.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cxmetrics.core.errors import UserError

DEFAULT = "UTC"


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def check_tz(name: str | None) -> str:
    """An IANA zone name (``Europe/Madrid``), or a UserError naming the bad value."""
    name = (name or DEFAULT).strip()
    if name not in _zones():
        raise UserError(f"unknown time zone '{name}' (use an IANA name such as Europe/Madrid or UTC)")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"unknown time zone '{name}' (use an IANA name such as Europe/Madrid or UTC)") from None
    return name


def local_date(ts: datetime, tz: str) -> date:
    """The local calendar date of a naive-UTC instant."""
    if tz == "UTC":
        return ts.date()
    return ts.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).date()


def local_time(ts: datetime, tz: str) -> datetime:
    """The local wall-clock time (naive) of a naive-UTC instant."""
    if tz == "UTC":
        return ts
    return ts.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def midnight_utc(day: date, tz: str) -> datetime:
    """The naive-UTC instant of local midnight at the start of ``day``."""
    if tz == "UTC":
        return datetime.combine(day, time())
    return datetime.combine(day, time(), tzinfo=ZoneInfo(tz)).astimezone(UTC).replace(tzinfo=None)


def end_of_day_utc(day: date, tz: str) -> datetime:
    """The end of a local day: the first instant of the next one (naive UTC)."""
    return midnight_utc(day + timedelta(days=1), tz)


def day_sql(tz: str, column: str = "t") -> str:
    """SQL for the local date of a naive-UTC timestamp column. ``tz`` must come from
    ``check_tz`` (a name of the zone database, never free text); the same SQL runs on
    Spark (sqlglot turns AT TIME ZONE into from_utc_timestamp)."""
    if tz == "UTC":
        return f"CAST({column} AS DATE)"
    check_tz(tz)
    return f"CAST(({column} AT TIME ZONE 'UTC') AT TIME ZONE '{tz}' AS DATE)"


def label(tz: str) -> str:
    """How a zone is named beside a date range: 'UTC', 'Europe/Madrid'."""
    return tz
