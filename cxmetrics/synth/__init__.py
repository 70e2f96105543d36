"""Seeded synthetic telco demo data (``cxm generate``).

The generator tells one believable story about a Spanish telco, so that every page of
the dashboard has something true to show:

* **Digital journeys** on web and app (``page_view`` steps such as ``landing``,
  ``plan_compare``, ``checkout``, ``form``, ``confirm``; ``journey_goal`` when
  completed) for the six journey types, pre-login with a cookie (``anonymous_id``) and
  often the mobile line (``network_id``); ``customer_id`` only from the ``login`` event
  on (or from the first event on app journeys that start logged in). Prospects (never
  customers) browse too, a few without any identifier.
* **Recognition**: ``identify`` events (network recognition, CRM match) link a line to a
  customer, standalone or at the very start of a journey; logins link cookies. A
  journey is *recognized* when its first event already knows the person
  (CONTRACT section 2); the generator computes exactly that rule while generating, and
  recognized journeys get a modest true advantage (more completions after the login
  wall, slightly better survey scores).
* **Households** share a region; a handful share a web cookie (the 'shared component'
  rule of section 2).
* **Service contacts** on chatbot, ivr, voice, whatsapp, email and store, with repeats
  within 7 days (often escalated to another channel), bot/IVR handoffs to a live agent
  that connect or are abandoned, and surveys (nps, csat, ces) whose scores depend on the
  experience; about 30 % carry a Spanish or English verbatim about what the experience
  was (``verbatims``: the outage, the bot that did not understand, having to call back...).
* **Churn** for ~3-4 % of customers: a base rate, plus a chance after every bad
  experience (``churn``), often preceded by contract-termination research.
* **Weekly and daily seasonality** and two planted incidents in the last closed review
  period of the data, so the committee's default review shows them (``incidents``):
  **an outage** (4 days in Andalucía from the period's day 5: outage checks and technical
  contacts, repeats, waits, low scores) and **a broken chatbot handoff** (from the
  period's day 2, abandonment of chatbot handoffs jumps from 12 % to 36 %).

The stories live in one module each: ``customers`` (the world), ``journeys``, ``contacts``,
``surveys``, ``verbatims``, ``churn`` and ``incidents`` (the outage and the bot handoff); ``tables``
holds the vocabulary and probability tables, ``output`` the file formats, ``dirty`` the
hand-counted bad file.

Everything is vectorized with numpy per chunk of customers (one loop per chunk and per
event kind, never per event) and streamed to the output file, so 10 million events fit
in a small, constant amount of memory. The same arguments always give the same rows
(and, for CSV and JSON Lines, the same bytes).
"""


from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv

from cxmetrics.synth.churn import before_churn, churn_events, decide
from cxmetrics.synth.contacts import contacts, leaving_contacts
from cxmetrics.synth.customers import Counters, World
from cxmetrics.synth.dirty import DIRTY_EXPECTED, write_dirty_events
from cxmetrics.synth.incidents import OUTAGE_DAYS, OUTAGE_REGION, outage_start_day
from cxmetrics.synth.journeys import journeys
from cxmetrics.synth.output import _to_table, _Writer
from cxmetrics.synth.surveys import relational_surveys
from cxmetrics.synth.tables import _COLS

__all__ = [
    "DIRTY_EXPECTED", "FORMATS", "OUTAGE_DAYS", "OUTAGE_REGION", "GenerateResult", "generate", "outage_start_day",
    "write_dirty_events",
]

FORMATS: tuple[str, ...] = ("parquet", "csv", "jsonl")
_EXT = {"parquet": "events.parquet", "csv": "events.csv", "jsonl": "events.jsonl"}


@dataclass(frozen=True)
class GenerateResult:
    events_path: Path
    customers_path: Path
    dirty_path: Path
    n_events: int
    n_customers: int


def _chunk(
    world: World, lo: int, hi: int, rng: np.random.Generator, ctr: Counters
) -> dict[str, np.ndarray]:
    contact_parts, experiences = contacts(world, lo, hi, rng, ctr)
    decide(world, lo, hi, rng, experiences)  # churn follows experiences
    parts = before_churn(contact_parts, world)
    parts += leaving_contacts(world, lo, hi, rng, ctr)
    parts += journeys(world, lo, hi, rng, ctr)
    parts += relational_surveys(world, lo, hi, rng)
    parts += churn_events(world, lo, hi, rng)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in _COLS}
    keep = (cols["ts"] >= world.t0) & (cols["ts"] < world.t_end)
    order = np.argsort(cols["ts"][keep], kind="stable")
    return {k: v[keep][order] for k, v in cols.items()}




def generate(
    out_dir: Path,
    *,
    seed: int = 42,
    customers: int = 20_000,
    days: int = 120,
    end: date | None = None,
    fmt: str = "parquet",
    progress: Callable[[int, int], None] | None = None,
    incidents: bool = True,
) -> GenerateResult:
    """Write ``events.<fmt>``, ``customers.csv`` and ``dirty_events.csv`` into ``out_dir``.

    ``end`` is the last UTC day of data (inclusive; default yesterday); the data covers
    ``days`` days ending on it. Same arguments, same data. ``incidents=False`` leaves out the
    outage and the broken chatbot handoff: a stable world, for measuring false alarms.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    if not 1 <= customers <= 9_999_999:
        raise ValueError("customers must be between 1 and 9,999,999")
    if days < 1:
        raise ValueError("days must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if end is None:
        end = date.today() - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    world = World(seed, customers, days, start, incidents)
    customers_path = out_dir / "customers.csv"
    pacsv.write_csv(
        world.customers_table(),
        customers_path,
        write_options=pacsv.WriteOptions(quoting_style="needed"),
    )

    events_path = out_dir / _EXT[fmt]
    writer = _Writer(events_path, fmt)
    ctr = Counters()
    schema = None
    for k, (lo, hi) in enumerate(world.chunks):
        rng = np.random.default_rng([seed, 1, k])
        cols = _chunk(world, lo, hi, rng, ctr)
        table = _to_table(cols, ctr.event + 1, ts_text=fmt != "parquet")
        ctr.event += table.num_rows
        schema = table.schema
        writer.write(table)
        if progress is not None:
            progress(hi, customers)
    writer.close(schema)

    dirty_path = write_dirty_events(out_dir / "dirty_events.csv", end=end)
    return GenerateResult(
        events_path=events_path,
        customers_path=customers_path,
        dirty_path=dirty_path,
        n_events=ctr.event,
        n_customers=customers,
    )


