"""The typed filter spec: the only way a slice is described.

One ``FilterSpec`` becomes parameterized SQL (user values never enter SQL text), a
readable caption, URL query parameters and the manifest beside an export.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxmetrics.core.errors import UserError
from cxmetrics.ingest import schema
from cxmetrics.metrics.timezones import end_of_day_utc

CATEGORICAL_DIMS: tuple[str, ...] = (
    "channel",
    "intent",
    "journey_type",
    "identity_state",
    "segment",
    "value_tier",
    "region",
    "plan",
    "theme",  # of a survey verbatim (none: no verbatim); unknown for other records
    "sentiment",
)
TIME_DIMS: tuple[str, ...] = ("day", "week", "month", "period")
DIMENSIONS: tuple[str, ...] = CATEGORICAL_DIMS + TIME_DIMS
# Closed vocabularies: a value outside them is an error, not an empty result. Segment and
# value tier can be missing (no customer), which groups and filters as 'unknown'.
CLOSED_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "channel": schema.CHANNELS,
    "identity_state": schema.IDENTITY_STATES,
    "segment": schema.SEGMENTS + ("unknown",),
    "value_tier": schema.VALUE_TIERS + ("unknown",),
    "sentiment": ("negative", "neutral", "positive", "unknown"),
}


def parse_date(value: str, what: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{what} '{value}' is not a date (use YYYY-MM-DD)") from None


def parse_as_of(value: str, tz: str = "UTC") -> datetime:
    """A timestamp, or a date meaning the end of that day in ``tz`` (the next local day's
    first instant, as naive UTC)."""
    value = value.strip()
    if len(value) == 10:
        return end_of_day_utc(parse_date(value, "--as-of"), tz)
    try:
        return schema.parse_ts(value)
    except ValueError:
        raise UserError(f"--as-of '{value}' is not a date or an ISO-8601 timestamp") from None


class FilterSpec(BaseModel):
    """Dimension values (OR within a dimension, AND across), a date range and as_of."""

    model_config = ConfigDict(frozen=True)

    dims: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    as_of: datetime | None = None

    @field_validator("dims", mode="before")
    @classmethod
    def _dims(cls, value: Any) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for dim, values in (value or {}).items():
            if dim not in DIMENSIONS:
                raise UserError(f"unknown dimension '{dim}' (choose from {', '.join(DIMENSIONS)})")
            vals = (values,) if isinstance(values, str) else tuple(values)
            allowed = CLOSED_VOCABULARIES.get(dim)
            for v in vals:
                if allowed is not None and v not in allowed:
                    raise UserError(f"unknown {dim} '{v}' (choose from {', '.join(allowed)})")
            if vals:
                out[dim] = tuple(dict.fromkeys(vals))
        return dict(sorted(out.items()))

    @field_validator("as_of")
    @classmethod
    def _naive_utc(cls, value: datetime | None) -> datetime | None:
        """Timestamps are naive UTC everywhere; an aware as_of is converted."""
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    @property
    def empty_range(self) -> bool:
        """--from after --to: a valid request that selects no record."""
        return bool(self.date_from and self.date_to and self.date_from > self.date_to)

    @classmethod
    def from_pairs(cls, pairs: list[str], **kwargs: Any) -> FilterSpec:
        """Build from CLI-style ``DIM=VALUE`` strings."""
        dims: dict[str, list[str]] = {}
        for pair in pairs:
            if "=" not in pair:
                raise UserError(f"--filter '{pair}' must look like DIM=VALUE")
            dim, value = pair.split("=", 1)
            dims.setdefault(dim.strip(), []).append(value.strip())
        return cls(dims=dims, **kwargs)

    def with_dims(self, **dims: tuple[str, ...] | None) -> FilterSpec:
        merged = dict(self.dims)
        for k, v in dims.items():
            if v:
                merged[k] = v
            else:
                merged.pop(k, None)
        return self.model_copy(update={"dims": FilterSpec._dims(merged)})

    def describe(self) -> str:
        """A one-line caption: 'web · contract_termination · 2026-02-02 → 2026-02-15'."""
        parts = [" or ".join(v) for v in self.dims.values()]
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or '…'} → {self.date_to or '…'}")
        return " · ".join(parts) if parts else "all data"
