"""Incident grouping (cxmetrics.analysis.incidents) on literal fixtures.

The rules (module docstring): a slice that explains other signals roots an incident;
signals on one slice with overlapping windows go together; the same KPI alerting on
several values of one dimension at the same time is one incident.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from cxmetrics.analysis.incidents import Signal, SliceStats, group_signals, make_explains, related
from cxmetrics.metrics.compare import Period

D0 = date(2026, 11, 27)
PERIOD = Period(date(2026, 11, 23), date(2026, 12, 6))


def alert(kpi: str, dim: str, value: str | None, since: date = D0, days: int = 3, n: int = 100) -> Signal:
    return Signal("alert", "cusum", kpi, dim, value, since, since + timedelta(days=days - 1), 70.0, 50.0, n, True)


def test_one_outage_alert_in_three_channels_is_one_incident() -> None:
    signals = [alert("fcr", "channel", c, D0 + timedelta(days=i % 2)) for i, c in enumerate(("ivr", "voice", "web"))]
    (group,) = group_signals(signals)
    assert group.dim == "channel" and group.values == ("ivr", "voice", "web")
    assert len(group.signals) == 3


def test_two_unrelated_alerts_are_two_incidents() -> None:
    a = alert("csat", "channel", "store", date(2026, 11, 24))
    b = alert("handoff_abandonment", "channel", "chatbot", date(2026, 12, 2))
    groups = group_signals([a, b])
    assert sorted((g.dim, g.values) for g in groups) == [("channel", ("chatbot",)), ("channel", ("store",))]


@pytest.mark.parametrize(
    ("a", "b", "together"),
    [
        # same slice, overlapping windows, different KPIs: one incident
        (alert("nps", "channel", "ivr"), alert("csat", "channel", "ivr", D0 + timedelta(days=2)), True),
        # same slice, windows apart: two
        (alert("nps", "channel", "ivr"), alert("csat", "channel", "ivr", D0 + timedelta(days=5)), False),
        # same KPI, two values of one dimension, onsets a day apart: one
        (alert("nps", "region", "Madrid"), alert("nps", "region", "Galicia", D0 + timedelta(days=1)), True),
        # ... onsets two days apart: two (a different cause is as likely)
        (alert("nps", "region", "Madrid", days=5), alert("nps", "region", "Galicia", D0 + timedelta(days=2)), False),
        # same KPI, different dimensions, nothing explains one by the other here: two
        (alert("nps", "region", "Madrid"), alert("nps", "channel", "ivr"), False),
    ],
)
def test_related_signals(a: Signal, b: Signal, together: bool) -> None:
    assert related(a, b) is together
    assert (len(group_signals([a, b])) == 1) is together


def test_a_change_has_no_onset_so_rule_three_does_not_join_changes() -> None:
    a = Signal("change", "period", "fcr", "channel", "ivr", PERIOD.start, PERIOD.end, 75, 60, 500, True)
    b = Signal("change", "period", "fcr", "channel", "voice", PERIOD.start, PERIOD.end, 80, 70, 500, True)
    assert len(group_signals([a, b])) == 2


def test_a_root_slice_takes_the_signals_it_explains() -> None:
    outage = alert("fcr", "region", "Andalucía", n=400)
    children = [alert("fcr", "channel", "ivr"), alert("csat", "intent", "technical_support")]
    unrelated = alert("handoff_abandonment", "channel", "chatbot", D0 - timedelta(days=3))
    explained = {("region", "Andalucía"): {children[0], children[1]}}

    def explains(roots, s):
        return any(s.slice == root or s in explained.get(root, set()) for root in roots)

    groups = group_signals([outage, *children, unrelated], explains)
    first = groups[0]
    assert (first.dim, first.values) == ("region", ("Andalucía",))
    assert set(first.signals) == {outage, *children}
    assert [(g.dim, g.values) for g in groups[1:]] == [("channel", ("chatbot",))]


def _stats(rows: list[tuple]) -> SliceStats:
    """A SliceStats over literal daily cells (kpi, channel, intent, region, segment, value_tier, day, n, s1)."""
    data = SliceStats.__new__(SliceStats)
    frame = pd.DataFrame(rows, columns=["kpi", "channel", "intent", "region", "segment", "value_tier", "day", "n",
                                        "s1"]).assign(s2=0.0)
    frame["day"] = frame["day"].map(date.toordinal)
    data.frame, data._series = frame, {}
    return data


def test_explained_by_the_data() -> None:
    """FCR on ivr falls from 80 % to 60 % in the window; all of the fall is in region A's
    ivr contacts (80 % -> 20 %, a third of the records): A explains it, B does not."""
    base_day, win_day = date(2026, 11, 1), D0
    rows = []
    for region, (base_ok, win_ok) in {"A": (80, 20), "B": (80, 80), "C": (80, 80)}.items():
        rows.append(("fcr", "ivr", "billing", region, "consumer", "mid", base_day, 100, base_ok))
        rows.append(("fcr", "ivr", "billing", region, "consumer", "mid", win_day, 100, win_ok))
    data = _stats(rows)
    s = Signal("alert", "point", "fcr", "channel", "ivr", win_day, win_day, 80.0, 60.0, 300, True)
    explains = make_explains(data, PERIOD)
    # the slice's own numbers: 80 % -> 60 %
    n, s1, _ = data.triple("fcr", win_day, win_day, channel="ivr")
    assert (n, 100 * s1 / n) == (300, 60.0)
    assert explains((("region", "A"),), s)  # without A: 80 % -> 80 %, nothing left
    assert not explains((("region", "B"),), s)  # without B: 80 % -> 50 %, worse than before
    assert not explains((("channel", "web"),), s)  # another value of the same dimension
    assert explains((("channel", "ivr"),), s)  # its own slice


def test_two_roots_explain_together_what_neither_explains_alone() -> None:
    """FCR of consumers falls because of region A (outage) and channel chatbot (broken bot):
    removing either alone leaves a significant fall; removing both leaves nothing."""
    base_day, win_day = date(2026, 11, 1), D0
    rows = []
    for region in ("A", "B"):
        for channel in ("chatbot", "ivr"):
            bad = region == "A" or channel == "chatbot"
            rows.append(("fcr", channel, "billing", region, "consumer", "mid", base_day, 400, 320))
            rows.append(("fcr", channel, "billing", region, "consumer", "mid", win_day, 400, 160 if bad else 320))
    data = _stats(rows)
    s = Signal("alert", "cusum", "fcr", "segment", "consumer", win_day, win_day, 80.0, 50.0, 1600, True)
    explains = make_explains(data, PERIOD)
    a, bot = ("region", "A"), ("channel", "chatbot")
    assert not explains((a,), s) and not explains((bot,), s)
    assert explains((a, bot), s)
    # the left share without each root: (B,ivr) 80 % vs baseline 80 % is all that is left jointly
    assert explains.left_share(a, s) == pytest.approx(explains.left_share(bot, s))
