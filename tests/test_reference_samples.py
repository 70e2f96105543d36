"""The reference implementation (tests/reference/kpis.py) on the contract's sample files.

Every expected value below is computed by hand from /work/shared/samples and
CONTRACT.md; the computation is written next to the assertion. Interval bounds are
recomputed here from the contract's formulas with plain arithmetic (z = 1.96).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.reference import kpis as ref

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"
EVENTS = SAMPLES / "events_sample.csv"
CUSTOMERS = SAMPLES / "customers_sample.csv"
Z = 1.96
Z2 = Z * Z  # 3.8416

pytestmark = pytest.mark.skipif(not EVENTS.exists(), reason="contract samples not present")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


@pytest.fixture(scope="module")
def ds():
    return ref.load([EVENTS], CUSTOMERS)


def rows_by(rows, *dims):
    return {tuple(r[d] for d in dims) + (r["kpi"],): r for r in rows}


# --------------------------------------------------------------------------- ingest


def test_ingest_counts(ds):
    # 18 data rows, all valid (every row has its type's required columns, every ts
    # parses, e002 has a +01:00 offset), no repeated event_id.
    assert (ds.rows_read, ds.loaded, ds.duplicates, ds.quarantined) == (18, 18, 0, 0)
    assert ds.rows_read == ds.loaded + ds.duplicates + ds.quarantined


def test_offset_is_converted_to_utc(ds):
    e002 = next(e for e in ds.events if e.event_id == "e002")
    # 2026-02-03T19:04:10+01:00 = 18:04:10Z
    assert e002.ts == utc(2026, 2, 3, 18, 4, 10)


def test_customers(ds):
    assert set(ds.customers) == {"C100", "C200"}
    assert ds.customers["C200"].consent_analytics is False
    assert ds.customers["C100"].consent_analytics is True
    assert ds.customers["C200"].segment == "business"
    assert ds.customers["C200"].value_tier == "mid"


# --------------------------------------------------------------------------- identity


def test_persons(ds):
    person = {e.event_id: e.person for e in ds.events}
    # Components over non-customer ids:
    #   {n:net-77, a:ck-a1}  (e002-e004 carry both) -- owners: C100 (e001 net-77+C100)
    #   {a:ck-b2}            -- owners: C200 (e006, e007 carry ck-b2 + C200)
    #   {a:ck-zz}            -- no owner
    assert person["e002"] == person["e003"] == person["e004"] == "C100"
    assert person["e015"] == "C100"  # ck-a1 only, stitched through net-77's component
    assert person["e005"] == "C200"  # anonymous page view, stitched after the fact
    assert person["e008"] == "C200"  # chatbot contact k-1 via ck-b2
    assert person["e009"] == "C200"
    assert person["e010"] == "C200"  # own customer_id
    assert person["e016"] == person["e017"] == "anon:a:ck-zz"
    assert ds.shared_components == 0


def test_identity_state_of_journeys(ds):
    j = ds.journeys
    # j-100 first event is e002 (18:04:10Z < e003 18:06Z); it carries net-77, linked to
    # C100 by e001 on 2026-02-02 (ts <= t) -> recognized.
    assert j["j-100"].first.event_id == "e002"
    assert j["j-100"].identity_state == "recognized"
    assert j["j-100"].journey_type == "contract_termination"
    assert j["j-100"].completed is True  # e004 journey_goal
    # j-200 first event e005 10:00; ck-b2 is linked only at 10:03 (e006) -> anonymous.
    assert j["j-200"].identity_state == "anonymous"
    assert j["j-200"].completed is False
    assert j["j-200"].channel == "app"
    # j-300: ck-zz never linked -> anonymous
    assert j["j-300"].identity_state == "anonymous"
    assert j["j-300"].completed is False
    # events inherit their journey's state: e006/e007 carry C200 but j-200 is anonymous
    state = {e.event_id: e.identity_state for e in ds.events}
    assert state["e006"] == state["e007"] == "anonymous"
    # e008 (no journey): ck-b2 linked at 2026-02-04T10:03 <= 2026-02-05T09:00 -> recognized
    assert state["e008"] == "recognized"


# --------------------------------------------------------------------------- KPIs


def wilson_hand(x, n):
    p = x / n
    denom = 1 + Z2 / n
    centre = (p + Z2 / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z2 / (4 * n * n)) / denom
    return 100 * (centre - half), 100 * (centre + half)


def test_overall_kpis(ds):
    rows = rows_by(ref.kpis(ds))
    assert [r["kpi"] for r in ref.kpis(ds)] == [
        "nps",
        "csat",
        "ces",
        "fcr",
        "journey_completion",
        "handoff_abandonment",
    ]

    # NPS: e014 (score 6, detractor) and e017 (score 3, detractor): P = 0, D = 2, n = 2
    # value = 100 * (0 - 1) = -100
    # n' = 5, p = 0.75/5 = 0.15, d = 2.75/5 = 0.55, p - d = -0.4
    # var = (0.15 + 0.55 - 0.16) / 5 = 0.108 ; half = 1.96 * sqrt(0.108) = 0.644122
    # interval = 100 * (-0.4 -/+ 0.644122) = [-104.41, 24.41] -> clipped [-100, 24.41]
    nps = rows[("nps",)]
    assert nps["n"] == 2 and nps["value"] == -100
    assert nps["ci_low"] == -100
    assert close(nps["ci_high"], 100 * (-0.4 + 1.96 * math.sqrt(0.108)))
    assert close(nps["ci_high"], 24.41217276260753)

    # CSAT: e013 score 4 -> 1 of 1 satisfied -> 100, n = 1
    # Wilson 1/1: denom = 1 + 3.8416 = 4.8416; centre = (1 + 1.9208)/4.8416;
    # half = 1.96 * sqrt(0 + 3.8416/4) / 4.8416 = 1.9208/4.8416
    # -> low = 1/4.8416 = 0.2065433, high = 1
    csat = rows[("csat",)]
    assert csat["n"] == 1 and csat["value"] == 100
    assert close(csat["ci_low"], 100 / 4.8416)
    assert close(csat["ci_high"], 100.0)

    # CES: e015 score 6 (rates journey j-100), n = 1 -> mean 6, interval null (n < 2)
    ces = rows[("ces",)]
    assert (ces["n"], ces["value"], ces["ci_low"], ces["ci_high"]) == (1, 6, None, None)

    # FCR: contacts with a person: k-1 (e008, C200 via ck-b2, billing, 09:00) and
    # k-2 (e010, C200, billing, 09:06). One group (C200, billing): k-1 opens an episode at
    # t0 = 2026-02-05T09:00; k-2 is within t0 + 7 days -> repeat -> not resolved.
    # as_of default = latest event ts = e018 2026-02-20T10:00Z >= t0 + 7d
    # (2026-02-12T09:00Z) -> eligible. FCR = 0 of 1 = 0.
    # Wilson 0/1: low = 0, high = 3.8416/4.8416 = 0.7934567
    fcr = rows[("fcr",)]
    assert fcr["n"] == 1 and fcr["value"] == 0
    assert close(fcr["ci_low"], 0.0)
    assert close(fcr["ci_high"], 100 * Z2 / (1 + Z2))

    # Journey completion: j-100 completed, j-200 and j-300 not -> 1/3 = 33.33, n = 3
    jc = rows[("journey_completion",)]
    assert jc["n"] == 3 and close(jc["value"], 100 / 3)
    lo, hi = wilson_hand(1, 3)
    assert close(jc["ci_low"], lo) and close(jc["ci_high"], hi)
    assert close(jc["ci_low"], 6.14903152761605) and close(jc["ci_high"], 79.23450448735122)

    # Handoff abandonment: k-1 (handoff e009, no agent_connected) abandoned;
    # k-2 (handoff e011 09:07, agent_connected e012 09:08:30 >= 09:07) connected -> 1/2
    # Wilson 1/2: denom = 2.9208, centre = (0.5 + 0.9604)/2.9208 = 0.5,
    # half = 1.96 * sqrt(0.125 + 0.2401) / 2.9208
    ho = rows[("handoff_abandonment",)]
    assert ho["n"] == 2 and ho["value"] == 50
    half = 1.96 * math.sqrt(0.125 + 0.2401) / 2.9208
    assert close(ho["ci_low"], 100 * (0.5 - half))
    assert close(ho["ci_high"], 100 * (0.5 + half))


def test_fcr_eligibility_with_as_of(ds):
    # t0 + 7 days = 2026-02-12T09:00Z.
    # --as-of 2026-02-11 = 2026-02-12T00:00Z < 09:00 -> not eligible -> no FCR row.
    assert ref.kpis(ds, kpis=["fcr"], as_of="2026-02-11") == []
    # --as-of 2026-02-12 = 2026-02-13T00:00Z -> eligible
    assert [r["n"] for r in ref.kpis(ds, kpis=["fcr"], as_of="2026-02-12")] == [1]
    # exactly at t0 + 7 days -> eligible (<=); one second before -> not
    assert [r["n"] for r in ref.kpis(ds, kpis=["fcr"], as_of="2026-02-12T09:00:00Z")] == [1]
    assert ref.kpis(ds, kpis=["fcr"], as_of="2026-02-12T08:59:59Z") == []
    # as_of changes only FCR
    assert ref.kpis(ds, kpis=["nps", "journey_completion"], as_of="2026-02-11") == ref.kpis(
        ds, kpis=["nps", "journey_completion"]
    )


def test_by_channel_uses_rated_channel(ds):
    rows = rows_by(ref.kpis(ds, by=["channel"]), "channel")
    # e013 (csat) and e014 (nps) were answered on email but rate contact k-2, whose
    # contact event e010 is on voice -> channel voice.
    assert rows[("voice", "csat")]["n"] == 1
    assert rows[("voice", "nps")]["value"] == -100
    # e017 rates journey j-300 (web); e015 rates j-100 (web)
    assert rows[("web", "nps")]["n"] == 1
    assert rows[("web", "ces")]["n"] == 1
    # no row carries the email channel
    assert not any(k[0] == "email" for k in rows)
    # FCR record: source k-1's first contact e008 -> chatbot
    assert rows[("chatbot", "fcr")]["n"] == 1
    # handoff: k-1 first handoff e009 on chatbot (abandoned), k-2 first handoff e011 on ivr
    assert rows[("chatbot", "handoff_abandonment")]["value"] == 100
    assert rows[("ivr", "handoff_abandonment")]["value"] == 0
    # journeys: j-100 web (completed), j-300 web, j-200 app
    assert rows[("web", "journey_completion")]["n"] == 2
    assert rows[("web", "journey_completion")]["value"] == 50
    assert rows[("app", "journey_completion")]["value"] == 0
    # single detractor: n' = 4, p = 0.75/4 = 0.1875, d = 1.75/4 = 0.4375, p-d = -0.25
    # var = (0.625 - 0.0625)/4 = 0.140625, sqrt = 0.375, half = 0.735
    # -> [-98.5, 48.5]
    assert close(rows[("voice", "nps")]["ci_low"], -98.5)
    assert close(rows[("voice", "nps")]["ci_high"], 48.5)
    # sorted by channel then KPI order
    keys = list(rows)
    assert keys == sorted(keys, key=lambda k: (k[0], ref.KPI_ORDER.index(k[1])))


def test_by_identity_state_and_intent(ds):
    rows = rows_by(ref.kpis(ds, by=["identity_state"]), "identity_state")
    # journeys: recognized j-100 (completed); anonymous j-200, j-300
    assert rows[("recognized", "journey_completion")]["value"] == 100
    assert rows[("anonymous", "journey_completion")]["n"] == 2
    # NPS: e014 via contact e010 (own customer_id) -> recognized; e017 via j-300 -> anonymous
    assert rows[("recognized", "nps")]["n"] == 1
    assert rows[("anonymous", "nps")]["n"] == 1
    # handoffs: e009 (ck-b2 linked at 02-04 10:03 before 02-05 09:02) and e011 (C200)
    assert rows[("recognized", "handoff_abandonment")]["n"] == 2
    assert ("anonymous", "handoff_abandonment") not in rows

    rows = rows_by(ref.kpis(ds, by=["intent"]), "intent")
    # handoff intent comes from the contact events (billing)
    assert rows[("billing", "handoff_abandonment")]["n"] == 2
    # journey intent = first non-empty intent, else journey_type
    assert rows[("contract_termination", "journey_completion")]["value"] == 100
    assert rows[("device_upgrade", "journey_completion")]["value"] == 0
    assert rows[("fiber_availability", "journey_completion")]["value"] == 0
    # CES rates journey j-100 -> intent contract_termination
    assert rows[("contract_termination", "ces")]["n"] == 1
    # nps e014 rates k-2 (billing); e017 rates j-300 (fiber_availability)
    assert rows[("billing", "nps")]["n"] == 1
    assert rows[("fiber_availability", "nps")]["n"] == 1


def test_cohorts_and_consent(ds):
    rows = rows_by(ref.kpis(ds, by=["segment", "value_tier"]), "segment", "value_tier")
    # C200 (business, mid) has no consent but still counts in aggregates:
    # nps e014, csat e013, fcr, both handoffs, journey j-200 (person of e005 = C200)
    assert rows[("business", "mid", "nps")]["n"] == 1
    assert rows[("business", "mid", "csat")]["n"] == 1
    assert rows[("business", "mid", "fcr")]["n"] == 1
    assert rows[("business", "mid", "handoff_abandonment")]["n"] == 2
    assert rows[("business", "mid", "journey_completion")]["value"] == 0
    # C100 (consumer, high): journey j-100 and the CES response
    assert rows[("consumer", "high", "journey_completion")]["value"] == 100
    assert rows[("consumer", "high", "ces")]["n"] == 1
    # anon:a:ck-zz: j-300 and nps e017 -> unknown cohorts
    assert rows[("unknown", "unknown", "nps")]["n"] == 1
    assert rows[("unknown", "unknown", "journey_completion")]["n"] == 1

    rows = rows_by(ref.kpis(ds, by=["region"]), "region")
    assert rows[("Cataluña", "handoff_abandonment")]["n"] == 2


def test_filters_and_dates(ds):
    # filters select records after they are built: channel=chatbot keeps the FCR
    # episode whose first contact is on chatbot (still with its voice repeat -> 0)
    rows = ref.kpis(ds, filters={"channel": ["chatbot"]})
    assert [(r["kpi"], r["n"], r["value"]) for r in rows] == [
        ("fcr", 1, 0.0),
        ("handoff_abandonment", 1, 100.0),
    ]
    # voice filter: nps/csat rating k-2; the repeat contact k-2 is not an episode start
    rows = ref.kpis(ds, filters={"channel": ["voice", "web"]})
    assert [(r["kpi"], r["n"]) for r in rows] == [
        ("nps", 2),
        ("csat", 1),
        ("ces", 1),
        ("journey_completion", 2),
    ]
    # open-vocabulary value matching nothing -> []
    assert ref.kpis(ds, filters={"intent": ["nothing"]}) == []
    # --from/--to inclusive UTC dates on the record time: 2026-02-05 only holds the
    # FCR episode (t0 09:00) and both handoffs; journeys start 02-03/02-04/02-07,
    # survey responses are on 02-04, 02-06, 02-07.
    rows = ref.kpis(ds, date_from="2026-02-05", date_to="2026-02-05")
    assert [(r["kpi"], r["n"]) for r in rows] == [("fcr", 1), ("handoff_abandonment", 2)]
    # the journey j-100 starts 2026-02-03 18:04:10 UTC (19:04:10+01:00)
    rows = ref.kpis(ds, kpis=["journey_completion"], date_from="2026-02-03", date_to="2026-02-03")
    assert [(r["n"], r["value"]) for r in rows] == [(1, 100.0)]


def test_time_buckets(ds):
    rows = ref.kpis(ds, kpis=["journey_completion"], by=["day"])
    assert [(r["day"], r["n"]) for r in rows] == [
        ("2026-02-03", 1),
        ("2026-02-04", 1),
        ("2026-02-07", 1),
    ]
    # all records fall in ISO week 6 of 2026 (Mon 02-02 .. Sun 02-08), and in the review
    # period starting 2026-02-02 (anchor 2026-01-05 + 2 * 14 days), month 2026-02
    for dim, label in (("week", "2026-W06"), ("period", "2026-02-02"), ("month", "2026-02")):
        rows = ref.kpis(ds, by=[dim])
        assert {r[dim] for r in rows} == {label}
        assert sum(r["n"] for r in rows) == 2 + 1 + 1 + 1 + 3 + 2


def test_uplift_journey_completion(ds):
    u = ref.uplift(ds, "journey_completion")
    # recognized: j-100 (1/1) ; anonymous: j-200, j-300 (0/2); raw diff = 100 - 0
    assert u["recognized"] == {"value": 100.0, "n": 1}
    assert u["anonymous"] == {"value": 0.0, "n": 2}
    assert u["raw_diff"] == 100
    # Newcombe hybrid score: Wilson(1/1) = [1/4.8416, 1]; Wilson(0/2) = [0, 1.9208/2.9208]
    l1, u1 = 1 / 4.8416, 1.0
    l2, u2 = 0.0, 1.9208 / 2.9208
    low = 1 - math.sqrt((1 - l1) ** 2 + (u2 - 0) ** 2)
    high = 1 + math.sqrt((u1 - 1) ** 2 + (0 - l2) ** 2)
    assert close(u["raw_ci"][0], 100 * low) and close(u["raw_ci"][1], 100 * high)
    assert close(u["raw_ci"][0], -3.0557226286486605)
    # pooled z: pool = 1/3, se = sqrt(1/3 * 2/3 * (1/1 + 1/2)) = sqrt(1/3); z = sqrt(3)
    # p = 2 * (1 - Phi(sqrt 3)) = erfc(sqrt(3/2)) = 0.0832645
    assert close(u["p_value"], math.erfc(math.sqrt(1.5)))
    # strata (intent, channel): rec {(contract_termination, web)}; anon
    # {(device_upgrade, app), (fiber_availability, web)} -> none shared
    assert u["strata_used"] == 0
    assert u["adjusted_diff"] is None and u["adjusted_ci"] is None
    assert u["coverage"] == 0


def test_uplift_empty_sides(ds):
    # handoffs are both recognized -> anonymous n = 0 -> diff/interval/p null
    u = ref.uplift(ds, "handoff_abandonment")
    assert u["anonymous"]["n"] == 0
    assert u["raw_diff"] is None and u["raw_ci"] is None and u["p_value"] is None
    assert u["coverage"] == 0
    # nothing recognized under this filter -> coverage null
    u = ref.uplift(ds, "nps", filters={"identity_state": ["anonymous"]})
    assert u["recognized"]["n"] == 0 and u["coverage"] is None
    # CES: only n = 1 on the recognized side -> null diff
    u = ref.uplift(ds, "ces")
    assert u["recognized"] == {"value": 6.0, "n": 1} and u["raw_diff"] is None
    # NPS: -100 vs -100, both variances 0 (p = 0, d = 1: 0 + 1 - 1 = 0) -> diff 0,
    # standard error 0 -> p-value null
    u = ref.uplift(ds, "nps")
    assert u["raw_diff"] == 0 and u["p_value"] is None


def test_uplift_adjusted_by_hand():
    """A synthetic two-stratum case for the adjusted difference."""
    # stratum A (billing, web): rec 3 records (2 completed), anon 2 (1 completed)
    # stratum B (billing, app): rec 1 (1 completed), anon 1 (0 completed)
    # stratum C (other, web): rec 2 only -> not used
    recs = []

    def add(state, intent, channel, outcome):
        recs.append(
            {
                "kpi": "journey_completion",
                "identity_state": state,
                "intent": intent,
                "channel": channel,
                "outcome": outcome,
                "ts": utc(2026, 2, 1),
            }
        )

    for o in (1, 1, 0):
        add("recognized", "billing", "web", o)
    for o in (1, 0):
        add("anonymous", "billing", "web", o)
    add("recognized", "billing", "app", 1)
    add("anonymous", "billing", "app", 0)
    add("recognized", "other", "web", 1)
    add("recognized", "other", "web", 0)

    class FakeDs:
        pass

    orig = ref.build_records
    ref.build_records = lambda ds, as_of=None: recs
    try:
        u = ref.uplift(FakeDs(), "journey_completion")
    finally:
        ref.build_records = orig
    # diff_A = 66.67 - 50 = 16.67, diff_B = 100 - 0 = 100; weights 3/4, 1/4
    # adjusted = 0.75 * 16.667 + 0.25 * 100 = 37.5
    assert close(u["adjusted_diff"], 0.75 * (200 / 3 - 50) + 0.25 * 100)
    # variances: A rec 100^2 * (2/3)(1/3)/3, A anon 100^2 * .25/2, B both 0
    var = 0.75**2 * (1e4 * (2 / 9) / 3 + 1e4 * 0.25 / 2)
    assert close(u["adjusted_ci"][0], u["adjusted_diff"] - 1.96 * math.sqrt(var))
    assert close(u["adjusted_ci"][1], u["adjusted_diff"] + 1.96 * math.sqrt(var))
    assert u["strata_used"] == 2
    assert close(u["coverage"], 4 / 6)


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-03-02T09:15:00+01:00", utc(2026, 3, 2, 8, 15)),
        ("2026-03-02 09:15:00", utc(2026, 3, 2, 9, 15)),
        ("2026-03-02T09:15:00.250Z", utc(2026, 3, 2, 9, 15, 0, 250000)),
        ("2026-03-02T09:15:00-0230", utc(2026, 3, 2, 11, 45)),
        ("2026-03-02", None),
        ("02/03/2026 09:15", None),
        ("2026-02-30T09:15:00Z", None),
        ("2026-03-02T09:15:00+25:00", None),
    ],
)
def test_ts_grammar(text, expected):
    assert ref.parse_ts(text) == expected


def test_validation_and_dedupe(tmp_path):
    header = "event_id,ts,event_type,channel,customer_id,anonymous_id,contact_id,intent,survey_type,score\n"
    body = (
        "x1,2026-02-01T10:00:00Z,page_view,web,,,,,,\n"
        "x1,2026-02-01T11:00:00Z,page_view,web,,,,,,\n"  # duplicate
        "x2,2026-02-01,page_view,web,,,,,,\n"  # date alone
        "x3,2026-02-01T10:00:00Z,page_view,Web,,,,,,\n"  # enum case
        "\n"  # not counted
        "x4,2026-02-01T10:00:00Z,survey_response,web,,,,,nps,4.5\n"  # not an integer
        "x5,2026-02-01T10:00:00Z,survey_response,web,,,,,csat,6\n"  # out of range
        "x6,2026-02-01T10:00:00Z,contact,voice,,,k9,,,\n"  # contact without intent
        "x7,2026-02-01T10:00:00Z,login,web,C1,,,,,\n"  # login without anon/net
        "x8, 2026-02-01T10:00:00Z , page_view ,web,,,,,nps,99\n"  # trimmed; survey cols ignored
        "x9,2026-02-01T10:00:00Z,survey_response,web,,,,,nps,+9\n"  # signed digits ok
    )
    (tmp_path / "e.csv").write_text(header + body, encoding="utf-8")
    (tmp_path / "e2.csv").write_text(
        header + "x2,2026-02-01T10:00:00Z,page_view,web,,,,,,\n"
        "x8,2026-02-01T10:00:00Z,page_view,web,,,,,,\n",
        encoding="utf-8",
    )
    ds = ref.load([tmp_path / "e.csv", tmp_path / "e2.csv"])
    # file 1: 10 rows, 3 loaded (x1, x8, x9), 1 duplicate, 6 quarantined
    # file 2: 2 rows, x2 loads (its earlier row was quarantined), x8 duplicate
    assert (ds.rows_read, ds.loaded, ds.duplicates, ds.quarantined) == (12, 4, 2, 6)
    assert [e.event_id for e in ds.events] == ["x1", "x8", "x9", "x2"]
    assert [q[1] for q in ds.quarantine] == [3, 4, 5, 6, 7, 8]


def test_missing_required_column_rejects(tmp_path):
    (tmp_path / "bad.csv").write_text("event_id,ts,channel\nx,2026-02-01T10:00:00Z,web\n")
    with pytest.raises(ValueError, match="event_type"):
        ref.load([tmp_path / "bad.csv"])


def test_customers_rules(tmp_path):
    (tmp_path / "e.csv").write_text("event_id,ts,event_type,channel\n")
    (tmp_path / "c.csv").write_text(
        "customer_id,segment,value_tier,region,plan,consent_analytics\n"
        "C1,consumer,low,North,p1,\n"
        "C1,business,high,South,p2,NO\n"  # later row wins
        "C2,consumer,low,North,p1,\n"
        "C2,Consumer,low,East,p1,\n"  # invalid segment -> quarantined
        "C3,consumer,gold,North,p1,\n"  # invalid tier -> quarantined
    )
    ds = ref.load([tmp_path / "e.csv"], tmp_path / "c.csv")
    assert (
        ds.customers["C1"].segment == "business" and ds.customers["C1"].consent_analytics is False
    )
    assert ds.customers["C2"].region == "North"
    assert "C3" not in ds.customers
    assert ds.customers_quarantined == 2
