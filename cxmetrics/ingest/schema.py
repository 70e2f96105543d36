"""The input contract (CONTRACT.md section 1): the one source of the vocabulary.

Everything that knows which values are allowed, which columns an event type needs and
what range a score has reads it from here: the pydantic models below (row-at-a-time
checks, used by tests and small tools) and the vectorized SQL validation in
``cxmetrics.ingest.validation`` (used by ingest) are both built from these constants.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator


class Channel(StrEnum):
    web = "web"
    app = "app"
    chatbot = "chatbot"
    ivr = "ivr"
    voice = "voice"
    whatsapp = "whatsapp"
    email = "email"
    store = "store"


class EventType(StrEnum):
    page_view = "page_view"
    journey_goal = "journey_goal"
    login = "login"
    identify = "identify"
    contact = "contact"
    handoff_requested = "handoff_requested"
    agent_connected = "agent_connected"
    survey_response = "survey_response"
    churn = "churn"


class SurveyType(StrEnum):
    nps = "nps"
    csat = "csat"
    ces = "ces"


class Segment(StrEnum):
    consumer = "consumer"
    business = "business"


class ValueTier(StrEnum):
    low = "low"
    mid = "mid"
    high = "high"


class IdentityState(StrEnum):
    recognized = "recognized"
    anonymous = "anonymous"


CHANNELS: tuple[str, ...] = tuple(c.value for c in Channel)
EVENT_TYPES: tuple[str, ...] = tuple(e.value for e in EventType)
SURVEY_TYPES: tuple[str, ...] = tuple(s.value for s in SurveyType)
SEGMENTS: tuple[str, ...] = tuple(s.value for s in Segment)
VALUE_TIERS: tuple[str, ...] = tuple(v.value for v in ValueTier)
IDENTITY_STATES: tuple[str, ...] = tuple(s.value for s in IdentityState)

# Open vocabularies: known values used by the generator and the docs, not enforced.
JOURNEY_TYPES: tuple[str, ...] = (
    "device_upgrade",
    "contract_termination",
    "fiber_availability",
    "outage_check",
    "billing",
    "plan_change",
)
INTENTS: tuple[str, ...] = JOURNEY_TYPES + ("technical_support", "other")

# Inclusive score range of each survey type.
SCORE_RANGES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}

ALWAYS_REQUIRED: tuple[str, ...] = ("event_id", "ts", "event_type", "channel")
EVENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "ts",
    "event_type",
    "channel",
    "anonymous_id",
    "network_id",
    "customer_id",
    "journey_id",
    "journey_type",
    "intent",
    "contact_id",
    "step",
    "survey_type",
    "score",
    "verbatim",
)
# Columns each event type needs beyond the always-required ones. A tuple inside the
# tuple means "at least one of these".
REQUIRED_BY_TYPE: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "page_view": (),
    "journey_goal": ("journey_id",),
    "login": ("customer_id", ("anonymous_id", "network_id")),
    "identify": ("customer_id", ("anonymous_id", "network_id")),
    "contact": ("contact_id", "intent"),
    "handoff_requested": ("contact_id",),
    "agent_connected": ("contact_id",),
    "survey_response": ("survey_type", "score"),
    "churn": ("customer_id",),
}
SURVEY_COLUMNS: tuple[str, ...] = ("survey_type", "score", "verbatim")

CUSTOMER_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "household_id",
    "segment",
    "value_tier",
    "region",
    "plan",
    "signup_date",
    "consent_analytics",
)
CONSENT_TRUE: tuple[str, ...] = ("true", "1", "yes")
CONSENT_FALSE: tuple[str, ...] = ("false", "0", "no")

# ISO-8601 date-time: date, T or space, hh:mm:ss[.fraction], optional Z / ±hh:mm / ±hhmm.
# Seconds are required: the contract lists only the fraction and the offset as optional.
# Offsets are limited to hh <= 23, mm <= 59.
TS_PATTERN = (
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)"
    r"(Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?$"
)
INTEGER_PATTERN = r"^[+-]?\d+$"
_TS_RE = re.compile(TS_PATTERN)
_INT_RE = re.compile(INTEGER_PATTERN)


def blank_to_none(value: Any) -> Any:
    """Trim strings; a blank string is a missing value."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def parse_ts(value: str) -> datetime:
    """Parse a contract timestamp to a naive UTC datetime, or raise ValueError."""
    m = _TS_RE.match(value)
    if not m:
        raise ValueError("unparseable ts")
    day, clock, offset = m.groups()
    if "." in clock:  # keep microseconds, as the bulk parser does
        whole, frac = clock.split(".")
        clock = f"{whole}.{frac[:6]:0<6}"
    local = datetime.fromisoformat(f"{day}T{clock}")
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        local = local - sign * delta
    return local


def parse_score(value: Any) -> int:
    """A score is an integer: digits with an optional sign, or an integral number."""
    if isinstance(value, bool):
        raise ValueError("score is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError("score is not an integer")
    if isinstance(value, str) and _INT_RE.match(value):
        return int(value)
    raise ValueError("score is not an integer")


class Event(BaseModel):
    """One event row, validated row-at-a-time exactly as the bulk validation does."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: str
    ts: datetime
    event_type: EventType
    channel: Channel
    anonymous_id: str | None = None
    network_id: str | None = None
    customer_id: str | None = None
    journey_id: str | None = None
    journey_type: str | None = None
    intent: str | None = None
    contact_id: str | None = None
    step: str | None = None
    survey_type: SurveyType | None = None
    score: int | None = None
    verbatim: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _trim(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: blank_to_none(v) for k, v in data.items()}
            if data.get("event_type") != "survey_response":
                for col in SURVEY_COLUMNS:
                    data.pop(col, None)
        return data

    @field_validator("ts", mode="before")
    @classmethod
    def _ts(cls, v: Any) -> datetime:
        if isinstance(v, datetime):
            return v.astimezone(UTC).replace(tzinfo=None) if v.tzinfo else v
        if not isinstance(v, str):
            raise ValueError("unparseable ts")
        return parse_ts(v)

    @field_validator("score", mode="before")
    @classmethod
    def _score(cls, v: Any) -> int | None:
        return None if v is None else parse_score(v)

    @model_validator(mode="after")
    def _required_by_type(self) -> Event:
        missing = missing_for_type(self.event_type.value, self.model_dump())
        if missing:
            raise ValueError("; ".join(missing))
        if self.event_type == EventType.survey_response and self.survey_type and self.score is not None:
            lo, hi = SCORE_RANGES[self.survey_type.value]
            if not lo <= self.score <= hi:
                raise ValueError(f"score {self.score} outside {lo}-{hi} for {self.survey_type.value}")
        return self


def missing_for_type(event_type: str, row: dict[str, Any]) -> list[str]:
    """Reasons a row lacks what its event type requires (empty list when complete)."""
    reasons = []
    for need in REQUIRED_BY_TYPE.get(event_type, ()):
        if isinstance(need, tuple):
            if all(row.get(c) is None for c in need):
                reasons.append(f"{event_type} needs one of {' or '.join(need)}")
        elif row.get(need) is None:
            reasons.append(f"missing {need} (required for {event_type})")
    return reasons


class Customer(BaseModel):
    """One customers-file row."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    customer_id: str
    household_id: str | None = None
    segment: Segment | None = None
    value_tier: ValueTier | None = None
    region: str | None = None
    plan: str | None = None
    signup_date: date | None = None
    consent_analytics: bool = True

    @model_validator(mode="before")
    @classmethod
    def _trim(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: blank_to_none(v) for k, v in data.items()}
            consent = data.get("consent_analytics")
            if consent is None:
                data.pop("consent_analytics", None)
            elif isinstance(consent, str):
                low = consent.lower()
                if low in CONSENT_TRUE:
                    data["consent_analytics"] = True
                else:
                    # Unrecognized consent is treated as no consent (privacy first; it
                    # does not change any aggregate KPI). Not a quarantine reason.
                    data["consent_analytics"] = False
            signup = data.get("signup_date")
            if isinstance(signup, str):
                try:
                    data["signup_date"] = date.fromisoformat(signup) if len(signup) == 10 else None
                except ValueError:
                    data["signup_date"] = None  # an unparseable signup date is kept as missing
        return data
