"""Closed-loop cases (CONTRACT.md section 8, last bullet; docs/metrics.md "Cases").

Literal fixtures and hand-computed numbers: which responses open a case, routing (first
match wins) and its file errors, SLA arithmetic with a fixed now, the closed-loop rate
and median time to close, consent, and opening exactly once across re-ingests,
incremental updates, full rebuilds and failed ingests.
"""

from __future__ import annotations

import math
import sqlite3
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.reports import cases as rc
from cxmetrics.serving import app_state
from cxmetrics.serving import cases as store
from cxmetrics.serving.routing import load_routing

ROUTING = """\
version: 1
rules:
  - id: voice
    channel: voice
    owner: Voice team
    sla_hours: 48
    playbook: {en: Call back., es: Devuelve la llamada.}
default:
  owner: Ops
  sla_hours: 24
  playbook: {en: Read and call., es: Lee y llama.}
"""


@pytest.fixture
def routing(tmp_path: Path):
    path = tmp_path / "routing.yaml"
    path.write_text(ROUTING)
    return load_routing(path)


def dt(s: str) -> datetime:
    return datetime.fromisoformat(s)


# --------------------------------------------------------------------------- a literal model


SURVEYS = [
    # record_id, t, channel, intent, segment, consent, person, survey_type, score, verbatim
    ("c1", "2026-03-01 10:00:00", "web", "billing", "consumer", True, "P1", "nps", 6, "slow"),
    ("c2", "2026-03-01 12:00:00", "web", "billing", "consumer", True, "P2", "csat", 2, None),
    ("c3", "2026-03-01 00:00:00", "voice", "billing", "business", True, "P3", "ces", 3, "hard"),
    ("c4", "2026-03-02 00:00:00", "voice", "other", "consumer", True, "P4", "nps", 0, None),
    ("c5", "2026-03-01 08:00:00", "web", "other", "consumer", True, "P5", "nps", 5, None),
    # not cases: a passive, a satisfied and an easy response; an anonymous person; no
    # consent; no person at all
    ("x1", "2026-03-01 09:00:00", "web", "billing", "consumer", True, "P1", "nps", 7, None),
    ("x2", "2026-03-01 09:00:00", "web", "billing", "consumer", True, "P1", "csat", 3, None),
    ("x3", "2026-03-01 09:00:00", "web", "billing", "consumer", True, "P1", "ces", 4, None),
    ("x4", "2026-03-01 09:00:00", "web", "billing", "unknown", True, "anon:a:ck-1", "nps", 0, None),
    ("x5", "2026-03-01 09:00:00", "web", "billing", "consumer", False, "P6", "nps", 0, "no consent"),
    ("x6", "2026-03-01 09:00:00", "web", "billing", "unknown", True, None, "nps", 0, None),
]
CUSTOMERS = [("P1", True), ("P2", True), ("P3", True), ("P4", True), ("P5", True), ("P6", False)]


def model(surveys=SURVEYS, customers=CUSTOMERS) -> duckdb.DuckDBPyConnection:
    """The three tables ``open_cases`` reads, written by hand."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE rec_survey (record_id VARCHAR, t TIMESTAMP, channel VARCHAR, intent VARCHAR,
                   segment VARCHAR, consent BOOLEAN, person VARCHAR, survey_type VARCHAR, score INTEGER,
                   verbatim VARCHAR, contact_id VARCHAR, journey_id VARCHAR)""")
    con.executemany("INSERT INTO rec_survey VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)", surveys)
    con.execute("CREATE TABLE customers (customer_id VARCHAR, consent_analytics BOOLEAN)")
    con.executemany("INSERT INTO customers VALUES (?, ?)", customers)
    # every person that is a customer (the model's rec_churn_person), not the anon: one
    con.execute("CREATE TABLE rec_churn_person AS SELECT DISTINCT person FROM rec_survey "
                "WHERE person IS NOT NULL AND person NOT LIKE 'anon:%'")
    return con


OPENED_AT = dt("2026-03-03 09:00:00")
NOW = dt("2026-03-03 12:00:00")


@pytest.fixture
def worked(tmp_path: Path, routing) -> Path:
    """The five cases of SURVEYS, worked by hand (times chosen for the figures below)."""
    state = tmp_path / "state.sqlite"
    res = store.open_cases(model(), state, routing=routing, now=OPENED_AT)
    assert (res.opened, res.total, res.qualifying) == (5, 5, 5)
    act = [
        ("c1", "contacted", "2026-03-01 20:00:00"),  # 10 h, due 03-02 10:00: in SLA
        ("c1", "resolved", "2026-03-02 15:00:00"),  # later resolution: closed_at stays
        ("c2", "resolved", "2026-03-02 12:00:00"),  # exactly at the due time: in SLA, 24 h
        ("c3", "not_reachable", "2026-03-03 06:00:00"),  # due 03-03 00:00 (48 h): late, 54 h
    ]
    for case_id, action, at in act:
        store.update_case(case_id, action, user="ana@example.com", role="committee", now=dt(at), path=state)
    return state


def test_which_responses_open_a_case(tmp_path: Path, routing) -> None:
    state = tmp_path / "s.sqlite"
    res = store.open_cases(model(), state, routing=routing, now=OPENED_AT)
    assert sorted(res.opened_ids) == ["c1", "c2", "c3", "c4", "c5"]
    case = store.get_case("c3", state, role="admin")
    assert (case.person, case.survey_type, case.score, case.verbatim) == ("P3", "ces", 3, "hard")
    assert (case.owner, case.rule, case.sla_hours) == ("Voice team", "voice", 48)
    assert (case.status, case.opened_at, case.closed_at) == ("open", OPENED_AT, None)
    again = store.open_cases(model(), state, routing=routing, now=NOW)
    assert (again.opened, again.total) == (0, 5)
    assert [e["action"] for e in store.history("c3", state, role="admin")] == ["opened"]


@pytest.mark.parametrize(
    ("survey_type", "score", "opens"),
    [("nps", 0, True), ("nps", 6, True), ("nps", 7, False), ("nps", 10, False),
     ("csat", 1, True), ("csat", 2, True), ("csat", 3, False),
     ("ces", 1, True), ("ces", 3, True), ("ces", 4, False), ("ces", 7, False)],
)
def test_the_score_rule(tmp_path: Path, routing, survey_type: str, score: int, opens: bool) -> None:
    con = model([("r", "2026-03-01 10:00:00", "web", "billing", "consumer", True, "P1", survey_type, score, None)],
                [("P1", True)])
    assert store.open_cases(con, tmp_path / "s.sqlite", routing=routing).opened == int(opens)


# --------------------------------------------------------------------------- routing


ROUTES = """\
version: 1
rules:
  - id: b2b
    segment: business
    owner: B2B
    sla_hours: 24
    playbook: {en: a, es: a}
  - id: leaving
    intent: [contract_termination, plan_change]
    owner: Retention
    sla_hours: 12
    playbook: {en: b, es: b}
  - id: bots-billing
    channel: [chatbot, ivr]
    intent: billing
    owner: Bots
    sla_hours: 36
    playbook: {en: c, es: c}
  - channel: chatbot
    owner: Bot lead
    sla_hours: 1.5
    playbook: {en: d, es: d}
default:
  owner: Ops
  sla_hours: 72
  playbook: {en: e, es: e}
"""


@pytest.mark.parametrize(
    ("channel", "intent", "segment", "rule", "owner", "sla"),
    [
        ("web", "contract_termination", "business", "b2b", "B2B", 24),  # first match wins
        ("web", "contract_termination", "consumer", "leaving", "Retention", 12),
        ("app", "plan_change", "unknown", "leaving", "Retention", 12),  # a list: any of its values
        ("ivr", "billing", "consumer", "bots-billing", "Bots", 36),  # both conditions
        ("voice", "billing", "consumer", "default", "Ops", 72),  # channel does not match
        ("chatbot", "billing", "consumer", "bots-billing", "Bots", 36),
        ("chatbot", "other", "consumer", "rule 4", "Bot lead", 1.5),  # no id: its number
        ("ivr", "other", "consumer", "default", "Ops", 72),
        (None, None, None, "default", "Ops", 72),  # missing values are 'unknown'
        ("web", "Billing", "consumer", "default", "Ops", 72),  # values match exactly
    ],
)
def test_routing_first_match(tmp_path: Path, channel, intent, segment, rule, owner, sla) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(ROUTES)
    route = load_routing(path).route(channel, intent, segment)
    assert (route.rule, route.owner, route.sla_hours) == (rule, owner, sla)


def test_routing_owners_and_the_shipped_file() -> None:
    routing = load_routing(get_settings().routing_path)
    assert routing.owners()[-1] == "CX back office"
    assert routing.route("voice", "billing", "business").owner == "B2B care team"
    assert routing.route("web", "contract_termination", "consumer").rule == "retention"
    for rule in routing.spec.rules:
        assert rule.playbook.en and rule.playbook.es and rule.sla_hours > 0


GOOD_RULE = "  - id: r1\n    channel: web\n    owner: A\n    sla_hours: 24\n    playbook: {en: x, es: y}\n"
DEFAULT = "default:\n  owner: Ops\n  sla_hours: 72\n  playbook: {en: x, es: y}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n" + GOOD_RULE, "'default' is missing"),
        ("rules:\n" + GOOD_RULE.replace("channel: web", "channel: Web") + DEFAULT,
         "line 3: rule 1 ('r1'), channel: 'Web' is not a channel"),
        ("rules:\n" + GOOD_RULE + GOOD_RULE.replace("r1", "r2").replace("24", "-1") + DEFAULT,
         "line 10: rule 2 ('r2'), sla_hours: Input should be greater than 0"),
        ("rules:\n" + GOOD_RULE + GOOD_RULE.replace("id: r1\n    channel: web\n", "owner2: x\n") + DEFAULT,
         "rule 2, owner2: is not a field"),
        ("rules:\n" + GOOD_RULE.replace("    channel: web\n", "") + DEFAULT,
         "rule 1 ('r1'): the rule has no channel, intent or segment: write the catch-all as 'default'"),
        ("rules:\n" + GOOD_RULE.replace("{en: x, es: y}", "{en: x}") + DEFAULT,
         "line 6: rule 1 ('r1'), playbook.es: is missing"),
        ("rules:\n" + GOOD_RULE.replace("owner: A", "owner: '  '") + DEFAULT, "rule 1 ('r1'), owner: the owner is empty"),
        ("rules:\n" + GOOD_RULE.replace("channel: web", "segment: [consumer, vip]") + DEFAULT,
         "rule 1 ('r1'), segment: 'vip' is not a segment"),
        ("rules:\n" + GOOD_RULE.replace("channel: web", "intent: []") + DEFAULT, "an empty list matches nothing"),
        ("rules:\n" + GOOD_RULE + GOOD_RULE + DEFAULT, "the rule id 'r1' is used twice"),
        ("rules:\n" + GOOD_RULE + DEFAULT.replace("72", "lots"), "line 9: default, sla_hours: Input should be a valid"),
        ("rules: [\n", "not valid YAML"),
        ("- a list\n", "line 1: the routing file must be a mapping"),
    ],
)
def test_routing_file_errors_name_the_line_rule_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(text)
    with pytest.raises(UserError) as err:
        load_routing(path)
    assert str(err.value).startswith(str(path)) and message in str(err.value), str(err.value)


def test_a_missing_routing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="the routing file does not exist"):
        load_routing(tmp_path / "nope.yaml")


def test_an_edited_routing_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(ROUTING)
    assert load_routing(path).route("web", "x", "consumer").owner == "Ops"
    path.write_text(ROUTING.replace("owner: Ops", "owner: Ops desk"))
    assert load_routing(path).route("web", "x", "consumer").owner == "Ops desk"


# --------------------------------------------------------------------------- SLA arithmetic


@pytest.mark.parametrize(
    ("response", "sla", "due"),
    [("2026-03-01 10:00:00", 24, "2026-03-02 10:00:00"),
     ("2026-03-01 10:00:00", 1.5, "2026-03-01 11:30:00"),
     ("2026-03-28 23:30:00", 48, "2026-03-30 23:30:00"),  # UTC: no DST day of 23 or 25 hours
     ("2026-03-01 10:00:00.900000", 24, "2026-03-02 10:00:00")],  # to the second
)
def test_due_time(response: str, sla: float, due: str) -> None:
    assert store.due_at(dt(response), sla) == dt(due)


@pytest.mark.parametrize(
    ("now", "overdue", "hours_left"),
    [("2026-03-02 09:00:00", False, 1.0), ("2026-03-02 10:00:00", False, 0.0), ("2026-03-02 10:00:01", True, -1 / 3600),
     ("2026-03-04 10:00:00", True, -48.0)],
)
def test_overdue_is_open_after_the_due_time(tmp_path: Path, routing, now: str, overdue: bool, hours_left: float) -> None:
    state = tmp_path / "s.sqlite"
    store.open_cases(model(), state, routing=routing, now=OPENED_AT)
    c1 = store.get_case("c1", state, role="analyst")  # 2026-03-01 10:00 + 24 h
    assert c1.overdue(dt(now)) is overdue
    assert math.isclose(c1.hours_left(dt(now)), hours_left)
    assert [c.case_id for c in store.list_cases(state, role="analyst", overdue=True, now=dt(now))].count("c1") == overdue


def test_closing_sets_closed_at_once_and_in_sla_compares_with_due(worked: Path) -> None:
    c1, c2, c3 = (store.get_case(i, worked, role="analyst") for i in ("c1", "c2", "c3"))
    assert (c1.status, c1.closed_at, c1.closed_in_sla, c1.hours_to_close) == (
        "resolved", dt("2026-03-01 20:00:00"), True, 10.0)
    assert (c2.closed_in_sla, c2.hours_to_close) == (True, 24.0)  # closed at the due time itself
    assert (c3.status, c3.closed_in_sla, c3.hours_to_close) == ("not_reachable", False, 54.0)
    assert [e["action"] for e in store.history("c1", worked, role="analyst")] == ["opened", "contacted", "resolved"]


def test_the_order_is_overdue_first(worked: Path) -> None:
    # open: c5 overdue (due 03-02 08:00), c4 due 03-04; closed: c3 (03-03 06:00), c2, c1 (03-01 20:00)
    assert [c.case_id for c in store.list_cases(worked, role="analyst", now=NOW)] == ["c5", "c4", "c3", "c2", "c1"]
    assert [c.case_id for c in store.list_cases(worked, role="analyst", now=NOW, limit=2, offset=1)] == ["c4", "c3"]
    assert store.count_cases(worked, role="analyst", status="open", now=NOW) == 2
    summary = rc.owner_summary(worked, role="analyst", now=NOW)
    assert summary.to_dict("records") == [
        {"owner": "Ops", "open": 1, "overdue": 1, "next_due": dt("2026-03-02 08:00:00")},
        {"owner": "Voice team", "open": 1, "overdue": 0, "next_due": dt("2026-03-04 00:00:00")},
    ]


# --------------------------------------------------------------------------- figures by hand


def wilson(k: int, n: int) -> tuple[float, float]:
    z = 1.96
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return 100 * (centre - half), 100 * (centre + half)


def test_closed_loop_rate_and_median_by_hand(worked: Path) -> None:
    fig = rc.figures(worked, role="analyst", now=NOW)
    o = fig["overall"]
    # 5 cases; open c4 (not due) and c5 (overdue); closed c1, c2 in SLA and c3 late
    assert (o["cases"], o["open"], o["overdue"], o["closed"], o["closed_in_sla"]) == (5, 2, 1, 3, 2)
    assert o["closed_loop_rate"] == pytest.approx(40.0)
    assert (o["ci_low"], o["ci_high"]) == pytest.approx((11.7621, 76.9279), abs=1e-3)
    assert (o["ci_low"], o["ci_high"]) == pytest.approx(wilson(2, 5))
    assert o["median_hours_to_close"] == 24.0  # of 10, 24 and 54 hours
    by_owner = {r["group"]: r for r in fig["by_owner"]}
    ops, voice = by_owner["Ops"], by_owner["Voice team"]
    assert (ops["cases"], ops["open"], ops["overdue"], ops["closed_in_sla"]) == (3, 1, 1, 2)
    assert ops["closed_loop_rate"] == pytest.approx(200 / 3) and ops["median_hours_to_close"] == 17.0
    assert (voice["cases"], voice["closed_in_sla"], voice["closed_loop_rate"], voice["median_hours_to_close"]) == (
        2, 0, 0.0, 54.0)
    assert [r["group"] for r in fig["by_channel"]] == ["web", "voice"]
    assert {r["group"]: r["cases"] for r in fig["by_intent"]} == {"billing": 3, "other": 2}
    assert rc.figures_csv(fig).shape[0] == 1 + 2 + 2 + 2


def test_figures_of_a_date_range_in_a_time_zone(worked: Path) -> None:
    # c3 responded 2026-03-01 00:00 UTC = 01:00 in Madrid; c4 2026-03-02 00:00 UTC
    utc = rc.figures(worked, role="analyst", date_from=date(2026, 3, 2), date_to=date(2026, 3, 2), now=NOW)
    assert utc["overall"]["cases"] == 1
    early = rc.figures(worked, role="analyst", date_to=date(2026, 2, 28), tz="America/New_York", now=NOW)
    assert early["overall"]["cases"] == 1  # c3: 2026-02-28 19:00 in New York
    empty = rc.figures(worked, role="analyst", date_from=date(2027, 1, 1), now=NOW)
    assert empty["overall"]["cases"] == 0 and empty["overall"]["closed_loop_rate"] is None
    assert empty["by_owner"] == []
    with pytest.raises(UserError, match="starts"):
        rc.figures(worked, role="analyst", date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))


def test_the_rate_moves_when_a_case_is_closed_in_time(worked: Path) -> None:
    before = rc.figures(worked, role="analyst", now=NOW)["overall"]["closed_loop_rate"]
    store.update_case("c4", "contacted", user="ana", role="committee", now=NOW, path=worked)  # due 03-04
    after = rc.figures(worked, role="analyst", now=NOW)["overall"]
    assert (before, after["closed_loop_rate"], after["open"]) == (pytest.approx(40.0), pytest.approx(60.0), 1)


def test_executives_get_small_groups_suppressed(worked: Path) -> None:
    fig = rc.figures(worked, role="executive", now=NOW, k=3)
    assert fig["k"] == 3 and fig["overall"]["cases"] == 5 and fig["overall"]["people"] is None
    owners = {r["group"]: r for r in fig["by_owner"]}
    assert owners["Voice team"]["suppressed"] == "k" and owners["Voice team"]["cases"] is None  # 2 people
    assert owners["Ops"]["suppressed"] == "complement"  # else 5 − 3 gives Voice team's count away
    hidden = rc.figures(worked, role="executive", now=NOW, k=6)  # 5 people in all
    assert hidden["overall"]["suppressed"] == "k" and all(r["suppressed"] for r in hidden["by_intent"])
    assert rc.figures(worked, role="committee", now=NOW, k=3)["k"] is None  # who works cases sees them all


# --------------------------------------------------------------------------- actions


@pytest.mark.parametrize(
    ("steps", "error"),
    [
        ([("contacted", {}), ("contacted", {})], "is contacted already"),
        ([("resolved", {}), ("not_reachable", {})], "is resolved already: add a note instead"),
        ([("note", {})], "a note needs its text"),
        ([("reassign", {})], "reassigning needs the new owner"),
        ([("reassign", {"owner": "Ops"})], "is Ops's already"),
        ([("call", {})], "'call' is not a case action"),
        ([("note", {"note": "x" * 2001})], "keep it under 2,000"),
    ],
)
def test_actions_that_are_refused(tmp_path: Path, routing, steps, error: str) -> None:
    state = tmp_path / "s.sqlite"
    store.open_cases(model(), state, routing=routing, now=OPENED_AT)
    *ok, (action, kw) = steps
    for a, k in ok:
        store.update_case("c1", a, user="u", role="analyst", path=state, **k)
    with pytest.raises(UserError, match=error):
        store.update_case("c1", action, user="u", role="analyst", path=state, **kw)
    assert len(store.history("c1", state, role="analyst")) == 1 + len(ok)  # nothing half-recorded


def test_actions_are_recorded_with_who_and_when_and_audited(tmp_path: Path, routing) -> None:
    state = tmp_path / "s.sqlite"
    store.open_cases(model(), state, routing=routing, now=OPENED_AT)
    store.update_case("c5", "reassign", user="ana@x.es", role="committee", owner="luis@x.es", now=NOW, path=state)
    store.update_case("c5", "not_reachable", user="luis@x.es", role="analyst", note="no answer twice", now=NOW,
                      path=state)
    store.update_case("c5", "note", user="luis@x.es", role="analyst", note="sent an SMS", now=NOW, path=state)
    store.update_case("c5", "contacted", user="luis@x.es", role="analyst", now=NOW, path=state)
    events = store.history("c5", state, role="analyst")
    assert [(e["who"], e["role"], e["action"], e["old_status"], e["new_status"], e["old_owner"], e["new_owner"], e["note"])
            for e in events[1:]] == [
        ("ana@x.es", "committee", "reassign", "open", "open", "Ops", "luis@x.es", None),
        ("luis@x.es", "analyst", "not_reachable", "open", "not_reachable", "luis@x.es", "luis@x.es", "no answer twice"),
        ("luis@x.es", "analyst", "note", "not_reachable", "not_reachable", "luis@x.es", "luis@x.es", "sent an SMS"),
        ("luis@x.es", "analyst", "contacted", "not_reachable", "contacted", "luis@x.es", "luis@x.es", None),
    ]
    assert all(e["at"] == "2026-03-03T12:00:00" for e in events[1:])
    assert store.get_case("c5", state, role="analyst").closed_at == NOW
    audit = [(e["user"], e["action"]) for e in reversed(app_state.audit_entries(path=state))]
    assert audit == [("system", "cases_opened"), ("ana@x.es", "case_reassign"), ("luis@x.es", "case_not_reachable"),
                     ("luis@x.es", "case_note"), ("luis@x.es", "case_contacted")]
    mine = rc.my_cases(state, role="analyst", me=["LUIS@x.es"], now=NOW)  # owner compared without case
    assert [c.case_id for c in mine] == ["c5"]  # contacted: closed for the rate, still in the owner's queue
    store.update_case("c5", "resolved", user="luis@x.es", role="analyst", now=NOW, path=state)
    assert rc.my_cases(state, role="analyst", me=["luis@x.es"], now=NOW) == []


def test_an_unknown_case(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="there is no case 'nope'"):
        store.update_case("nope", "contacted", user="u", role="analyst", path=tmp_path / "s.sqlite")
    with pytest.raises(UserError, match="there is no case"):
        store.get_case("nope", tmp_path / "s.sqlite", role="analyst")


# --------------------------------------------------------------------------- consent and privacy


def test_pseudonymized_unless_admin(worked: Path) -> None:
    from cxmetrics.core.privacy import pseudonymize

    assert store.get_case("c1", worked, role="admin").person == "P1"
    for role in ("analyst", "committee"):
        assert store.get_case("c1", worked, role=role).person == pseudonymize("P1")
    assert rc.queue_table(store.list_cases(worked, role="analyst", now=NOW), NOW, "en")["customer"].str.startswith(
        "p_").all()


def test_consent_withdrawn_later_keeps_the_case_hidden(worked: Path, routing) -> None:
    later = [(p, p != "P1") for p, _ in CUSTOMERS[:5]] + [("P6", False)]
    res = store.open_cases(model(customers=later), worked, routing=routing, now=NOW)
    assert (res.opened, res.total, res.hidden) == (0, 5, 1)
    for role in ("admin", "analyst", "committee"):
        c1 = store.get_case("c1", worked, role=role)
        assert c1.hidden and c1.person is None and c1.verbatim is None
        assert store.case_person("c1", worked, role=role) is None
    assert rc.figures(worked, role="analyst", now=NOW)["overall"]["cases"] == 5  # still counted
    assert rc.customer_text(store.get_case("c1", worked, role="admin"), "en") == "(hidden: consent withdrawn)"
    # the customer consents again: shown again
    assert store.open_cases(model(), worked, routing=routing, now=NOW).hidden == 0
    assert store.get_case("c1", worked, role="admin").person == "P1"


def test_cases_need_the_role(worked: Path) -> None:
    calls = [
        lambda: store.list_cases(worked, role="executive"),
        lambda: store.get_case("c1", worked, role="executive"),
        lambda: store.history("c1", worked, role="executive"),
        lambda: store.update_case("c5", "contacted", user="x", role="executive", path=worked),
        lambda: store.case_person("c1", worked, role="executive"),
        lambda: rc.owner_summary(worked, role="executive"),
    ]
    for call in calls:
        with pytest.raises(UserError, match="the executive role sees the case figures only"):
            call()
    assert store.get_case("c5", worked, role="admin").status == "open"
    assert rc.figures(worked, role="executive", now=NOW)["overall"]["cases"] == 5


# --------------------------------------------------------------------------- opening across ingests

EVENTS_A = """\
event_id,ts,event_type,channel,anonymous_id,customer_id,journey_id,journey_type,intent,contact_id,survey_type,score,verbatim
a01,2026-02-02T09:00:00Z,page_view,web,,C1,j-1,contract_termination,,,,,
a02,2026-02-02T10:00:00Z,survey_response,web,,C1,j-1,,,,nps,3,Quiero irme
a03,2026-02-02T10:01:00Z,survey_response,web,,C1,j-1,,,,nps,7,
a04,2026-02-02T11:00:00Z,contact,voice,,C2,,,billing,k-1,,,
a05,2026-02-02T12:00:00Z,survey_response,email,,C2,,,,k-1,csat,2,Nadie me explica la factura
a06,2026-02-02T12:01:00Z,survey_response,email,,C2,,,,k-1,csat,3,
a07,2026-02-02T13:00:00Z,survey_response,app,,C3,,,,,ces,3,no consent
a08,2026-02-02T14:00:00Z,login,web,ck-1,C1,,,,,,,
a09,2026-02-02T15:00:00Z,survey_response,web,ck-1,,,,,,nps,6,stitched to C1
a10,2026-02-02T16:00:00Z,survey_response,web,ck-9,,,,,,nps,0,anonymous
"""
EVENTS_B = """\
event_id,ts,event_type,channel,anonymous_id,customer_id,journey_id,journey_type,intent,contact_id,survey_type,score,verbatim
a02,2026-02-02T10:00:00Z,survey_response,web,,C1,j-1,,,,nps,3,Quiero irme
b01,2026-02-03T09:00:00Z,survey_response,app,,C2,,,,,nps,2,
b02,2026-02-03T10:00:00Z,survey_response,web,,C1,,,,,csat,1,
b03,2026-02-03T11:00:00Z,page_view,web,,C1,j-2,billing,,,,,
"""
CUSTOMERS_CSV = """\
customer_id,segment,value_tier,region,plan,consent_analytics
C1,consumer,mid,Madrid,fiber_1gb,true
C2,business,high,Madrid,mobile_pro,true
C3,consumer,low,Madrid,fiber_1gb,false
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in {"a.csv": EVENTS_A, "b.csv": EVENTS_B, "customers.csv": CUSTOMERS_CSV,
                       "withdrawn.csv": CUSTOMERS_CSV.replace("fiber_1gb,true", "fiber_1gb,false"),
                       "broken.csv": "event_id,ts,event_type\nz1,2026-02-03T09:00:00Z,page_view\n"}.items():
        out[name] = tmp_path / name
        out[name].write_text(text)
    return out


def _cases(state: Path) -> dict[str, tuple]:
    with sqlite3.connect(state) as con:
        return {r[0]: tuple(r[1:]) for r in con.execute(
            "SELECT case_id, owner, status, due_at, opened_at FROM cases ORDER BY case_id")}


def test_cases_open_exactly_once_across_reingests_updates_rebuilds_and_failures(
    tmp_path: Path, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    from cxmetrics.serving import pipeline

    monkeypatch.setenv("CXM_INCREMENTAL_MAX_SHARE", "1")  # small batches update incrementally
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    db = tmp_path / "db" / "cxm.duckdb"
    db.parent.mkdir()
    state = app_state.path_for(db)

    first = pipeline.ingest_and_build([files["a.csv"]], files["customers.csv"], db)
    # a02 (NPS 3, C1's journey), a05 (CSAT 2, C2's voice contact) and a09 (NPS 6, cookie
    # stitched to C1); not a03/a06 (not detractors), a07 (C3: no consent), a10 (anonymous)
    assert (first.cases.opened, first.cases.total, first.cases.error) == (3, 3, "")
    opened = _cases(state)
    assert {k: v[0] for k, v in opened.items()} == {
        "a02": "Retention desk", "a05": "B2B care team", "a09": "CX back office"}
    assert opened["a02"][2] == "2026-02-03T10:00:00"  # 24 h after the response

    # work one case: its status must survive everything below
    store.update_case("a05", "contacted", user="ana", role="committee", path=state)
    worked = _cases(state)

    again = pipeline.ingest_and_build([files["a.csv"]], None, db)  # the same file again
    assert again.ingest.loaded == 0 and (again.cases.opened, again.cases.total) == (0, 3)
    assert _cases(state) == worked

    inc = pipeline.ingest_and_build([files["b.csv"]], None, db)  # a02 again + two new detractors
    assert inc.incremental, inc.full_reason
    assert (inc.ingest.duplicates, inc.cases.opened, inc.cases.total) == (1, 2, 5)
    assert sorted(inc.cases.opened_ids) == ["b01", "b02"]
    assert {k: v for k, v in _cases(state).items() if k in worked} == worked

    full = pipeline.rebuild(db, full=True)  # a full rebuild of the model
    assert not full.incremental and (full.cases.opened, full.cases.total) == (0, 5)
    after_rebuild = _cases(state)
    assert {k: v for k, v in after_rebuild.items() if k in worked} == worked

    # a failed ingest: a file rejected whole stores nothing and opens nothing
    with pytest.raises(UserError):
        pipeline.ingest_and_build([files["broken.csv"]], None, db)
    assert _cases(state) == after_rebuild

    # a build that fails after the ingest committed: nothing published, no case opened
    late = tmp_path / "late.csv"
    late.write_text(EVENTS_B.splitlines()[0] + "\nc01,2026-02-04T09:00:00Z,survey_response,web,,C1,,,,,nps,1,\n")

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "update_model", boom)
    with pytest.raises(RuntimeError):
        pipeline.ingest_and_build([late], None, db)
    assert _cases(state) == after_rebuild
    monkeypatch.undo()
    monkeypatch.setenv("CXM_INCREMENTAL_MAX_SHARE", "1")
    retry = pipeline.rebuild(db, full=False)  # the next build opens it, once
    assert (retry.cases.opened_ids, retry.cases.total) == (["c01"], 6)
    assert [e["action"] for e in store.history("a05", state, role="admin")] == ["opened", "contacted"]

    # consent withdrawn by a customers re-ingest: C1's cases stay, hidden
    withdrawn = pipeline.ingest_and_build([], files["withdrawn.csv"], db)
    assert (withdrawn.cases.opened, withdrawn.cases.total, withdrawn.cases.hidden) == (0, 6, 4)
    a02 = store.get_case("a02", state, role="admin")
    assert a02.hidden and a02.person is None and a02.verbatim is None


def test_a_bad_routing_file_opens_nothing_and_does_not_fail_the_ingest(
    tmp_path: Path, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    from cxmetrics.serving import pipeline

    bad = tmp_path / "routing.yaml"
    bad.write_text("rules: []\n")
    monkeypatch.setenv("CXM_ROUTING_PATH", str(bad))
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    db = tmp_path / "cxm.duckdb"
    res = pipeline.ingest_and_build([files["a.csv"]], files["customers.csv"], db)
    assert res.ingest.loaded == 10 and res.cases.opened == 0 and "'default' is missing" in res.cases.error
    bad.write_text(ROUTING)
    assert pipeline.rebuild(db).cases.opened == 3


def test_the_timeline_of_a_case(tmp_path: Path, files: dict[str, Path]) -> None:
    from cxmetrics.serving import pipeline
    from cxmetrics.serving.snapshot import open_snapshot

    db = tmp_path / "cxm.duckdb"
    pipeline.ingest_and_build([files["a.csv"], files["b.csv"]], files["customers.csv"], db)
    state = app_state.path_for(db)
    source = open_snapshot(db, "UTC")
    tl = rc.timeline(source, "a02", state, role="analyst")
    # C1's records: journeys j-1 and j-2, responses a02, a03, a09 (stitched), b02; newest first
    assert list(zip(tl["kind"], tl["record_id"], strict=True)) == [
        ("journey", "j-2"), ("survey", "b02"), ("survey", "a09"), ("survey", "a03"), ("survey", "a02"),
        ("journey", "j-1")]
    assert tl["this_case"].tolist() == [False, False, False, False, True, False]
    shown = rc.timeline_display(tl, "es")
    assert shown["what"].iloc[4] == "▶ NPS 3 (este caso)" and shown["detail"].iloc[4] == "Quiero irme"
    assert shown["what"].iloc[0] == "Recorrido: billing"
    contact = rc.timeline(source, "a05", state, role="analyst")  # C2: the voice contact and two responses
    assert contact["kind"].tolist() == ["survey", "survey", "survey", "contact"]
    assert rc.timeline(source, "a02", state, role="analyst", days_before=0)["record_id"].tolist()[-1] == "a02"
    detail = rc.case_detail(source, "a05", state, role="committee", lang="es", routing=load_routing())
    assert detail.playbook.startswith("Llama al contacto de la cuenta") and detail.route_rule == "business"
    shown = rc.show_json(source, "a05", state, role="analyst", routing=load_routing(), now=dt("2026-02-02 20:00:00"))
    assert shown["case"]["overdue"] is False and shown["case"]["person"].startswith("p_")
    assert shown["timeline"][-1]["kind"] == "contact" and set(shown["playbook"]) == {"en", "es"}


def test_make_run_opens_cases_on_first_build(demo_db: Path) -> None:
    """The demo database is built by ``ingest_and_build`` (as ``make run``'s ``cxm demo``):
    its cases are there from the first build."""
    state = app_state.path_for(demo_db)
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        qualifying = len(con.execute(store.qualifying_sql(con)).fetchall())
    finally:
        con.close()
    assert qualifying > 100
    assert store.count_cases(state, role="admin") == qualifying
