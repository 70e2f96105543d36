"""Golden KPI tests: tiny literal event files, every expected number worked out by hand.

Each fixture below is CSV text written to a temporary file, ingested with
``pipeline.ingest_and_build`` and queried through ``snapshot.open_database_source`` +
``metrics.kpi_table`` / ``uplift.uplift`` (CONTRACT.md sections 2-5). The comments next
to each fixture tabulate its records; the tests restate the arithmetic.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from scipy import stats as sps

from cxmetrics.core.settings import get_settings
from cxmetrics.metrics import engine as metrics
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.uplift import uplift
from cxmetrics.serving.pipeline import ingest_and_build
from cxmetrics.serving.snapshot import open_database_source

Z = 1.96
TOL = 1e-9


def close(a, b, tol=TOL):
    return a is not None and b is not None and math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def wilson(x, n):
    """Wilson score interval in percent, written out from the formula."""
    p = x / n
    den = 1 + Z * Z / n
    c = (p + Z * Z / (2 * n)) / den
    h = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / den
    return 100 * max(0.0, c - h), 100 * min(1.0, c + h)


def nps_ci(P, D, n):
    """Adjusted Wald, written out from the contract."""
    n2 = n + 3
    p, d = (P + 0.75) / n2, (D + 0.75) / n2
    h = Z * math.sqrt((p + d - (p - d) ** 2) / n2)
    return max(-100.0, 100 * (p - d - h)), min(100.0, 100 * (p - d + h))


def build(tmp_path_factory, name, events_csv, customers_csv=None):
    root = tmp_path_factory.mktemp(name)
    ev = root / "events.csv"
    ev.write_text(events_csv)
    cu = None
    if customers_csv is not None:
        cu = root / "customers.csv"
        cu.write_text(customers_csv)
    db_path = root / "cxm.duckdb"
    res = ingest_and_build([ev], cu, db_path)
    assert res.ingest.quarantined == 0, "fixture rows must all be valid"
    return open_database_source(db_path)


@pytest.fixture(scope="module", autouse=True)
def _default_settings():
    """The review-period anchor must be the contract's default (2026-01-05, 14 days)."""
    mp = pytest.MonkeyPatch()
    mp.delenv("CXM_REVIEW_ANCHOR", raising=False)
    mp.delenv("CXM_REVIEW_DAYS", raising=False)
    get_settings.cache_clear()
    yield
    mp.undo()
    get_settings.cache_clear()


def table(src, kpis=None, by=(), **spec):
    return metrics.kpi_table(src, kpis, by, FilterSpec(**spec))


def one(rows, kpi, **group):
    hits = [r for r in rows if r["kpi"] == kpi and all(r.get(k) == v for k, v in group.items())]
    assert len(hits) == 1, f"expected one {kpi} row for {group}, got {hits}"
    return hits[0]


def groups(rows, kpi, dim):
    return {r[dim]: (r["n"], r["value"]) for r in rows if r["kpi"] == kpi}


def assert_rate(row, x, n):
    lo, hi = wilson(x, n)
    assert row["n"] == n
    assert close(row["value"], 100 * x / n), (row, x, n)
    assert close(row["ci_low"], lo) and close(row["ci_high"], hi), (row, lo, hi)


# =============================================================================== FCR
#
# Contacts (customer ids on the contact itself unless noted). Episodes by (person, intent):
#   E1 c1/billing     k1 2026-01-05 10:00:00 voice    repeat k2 at +7d exactly  -> NOT resolved, closes 01-12 10:00:00
#   E2 c1/billing     k3 2026-01-12 10:00:01 chatbot  (+7d +1s after E1's t0: new episode) resolved, closes 01-19 10:00:01
#   E3 c2/billing     k4 2026-01-06 08:00:00 voice    k4 again on 01-07 (same contact_id: not a contact) resolved, closes 01-13 08:00
#   E4 c3/billing     k6 2026-01-06 20:00:00 voice    repeat k10 (anonymous aX, stitched to c3 by a later login) -> NOT resolved, closes 01-13 20:00
#   E5 c4/billing     k7 2026-01-06 01:00:00 voice    resolved, closes 01-13 01:00
#   E6 c1/plan_change k5 2026-01-08 00:00:00 voice    resolved, closes 01-15 00:00
#   E7 c5/other       k8 2026-01-09 11:00:00 store    (k8's other event, same ts, larger event_id f11, earlier in the
#                     file: whatsapp/billing, is ignored) resolved, closes 01-16 11:00
#   k9: no identifier at all -> no person -> not in FCR.
# The latest event (f08) is the default as_of: 2026-01-19 10:00:01 (variant "early": 10:00:00).

FCR_EVENTS = """\
event_id,ts,event_type,channel,anonymous_id,customer_id,contact_id,intent
f01,2026-01-05T10:00:00Z,contact,voice,,c1,k1,billing
f02,2026-01-12T10:00:00Z,contact,voice,,c1,k2,billing
f03,2026-01-12T10:00:01Z,contact,chatbot,,c1,k3,billing
f04,2026-01-06T08:00:00Z,contact,voice,,c2,k4,billing
f05,2026-01-06T20:00:00Z,contact,voice,,c3,k6,billing
f06,2026-01-06T01:00:00Z,contact,voice,,c4,k7,billing
f07,2026-01-08T00:00:00Z,contact,voice,,c1,k5,plan_change
f08,{LAST},page_view,web,a9,,,
f09,2026-01-07T09:00:00Z,contact,voice,,c2,k4,billing
f11,2026-01-09T11:00:00Z,contact,whatsapp,,c5,k8,billing
f10,2026-01-09T11:00:00Z,contact,store,,c5,k8,other
f12,2026-01-10T00:00:00Z,contact,voice,,,k9,billing
f13,2026-01-10T00:00:00Z,contact,app,aX,,k10,billing
f14,2026-01-15T00:00:00Z,login,web,aX,c3,,
"""


@pytest.fixture(scope="module")
def fcr_src(tmp_path_factory):
    src = build(tmp_path_factory, "fcr", FCR_EVENTS.replace("{LAST}", "2026-01-19T10:00:01Z"))
    yield src
    src.con.close()


@pytest.fixture(scope="module")
def fcr_src_early(tmp_path_factory):
    src = build(tmp_path_factory, "fcr_early", FCR_EVENTS.replace("{LAST}", "2026-01-19T10:00:00Z"))
    yield src
    src.con.close()


def fcr_row(src, **spec):
    rows = table(src, ["fcr"], **spec)
    return rows[0] if rows else None


def test_fcr_default_as_of_window_closes_exactly_at_latest_event(fcr_src):
    # as_of = 01-19 10:00:01 = E2's close: all 7 eligible; resolved E2, E3, E5, E6, E7 = 5.
    assert fcr_src.max_ts == datetime(2026, 1, 19, 10, 0, 1)
    assert_rate(fcr_row(fcr_src), 5, 7)


def test_fcr_default_as_of_one_second_short(fcr_src_early):
    # Latest event 01-19 10:00:00 -> E2 (closes 10:00:01) not eligible: n = 6, resolved 4.
    assert_rate(fcr_row(fcr_src_early), 4, 6)


@pytest.mark.parametrize(
    "as_of, n, resolved",
    [
        (datetime(2026, 1, 19, 10, 0, 1), 7, 5),  # E2 closes exactly at as_of: counts
        (datetime(2026, 1, 19, 10, 0, 0), 6, 4),  # one second earlier: E2 out
        (datetime(2026, 1, 13, 20, 0, 0), 4, 2),  # E1, E3, E4, E5 (E4 exactly): resolved E3, E5
        (datetime(2026, 1, 13, 8, 0, 0), 3, 2),  # mid-day: E1, E3 (exactly), E5
        (datetime(2026, 1, 13, 7, 59, 59), 2, 1),  # E1, E5
        (datetime(2026, 1, 13, 0, 0, 0), 1, 0),  # midnight: only E1 (E5 closes 01:00)
        (datetime(2026, 1, 12, 10, 0, 0), 1, 0),  # E1 exactly
        (datetime(2026, 1, 12, 9, 59, 59), 0, 0),  # nothing eligible: no row
        (datetime(2026, 3, 1), 7, 5),  # long after: everything
    ],
)
def test_fcr_explicit_as_of(fcr_src, as_of, n, resolved):
    row = fcr_row(fcr_src, as_of=as_of)
    if n == 0:
        assert row is None
    else:
        assert_rate(row, resolved, n)
    # the cube + boundary-day path equals the plain record path
    cube = metrics.kpi_stats(fcr_src, ["fcr"], (), FilterSpec(as_of=as_of))
    recs = metrics.kpi_stats(fcr_src, ["fcr"], (), FilterSpec(as_of=as_of), from_records=True)
    assert [(g.n, g.s1) for g in cube] == [(g.n, g.s1) for g in recs]


def test_fcr_groups(fcr_src):
    rows = table(fcr_src, ["fcr"], ["channel"])
    # chatbot: E2 (1/1); store: E7 (1/1) - k8's first event; voice: E1 x, E3, E4 x, E5, E6 -> 3/5
    assert groups(rows, "fcr", "channel") == {"chatbot": (1, 100.0), "store": (1, 100.0), "voice": (5, 60.0)}
    assert_rate(one(rows, "fcr", channel="voice"), 3, 5)
    rows = table(fcr_src, ["fcr"], ["intent"])
    # billing: E1 x, E2, E3, E4 x, E5 -> 3/5; other: E7; plan_change: E6. (no 'billing' for c5)
    assert groups(rows, "fcr", "intent") == {"billing": (5, 60.0), "other": (1, 100.0), "plan_change": (1, 100.0)}
    rows = table(fcr_src, ["fcr"], ["day"])
    # by the first contact's day
    assert groups(rows, "fcr", "day") == {
        "2026-01-05": (1, 0.0),  # E1
        "2026-01-06": (3, 200 / 3),  # E3, E4 x, E5
        "2026-01-08": (1, 100.0),  # E6
        "2026-01-09": (1, 100.0),  # E7
        "2026-01-12": (1, 100.0),  # E2
    }


def test_fcr_from_to_inclusive(fcr_src):
    # 01-06 .. 01-08: E3, E4 x, E5 (01-06) and E6 (01-08) -> 3/4
    assert_rate(fcr_row(fcr_src, date_from=date(2026, 1, 6), date_to=date(2026, 1, 8)), 3, 4)
    # 01-12 only: E2 (first contact at 10:00:01; k2 at 10:00:00 is a repeat, not a record)
    assert_rate(fcr_row(fcr_src, date_from=date(2026, 1, 12), date_to=date(2026, 1, 12)), 1, 1)


def test_fcr_mid_day_as_of_with_day_grouping_and_filters(fcr_src):
    # as_of 01-13 08:00 -> boundary day 01-06: E3 (08:00, exactly) and E5 in, E4 (20:00) out.
    as_of = datetime(2026, 1, 13, 8, 0, 0)
    rows = table(fcr_src, ["fcr"], ["day"], as_of=as_of)
    assert groups(rows, "fcr", "day") == {"2026-01-05": (1, 0.0), "2026-01-06": (2, 100.0)}
    for by in (["day"], ["channel"], ["intent", "day"]):
        for dims in ({}, {"channel": ("voice",)}, {"intent": ("billing", "other")}):
            spec = FilterSpec(as_of=as_of, dims=dims)
            cube = metrics.kpi_stats(fcr_src, ["fcr"], by, spec)
            recs = metrics.kpi_stats(fcr_src, ["fcr"], by, spec, from_records=True)
            assert [(g.group, g.n, g.s1) for g in cube] == [(g.group, g.n, g.s1) for g in recs]


def test_fcr_as_of_does_not_filter_other_records(fcr_src):
    # as_of affects FCR eligibility only; there are no other KPI records here, so the
    # whole table is just FCR.
    assert [r["kpi"] for r in table(fcr_src)] == ["fcr"]


# =============================================================================== handoffs and journeys
#
# Handoff records (one per contact_id with a handoff_requested; time = first handoff):
#   kA chatbot, intent billing (from the contact, not the handoff's 'other'), agent 10:04 BEFORE handoff 10:05 -> abandoned, anonymous
#   kB ivr,     intent unknown, agent at the SAME ts as the handoff -> connected, recognized
#   kC ivr (first handoff 12:00, a second one 12:10 on voice), agent 12:05 -> connected, recognized
#   kD voice,   intent unknown, no agent (an agent for kOther does not count) -> abandoned, recognized
#   kE: a contact without handoff -> no record.
# Journeys:
#   J1: j1a (app) and j1b (web) at the same ts -> starts at j1a (smaller event_id): channel app;
#       intent = first non-empty = j1b's device_upgrade; journey_type plan_change; goal -> completed; anonymous
#       (aJ is linked to cJ1 only later, at 09:30: a later link does not count)
#   J2: web, journey_type billing, no intent -> intent billing; not completed; recognized:
#       aK is linked to cK by another event (j2z) at the SAME ts as J2's first event
#   J3: web, customer cJ, no journey_type -> unknown; completed; recognized

HANDOFF_EVENTS = """\
event_id,ts,event_type,channel,anonymous_id,customer_id,contact_id,intent,journey_id,journey_type
h01,2026-02-02T10:00:00Z,contact,chatbot,aA,,kA,billing,,
h02,2026-02-02T10:05:00Z,handoff_requested,chatbot,aA,,kA,other,,
h03,2026-02-02T10:04:00Z,agent_connected,voice,,,kA,,,
h04,2026-02-02T11:00:00Z,handoff_requested,ivr,,cB,kB,,,
h05,2026-02-02T11:00:00Z,agent_connected,voice,,,kB,,,
h06,2026-02-02T12:10:00Z,handoff_requested,voice,,cC,kC,,,
h07,2026-02-02T12:00:00Z,handoff_requested,ivr,,cC,kC,,,
h08,2026-02-02T12:05:00Z,agent_connected,voice,,,kC,,,
h09,2026-02-03T09:00:00Z,handoff_requested,voice,,cD,kD,,,
h10,2026-02-03T09:30:00Z,agent_connected,voice,,,kOther,,,
h11,2026-02-03T10:00:00Z,contact,ivr,,cE,kE,billing,,
j1b,2026-02-04T09:00:00Z,page_view,web,aJ,,,device_upgrade,J1,plan_change
j1a,2026-02-04T09:00:00Z,page_view,app,aJ,,,,J1,
j1c,2026-02-04T09:10:00Z,journey_goal,web,aJ,,,,J1,
j1z,2026-02-04T09:30:00Z,identify,web,aJ,cJ1,,,,
j2a,2026-02-04T10:00:00Z,page_view,web,aK,,,,J2,billing
j2z,2026-02-04T10:00:00Z,identify,web,aK,cK,,,,
j3a,2026-02-04T11:00:00Z,page_view,web,,cJ,,,J3,
j3b,2026-02-04T11:05:00Z,journey_goal,web,,cJ,,,J3,
"""


@pytest.fixture(scope="module")
def handoff_src(tmp_path_factory):
    src = build(tmp_path_factory, "handoff", HANDOFF_EVENTS)
    yield src
    src.con.close()


def test_handoff_abandonment(handoff_src):
    rows = table(handoff_src, ["handoff_abandonment"])
    assert_rate(one(rows, "handoff_abandonment"), 2, 4)  # kA, kD abandoned of kA..kD
    rows = table(handoff_src, ["handoff_abandonment"], ["channel"])
    # channel of the FIRST handoff: kC is ivr (its 12:10 handoff is voice)
    assert groups(rows, "handoff_abandonment", "channel") == {
        "chatbot": (1, 100.0),  # kA
        "ivr": (2, 0.0),  # kB (same ts), kC (agent after the first handoff)
        "voice": (1, 100.0),  # kD
    }
    rows = table(handoff_src, ["handoff_abandonment"], ["intent"])
    assert groups(rows, "handoff_abandonment", "intent") == {"billing": (1, 100.0), "unknown": (3, 100 / 3)}
    rows = table(handoff_src, ["handoff_abandonment"], ["identity_state"])
    assert groups(rows, "handoff_abandonment", "identity_state") == {
        "anonymous": (1, 100.0),  # kA (aA never linked)
        "recognized": (3, 100 / 3),  # kB, kC, kD
    }
    rows = table(handoff_src, ["handoff_abandonment"], ["day"])
    assert groups(rows, "handoff_abandonment", "day") == {"2026-02-02": (3, 100 / 3), "2026-02-03": (1, 100.0)}


def test_journey_completion(handoff_src):
    rows = table(handoff_src, ["journey_completion"])
    assert_rate(one(rows, "journey_completion"), 2, 3)
    rows = table(handoff_src, ["journey_completion"], ["channel"])
    assert groups(rows, "journey_completion", "channel") == {"app": (1, 100.0), "web": (2, 50.0)}
    rows = table(handoff_src, ["journey_completion"], ["intent"])
    assert groups(rows, "journey_completion", "intent") == {
        "billing": (1, 0.0),  # J2: journey_type fallback
        "device_upgrade": (1, 100.0),  # J1
        "unknown": (1, 100.0),  # J3
    }
    rows = table(handoff_src, ["journey_completion"], ["journey_type"])
    assert groups(rows, "journey_completion", "journey_type") == {
        "billing": (1, 0.0),
        "plan_change": (1, 100.0),
        "unknown": (1, 100.0),
    }
    rows = table(handoff_src, ["journey_completion"], ["identity_state"])
    assert groups(rows, "journey_completion", "identity_state") == {"anonymous": (1, 100.0), "recognized": (2, 50.0)}


def test_fcr_of_anonymous_persons(handoff_src):
    # kA's person is anon:a:aA (billing, 02-02 10:00, closes 02-09 10:00); kE is cE
    # (billing, 02-03 10:00, closes 02-10 10:00). Both resolved.
    assert table(handoff_src, ["fcr"]) == []  # default as_of 02-04 11:05: windows still open
    rows = table(handoff_src, ["fcr"], ["identity_state"], as_of=datetime(2026, 2, 10, 10, 0, 0))
    assert groups(rows, "fcr", "identity_state") == {"anonymous": (1, 100.0), "recognized": (1, 100.0)}
    rows = table(handoff_src, ["fcr"], ["channel"], as_of=datetime(2026, 2, 10, 9, 59, 59))
    assert groups(rows, "fcr", "channel") == {"chatbot": (1, 100.0)}


def test_rows_sorted_by_group_then_kpi_order(handoff_src):
    rows = table(handoff_src, None, ["channel"], as_of=datetime(2026, 3, 1))
    # app: journey J1; chatbot: fcr kA, handoff kA; ivr: fcr kE, handoff kB, kC;
    # voice: handoff kD; web: journeys J2, J3
    assert [(r["channel"], r["kpi"]) for r in rows] == [
        ("app", "journey_completion"),
        ("chatbot", "fcr"),
        ("chatbot", "handoff_abandonment"),
        ("ivr", "fcr"),
        ("ivr", "handoff_abandonment"),
        ("voice", "handoff_abandonment"),
        ("web", "journey_completion"),
    ]
    assert set(rows[0]) == {"channel", "kpi", "value", "n", "ci_low", "ci_high"}


# =============================================================================== surveys, cohorts, filters
#
# customers: cS business/high/north/p1, cS2 consumer/low/south/p2. (cNo is not in the file.)
# Identity: aS+nS are one component (j2); aS is linked to cS2 at 01-11 09:30 (l1) -> owner cS2.
#           aSh is linked to cS AND cS2 -> shared component, no owner. aZ never linked.
# Journey jS starts at j1 (aS at 09:00, before the link): anonymous, person cS2, web, plan_change.
#
# rec  source         channel  intent       identity    segment  score ok(>=4) UTC day
# s01  contact kS1    voice    billing      recognized  business 5     y       01-10
# s02  journey jS     web      plan_change  anonymous   consumer 2     n       01-11
# s03  self (no ids)  app      unknown      anonymous   unknown  4     y       01-12 (23:59:59)
# s04  journey jS (contact kMissing does not exist)  web  plan_change  anonymous  consumer  4  y  01-11
# s05  self (aZ; contact kMissing, no journey)  whatsapp  unknown  anonymous  unknown  5  y  01-11 (00:00:00)
# s06  contact kS1 (wins over its journey_id jS)  voice  billing  recognized  business  3  n  01-11
# s07  self aS (linked before)   app  unknown  recognized  consumer  4  y  01-12
# s08  self nS (never linked itself; stitched to cS2)  app  unknown  anonymous  consumer  1  n  01-12 (00:30+01:00 = 01-12 23:30 UTC)
# s09  self aSh (linked; shared -> no owner)  app  unknown  recognized  unknown  5  y  01-13
# s10  self cNo (customer not in the file)    store  unknown  recognized  unknown  4  y  01-13
# Totals: n = 10, 7 satisfied.

SURVEY_EVENTS = """\
event_id,ts,event_type,channel,anonymous_id,network_id,customer_id,journey_id,journey_type,intent,contact_id,survey_type,score
c1,2026-01-10T09:00:00Z,contact,voice,,,cS,,,billing,kS1,,
j1,2026-01-11T09:00:00Z,page_view,web,aS,,,jS,plan_change,,,,
j2,2026-01-11T09:05:00Z,page_view,web,aS,nS,,jS,,,,,
l1,2026-01-11T09:30:00Z,login,web,aS,,cS2,,,,,,
l2,2026-01-11T10:00:00Z,login,app,aSh,,cS,,,,,,
l3,2026-01-11T10:01:00Z,login,app,aSh,,cS2,,,,,,
s01,2026-01-10T12:00:00Z,survey_response,email,,,,,,,kS1,csat,5
s02,2026-01-11T10:00:00Z,survey_response,email,,,,jS,,,,csat,2
s03,2026-01-12T23:59:59Z,survey_response,app,,,,,,,,csat,4
s04,2026-01-11T11:00:00Z,survey_response,email,,,,jS,,,kMissing,csat,4
s05,2026-01-11T00:00:00Z,survey_response,whatsapp,aZ,,,,,,kMissing,csat,5
s06,2026-01-11T12:00:00Z,survey_response,email,,,,jS,,,kS1,csat,3
s07,2026-01-12T10:00:00Z,survey_response,app,aS,,,,,,,csat,4
s08,2026-01-13T00:30:00+01:00,survey_response,app,,nS,,,,,,csat,1
s09,2026-01-13T08:00:00Z,survey_response,app,aSh,,,,,,,csat,5
s10,2026-01-13T09:00:00Z,survey_response,store,,,cNo,,,,,csat,4
"""

CUSTOMERS = """\
customer_id,segment,value_tier,region,plan,consent_analytics
cS,business,high,north,p1,true
cS2,consumer,low,south,p2,false
"""  # cS2 withheld consent: still counted in every aggregate (CONTRACT.md 1.2)


@pytest.fixture(scope="module")
def survey_src(tmp_path_factory):
    src = build(tmp_path_factory, "survey", SURVEY_EVENTS, CUSTOMERS)
    yield src
    src.con.close()


def test_survey_total_and_left_out_kpis(survey_src):
    rows = table(survey_src)
    # nps, ces: no responses; fcr: c1's window (01-10 09:00 + 7 d) is still open at the
    # latest event (01-13 09:00); handoff: none. Only csat and journey_completion (jS) remain.
    assert [r["kpi"] for r in rows] == ["csat", "journey_completion"]
    assert_rate(one(rows, "csat"), 7, 10)
    assert_rate(one(rows, "journey_completion"), 0, 1)


def test_survey_rated_channel(survey_src):
    rows = table(survey_src, ["csat"], ["channel"])
    assert groups(rows, "csat", "channel") == {
        "app": (4, 75.0),  # s03 y, s07 y, s08 n, s09 y
        "store": (1, 100.0),  # s10
        "voice": (2, 50.0),  # s01 y, s06 n  (via contact kS1)
        "web": (2, 50.0),  # s02 n, s04 y  (via journey jS)
        "whatsapp": (1, 100.0),  # s05 (self)
    }
    assert [r["channel"] for r in rows] == sorted(r["channel"] for r in rows)
    assert_rate(one(rows, "csat", channel="app"), 3, 4)


def test_survey_identity_state(survey_src):
    rows = table(survey_src, ["csat"], ["identity_state"])
    assert groups(rows, "csat", "identity_state") == {
        "anonymous": (5, 60.0),  # s02 n, s03 y, s04 y, s05 y, s08 n
        "recognized": (5, 80.0),  # s01 y, s06 n, s07 y, s09 y, s10 y
    }


def test_survey_cohorts_through_stitched_persons(survey_src):
    rows = table(survey_src, ["csat"], ["segment"])
    assert groups(rows, "csat", "segment") == {
        "business": (2, 50.0),  # s01 y, s06 n (cS via contact)
        "consumer": (4, 50.0),  # s02 n, s04 y (jS's person), s07 y (aS), s08 n (nS stitched)
        "unknown": (4, 100.0),  # s03 (no person), s05 (anon), s09 (shared), s10 (cNo not in file)
    }
    for dim, (hi, lo) in {"value_tier": ("high", "low"), "region": ("north", "south"), "plan": ("p1", "p2")}.items():
        rows = table(survey_src, ["csat"], [dim])
        assert groups(rows, "csat", dim) == {hi: (2, 50.0), lo: (4, 50.0), "unknown": (4, 100.0)}
    rows = table(survey_src, ["journey_completion"], ["segment"])
    assert groups(rows, "journey_completion", "segment") == {"consumer": (1, 0.0)}


def test_survey_intent_and_journey_type(survey_src):
    rows = table(survey_src, ["csat"], ["intent"])
    assert groups(rows, "csat", "intent") == {
        "billing": (2, 50.0),  # s01, s06 (contact)
        "plan_change": (2, 50.0),  # s02, s04 (journey: no intent -> its journey_type)
        "unknown": (6, 500 / 6),  # s03 y, s05 y, s07 y, s08 n, s09 y, s10 y
    }
    rows = table(survey_src, ["csat"], ["journey_type"])
    assert groups(rows, "csat", "journey_type") == {"plan_change": (2, 50.0), "unknown": (8, 75.0)}


def test_survey_days_are_utc(survey_src):
    rows = table(survey_src, ["csat"], ["day"])
    assert groups(rows, "csat", "day") == {
        "2026-01-10": (1, 100.0),  # s01
        "2026-01-11": (4, 50.0),  # s02 n, s04 y, s05 y, s06 n
        "2026-01-12": (3, 200 / 3),  # s03 y, s07 y, s08 n (00:30+01:00 is 01-12 23:30 UTC)
        "2026-01-13": (2, 100.0),  # s09, s10
    }


def test_filters_or_within_and_across(survey_src):
    # channel in (app, web) AND segment = consumer: s07 y, s08 n, s02 n, s04 y -> 2/4
    row = one(table(survey_src, ["csat"], dims={"channel": ["app", "web"], "segment": ["consumer"]}), "csat")
    assert_rate(row, 2, 4)
    # channel in (app, voice) AND identity_state = recognized: s07 y, s09 y, s01 y, s06 n -> 3/4
    row = one(
        table(survey_src, ["csat"], dims={"channel": ["app", "voice"], "identity_state": ["recognized"]}), "csat"
    )
    assert_rate(row, 3, 4)
    # segment in (business, unknown): s01 y, s06 n, s03 y, s05 y, s09 y, s10 y -> 5/6
    assert_rate(one(table(survey_src, ["csat"], dims={"segment": ["business", "unknown"]}), "csat"), 5, 6)
    # the unknown group can be filtered on
    assert_rate(one(table(survey_src, ["csat"], dims={"intent": ["unknown"]}), "csat"), 5, 6)
    # an open-vocabulary value that matches nothing: no rows
    assert table(survey_src, dims={"intent": ["no_such_intent"]}) == []
    # filter + group: channel = app by segment: consumer s07 y, s08 n; unknown s03, s09
    rows = table(survey_src, ["csat"], ["segment"], dims={"channel": ["app"]})
    assert groups(rows, "csat", "segment") == {"consumer": (2, 50.0), "unknown": (2, 100.0)}


def test_from_to_inclusive(survey_src):
    # 01-11 .. 01-12: s05 (01-11 00:00:00) .. s03 (01-12 23:59:59), s08 (01-12 23:30 UTC)
    # s02 n, s04 y, s05 y, s06 n, s03 y, s07 y, s08 n -> 4/7
    rows = table(survey_src, ["csat"], date_from=date(2026, 1, 11), date_to=date(2026, 1, 12))
    assert_rate(one(rows, "csat"), 4, 7)
    assert_rate(one(table(survey_src, ["csat"], date_from=date(2026, 1, 13), date_to=date(2026, 1, 13)), "csat"), 2, 2)
    assert_rate(one(table(survey_src, ["csat"], date_to=date(2026, 1, 10)), "csat"), 1, 1)
    assert_rate(one(table(survey_src, ["csat"], date_from=date(2026, 1, 12)), "csat"), 4, 5)
    assert table(survey_src, ["csat"], date_from=date(2026, 1, 14)) == []


def test_as_of_does_not_filter_survey_records(survey_src):
    rows = table(survey_src, ["csat"], as_of=datetime(2026, 1, 10, 0, 0, 0))
    assert_rate(one(rows, "csat"), 7, 10)
    # and a late as_of makes c1's FCR episode eligible (01-10 09:00 + 7 d = 01-17 09:00)
    rows = table(survey_src, ["fcr"], as_of=datetime(2026, 1, 17, 9, 0, 0))
    assert_rate(one(rows, "fcr"), 1, 1)
    assert table(survey_src, ["fcr"], as_of=datetime(2026, 1, 17, 8, 59, 59)) == []


# =============================================================================== time buckets
#
# NPS responses (P = promoter 9-10, D = detractor 0-6, - = passive 7-8):
# id  ts (UTC)              score  ISO week   month    period (anchor Mon 2026-01-05, 14 d)
# t1  2025-12-21 12:00      10 P   2025-W51   2025-12  -15 d -> floor(-15/14) = -2 -> 2025-12-08
# t2  2025-12-29 12:00       0 D   2026-W01   2025-12   -7 d -> -1 -> 2025-12-22
# t3  2026-01-04 23:59:59    9 P   2026-W01   2026-01   -1 d -> -1 -> 2025-12-22
# t4  2026-01-05 00:00       7 -   2026-W02   2026-01    0 -> 2026-01-05
# t5  2026-01-18 23:59:59    6 D   2026-W03   2026-01   13 -> 2026-01-05
# t6  2026-01-19 00:00      10 P   2026-W04   2026-01   14 -> 2026-01-19
# t7  2026-02-01 10:00       3 D   2026-W05   2026-02   27 -> 2026-01-19
# t8  2026-02-02 10:00       9 P   2026-W06   2026-02   28 -> 2026-02-02
# CES: u1 2026-01-06 7, u2 2026-01-07 5, u3 2026-01-07 6 (period 2026-01-05), u4 2026-02-03 4.

TIME_EVENTS = """\
event_id,ts,event_type,channel,customer_id,survey_type,score
t1,2025-12-21T12:00:00Z,survey_response,web,x1,nps,10
t2,2025-12-29T12:00:00Z,survey_response,web,x2,nps,0
t3,2026-01-04T23:59:59Z,survey_response,web,x3,nps,9
t4,2026-01-05T00:00:00Z,survey_response,web,x4,nps,7
t5,2026-01-18T23:59:59Z,survey_response,web,x5,nps,6
t6,2026-01-19T00:00:00Z,survey_response,web,x6,nps,10
t7,2026-02-01T10:00:00Z,survey_response,web,x7,nps,3
t8,2026-02-02T10:00:00Z,survey_response,web,x8,nps,9
u1,2026-01-06T10:00:00Z,survey_response,app,x1,ces,7
u2,2026-01-07T10:00:00Z,survey_response,app,x2,ces,5
u3,2026-01-07T11:00:00Z,survey_response,app,x3,ces,6
u4,2026-02-03T10:00:00Z,survey_response,app,x4,ces,4
"""


@pytest.fixture(scope="module")
def time_src(tmp_path_factory):
    src = build(tmp_path_factory, "time", TIME_EVENTS)
    yield src
    src.con.close()


def test_default_anchor(time_src):
    assert time_src.anchor == date(2026, 1, 5) and time_src.period_days == 14


def test_nps_total(time_src):
    row = one(table(time_src, ["nps"]), "nps")
    # P = 4 (t1, t3, t6, t8), D = 3 (t2, t5, t7), n = 8 -> 100·(4 − 3)/8 = 12.5
    assert row["n"] == 8 and close(row["value"], 12.5)
    lo, hi = nps_ci(4, 3, 8)
    assert close(row["ci_low"], lo) and close(row["ci_high"], hi)


def test_group_by_period(time_src):
    rows = table(time_src, ["nps"], ["period"])
    assert groups(rows, "nps", "period") == {
        "2025-12-08": (1, 100.0),  # t1
        "2025-12-22": (2, 0.0),  # t2 D, t3 P
        "2026-01-05": (2, -50.0),  # t4 -, t5 D
        "2026-01-19": (2, 0.0),  # t6 P, t7 D
        "2026-02-02": (1, 100.0),  # t8
    }
    lo, hi = nps_ci(0, 1, 2)  # period 2026-01-05: P 0, D 1, n 2
    r = one(rows, "nps", period="2026-01-05")
    assert close(r["ci_low"], lo) and close(r["ci_high"], hi)


def test_group_by_week(time_src):
    rows = table(time_src, ["nps"], ["week"])
    assert groups(rows, "nps", "week") == {
        "2025-W51": (1, 100.0),
        "2026-W01": (2, 0.0),  # 2025-12-29 belongs to ISO year 2026
        "2026-W02": (1, 0.0),
        "2026-W03": (1, -100.0),
        "2026-W04": (1, 100.0),
        "2026-W05": (1, -100.0),
        "2026-W06": (1, 100.0),
    }


def test_group_by_month_and_day(time_src):
    rows = table(time_src, ["nps"], ["month"])
    # 2025-12: t1 P, t2 D; 2026-01: t3 P, t4 -, t5 D, t6 P -> 100·(2 − 1)/4; 2026-02: t7 D, t8 P
    assert groups(rows, "nps", "month") == {"2025-12": (2, 0.0), "2026-01": (4, 25.0), "2026-02": (2, 0.0)}
    lo, hi = nps_ci(2, 1, 4)
    r = one(rows, "nps", month="2026-01")
    assert close(r["ci_low"], lo) and close(r["ci_high"], hi)
    rows = table(time_src, ["nps"], ["day"])
    assert set(groups(rows, "nps", "day")) == {
        "2025-12-21", "2025-12-29", "2026-01-04", "2026-01-05", "2026-01-18", "2026-01-19", "2026-02-01", "2026-02-02"
    }


def test_ces_golden(time_src):
    rows = table(time_src, ["ces"], ["period"])
    # period 2026-01-05: 7, 5, 6 -> mean 6, s² = ((1 + 1 + 0)/2) = 1, half = t(.975, 2)·√(1/3)
    r = one(rows, "ces", period="2026-01-05")
    half = sps.t.ppf(0.975, 2) * math.sqrt(1 / 3)
    assert r["n"] == 3 and close(r["value"], 6.0)
    assert close(r["ci_low"], 6 - half) and close(r["ci_high"], 6 + half)
    # period 2026-02-02: only u4 -> n = 1: value 4, interval null
    r = one(rows, "ces", period="2026-02-02")
    assert (r["n"], r["value"], r["ci_low"], r["ci_high"]) == (1, 4.0, None, None)
    # all four: 7, 5, 6, 4: mean 5.5, s² = (2.25 + 0.25 + 0.25 + 2.25)/3 = 5/3
    r = one(table(time_src, ["ces"]), "ces")
    half = sps.t.ppf(0.975, 3) * math.sqrt(5 / 3 / 4)
    assert r["n"] == 4 and close(r["value"], 5.5)
    assert close(r["ci_low"], 5.5 - half) and close(r["ci_high"], 5.5 + half)


def test_filter_on_time_buckets(time_src):
    # a time bucket is a dimension like any other: filter on it (OR within, AND across)
    r = one(table(time_src, ["nps"], dims={"period": ["2026-01-05"]}), "nps")
    assert (r["n"], r["value"]) == (2, -50.0)  # t4, t5
    r = one(table(time_src, ["nps"], dims={"week": ["2026-W01", "2026-W06"]}), "nps")
    assert (r["n"], r["value"]) == (3, 100 / 3)  # t2 D, t3 P, t8 P
    r = one(table(time_src, ["nps"], dims={"month": ["2026-01"], "period": ["2025-12-22"]}), "nps")
    assert (r["n"], r["value"]) == (1, 100.0)  # t3 only (t2 is in 2025-12)


def test_period_anchor_is_a_setting(time_src):
    # Moving the anchor by one week moves every label (periods before it are labelled alike).
    saved = time_src.anchor
    try:
        time_src.anchor = date(2026, 1, 12)
        rows = table(time_src, ["nps"], ["period"])
        # t1 12-21 (-22 d -> -2 -> 12-15), t2 12-29 and t3 01-04 (-14, -8 -> -1 -> 12-29),
        # t4 01-05 (-7 -> 12-29), t5 01-18 (6 -> 01-12), t6 01-19 (7 -> 01-12),
        # t7 02-01 (20 -> 01-26), t8 02-02 (21 -> 01-26)
        assert groups(rows, "nps", "period") == {
            "2025-12-15": (1, 100.0),
            "2025-12-29": (3, 0.0),  # D, P, -
            "2026-01-12": (2, 0.0),  # D, P
            "2026-01-26": (2, 0.0),  # D, P
        }
    finally:
        time_src.anchor = saved


# =============================================================================== uplift
#
# Self-rated CSAT responses (recognized = carries customer_id; anonymous = unlinked cookie):
# stratum (intent, channel)   recognized (scores -> ok/n)   anonymous
# A (billing, voice)          5 4 4 2 -> 3/4                5 1 -> 1/2
# B (plan_change, web)        5 4     -> 2/2                4 3 2 1 -> 1/4
# C (other, app)              5 1     -> 1/2                -           (not used)
# D (billing, web)            -                              2 -> 0/1   (not used)
# totals: recognized 6/8 = 75 %, anonymous 2/7 = 28.571 %
# CES: A rec 6, 7 / anon 3 (n < 2: not used); B rec 5, 7 / anon 3, 4.

UPLIFT_EVENTS = """\
event_id,ts,event_type,channel,anonymous_id,customer_id,intent,survey_type,score
r01,2026-03-02T10:00:00Z,survey_response,voice,,u1,billing,csat,5
r02,2026-03-02T10:01:00Z,survey_response,voice,,u2,billing,csat,4
r03,2026-03-02T10:02:00Z,survey_response,voice,,u3,billing,csat,4
r04,2026-03-02T10:03:00Z,survey_response,voice,,u4,billing,csat,2
r05,2026-03-02T10:04:00Z,survey_response,web,,u5,plan_change,csat,5
r06,2026-03-02T10:05:00Z,survey_response,web,,u6,plan_change,csat,4
r07,2026-03-02T10:06:00Z,survey_response,app,,u7,other,csat,5
r08,2026-03-02T10:07:00Z,survey_response,app,,u8,other,csat,1
a01,2026-03-02T11:00:00Z,survey_response,voice,z1,,billing,csat,5
a02,2026-03-02T11:01:00Z,survey_response,voice,z2,,billing,csat,1
a03,2026-03-02T11:02:00Z,survey_response,web,z3,,plan_change,csat,4
a04,2026-03-02T11:03:00Z,survey_response,web,z4,,plan_change,csat,3
a05,2026-03-02T11:04:00Z,survey_response,web,,,plan_change,csat,2
a06,2026-03-02T11:05:00Z,survey_response,web,,,plan_change,csat,1
a07,2026-03-02T11:06:00Z,survey_response,web,z7,,billing,csat,2
q01,2026-03-03T10:00:00Z,survey_response,voice,,u1,billing,ces,6
q02,2026-03-03T10:01:00Z,survey_response,voice,,u2,billing,ces,7
q03,2026-03-03T10:02:00Z,survey_response,web,,u5,plan_change,ces,5
q04,2026-03-03T10:03:00Z,survey_response,web,,u6,plan_change,ces,7
q05,2026-03-03T11:00:00Z,survey_response,voice,z1,,billing,ces,3
q06,2026-03-03T11:01:00Z,survey_response,web,z3,,plan_change,ces,3
q07,2026-03-03T11:02:00Z,survey_response,web,z4,,plan_change,ces,4
"""


@pytest.fixture(scope="module")
def uplift_src(tmp_path_factory):
    src = build(tmp_path_factory, "uplift", UPLIFT_EVENTS)
    yield src
    src.con.close()


def test_uplift_rate_stratified(uplift_src):
    u = uplift(uplift_src, "csat", FilterSpec())
    assert u.recognized == {"value": 75.0, "n": 8}
    assert u.anonymous["n"] == 7 and close(u.anonymous["value"], 200 / 7)
    # raw: 75 − 28.5714 = 46.4286; Newcombe from Wilson(6, 8) and Wilson(2, 7)
    p1, p2 = 6 / 8, 2 / 7
    l1, u1 = (v / 100 for v in wilson(6, 8))
    l2, u2 = (v / 100 for v in wilson(2, 7))
    assert close(u.raw_diff, 100 * (p1 - p2))
    assert close(u.raw_ci[0], 100 * (p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)))
    assert close(u.raw_ci[1], 100 * (p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)))
    # pooled z: pooled = 8/15, se = √(8/15 · 7/15 · (1/8 + 1/7))
    se = math.sqrt(8 / 15 * 7 / 15 * (1 / 8 + 1 / 7))
    assert close(u.p_value, 2 * sps.norm.sf((p1 - p2) / se))
    # strata used: A, B (n_rec 4 + 2 = 6 of 8 -> coverage 0.75)
    # diff_A = 75 − 50 = 25, diff_B = 100 − 25 = 75; w_A = 4/6, w_B = 2/6
    # adjusted = (4·25 + 2·75)/6 = 250/6 = 41.6667
    # V_rec,A = 1e4·.75·.25/4 = 468.75; V_anon,A = 1e4·.5·.5/2 = 1250
    # V_rec,B = 0;                      V_anon,B = 1e4·.25·.75/4 = 468.75
    # var = (4/6)²·1718.75 + (2/6)²·468.75 = 763.8889 + 52.0833 = 815.9722; half = 1.96·28.565 = 55.9878
    assert u.strata_used == 2
    assert close(u.coverage, 0.75)
    assert close(u.adjusted_diff, 250 / 6)
    half = 1.96 * math.sqrt((4 / 6) ** 2 * (468.75 + 1250) + (2 / 6) ** 2 * (0 + 468.75))
    assert close(u.adjusted_ci[0], 250 / 6 - half) and close(u.adjusted_ci[1], 250 / 6 + half)
    assert close(half, 55.98776, 1e-5)
    j = u.to_json()
    assert set(j) == {"kpi", "recognized", "anonymous", "raw_diff", "raw_ci", "p_value",
                      "adjusted_diff", "adjusted_ci", "strata_used", "coverage"}


def test_uplift_ces_needs_two_per_side(uplift_src):
    u = uplift(uplift_src, "ces", FilterSpec())
    # recognized 6, 7, 5, 7 (mean 6.25); anonymous 3, 3, 4 (mean 10/3); Welch on raw samples
    res = sps.ttest_ind([6, 7, 5, 7], [3, 3, 4], equal_var=False)
    ci = res.confidence_interval(0.95)
    assert close(u.raw_diff, 6.25 - 10 / 3)
    assert close(u.raw_ci[0], float(ci.low)) and close(u.raw_ci[1], float(ci.high))
    assert close(u.p_value, float(res.pvalue))
    # stratum A has one anonymous answer -> not used; B: rec 5, 7 (mean 6, s² 2), anon 3, 4 (3.5, s² .5)
    # adjusted = 6 − 3.5 = 2.5; var = 2/2 + 0.5/2 = 1.25; coverage = 2/4
    assert u.strata_used == 1
    assert close(u.coverage, 0.5)
    assert close(u.adjusted_diff, 2.5)
    assert close(u.adjusted_ci[0], 2.5 - 1.96 * math.sqrt(1.25)) and close(u.adjusted_ci[1], 2.5 + 1.96 * math.sqrt(1.25))


def test_uplift_empty_sides(uplift_src):
    # channel = app: recognized only (stratum C) -> raw null, no stratum used, coverage 0
    u = uplift(uplift_src, "csat", FilterSpec(dims={"channel": ["app"]}))
    assert u.recognized == {"value": 50.0, "n": 2} and u.anonymous == {"value": None, "n": 0}
    assert (u.raw_diff, u.raw_ci, u.p_value, u.adjusted_diff, u.adjusted_ci) == (None,) * 5
    assert u.strata_used == 0 and u.coverage == 0
    # billing on web: anonymous only -> coverage null
    u = uplift(uplift_src, "csat", FilterSpec(dims={"channel": ["web"], "intent": ["billing"]}))
    assert u.recognized == {"value": None, "n": 0} and u.anonymous["n"] == 1
    assert u.raw_diff is None and u.raw_ci is None and u.coverage is None and u.strata_used == 0
    # a filter that keeps stratum A only: adjusted = raw = 25, coverage 1
    u = uplift(uplift_src, "csat", FilterSpec(dims={"channel": ["voice"]}))
    assert u.strata_used == 1 and close(u.coverage, 1.0)
    assert close(u.adjusted_diff, 25.0) and close(u.raw_diff, 25.0)
