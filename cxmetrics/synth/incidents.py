"""The two planted stories: a regional outage and a worsening chatbot handoff.

* **Outage**: 4 days in Andalucía, 4 days into the last closed review period of the
  data (so the committee's default review shows it): more outage checks and technical
  contacts, more repeats, longer waits, lower scores.
* **Chatbot handoff**: over the last 4 weeks, abandonment of chatbot handoffs rises from
  ~12 % to ~38 % (``contacts.py``, ``p_ab``).
"""

from __future__ import annotations

from datetime import date, timedelta

OUTAGE_REGION = "Andalucía"
OUTAGE_DAYS = 4


def outage_start_day(start: date, days: int, anchor: date = date(2026, 1, 5), period_days: int = 14) -> int:
    """Day index of the outage: 4 days into the last closed review period of the data, so
    the committee's default review shows it (40 % into the data when that is too short)."""
    end = start + timedelta(days=days - 1)
    period_start = anchor + timedelta(days=((end - anchor).days // period_days) * period_days)
    if end < period_start + timedelta(days=period_days - 1):
        period_start -= timedelta(days=period_days)  # the current period is still open
    day = (period_start - start).days + 4
    if days < 3 * period_days or day < 0:
        day = int(round(0.4 * days))
    return min(day, max(days - OUTAGE_DAYS, 0))


