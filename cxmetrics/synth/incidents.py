"""The two planted stories: a regional outage and a worsening chatbot handoff.

* **Outage**: 4 days in Andalucía, 4 days into the last closed review period of the
  data (so the committee's default review shows it): more outage checks and technical
  contacts, more repeats, longer waits, lower scores.
* **Chatbot handoff**: a bot release on day 2 of that same period breaks the handoff to
  agents: abandonment of chatbot handoffs jumps from 12 % to 36 % and stays there
  (``contacts.py``); the comments after an abandoned handoff say the bot did not
  understand or nobody answered.

Both stories also raise churn: every bad experience (an abandoned handoff, an unresolved
contact, living through the outage) adds a chance of churning 2-30 days later
(``churn.py``).
"""

from __future__ import annotations

from datetime import date, timedelta

OUTAGE_REGION = "Andalucía"
OUTAGE_DAYS = 4
BOT_BREAK_AFTER_OUTAGE_DAYS = -3  # the bot release: 3 days before the outage starts
BOT_ABANDON_BEFORE = 0.12
BOT_ABANDON_AFTER = 0.36


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




def bot_break_day(start: date, days: int) -> int:
    """Day index of the chatbot release that breaks the handoff (day 2 of the outage's period)."""
    return min(outage_start_day(start, days) + BOT_BREAK_AFTER_OUTAGE_DAYS, max(days - 1, 0))
