"""Independent, plain-Python reference for the section-8 KPIs and local-time reporting.

Written only from /work/shared/CONTRACT.md (sections 1-6 and 8) and the published
reading of section 8 in docs/metrics.md (its "Operations, churn and voice of the
customer" section, choices marked **choice** there), deliberately without reading or
importing the engine in ``cxmetrics``. Loading, identity stitching, journeys, record
sources and cohorts come from the existing reference ``tests/reference/kpis.py`` (which
is independent of the engine too); that file is not changed. Standard library only
(``zoneinfo`` for time zones, ``math.comb`` for binomial tails).

Public API
----------
- ``kpis(ds, kpis, by=(), filters=None, date_from=None, date_to=None, as_of=None,
  tz="UTC") -> list[dict]``: the rows of ``cxm kpis --json [--tz ZONE]`` for any mix of
  the six section-4 KPIs and the seven section-8 KPIs (``containment``,
  ``time_to_answer``, ``contact_volume``, ``repeat_contact_rate``,
  ``survey_response_rate``, ``churn_rate``, ``churn_after_bad_experience``).
  ``kpis=None`` means the seven section-8 KPIs. ``filters`` maps a dimension to a list
  of accepted values (a single string is one value).
- ``from_rows(event_rows, customer_rows=None) -> Dataset``: a reference ``Dataset``
  from in-memory rows (dicts of column -> text), validated, deduplicated and modelled
  exactly as ``kpis.load`` does with files.
- Helpers with their own tests: ``median``, ``p90``, ``median_ranks``, ``median_ci``,
  ``local_date``, ``local_midnight``, ``parse_as_of_local``.

Row keys: every row has the grouping dimensions, ``kpi``, ``value``, ``n``, ``ci_low``,
``ci_high``; ``time_to_answer`` rows add ``p90``; ``churn_after_bad_experience`` rows add
``baseline_value``, ``baseline_n``, ``baseline_ci_low``, ``baseline_ci_high``, ``diff``,
``diff_ci_low``, ``diff_ci_high`` and ``p_value``. Rows are sorted by their grouping
values (strings, code point), then by KPI in the order section 4 then section 8; groups
with n = 0 are left out.

Ambiguities in the contract and the reading chosen here
--------------------------------------------------------
1.  A **contact** (section 8's "contact record") is one ``contact_id`` with at least one
    ``contact`` event; its first ``contact`` event in (ts, event_id) order is its
    source (channel, intent, person; journey_type and identity_state through its journey
    when it has a ``journey_id``) and its time. Section 8 says "its first event"; with
    docs/metrics.md this is read as the first *contact* event, so a ``handoff_requested``
    or ``agent_connected`` earlier than the contact event never becomes the contact, and
    a ``contact_id`` with only handoff/agent events is no contact at all.
2.  ``containment``: records are the contacts whose (first contact event's) channel is
    ``chatbot`` or ``ivr``. A contact is contained when NO ``handoff_requested`` event
    carries its ``contact_id`` -- at any time (even before the contact event) and on any
    channel. Value 100 x contained / contacts, Wilson.
3.  ``time_to_answer``: records are the section-4 handoff records that are not
    abandoned (an ``agent_connected`` with ``ts`` >= the first ``handoff_requested``'s
    ``ts``; equal ``ts`` counts, whatever the event_ids). The duration is from the first
    ``handoff_requested`` (by (ts, event_id)) to the earliest such ``agent_connected``,
    in exact minutes (seconds / 60, so a connection at the same ts is 0.0). Record
    source and time are the handoff record's (the first handoff event; intent from the
    contact's first ``contact`` event when there is one).
4.  ``time_to_answer`` value: the median (mean of the two middle values for even n).
    ``p90``: linear interpolation at 0-based position 0.9 * (n - 1) of the sorted values
    (numpy's default; for n = 1 it is the value). Interval: with B ~ Binomial(n, 1/2),
    l = the largest rank >= 1 with P(B <= l - 1) <= 0.025, u = n + 1 - l, interval
    [x_(l), x_(u)] (1-based order statistics); null (both bounds) when no such rank
    exists, i.e. n < 6. The tail is compared exactly (integers: 40 * sum C(n, i) <= 2^n).
5.  ``contact_volume``: one record per contact; value = n = the number of contacts
    (an ``int``); ``ci_low``/``ci_high`` are null.
6.  ``repeat_contact_rate``: every contact is a record, also one without a person (it
    can never be followed, so it counts as not repeated). A contact is repeated when
    another contact of the same stitched person (``anon:`` persons included, as in FCR;
    any intent) comes later in (ts, event_id) order with ``ts`` <= this ``ts`` + 7 days
    (inclusive; exactly 7 days counts, 7 days + 1 s does not) and a channel different
    from this contact's channel. An earlier contact never makes a later one repeated.
    No eligibility rule (a contact of the last 7 days counts although its window is
    open).
7.  ``survey_response_rate``: records are all contacts and all journeys (every
    ``journey_id`` group, as in kpis.py reading 6). A contact is rated by a
    ``survey_response`` carrying its ``contact_id``, a journey by one carrying its
    ``journey_id``, of any survey type, with ``ts`` in [t, t + 7 days] (t the contact's
    time or the journey's start; both ends inclusive; a response before t does not
    rate). A response carrying both ids can rate both records. Each record keeps its
    own source (the contact's dimensions, or the journey's). No eligibility rule. A
    journey made only of a survey response therefore rates itself (its start is the
    response).
8.  Durations "7 days" and "30 days" are exact elapsed times on UTC instants
    (``timedelta(days=...)``), not local calendar days, whatever ``tz``: like FCR's
    window, which section 4 states on ``ts``. Only date *boundaries* move with ``tz``.
9.  Churn KPIs, the period: the period of a (person, period) record is each bucket of
    the time dimensions of the query (``day``/``week``/``month``/``period``; several at
    once: the local dates they share), clipped to ``date_from``/``date_to``; with no
    time dimension it is the ``date_from``/``date_to`` range, unbounded ends open (all
    data when both are missing). **Reading not in docs/metrics.md**: a time dimension
    used only in ``filters`` (``--filter month=2026-02`` without ``--by month``) also
    splits the periods, and the filter then keeps the buckets with that label; otherwise
    such a filter could not apply to a person record at all.
10. Churn KPIs, the person: a stitched person that is a customer (``kpis.py``'s
    ``persons_customer``: an event's own ``customer_id`` or the single owner of its
    identifiers' component). Its events are all loaded events whose stitched person it
    is (every event type, the ``churn`` event itself included). It is **active** in a
    period when one of its events has its ``ts`` in the period (local date within the
    period's dates) and its first ``churn`` event is not before the period's first
    instant (local midnight of its first date; a churn exactly at that instant is in
    the period). ``churn_rate`` counts it as churned when its first ``churn`` is in the
    period (before the local midnight after the period's last date). Its cohort
    dimensions are the person's (customers file, ``unknown`` when absent); channel,
    intent, journey_type and identity_state are ``unknown``; its time dimensions are
    the labels of its bucket. ``as_of`` does not affect these records. So a filter on a
    real channel (intent, ...) selects no churn record, ``--by channel`` shows the churn
    rows in group ``unknown``, and ``--filter channel=unknown`` selects them (``unknown``
    is an ordinary value, section 4; docs/metrics.md says only "a filter on them selects
    no churn record").
11. ``churn_after_bad_experience``: a person's negative experiences are its section-4
    records (record person = the record's source person, kpis.py): NPS responses with
    score <= 6, CSAT <= 2, CES <= 3 (at the response's ``ts``), abandoned handoffs (at
    the first handoff's ``ts``, person of the first handoff event) and FCR episodes with
    a repeat (at the episode's first contact's ``ts``; eligibility / ``as_of`` is NOT
    applied: a repeated episode is non-FCR whatever ``as_of``). Records: active
    (person, period) pairs with a negative experience whose time is in the period; the
    first one (earliest ts) starts the window [t, t + 30 days] (inclusive); churned
    when the person's first ``churn`` lies in that window (a churn before the
    experience, even inside the period, is not "after" it). The window may run past the
    end of the period and of the data (no eligibility rule). Baseline: the active
    (person, period) pairs of the same group with no negative experience in the period,
    window [first event of the person in the period, + 30 days]. ``diff`` = value -
    baseline_value in percentage points, Newcombe hybrid score interval (``diff_ci_low``
    / ``diff_ci_high``) and the pooled two-sided z-test (``p_value``, null when its
    standard error is 0), exactly as kpis.py's rate comparison (section 5). With
    baseline n = 0: ``baseline_value``, the baseline bounds, ``diff``, its bounds and
    ``p_value`` are null (``baseline_n`` = 0). A row exists only when the negative group
    has n > 0.
12. Time zones: ``tz`` is an IANA name (``None`` means UTC). A record's local date is
    the calendar date of its UTC instant converted to ``tz``; day/week/month/period
    labels and ``date_from``/``date_to`` (inclusive) use that local date. A period's
    first instant is local midnight of its first date (``fold=0``; in zones whose clock
    jumps at midnight this is the first instant of that date). ``as_of`` given as a date
    (``YYYY-MM-DD`` or a ``date``) means local midnight after that date; a timestamp
    text is parsed with the ``ts`` grammar (naive = UTC); a ``datetime`` object that is
    naive is UTC. ``tz="UTC"`` reproduces ``kpis.py`` exactly (same labels, same
    selection, same float arithmetic).
13. The six section-4 KPIs in a time zone: ``kpis.build_records`` (all data, ``as_of``
    resolved as above) re-bucketed by local date and selected by local date; values and
    intervals through ``kpis.observations`` / ``kpis.kpi_stat``. Nothing else changes
    (record sources, FCR episodes and their 7-day windows are instants).
14. Filter values are compared as strings; unknown dimensions and KPIs raise
    ``ValueError``; closed-vocabulary values are not validated here (that is a CLI
    concern). ``theme``/``sentiment`` are not implemented in this module.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.reference import kpis as ref

OPS_ORDER = [
    "containment",
    "time_to_answer",
    "contact_volume",
    "repeat_contact_rate",
    "survey_response_rate",
    "churn_rate",
    "churn_after_bad_experience",
]
ALL_KPIS = list(ref.KPI_ORDER) + OPS_ORDER
RATE_OPS = ["containment", "repeat_contact_rate", "survey_response_rate", "churn_rate"]
CHURN_KPIS = ["churn_rate", "churn_after_bad_experience"]
TIME_DIMS = ["day", "week", "month", "period"]
BOT_CHANNELS = ("chatbot", "ivr")
WEEK = timedelta(days=7)
MONTH30 = timedelta(days=30)
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)  # as_of that makes every FCR episode eligible
NON_PERSON_DIMS = ["channel", "intent", "journey_type", "identity_state"]


# ---------------------------------------------------------------------------
# Building a Dataset from rows (same path as kpis.load, without files)
# ---------------------------------------------------------------------------


def from_rows(event_rows, customer_rows=None):
    """A reference Dataset from dicts of column -> text (missing keys = missing)."""
    ds = ref.Dataset(events=[], customers={})
    seen = set()
    for row_no, raw in enumerate(event_rows, start=1):
        row = {c: ref.clean(None if raw.get(c) is None else str(raw.get(c))) for c in raw}
        ds.rows_read += 1
        event, reasons = ref.validate_event_row(row)
        if event is None:
            ds.quarantined += 1
            ds.quarantine.append(("<rows>", row_no, reasons, raw))
            continue
        if event.event_id in seen:
            ds.duplicates += 1
            continue
        seen.add(event.event_id)
        ds.events.append(event)
        ds.loaded += 1
    for raw in customer_rows or []:
        row = {c: ref.clean(None if v is None else str(v)) for c, v in raw.items()}
        cid, segment, tier = row.get("customer_id"), row.get("segment"), row.get("value_tier")
        if (
            cid is None
            or (segment is not None and segment not in ref.SEGMENTS)
            or (tier is not None and tier not in ref.VALUE_TIERS)
        ):
            ds.customers_quarantined += 1
            continue
        ds.customers[cid] = ref.Customer(
            customer_id=cid,
            segment=segment,
            value_tier=tier,
            region=row.get("region"),
            plan=row.get("plan"),
            consent_analytics=ref.parse_bool(row.get("consent_analytics")),
        )
    ref.build_model(ds)
    return ds


# ---------------------------------------------------------------------------
# Local time
# ---------------------------------------------------------------------------


def zone(tz):
    return ZoneInfo(tz or "UTC")


def local_date(ts, tz):
    """Calendar date of the UTC instant ``ts`` in zone ``tz``."""
    return ts.astimezone(zone(tz)).date()


def local_midnight(d, tz):
    """The UTC instant of local midnight starting date ``d`` in ``tz``."""
    return datetime.combine(d, time(0), tzinfo=zone(tz)).astimezone(UTC)


def parse_as_of_local(value, tz):
    """``as_of``: a date means the end of that local day; otherwise an instant."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return local_midnight(value + timedelta(days=1), tz)
    text = str(value).strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return local_midnight(date.fromisoformat(text) + timedelta(days=1), tz)
    parsed = ref.parse_ts(text)
    if parsed is None:
        raise ValueError(f"malformed as_of: {value!r}")
    return parsed


def labels(d):
    """day / week / month / period labels of a (local) date."""
    iso = d.isocalendar()
    offset = (d - ref.REVIEW_ANCHOR).days // 14
    return {
        "day": d.isoformat(),
        "week": f"{iso[0]}-W{iso[1]:02d}",
        "month": f"{d.year:04d}-{d.month:02d}",
        "period": (ref.REVIEW_ANCHOR + timedelta(days=14 * offset)).isoformat(),
    }


def bucket_dates(dim, d):
    """(first date, last date) of the ``dim`` bucket holding date ``d``."""
    if dim == "day":
        return d, d
    if dim == "week":
        monday = d - timedelta(days=d.weekday())
        return monday, monday + timedelta(days=6)
    if dim == "month":
        first = d.replace(day=1)
        nxt = date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)
        return first, nxt - timedelta(days=1)
    if dim == "period":
        offset = (d - ref.REVIEW_ANCHOR).days // 14
        first = ref.REVIEW_ANCHOR + timedelta(days=14 * offset)
        return first, first + timedelta(days=13)
    raise ValueError(dim)


def localize(records, tz):
    """Copies of records with time labels (and ``local_date``) in zone ``tz``."""
    out = []
    z = zone(tz)
    for r in records:
        d = r["ts"].astimezone(z).date()
        new = dict(r)
        new.update(labels(d))
        new["local_date"] = d
        out.append(new)
    return out


# ---------------------------------------------------------------------------
# Order statistics
# ---------------------------------------------------------------------------


def median(sorted_values):
    n = len(sorted_values)
    mid = n // 2
    if n % 2 == 1:
        return sorted_values[mid]
    return (sorted_values[mid - 1] + sorted_values[mid]) / 2


def p90(sorted_values):
    n = len(sorted_values)
    pos = 0.9 * (n - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    return sorted_values[lo] + frac * (sorted_values[hi] - sorted_values[lo])


def median_ranks(n):
    """(l, u), 1-based, of the 95 % order-statistic interval of the median; None if n < 6."""
    total = 2**n
    cum = 0  # sum of C(n, i) for i <= l - 1
    best = None
    for rank in range(1, n + 1):
        cum += math.comb(n, rank - 1)
        if 40 * cum <= total:  # P(B <= rank - 1) <= 0.025
            best = rank
        else:
            break
    if best is None:
        return None
    return best, n + 1 - best


def median_ci(sorted_values):
    ranks = median_ranks(len(sorted_values))
    if ranks is None:
        return None, None
    lo, hi = ranks
    return sorted_values[lo - 1], sorted_values[hi - 1]


# ---------------------------------------------------------------------------
# Records of the section-8 KPIs (except churn, which depends on the query)
# ---------------------------------------------------------------------------


def _by_contact(ds, event_type):
    out = defaultdict(list)
    for e in ds.events:
        if e.event_type == event_type:
            out[e.contact_id].append(e)
    return out


def contact_records(ds):
    """containment, time_to_answer, contact_volume, repeat, survey-rate records (UTC labels)."""
    records = []
    handoffs = _by_contact(ds, "handoff_requested")
    connects = _by_contact(ds, "agent_connected")
    surveys_by_contact = defaultdict(list)
    surveys_by_journey = defaultdict(list)
    for e in ds.events:
        if e.event_type == "survey_response":
            if e.contact_id is not None:
                surveys_by_contact[e.contact_id].append(e.ts)
            if e.journey_id is not None:
                surveys_by_journey[e.journey_id].append(e.ts)

    contacts_of_person = defaultdict(list)
    for c in ds.contacts.values():
        if c.person is not None:
            contacts_of_person[c.person].append(c)
    for lst in contacts_of_person.values():
        lst.sort(key=lambda e: e.key)

    for cid, c in ds.contacts.items():
        source = ref.event_source(ds, c)
        if c.channel in BOT_CHANNELS:
            records.append(
                ref.make_record(
                    ds, "containment", c.ts, source, outcome=0 if handoffs.get(cid) else 1
                )
            )
        records.append(ref.make_record(ds, "contact_volume", c.ts, source))
        repeated = 0
        if c.person is not None:
            for other in contacts_of_person[c.person]:
                if other.key <= c.key:
                    continue
                if other.ts > c.ts + WEEK:
                    break
                if other.channel != c.channel:
                    repeated = 1
                    break
        records.append(ref.make_record(ds, "repeat_contact_rate", c.ts, source, outcome=repeated))
        rated = any(c.ts <= s <= c.ts + WEEK for s in surveys_by_contact.get(cid, []))
        records.append(
            ref.make_record(ds, "survey_response_rate", c.ts, source, outcome=1 if rated else 0)
        )

    for jid, j in ds.journeys.items():
        t = j.first.ts
        rated = any(t <= s <= t + WEEK for s in surveys_by_journey.get(jid, []))
        records.append(
            ref.make_record(
                ds, "survey_response_rate", t, ref.journey_source(j), outcome=1 if rated else 0
            )
        )

    # time to answer: handoff records (section 4) that were answered
    for cid, evs in handoffs.items():
        first = min(evs, key=lambda e: e.key)
        after = [a for a in connects.get(cid, []) if a.ts >= first.ts]
        if not after:
            continue  # abandoned
        answer = min(after, key=lambda e: e.key)
        source = ref.event_source(ds, first)
        if cid in ds.contacts:
            source["intent"] = ds.contacts[cid].intent
        minutes = (answer.ts - first.ts).total_seconds() / 60
        records.append(ref.make_record(ds, "time_to_answer", first.ts, source, minutes=minutes))
    return records


def negative_experiences(ds):
    """person -> sorted list of the times of its negative experiences (section 8)."""
    out = defaultdict(list)
    for r in ref.build_records(ds, as_of=FAR_FUTURE):
        kpi = r["kpi"]
        bad = (
            (kpi == "nps" and r["score"] <= 6)
            or (kpi == "csat" and r["score"] <= 2)
            or (kpi == "ces" and r["score"] <= 3)
            or (kpi == "handoff_abandonment" and r["outcome"] == 1)
            or (kpi == "fcr" and r["outcome"] == 0)
        )
        if bad and r["person"] is not None:
            out[r["person"]].append(r["ts"])
    for lst in out.values():
        lst.sort()
    return out


# ---------------------------------------------------------------------------
# Churn records (person x period), built per query
# ---------------------------------------------------------------------------


def churn_records(ds, time_dims, date_from, date_to, tz):
    """Records of churn_rate and churn_after_bad_experience (with ``baseline`` flag)."""
    z = zone(tz)
    events_of = defaultdict(list)
    first_churn = {}
    for e in ds.events:
        p = e.person
        if p is None or p not in ds.persons_customer:
            continue
        events_of[p].append(e)
        if e.event_type == "churn" and (p not in first_churn or e.ts < first_churn[p]):
            first_churn[p] = e.ts
    negatives = negative_experiences(ds)

    records = []
    for person in sorted(events_of):
        buckets = {}  # labels tuple -> [first date, last date, first event ts]
        for e in events_of[person]:
            d = e.ts.astimezone(z).date()
            if date_from is not None and d < date_from:
                continue
            if date_to is not None and d > date_to:
                continue
            lab = labels(d)
            key = tuple(lab[dim] for dim in time_dims)
            if key not in buckets:
                lo, hi = date_from, date_to
                for dim in time_dims:
                    b_lo, b_hi = bucket_dates(dim, d)
                    lo = b_lo if lo is None else max(lo, b_lo)
                    hi = b_hi if hi is None else min(hi, b_hi)
                buckets[key] = [lo, hi, e.ts]
            elif e.ts < buckets[key][2]:
                buckets[key][2] = e.ts
        churn_ts = first_churn.get(person)
        attrs = {dim: ref.UNKNOWN for dim in NON_PERSON_DIMS}
        for dim, value in ref.cohort(ds, person).items():
            attrs[dim] = value if value is not None else ref.UNKNOWN
        for key, (lo, hi, first_ts) in buckets.items():
            start = None if lo is None else local_midnight(lo, tz)
            end = None if hi is None else local_midnight(hi + timedelta(days=1), tz)
            if churn_ts is not None and start is not None and churn_ts < start:
                continue  # churned before the period: not active
            base = dict(attrs)
            base.update(zip(time_dims, key, strict=True))
            base["person"] = person
            churned = churn_ts is not None and (end is None or churn_ts < end)
            records.append(dict(base, kpi="churn_rate", outcome=1 if churned else 0))
            negs = [
                t
                for t in negatives.get(person, [])
                if (lo is None or t.astimezone(z).date() >= lo)
                and (hi is None or t.astimezone(z).date() <= hi)
            ]
            anchor = negs[0] if negs else first_ts
            after = churn_ts is not None and anchor <= churn_ts <= anchor + MONTH30
            records.append(
                dict(
                    base,
                    kpi="churn_after_bad_experience",
                    baseline=not negs,
                    outcome=1 if after else 0,
                )
            )
    return records


# ---------------------------------------------------------------------------
# Selection, grouping and rows
# ---------------------------------------------------------------------------


def _filters(filters):
    out = {}
    for dim, values in (filters or {}).items():
        if dim not in ref.DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}")
        if isinstance(values, str):
            values = [values]
        out[dim] = [str(v) for v in values]
    return out


def _keep(r, filters):
    return all(r[dim] in values for dim, values in filters.items())


def _in_range(r, date_from, date_to):
    d = r["local_date"]
    return (date_from is None or d >= date_from) and (date_to is None or d <= date_to)


def _rate(outcomes):
    value, low, high = ref.stat_rate(outcomes)
    return {"value": value, "n": len(outcomes), "ci_low": low, "ci_high": high}


def _stat(kpi, recs, baseline=None):
    if kpi in ref.KPI_ORDER:
        obs = ref.observations(kpi, recs)
        value, low, high = ref.kpi_stat(kpi, obs)
        return {"value": value, "n": len(obs), "ci_low": low, "ci_high": high}
    if kpi in RATE_OPS:
        return _rate([r["outcome"] for r in recs])
    if kpi == "contact_volume":
        return {"value": len(recs), "n": len(recs), "ci_low": None, "ci_high": None}
    if kpi == "time_to_answer":
        values = sorted(r["minutes"] for r in recs)
        low, high = median_ci(values)
        return {
            "value": median(values),
            "n": len(values),
            "ci_low": low,
            "ci_high": high,
            "p90": p90(values),
        }
    if kpi == "churn_after_bad_experience":
        obs = [r["outcome"] for r in recs]
        base = [r["outcome"] for r in baseline or []]
        row = _rate(obs)
        if base:
            b = _rate(base)
            diff, ci, p_value = ref.raw_comparison(kpi, obs, base)
            row.update(
                baseline_value=b["value"],
                baseline_n=b["n"],
                baseline_ci_low=b["ci_low"],
                baseline_ci_high=b["ci_high"],
                diff=diff,
                diff_ci_low=ci[0],
                diff_ci_high=ci[1],
                p_value=p_value,
            )
        else:
            row.update(
                baseline_value=None,
                baseline_n=0,
                baseline_ci_low=None,
                baseline_ci_high=None,
                diff=None,
                diff_ci_low=None,
                diff_ci_high=None,
                p_value=None,
            )
        return row
    raise ValueError(kpi)


def kpis(ds, kpis, by=(), filters=None, date_from=None, date_to=None, as_of=None, tz="UTC"):
    wanted = list(kpis) if kpis else list(OPS_ORDER)
    for k in wanted:
        if k not in ALL_KPIS:
            raise ValueError(f"unknown kpi {k!r}")
    by = list(by or [])
    for dim in by:
        if dim not in ref.DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}")
    filters = _filters(filters)
    date_from, date_to = ref.to_date(date_from), ref.to_date(date_to)
    tz = tz or "UTC"
    zone(tz)  # an unknown zone is an error even when no record needs it

    records = []
    if any(k in ref.KPI_ORDER for k in wanted):
        as_of_ts = parse_as_of_local(as_of, tz)
        records += ref.build_records(ds, as_of_ts if as_of_ts is not None else ds.latest_ts)
    if any(k in OPS_ORDER and k not in CHURN_KPIS for k in wanted):
        records += contact_records(ds)
    records = [
        r
        for r in localize(records, tz)
        if r["kpi"] in wanted and _in_range(r, date_from, date_to) and _keep(r, filters)
    ]
    baseline = defaultdict(list)
    if any(k in CHURN_KPIS for k in wanted):
        time_dims = [d for d in TIME_DIMS if d in by or d in filters]
        for r in churn_records(ds, time_dims, date_from, date_to, tz):
            if r["kpi"] not in wanted or not _keep(r, filters):
                continue
            if r.get("baseline"):
                baseline[tuple(r[d] for d in by)].append(r)
            else:
                records.append(r)

    groups = defaultdict(list)
    for r in records:
        groups[(tuple(r[d] for d in by), r["kpi"])].append(r)
    rows = []
    for gkey, kpi in sorted(groups, key=lambda k: (k[0], ALL_KPIS.index(k[1]))):
        recs = groups[(gkey, kpi)]
        if not recs:
            continue
        row = dict(zip(by, gkey, strict=True))
        row["kpi"] = kpi
        row.update(_stat(kpi, recs, baseline.get(gkey) if kpi in CHURN_KPIS else None))
        rows.append(row)
    return rows
