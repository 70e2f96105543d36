"""Independent, plain-Python reference implementation of the KPI contract.

Written only from /work/shared/CONTRACT.md (sections 1-6), deliberately without
reading or importing the engine in ``cxmetrics``. It exists so that tests can compare
the engine's numbers with a second, literal implementation. Standard library only,
plus ``scipy.stats.t`` for Student-t quantiles / tail probabilities.

Public API
----------
- ``load(events_paths, customers_path=None) -> Dataset``
- ``kpis(ds, kpis=None, by=(), filters=None, date_from=None, date_to=None,
  as_of=None) -> list[dict]``  (the rows of ``cxm kpis --json``)
- ``uplift(ds, kpi, filters=None, date_from=None, date_to=None, as_of=None) -> dict``
  (the object of ``cxm uplift --json``)

Ambiguities in the contract and the reading chosen here
--------------------------------------------------------
1.  ``ts`` grammar: the contract lists the fraction of a second and the offset as
    optional, not the seconds. Seconds are therefore REQUIRED
    (``2026-02-03T10:00`` is unparseable). ``T``/``Z`` must be upper case (lower-case
    ``t``/``z`` is unparseable). Offsets must have hh <= 23 and mm <= 59. Fractions
    longer than 6 digits are truncated to microseconds (affects ordering only in
    pathological inputs).
2.  CSV: the file is read as ``utf-8-sig`` (a leading BOM is tolerated). Header names
    are used exactly as written (not trimmed; case-sensitive). A line holding only
    spaces is NOT "completely empty": it counts as a row (and is quarantined). Rows
    shorter than the header have the missing cells treated as missing values; extra
    cells are ignored.
3.  Survey columns on rows of other types are ignored: ``survey_type`` and ``score``
    are discarded (never validated) on non-``survey_response`` rows.
4.  When ``survey_type`` is unknown/missing, ``score`` is still checked to be an
    integer (digits with optional sign) but its range cannot be checked; the row is
    quarantined anyway because of the survey type.
5.  Customers: rows are validated first (missing ``customer_id``, non-blank
    ``segment`` not in {consumer, business}, non-blank ``value_tier`` not in
    {low, mid, high} -> quarantined); "the last row wins" is then applied among the
    VALID rows, so an invalid last row leaves an earlier valid row in place. A blank
    segment/value_tier is valid and groups as ``unknown``. An unrecognised consent
    value is treated as the default (true) -- consent does not affect KPIs anyway.
6.  A journey is every ``journey_id`` group of loaded events, whatever the event
    types (a survey response alone with a ``journey_id`` forms a journey and counts in
    journey_completion).
7.  Links for "recognized at time t" and for components/owners come from ANY loaded
    event type carrying a ``customer_id`` together with an identifier (not only
    ``login``/``identify``).
8.  A shared component (>= 2 owners) has no owner, so its events without own
    ``customer_id`` get the ``anon:`` person of that component.
9.  Contacts: only the first ``contact`` event (by (ts, event_id)) of each
    ``contact_id`` is a contact; FCR uses those, with the person and intent of that
    first event. A contact whose first event has no person is not in FCR.
10. Handoff: "agent_connected ... at or after its first handoff_requested" compares
    ``ts`` only (an agent_connected with the same ts counts, whatever its event_id).
    When no ``contact`` event exists for the contact_id, the intent is the first
    handoff event's own ``intent`` column (else ``unknown``).
11. Event used as a source: it takes its journey's identity_state and journey_type
    (even if the journey's journey_type is missing -> ``unknown``); its intent stays its
    own ``intent`` column. When a survey's source is its journey, all the journey's
    record attributes are used (channel, intent rule "first non-empty intent else
    journey_type", journey_type, identity_state, person of its first event).
12. Cohort attributes: only when the person is a customer id (not ``anon:`` / none)
    AND that customer has a row in the customers file; blank attributes -> ``unknown``.
13. Dimension values are compared and sorted as strings by code point; ``unknown`` is
    an ordinary value in the sort.
14. Wilson bounds are not clipped (they are within [0, 100] mathematically). NPS
    adjusted-Wald bounds are clipped to [-100, 100] and centred on the ADJUSTED
    p - d (as the formula is written), not on the raw NPS value.
15. Uplift, standard error 0: the p-value is null; the raw interval is then the
    degenerate ``[diff, diff]`` (it can be computed) -- for CES too (Welch df is
    undefined but the half-width is 0). The uplift sides' ``value`` is the KPI value
    whenever n >= 1 (for CES a side with n = 1 has a value but the diff is null).
    ``coverage`` = used recognized n / total recognized n (all recognized records of the
    selection, including those in unused strata); null when recognized n = 0, else 0
    when no stratum is used. Records whose identity_state is neither recognized nor
    anonymous cannot occur (every event has one).
16. p-values: two-sided; normal tail via ``math.erfc(|z|/sqrt 2)``, Welch via
    ``2 * scipy.stats.t.sf(|t|, df)``.
17. ``as_of`` given as a bare date means the first instant of the next UTC day;
    otherwise it is parsed with the ``ts`` grammar (naive = UTC). Default: the latest
    loaded event ts.
18. ``date_from``/``date_to`` compare the UTC calendar date of the record time.
19. FCR records are only the ELIGIBLE episodes (ineligible ones are not records at
    all, so they never create a group). The repeat window is inclusive
    (``ts <= t0 + 7 days`` is a repeat), as is eligibility (``t0 + 7 days <= as_of``).
20. A survey response carrying both a ``contact_id`` that matches a contact and a
    ``journey_id`` takes the contact as source (the contract's order). A
    ``contact_id`` with no ``contact`` event falls through to the journey, then to the
    response itself.
21. "Directly linked" is per typed identifier: ``a:X`` and ``n:X`` are different
    identifiers; the link time of an identifier is the earliest ts of any event
    carrying it together with a customer_id.
22. Uplift splits the selected records by their identity_state; a filter on
    identity_state therefore empties one side (values/diffs null as specified).
"""

from __future__ import annotations

import csv
import math
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from scipy.stats import t as student_t

# ---------------------------------------------------------------------------
# Vocabulary (CONTRACT section 1)
# ---------------------------------------------------------------------------

EVENT_COLUMNS = [
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
]
ALWAYS_REQUIRED = ["event_id", "ts", "event_type", "channel"]
EVENT_TYPES = [
    "page_view",
    "journey_goal",
    "login",
    "identify",
    "contact",
    "handoff_requested",
    "agent_connected",
    "survey_response",
    "churn",
]
CHANNELS = ["web", "app", "chatbot", "ivr", "voice", "whatsapp", "email", "store"]
SURVEY_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
SEGMENTS = ["consumer", "business"]
VALUE_TIERS = ["low", "mid", "high"]

KPI_ORDER = ["nps", "csat", "ces", "fcr", "journey_completion", "handoff_abandonment"]
RATE_KPIS = ["csat", "fcr", "journey_completion", "handoff_abandonment"]
DIMENSIONS = [
    "channel",
    "intent",
    "journey_type",
    "identity_state",
    "segment",
    "value_tier",
    "region",
    "plan",
    "day",
    "week",
    "month",
    "period",
]
Z = 1.96
REVIEW_ANCHOR = date(2026, 1, 5)
UNKNOWN = "unknown"

# ---------------------------------------------------------------------------
# Timestamps
# ---------------------------------------------------------------------------

TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(Z|[+-]\d{2}:\d{2}|[+-]\d{4})?$"
)


def parse_ts(text):
    """Return an aware UTC datetime, or None when unparseable."""
    m = TS_RE.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    fraction = m.group(7)
    micro = 0
    if fraction is not None:
        micro = int((fraction + "000000")[:6])
    offset_text = m.group(8)
    if offset_text is None or offset_text == "Z":
        tz = UTC
    else:
        sign = -1 if offset_text[0] == "-" else 1
        digits = offset_text[1:].replace(":", "")
        oh, om = int(digits[:2]), int(digits[2:])
        if oh > 23 or om > 59:
            return None
        tz = timezone(sign * timedelta(hours=oh, minutes=om))
    try:
        local = datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError:
        return None
    return local.astimezone(UTC)


def parse_as_of(value):
    """A date (or 'YYYY-MM-DD') means the first instant of the next UTC day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC) + timedelta(days=1)
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        d = date.fromisoformat(text)
        return datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(days=1)
    parsed = parse_ts(text)
    if parsed is None:
        raise ValueError(f"malformed as_of: {value!r}")
    return parsed


def to_date(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


# ---------------------------------------------------------------------------
# Loading (CONTRACT section 1)
# ---------------------------------------------------------------------------


@dataclass
class Event:
    event_id: str
    ts: datetime
    event_type: str
    channel: str
    anonymous_id: str | None
    network_id: str | None
    customer_id: str | None
    journey_id: str | None
    journey_type: str | None
    intent: str | None
    contact_id: str | None
    survey_type: str | None
    score: int | None
    # filled by the model
    person: str | None = None
    identity_state: str | None = None

    @property
    def key(self):
        return (self.ts, self.event_id)


@dataclass
class Customer:
    customer_id: str
    segment: str | None
    value_tier: str | None
    region: str | None
    plan: str | None
    consent_analytics: bool


@dataclass
class Dataset:
    events: list  # loaded events, file order
    customers: dict  # customer_id -> Customer
    rows_read: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    quarantine: list = field(default_factory=list)  # (file, row_no, reasons, raw)
    customers_quarantined: int = 0
    # model, filled by build_model
    journeys: dict = field(default_factory=dict)
    contacts: dict = field(default_factory=dict)  # contact_id -> first contact Event
    persons_customer: set = field(default_factory=set)
    shared_components: int = 0
    latest_ts: datetime | None = None


def clean(value):
    """Trim; blank after trimming means missing (None)."""
    if value is None:
        return None
    value = value.strip()
    return value if value != "" else None


def validate_event_row(row):
    """Return (event or None, reasons)."""
    reasons = []
    event_id = row.get("event_id")
    ts_text = row.get("ts")
    event_type = row.get("event_type")
    channel = row.get("channel")
    if event_id is None:
        reasons.append("missing event_id")
    ts = None
    if ts_text is None:
        reasons.append("missing ts")
    else:
        ts = parse_ts(ts_text)
        if ts is None:
            reasons.append(f"unparseable ts {ts_text!r}")
    if event_type is None:
        reasons.append("missing event_type")
    elif event_type not in EVENT_TYPES:
        reasons.append(f"unknown event_type {event_type!r}")
    if channel is None:
        reasons.append("missing channel")
    elif channel not in CHANNELS:
        reasons.append(f"unknown channel {channel!r}")

    survey_type = None
    score = None
    if event_type == "journey_goal":
        if row.get("journey_id") is None:
            reasons.append("journey_goal requires journey_id")
    elif event_type in ("login", "identify"):
        if row.get("customer_id") is None:
            reasons.append(f"{event_type} requires customer_id")
        if row.get("anonymous_id") is None and row.get("network_id") is None:
            reasons.append(f"{event_type} requires anonymous_id or network_id")
    elif event_type == "contact":
        if row.get("contact_id") is None:
            reasons.append("contact requires contact_id")
        if row.get("intent") is None:
            reasons.append("contact requires intent")
    elif event_type in ("handoff_requested", "agent_connected"):
        if row.get("contact_id") is None:
            reasons.append(f"{event_type} requires contact_id")
    elif event_type == "churn":
        if row.get("customer_id") is None:
            reasons.append("churn requires customer_id")
    elif event_type == "survey_response":
        survey_type = row.get("survey_type")
        score_text = row.get("score")
        if survey_type is None:
            reasons.append("survey_response requires survey_type")
        elif survey_type not in SURVEY_RANGES:
            reasons.append(f"unknown survey_type {survey_type!r}")
        if score_text is None:
            reasons.append("survey_response requires score")
        elif re.fullmatch(r"[+-]?\d+", score_text) is None:
            reasons.append(f"score {score_text!r} is not an integer")
        else:
            score = int(score_text)
            if survey_type in SURVEY_RANGES:
                low, high = SURVEY_RANGES[survey_type]
                if not (low <= score <= high):
                    reasons.append(f"score {score} out of range {low}-{high} for {survey_type}")
    if reasons:
        return None, reasons
    return (
        Event(
            event_id=event_id,
            ts=ts,
            event_type=event_type,
            channel=channel,
            anonymous_id=row.get("anonymous_id"),
            network_id=row.get("network_id"),
            customer_id=row.get("customer_id"),
            journey_id=row.get("journey_id"),
            journey_type=row.get("journey_type"),
            intent=row.get("intent"),
            contact_id=row.get("contact_id"),
            survey_type=survey_type,
            score=score,
        ),
        [],
    )


def read_csv_rows(path):
    """Yield dicts of cleaned values for each data row (empty lines skipped)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{path}: empty file (no header)")
        rows = []
        for record in reader:
            if len(record) == 0:  # completely empty line
                continue
            row = {}
            for i, name in enumerate(header):
                row[name] = clean(record[i]) if i < len(record) else None
            rows.append((record, row))
    return header, rows


def parse_bool(text):
    if text is None:
        return True
    low = text.lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no"):
        return False
    return True


def load(events_paths, customers_path=None):
    events = []
    seen = set()
    ds = Dataset(events=events, customers={})
    # check every file first: a rejected file rejects the whole call
    parsed_files = []
    for p in events_paths:
        p = Path(p)
        header, rows = read_csv_rows(p)
        missing = [c for c in ALWAYS_REQUIRED if c not in header]
        if missing:
            raise ValueError(f"{p.name}: missing required column(s) {', '.join(missing)}")
        parsed_files.append((p, rows))
    for p, rows in parsed_files:
        for row_no, (raw, row) in enumerate(rows, start=1):
            ds.rows_read += 1
            event, reasons = validate_event_row(row)
            if event is None:
                ds.quarantined += 1
                ds.quarantine.append((p.name, row_no, reasons, raw))
                continue
            if event.event_id in seen:
                ds.duplicates += 1
                continue
            seen.add(event.event_id)
            events.append(event)
            ds.loaded += 1

    if customers_path is not None:
        header, rows = read_csv_rows(Path(customers_path))
        if "customer_id" not in header:
            raise ValueError(f"{Path(customers_path).name}: missing required column customer_id")
        for _raw, row in rows:
            cid = row.get("customer_id")
            segment = row.get("segment")
            tier = row.get("value_tier")
            if (
                cid is None
                or (segment is not None and segment not in SEGMENTS)
                or (tier is not None and tier not in VALUE_TIERS)
            ):
                ds.customers_quarantined += 1
                continue
            ds.customers[cid] = Customer(  # later valid row overwrites: last wins
                customer_id=cid,
                segment=segment,
                value_tier=tier,
                region=row.get("region"),
                plan=row.get("plan"),
                consent_analytics=parse_bool(row.get("consent_analytics")),
            )
    build_model(ds)
    return ds


# ---------------------------------------------------------------------------
# Identity (CONTRACT section 2) and journeys (section 3)
# ---------------------------------------------------------------------------


def identifiers_of(event):
    ids = []
    if event.anonymous_id is not None:
        ids.append("a:" + event.anonymous_id)
    if event.network_id is not None:
        ids.append("n:" + event.network_id)
    return ids


class UnionFind:
    def __init__(self):
        self.parent = {}

    def add(self, x):
        if x not in self.parent:
            self.parent[x] = x

    def find(self, x):
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


@dataclass
class Journey:
    journey_id: str
    first: Event
    channel: str
    journey_type: str | None
    intent: str | None
    completed: bool
    identity_state: str
    person: str | None


def build_model(ds):
    events = ds.events
    ds.latest_ts = max((e.ts for e in events), default=None)

    # earliest direct link time per typed identifier
    first_link = {}
    for e in events:
        if e.customer_id is None:
            continue
        for ident in identifiers_of(e):
            if ident not in first_link or e.ts < first_link[ident]:
                first_link[ident] = e.ts

    def recognized_at(e, t):
        if e.customer_id is not None:
            return True
        for ident in identifiers_of(e):
            if ident in first_link and first_link[ident] <= t:
                return True
        return False

    # components over non-customer identifiers
    uf = UnionFind()
    for e in events:
        ids = identifiers_of(e)
        for ident in ids:
            uf.add(ident)
        for other in ids[1:]:
            uf.union(ids[0], other)
    owners = defaultdict(set)
    members = defaultdict(list)
    for ident in uf.parent:
        members[uf.find(ident)].append(ident)
    for e in events:
        ids = identifiers_of(e)
        if e.customer_id is not None and ids:
            owners[uf.find(ids[0])].add(e.customer_id)
    ds.shared_components = sum(1 for root in members if len(owners[root]) >= 2)

    for e in events:
        if e.customer_id is not None:
            e.person = e.customer_id
            ds.persons_customer.add(e.customer_id)
            continue
        ids = identifiers_of(e)
        if not ids:
            e.person = None
            continue
        root = uf.find(ids[0])
        if len(owners[root]) == 1:
            e.person = next(iter(owners[root]))
            ds.persons_customer.add(e.person)
        else:
            e.person = "anon:" + min(members[root])

    # journeys
    by_journey = defaultdict(list)
    for e in events:
        if e.journey_id is not None:
            by_journey[e.journey_id].append(e)
    journeys = {}
    for jid, evs in by_journey.items():
        evs.sort(key=lambda e: e.key)
        first = evs[0]
        jtype = next((e.journey_type for e in evs if e.journey_type is not None), None)
        intent = next((e.intent for e in evs if e.intent is not None), None)
        if intent is None:
            intent = jtype
        journeys[jid] = Journey(
            journey_id=jid,
            first=first,
            channel=first.channel,
            journey_type=jtype,
            intent=intent,
            completed=any(e.event_type == "journey_goal" for e in evs),
            identity_state="recognized" if recognized_at(first, first.ts) else "anonymous",
            person=first.person,
        )
    ds.journeys = journeys

    for e in events:
        if e.journey_id is not None:
            e.identity_state = journeys[e.journey_id].identity_state
        else:
            e.identity_state = "recognized" if recognized_at(e, e.ts) else "anonymous"

    contacts = {}
    for e in sorted((e for e in events if e.event_type == "contact"), key=lambda e: e.key):
        if e.contact_id not in contacts:
            contacts[e.contact_id] = e
    ds.contacts = contacts


# ---------------------------------------------------------------------------
# Records (CONTRACT section 4)
# ---------------------------------------------------------------------------


def event_source(ds, e):
    """Attributes of an event used as a source (footnote 1, last sentences)."""
    if e.journey_id is not None:
        j = ds.journeys[e.journey_id]
        journey_type = j.journey_type
        identity_state = j.identity_state
    else:
        journey_type = e.journey_type
        identity_state = e.identity_state
    return {
        "channel": e.channel,
        "intent": e.intent,
        "journey_type": journey_type,
        "identity_state": identity_state,
        "person": e.person,
    }


def journey_source(j):
    return {
        "channel": j.channel,
        "intent": j.intent,
        "journey_type": j.journey_type,
        "identity_state": j.identity_state,
        "person": j.person,
    }


def cohort(ds, person):
    attrs = {"segment": None, "value_tier": None, "region": None, "plan": None}
    if person is not None and person in ds.persons_customer and person in ds.customers:
        c = ds.customers[person]
        attrs = {
            "segment": c.segment,
            "value_tier": c.value_tier,
            "region": c.region,
            "plan": c.plan,
        }
    return attrs


def make_record(ds, kpi, ts, source, **values):
    rec = {"kpi": kpi, "ts": ts}
    rec.update(source)
    rec.update(cohort(ds, source["person"]))
    for dim in (
        "channel",
        "intent",
        "journey_type",
        "identity_state",
        "segment",
        "value_tier",
        "region",
        "plan",
    ):
        if rec[dim] is None:
            rec[dim] = UNKNOWN
    d = ts.date()
    rec["day"] = d.isoformat()
    iso = d.isocalendar()
    rec["week"] = f"{iso[0]}-W{iso[1]:02d}"
    rec["month"] = f"{d.year:04d}-{d.month:02d}"
    offset = (d - REVIEW_ANCHOR).days // 14
    rec["period"] = (REVIEW_ANCHOR + timedelta(days=14 * offset)).isoformat()
    rec.update(values)
    return rec


def build_records(ds, as_of=None):
    as_of = parse_as_of(as_of) if as_of is not None else ds.latest_ts
    records = []
    # survey KPIs
    for e in ds.events:
        if e.event_type != "survey_response":
            continue
        if e.contact_id is not None and e.contact_id in ds.contacts:
            source = event_source(ds, ds.contacts[e.contact_id])
        elif e.journey_id is not None:
            source = journey_source(ds.journeys[e.journey_id])
        else:
            source = event_source(ds, e)
        records.append(make_record(ds, e.survey_type, e.ts, source, score=e.score))

    # FCR episodes
    groups = defaultdict(list)
    for c in ds.contacts.values():
        if c.person is not None:
            groups[(c.person, c.intent)].append(c)
    week = timedelta(days=7)
    for contacts in groups.values():
        contacts.sort(key=lambda e: e.key)
        episodes = []  # [first, repeat_count]
        for c in contacts:
            if episodes and c.ts <= episodes[-1][0].ts + week:
                episodes[-1][1] += 1
            else:
                episodes.append([c, 0])
        for first, repeats in episodes:
            if as_of is not None and first.ts + week <= as_of:
                records.append(
                    make_record(
                        ds,
                        "fcr",
                        first.ts,
                        event_source(ds, first),
                        outcome=1 if repeats == 0 else 0,
                    )
                )

    # journey completion
    for j in ds.journeys.values():
        records.append(
            make_record(
                ds,
                "journey_completion",
                j.first.ts,
                journey_source(j),
                outcome=1 if j.completed else 0,
            )
        )

    # handoff abandonment
    handoffs = defaultdict(list)
    connects = defaultdict(list)
    for e in ds.events:
        if e.event_type == "handoff_requested":
            handoffs[e.contact_id].append(e)
        elif e.event_type == "agent_connected":
            connects[e.contact_id].append(e)
    for cid, evs in handoffs.items():
        first = min(evs, key=lambda e: e.key)
        source = event_source(ds, first)
        if cid in ds.contacts:
            source["intent"] = ds.contacts[cid].intent
        connected = any(a.ts >= first.ts for a in connects.get(cid, []))
        records.append(
            make_record(ds, "handoff_abandonment", first.ts, source, outcome=0 if connected else 1)
        )
    return records


def select(records, filters=None, date_from=None, date_to=None):
    filters = filters or {}
    for dim in filters:
        if dim not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}")
    date_from, date_to = to_date(date_from), to_date(date_to)
    out = []
    for r in records:
        d = r["ts"].date()
        if date_from is not None and d < date_from:
            continue
        if date_to is not None and d > date_to:
            continue
        if all(r[dim] in [str(v) for v in values] for dim, values in filters.items()):
            out.append(r)
    return out


# ---------------------------------------------------------------------------
# Statistics (CONTRACT section 4 intervals, section 5 comparisons)
# ---------------------------------------------------------------------------


def wilson(x, n):
    p = x / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denom
    return centre - half, centre + half


def stat_nps(scores):
    n = len(scores)
    P = sum(1 for s in scores if s >= 9)
    D = sum(1 for s in scores if s <= 6)
    value = 100 * (P / n - D / n)
    n2 = n + 3
    p = (P + 0.75) / n2
    d = (D + 0.75) / n2
    half = Z * math.sqrt((p + d - (p - d) ** 2) / n2)
    low = max(-100.0, 100 * ((p - d) - half))
    high = min(100.0, 100 * ((p - d) + half))
    return value, low, high


def stat_rate(outcomes):
    n = len(outcomes)
    x = sum(outcomes)
    low, high = wilson(x, n)
    return 100 * x / n, 100 * low, 100 * high


def stat_ces(scores):
    n = len(scores)
    mean = sum(scores) / n
    if n < 2:
        return mean, None, None
    s = statistics.stdev(scores)
    half = float(student_t.ppf(0.975, n - 1)) * s / math.sqrt(n)
    return mean, mean - half, mean + half


def observations(kpi, recs):
    if kpi in ("nps", "csat", "ces"):
        scores = [r["score"] for r in recs]
        if kpi == "csat":
            return [1 if s >= 4 else 0 for s in scores]
        return scores
    return [r["outcome"] for r in recs]


def kpi_stat(kpi, obs):
    if kpi == "nps":
        return stat_nps(obs)
    if kpi == "ces":
        return stat_ces(obs)
    return stat_rate(obs)


def kpis(ds, kpis=None, by=(), filters=None, date_from=None, date_to=None, as_of=None):
    wanted = list(kpis) if kpis else list(KPI_ORDER)
    for k in wanted:
        if k not in KPI_ORDER:
            raise ValueError(f"unknown kpi {k!r}")
    by = list(by or [])
    for dim in by:
        if dim not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}")
    recs = select(build_records(ds, as_of), filters, date_from, date_to)
    groups = defaultdict(list)
    for r in recs:
        if r["kpi"] in wanted:
            groups[(tuple(r[d] for d in by), r["kpi"])].append(r)
    rows = []
    for gkey, kpi in sorted(groups, key=lambda k: (k[0], KPI_ORDER.index(k[1]))):
        obs = observations(kpi, groups[(gkey, kpi)])
        if not obs:
            continue
        value, low, high = kpi_stat(kpi, obs)
        row = dict(zip(by, gkey, strict=True))
        row.update({"kpi": kpi, "value": value, "n": len(obs), "ci_low": low, "ci_high": high})
        rows.append(row)
    return rows


def normal_p(z):
    return math.erfc(abs(z) / math.sqrt(2))


def nps_parts(scores):
    n = len(scores)
    p = sum(1 for s in scores if s >= 9) / n
    d = sum(1 for s in scores if s <= 6) / n
    return p, d


def side_variance(kpi, obs):
    """Unadjusted variance of the KPI value (in KPI units, squared)."""
    n = len(obs)
    if kpi == "nps":
        p, d = nps_parts(obs)
        return 100**2 * (p + d - (p - d) ** 2) / n
    if kpi == "ces":
        return statistics.variance(obs) / n
    p = sum(obs) / n
    return 100**2 * p * (1 - p) / n


def side_value(kpi, obs):
    if not obs:
        return None
    return kpi_stat(kpi, obs)[0]


def raw_comparison(kpi, rec, anon):
    """(diff, [low, high] or None, p_value) or (None, None, None)."""
    min_n = 2 if kpi == "ces" else 1
    if len(rec) < min_n or len(anon) < min_n:
        return None, None, None
    diff = side_value(kpi, rec) - side_value(kpi, anon)
    if kpi == "nps":
        se = math.sqrt(side_variance(kpi, rec) + side_variance(kpi, anon))
        ci = [diff - Z * se, diff + Z * se]
        p_value = None if se == 0 else normal_p(diff / se)
        return diff, ci, p_value
    if kpi == "ces":
        v1 = statistics.variance(rec) / len(rec)
        v2 = statistics.variance(anon) / len(anon)
        se = math.sqrt(v1 + v2)
        if se == 0:
            return diff, [diff, diff], None
        df = (v1 + v2) ** 2 / (v1**2 / (len(rec) - 1) + v2**2 / (len(anon) - 1))
        half = float(student_t.ppf(0.975, df)) * se
        p_value = 2 * float(student_t.sf(abs(diff) / se, df))
        return diff, [diff - half, diff + half], float(p_value)
    # rates: Newcombe hybrid score interval, pooled two-proportion z test
    x1, n1, x2, n2 = sum(rec), len(rec), sum(anon), len(anon)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1)
    l2, u2 = wilson(x2, n2)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    pool = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
    p_value = None if se == 0 else normal_p((p1 - p2) / se)
    return diff, [100 * low, 100 * high], p_value


def uplift(ds, kpi, filters=None, date_from=None, date_to=None, as_of=None):
    if kpi not in KPI_ORDER:
        raise ValueError(f"unknown kpi {kpi!r}")
    recs = [
        r for r in select(build_records(ds, as_of), filters, date_from, date_to) if r["kpi"] == kpi
    ]
    rec_recs = [r for r in recs if r["identity_state"] == "recognized"]
    anon_recs = [r for r in recs if r["identity_state"] == "anonymous"]
    rec_obs, anon_obs = observations(kpi, rec_recs), observations(kpi, anon_recs)
    diff, ci, p_value = raw_comparison(kpi, rec_obs, anon_obs)

    min_n = 2 if kpi == "ces" else 1
    strata_rec = defaultdict(list)
    strata_anon = defaultdict(list)
    for r in rec_recs:
        strata_rec[(r["intent"], r["channel"])].append(r)
    for r in anon_recs:
        strata_anon[(r["intent"], r["channel"])].append(r)
    used = []
    for s in sorted(strata_rec):
        if s in strata_anon and len(strata_rec[s]) >= min_n and len(strata_anon[s]) >= min_n:
            used.append((observations(kpi, strata_rec[s]), observations(kpi, strata_anon[s])))
    n_rec_used = sum(len(a) for a, _ in used)
    adjusted_diff = adjusted_ci = None
    if used:
        adjusted_diff = 0.0
        var = 0.0
        for a, b in used:
            w = len(a) / n_rec_used
            adjusted_diff += w * (side_value(kpi, a) - side_value(kpi, b))
            var += w * w * (side_variance(kpi, a) + side_variance(kpi, b))
        half = Z * math.sqrt(var)
        adjusted_ci = [adjusted_diff - half, adjusted_diff + half]
    if not rec_obs:
        coverage = None
    else:
        coverage = n_rec_used / len(rec_obs)
    return {
        "kpi": kpi,
        "recognized": {"value": side_value(kpi, rec_obs), "n": len(rec_obs)},
        "anonymous": {"value": side_value(kpi, anon_obs), "n": len(anon_obs)},
        "raw_diff": diff,
        "raw_ci": ci,
        "p_value": p_value,
        "adjusted_diff": adjusted_diff,
        "adjusted_ci": adjusted_ci,
        "strata_used": len(used),
        "coverage": coverage,
    }
