"""cxmetrics.reports.journeys on a tiny literal dataset, against numbers counted by hand.

The dataset (26 events, all UTC, D1 = Monday 2026-01-05):

Journeys (page views and goals)
  J1 plan_change web: landing 09:00:00, plan_compare +60 s, checkout +120 s, goal +180 s,
     confirm +240 s (after the goal: not a step before the goal)
  J2 plan_change web: landing 10:00:00, plan_compare +30 s            (not completed)
  J3 plan_change app: landing 11:00:00, checkout +100 s                (not completed)
  J4 billing web, 2026-01-15 12:00: landing, goal +60 s (the latest event: as_of)

Contacts (person = customer id)
  K1 chatbot c1 billing  D1 09:00, handoff 09:05, agent 09:07          -> connected
  K2 chatbot c2 billing  D1 10:00, agent 10:01 (before!), handoff 10:02 -> abandoned
  K3 ivr     c3 tech     D1 11:00, handoff 11:01, agent 11:03          -> connected
  K4 ivr     c1 tech     D1 12:00                                      (not handed off)
  K5 voice   c2 billing  D2 09:00     repeat of K2 after 23 h
  K6 voice   c3 tech     D1+3d 11:00  repeat of K3 after 72 h
  K7 chatbot c1 billing  D1+2d 09:00  repeat of K1 after 48 h
  K8 ivr     c2 tech     D1 13:00
  K9 voice   c2 tech     D1 15:00     repeat of K8 after 2 h

FCR episodes (as_of 2026-01-15 12:01, every 7-day window closed): (c1 billing: K1+K7),
(c2 billing: K2+K5), (c3 tech: K3+K6), (c1 tech: K4 alone), (c2 tech: K8+K9) -> 5 eligible,
1 resolved. Repeat paths: chatbot → chatbot (48 h), chatbot → voice (23 h),
ivr → voice x2 (72 h, 2 h; median 37 h).
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from cxmetrics.metrics import engine as metrics
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.reports import journeys as jr
from cxmetrics.serving.pipeline import ingest_and_build
from cxmetrics.serving.snapshot import open_snapshot

COLUMNS = [
    "event_id",
    "ts",
    "event_type",
    "channel",
    "customer_id",
    "anonymous_id",
    "journey_id",
    "journey_type",
    "intent",
    "contact_id",
    "step",
]
D1 = "2026-01-05"


def _pv(eid, ts, ch, anon, jid, jtype, step):
    return [eid, ts, "page_view", ch, "", anon, jid, jtype, "", "", step]


def _goal(eid, ts, ch, anon, jid):
    return [eid, ts, "journey_goal", ch, "", anon, jid, "", "", "", ""]


def _contact(eid, ts, ch, cust, intent, cid):
    return [eid, ts, "contact", ch, cust, "", "", "", intent, cid, ""]


def _ev(eid, ts, kind, ch, cid):
    return [eid, ts, kind, ch, "", "", "", "", "", cid, ""]


ROWS = [
    _pv("e01", f"{D1}T09:00:00", "web", "a1", "J1", "plan_change", "landing"),
    _pv("e02", f"{D1}T09:01:00", "web", "a1", "J1", "", "plan_compare"),
    _pv("e03", f"{D1}T09:02:00", "web", "a1", "J1", "", "checkout"),
    _goal("e04", f"{D1}T09:03:00", "web", "a1", "J1"),
    _pv("e05", f"{D1}T09:04:00", "web", "a1", "J1", "", "confirm"),
    _pv("e06", f"{D1}T10:00:00", "web", "a2", "J2", "plan_change", "landing"),
    _pv("e07", f"{D1}T10:00:30", "web", "a2", "J2", "", "plan_compare"),
    _pv("e08", f"{D1}T11:00:00", "app", "a3", "J3", "plan_change", "landing"),
    _pv("e09", f"{D1}T11:01:40", "app", "a3", "J3", "", "checkout"),
    _pv("e10", "2026-01-15T12:00:00", "web", "a4", "J4", "billing", "landing"),
    _goal("e11", "2026-01-15T12:01:00", "web", "a4", "J4"),
    _contact("k1", f"{D1}T09:00:00", "chatbot", "c1", "billing", "K1"),
    _ev("k1h", f"{D1}T09:05:00", "handoff_requested", "chatbot", "K1"),
    _ev("k1a", f"{D1}T09:07:00", "agent_connected", "chatbot", "K1"),
    _contact("k2", f"{D1}T10:00:00", "chatbot", "c2", "billing", "K2"),
    _ev("k2a", f"{D1}T10:01:00", "agent_connected", "chatbot", "K2"),
    _ev("k2h", f"{D1}T10:02:00", "handoff_requested", "chatbot", "K2"),
    _contact("k3", f"{D1}T11:00:00", "ivr", "c3", "technical_support", "K3"),
    _ev("k3h", f"{D1}T11:01:00", "handoff_requested", "ivr", "K3"),
    _ev("k3a", f"{D1}T11:03:00", "agent_connected", "ivr", "K3"),
    _contact("k4", f"{D1}T12:00:00", "ivr", "c1", "technical_support", "K4"),
    _contact("k5", "2026-01-06T09:00:00", "voice", "c2", "billing", "K5"),
    _contact("k6", "2026-01-08T11:00:00", "voice", "c3", "technical_support", "K6"),
    _contact("k7", "2026-01-07T09:00:00", "chatbot", "c1", "billing", "K7"),
    _contact("k8", f"{D1}T13:00:00", "ivr", "c2", "technical_support", "K8"),
    _contact("k9", f"{D1}T15:00:00", "voice", "c2", "technical_support", "K9"),
]
ALL = FilterSpec()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("journeys_report")
    path = root / "events.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(ROWS)
    result = ingest_and_build([path], None, root / "cxm.duckdb")
    assert result.ingest.loaded == len(ROWS) == 26
    return open_snapshot(root / "cxm.duckdb")


def _records(df, *cols):
    """Rows as tuples; a missing value (NaN, pandas' NA, an empty string cell) as None."""
    return [tuple(None if pd.isna(v) else v for v in r) for r in df[list(cols)].itertuples(index=False)]


# --------------------------------------------------------------------------- journeys


def test_journey_completion_by_type_and_channel(source) -> None:
    df = jr.journey_completion(source, ALL, role="analyst")
    # billing/web: J4 completed (1/1); plan_change/app: J3 not (0/1); plan_change/web: J1 of J1, J2 (1/2)
    assert _records(df, "journey_type", "channel", "n", "completed") == [
        ("billing", "web", 1, 1),
        ("plan_change", "app", 1, 0),
        ("plan_change", "web", 2, 1),
    ]
    assert df["value"].round(6).tolist() == [100.0, 0.0, 50.0]
    half = df.iloc[2]  # Wilson for 1/2: centre 0.5, half-width 1.96·sqrt(0.125+0.9604/16)/1.9604
    assert (round(half["ci_low"], 2), round(half["ci_high"], 2)) == (9.45, 90.55)


def test_journey_types_follow_the_filter(source) -> None:
    assert jr.journey_types(source, ALL) == ["billing", "plan_change"]
    # a time dimension is filtered through dim_sql over the record's day: J4 is on 2026-01-15
    assert jr.journey_types(source, FilterSpec(dims={"day": [D1]})) == ["plan_change"]
    assert jr.journey_types(source, FilterSpec(dims={"channel": ["app"]})) == ["plan_change"]


def test_step_funnel_orders_steps_by_median_time_and_ends_with_the_goal(source) -> None:
    df = jr.step_funnel(source, ALL, "plan_change", role="analyst")
    # started: J1, J2, J3 = 3. landing: all 3 at 0 s; plan_compare: J1 (60 s), J2 (30 s) -> 2,
    # median 45 s; checkout: J1 (120 s), J3 (100 s) -> 2, median 110 s; 'confirm' came after
    # J1's goal and is not a step before it; goal: J1 -> 1.
    assert _records(df, "stage", "is_goal", "journeys") == [
        ("landing", False, 3),
        ("plan_compare", False, 2),
        ("checkout", False, 2),
        (jr.GOAL_STAGE, True, 1),
    ]
    assert df["median_seconds"].tolist()[:3] == [0.0, 45.0, 110.0]
    assert df["share"].round(4).tolist() == [1.0, 0.6667, 0.6667, 0.3333]
    assert set(df["journeys_started"]) == {3}
    # the goal stage equals the journey_completion KPI's successes for that type
    kpi = metrics.kpi_stats(source, ["journey_completion"], ["journey_type"], ALL)
    assert {g.group["journey_type"]: (g.n, g.s1) for g in kpi}["plan_change"] == (3, 1.0)


def test_step_funnel_applies_the_filter(source) -> None:
    web = jr.step_funnel(source, FilterSpec(dims={"channel": ["web"]}), "plan_change", role="analyst")
    # web only: J1, J2 -> landing 2, plan_compare 2, checkout 1 (J1), goal 1
    assert _records(web, "stage", "journeys") == [
        ("landing", 2),
        ("plan_compare", 2),
        ("checkout", 1),
        (jr.GOAL_STAGE, 1),
    ]
    assert web["share"].tolist() == [1.0, 1.0, 0.5, 0.5]
    # the chosen journey type replaces a journey_type filter; no journey in range -> empty
    assert jr.step_funnel(source, FilterSpec(dims={"journey_type": ["billing"]}), "billing", role="analyst")[
        "journeys"
    ].tolist() == [1, 1]
    assert jr.step_funnel(source, FilterSpec(date_from="2026-01-10"), "plan_change", role="analyst").empty


# --------------------------------------------------------------------------- bot → agent


def test_bot_channels_are_the_channels_with_a_handoff(source) -> None:
    assert jr.bot_channels(source) == ["chatbot", "ivr"]


def test_handoff_funnel_by_channel(source) -> None:
    df = jr.handoff_funnel(source, ALL, "channel", role="analyst")
    # chatbot: K1, K2, K7 -> handed off K1, K2; connected K1; abandoned K2 (its agent came
    # before the handoff). ivr: K3, K4, K8 -> handed off K3, connected. voice is not a bot channel.
    assert _records(df, "channel", "contacts", "handed_off", "connected", "abandoned") == [
        ("chatbot", 3, 2, 1, 1),
        ("ivr", 3, 1, 1, 0),
    ]
    assert df["handoff_share"].round(4).tolist() == [0.6667, 0.3333]
    # the KPI beside it: n = handed off, value = abandoned / handed off
    assert df["n"].tolist() == df["handed_off"].tolist()
    assert df["value"].tolist() == [50.0, 0.0]


def test_handoff_funnel_by_intent_and_overall_match_the_kpi(source) -> None:
    by_intent = jr.handoff_funnel(source, ALL, "intent", role="analyst")
    # billing: K1, K2, K7 (chatbot) -> 2 handed off, 1 connected, 1 abandoned;
    # technical_support on bot channels: K3, K4, K8 -> 1 handed off, connected. Tie on contacts: by name.
    assert _records(by_intent, "intent", "contacts", "handed_off", "connected", "abandoned") == [
        ("billing", 3, 2, 1, 1),
        ("technical_support", 3, 1, 1, 0),
    ]
    total = jr.handoff_funnel(source, ALL, None, role="analyst")
    assert _records(total, "contacts", "handed_off", "connected", "abandoned") == [(6, 3, 2, 1)]
    (kpi,) = metrics.kpi_stats(source, ["handoff_abandonment"], [], ALL)
    row = total.iloc[0]
    assert kpi.n == row["n"] == row["handed_off"] == 3
    assert kpi.s1 == row["abandoned"] == 1
    assert row["value"] == pytest.approx(100 / 3) == kpi.estimate.value
    assert (row["ci_low"], row["ci_high"]) == (kpi.estimate.ci_low, kpi.estimate.ci_high)


def test_handoff_funnel_on_a_slice_without_bot_contacts(source) -> None:
    assert jr.handoff_funnel(source, FilterSpec(dims={"channel": ["voice"]}), None, role="analyst").empty
    assert jr.handoff_funnel(source, FilterSpec(dims={"channel": ["voice"]}), "channel", role="analyst").empty


# --------------------------------------------------------------------------- FCR and repeat paths


def test_fcr_by_channel_and_overall(source) -> None:
    df = jr.fcr_by(source, ALL, "channel", role="analyst")
    # ivr: K3 (repeat), K4 (resolved), K8 (repeat) -> 1/3; chatbot: K1, K2 (both repeated) -> 0/2
    assert _records(df, "channel", "n", "resolved") == [("ivr", 3, 1), ("chatbot", 2, 0)]
    assert jr.fcr_overall(source, ALL, role="analyst") | {"value": None, "ci_low": None, "ci_high": None} == {
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "n": 5,
        "resolved": 1,
        "repeated": 4,
        "suppressed": None,
    }
    assert jr.fcr_overall(source, ALL, role="analyst")["value"] == pytest.approx(20.0)


def test_repeat_paths(source) -> None:
    df = jr.repeat_paths(source, ALL, role="analyst")
    assert _records(df, "path", "first_channel", "repeat_channel", "episodes") == [
        ("ivr → voice", "ivr", "voice", 2),
        ("chatbot → chatbot", "chatbot", "chatbot", 1),
        ("chatbot → voice", "chatbot", "voice", 1),
    ]
    assert df["share_of_episodes"].tolist() == [0.4, 0.2, 0.2]  # of 5 eligible episodes
    assert df["share_of_repeats"].tolist() == [0.5, 0.25, 0.25]  # of 4 with a repeat
    assert df["median_hours_to_repeat"].tolist() == [37.0, 48.0, 23.0]  # median(72, 2) = 37
    # paths partition the repeated episodes: their shares add up to 100 % - FCR
    assert df["episodes"].sum() == jr.fcr_overall(source, ALL, role="analyst")["repeated"]
    assert jr.repeat_paths(source, ALL, top=1, role="analyst")["path"].tolist() == ["ivr → voice"]


def test_repeat_paths_follow_the_filter_and_as_of(source) -> None:
    ivr = jr.repeat_paths(source, FilterSpec(dims={"channel": ["ivr"]}), role="analyst")
    # episodes first on ivr: K3, K4, K8 -> 3 eligible; K3 and K8 came back on voice
    assert _records(ivr, "path", "episodes", "share_of_episodes") == [("ivr → voice", 2, 2 / 3)]
    # as_of 2026-01-12 10:00: only windows closed by then (t0 <= 01-05 10:00): K1, K2 -> both repeated
    early = jr.repeat_paths(source, FilterSpec(as_of="2026-01-12T10:00:00"), role="analyst")
    assert _records(early, "path", "episodes", "share_of_episodes") == [
        ("chatbot → chatbot", 1, 0.5),
        ("chatbot → voice", 1, 0.5),
    ]
    assert jr.repeat_paths(source, FilterSpec(as_of="2026-01-01T00:00:00"), role="analyst").empty


def test_journey_steps_are_unique_per_journey_on_demo_data(demo_db) -> None:
    """step_funnel counts rows as distinct journeys: one row per (journey, step) must hold."""
    source = open_snapshot(demo_db)
    rows, distinct = source.con.execute(
        "SELECT count(*), count(DISTINCT (journey_id, step)) FROM rec_journey_step"
    ).fetchall()[0]
    assert rows > 1000
    assert rows == distinct


# --------------------------------------------------------------------------- k-anonymity


@pytest.fixture
def k2(monkeypatch: pytest.MonkeyPatch):
    """k = 2: the dataset's groups of one person are small, those of two or three are not."""
    from cxmetrics.core.settings import get_settings

    monkeypatch.setenv("CXM_K_ANONYMITY", "2")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_step_funnel_hides_a_small_stage_for_executive(source, k2) -> None:
    # plan_change: landing J1-J3 (3 people: a1-a3), plan_compare J1, J2 (2), checkout J1, J3
    # (2), goal J1 (1 person) -> only the goal is hidden; stages overlap, so no complement
    df = jr.step_funnel(source, ALL, "plan_change", role="executive")
    assert _records(df, "stage", "journeys", "suppressed") == [
        ("landing", 3, None),
        ("plan_compare", 2, None),
        ("checkout", 2, None),
        (jr.GOAL_STAGE, None, "k"),
    ]
    goal = df.iloc[-1]
    assert pd.isna(goal["share"]) and pd.isna(goal["journeys"]) and set(df["journeys_started"]) == {3}
    # the analyst sees the goal stage
    assert jr.step_funnel(source, ALL, "plan_change", role="analyst")["journeys"].tolist() == [3, 2, 2, 1]
    # billing: one journey of one person -> the journeys started too, and so every stage
    billing = jr.step_funnel(source, ALL, "billing", role="committee")
    assert billing["suppressed"].tolist() == ["k", "k"] and billing["journeys_started"].isna().all()
    assert billing["journeys"].isna().all() and billing["share"].isna().all()


def test_step_funnel_bound_and_exact_count_agree(source, k2) -> None:
    bounded = jr.step_funnel(source, ALL, "plan_change", role="executive")
    source.extra["person_bound_2"] = {}  # as for a snapshot without person_load: count every stage
    try:
        exact = jr.step_funnel(source, ALL, "plan_change", role="executive")
    finally:
        source.extra.pop("person_bound_2")
    assert exact.equals(bounded)


def test_handoff_funnel_hides_the_handed_off_part_of_small_groups(source, k2) -> None:
    # contacts: chatbot c1, c2 (2 people), ivr c3, c1, c2 (3): shown. The handoff records
    # carry no identifier (no person: 0 people), so the handed-off part is hidden everywhere.
    df = jr.handoff_funnel(source, ALL, "channel", role="executive")
    assert _records(df, "channel", "contacts", "suppressed", "handoff_suppressed") == [
        ("chatbot", 3, None, "k"),
        ("ivr", 3, None, "k"),
    ]
    for col in ("handed_off", "connected", "abandoned", "handoff_share", "value", "ci_low", "ci_high", "n"):
        assert df[col].isna().all(), col
    total = jr.handoff_funnel(source, ALL, None, role="executive").iloc[0]
    assert total["contacts"] == 6 and pd.isna(total["suppressed"]) and total["handoff_suppressed"] == "k"
    assert pd.isna(total["handed_off"]) and pd.isna(total["value"])
    # the analyst's funnel is the one counted by hand above
    analyst = jr.handoff_funnel(source, ALL, "channel", role="analyst")
    assert _records(analyst, "channel", "handed_off", "abandoned") == [("chatbot", 2, 1), ("ivr", 1, 0)]
    assert analyst["suppressed"].isna().all() and analyst["handoff_suppressed"].isna().all()


def test_handoff_funnel_hides_a_small_row_whole(source) -> None:
    # k = 5: 3 people at most per channel -> both rows and the total hidden, sorted by name
    df = jr.handoff_funnel(source, ALL, "channel", role="executive")
    assert df["channel"].tolist() == ["chatbot", "ivr"] and df["suppressed"].tolist() == ["k", "k"]
    assert df["contacts"].isna().all()
    assert pd.isna(jr.handoff_funnel(source, ALL, None, role="executive").iloc[0]["contacts"])


def test_repeat_paths_complement_protects_the_total(source, k2) -> None:
    # chatbot → chatbot (c1) and chatbot → voice (c2): 1 person each -> "k"; ivr → voice
    # (c3, c2): 2 people, but the repeat-channel line voice = {chatbot → voice hidden,
    # ivr → voice} would give it away from the repeated episodes shown in the caption
    df = jr.repeat_paths(source, ALL, role="executive")
    assert _records(df, "path", "suppressed") == [
        ("chatbot → chatbot", "k"),
        ("chatbot → voice", "k"),
        ("ivr → voice", "complement"),
    ]
    assert df[["episodes", "share_of_episodes", "share_of_repeats", "median_hours_to_repeat"]].isna().all().all()
    # FCR by channel: ivr 3 people, chatbot 2: shown
    assert jr.fcr_by(source, ALL, "channel", role="executive")["suppressed"].isna().all()
    assert jr.fcr_overall(source, ALL, role="executive")["n"] == 5


def test_restricted_views_hide_every_small_group_at_k5(source) -> None:
    completion = jr.journey_completion(source, ALL, role="executive")
    assert completion["suppressed"].notna().all() and completion["value"].isna().all()
    assert completion["completed"].isna().all()
    overall = jr.fcr_overall(source, ALL, role="committee")
    assert overall | {"suppressed": None} == {
        "value": None, "ci_low": None, "ci_high": None, "n": None, "resolved": None, "repeated": None,
        "suppressed": None,
    } and overall["suppressed"] == "k"


def test_record_roles_cost_no_suppression_query(source, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxmetrics.metrics import suppression

    def refuse(*args, **kwargs):
        raise AssertionError("a suppression query for a role with record access")

    for name in ("custom_verdicts", "people_counts", "person_bounds"):
        monkeypatch.setattr(suppression, name, refuse)
    for role in ("analyst", "admin"):
        jr.journey_completion(source, ALL, role=role)
        jr.step_funnel(source, ALL, "plan_change", role=role)
        for by in (None, "channel", "intent"):
            jr.handoff_funnel(source, ALL, by, role=role)
        jr.fcr_by(source, ALL, "channel", role=role)
        jr.fcr_overall(source, ALL, role=role)
        jr.repeat_paths(source, ALL, role=role)


def test_the_views_need_the_role(source) -> None:
    for call in (
        lambda **kw: jr.journey_completion(source, ALL, **kw),
        lambda **kw: jr.step_funnel(source, ALL, "plan_change", **kw),
        lambda **kw: jr.handoff_funnel(source, ALL, "channel", **kw),
        lambda **kw: jr.fcr_overall(source, ALL, **kw),
        lambda **kw: jr.fcr_by(source, ALL, "channel", **kw),
        lambda **kw: jr.repeat_paths(source, ALL, **kw),
    ):
        with pytest.raises(TypeError):
            call()
        assert call(role="executive") is not None
