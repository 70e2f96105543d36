"""The committee review's "Operations and churn" section (``reports.ops_review``) and its
pack pages (``reports.pack.ops``): its words on literal rows computed by hand, then its
numbers against ``metrics.kpi_stats`` on ``demo_db`` (3,000 customers to 2026-03-01) and
its k-anonymity for the committee role."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from scipy.stats import false_discovery_control

from cxmetrics.metrics import quantiles
from cxmetrics.metrics.compare import Period, last_closed_period
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS, OPS_KPIS
from cxmetrics.reports import ops_review
from cxmetrics.reports.pack import ops as pack_ops
from cxmetrics.reports.review import review_data
from cxmetrics.serving.snapshot import open_snapshot


def _row(kpi: str, **figures) -> dict:
    base = {"kpi": kpi, "kind": KPIS[kpi].kind, "unit": KPIS[kpi].unit, "tested": KPIS[kpi].tested,
            "current": None, "current_ci": [None, None], "current_n": None, "previous": None,
            "previous_ci": [None, None], "previous_n": None, "diff": None, "diff_ci": [None, None], "p_value": None,
            "q_value": None, "significant": False, "improved": None, "p90": None, "previous_p90": None,
            "suppressed": None, "previous_suppressed": None}
    return base | figures


# 120 of 200 bot/IVR contacts contained now (60 %), 90 of 200 before (45 %): +15 pp.
CONTAINMENT = _row("containment", current=60.0, current_ci=[53.1, 66.5], current_n=200, previous=45.0,
                   previous_ci=[38.3, 51.9], previous_n=200, diff=15.0, diff_ci=[5.3, 24.1], p_value=0.0026,
                   q_value=0.0052, significant=True, improved=True)
# answered in 4.25 min (p90 9.5) now, 3.5 (p90 7.0) before: slower, no test
TIME_TO_ANSWER = _row("time_to_answer", current=4.25, current_ci=[3.9, 4.6], current_n=237, previous=3.5,
                      previous_ci=[3.2, 3.8], previous_n=206, diff=0.75, improved=False, p90=9.5, previous_p90=7.0)
VOLUME = _row("contact_volume", current=1257.0, current_n=1257, previous=918.0, previous_n=918, diff=339.0,
              improved=False)
CHURN_HIDDEN = _row("churn_after_bad_experience", suppressed="k", previous=2.5, previous_ci=[0.4, 13.2],
                    previous_n=40)


def test_the_rows_in_words_by_hand() -> None:
    en = ops_review.display_rows([CONTAINMENT, TIME_TO_ANSWER, VOLUME, CHURN_HIDDEN], "en")
    assert en[0] == {"kpi": "Containment", "previous_s": "45.0%", "previous_ci": "38.3% – 51.9%", "previous_n": "200",
                     "current_s": "60.0%", "current_ci": "53.1% – 66.5%", "current_n": "200", "diff_s": "+15.0 pp",
                     "diff_ci": "+5.3 pp … +24.1 pp", "q": "0.005", "significant": "yes", "direction": "▲ better"}
    # a median: its p90 beside the value, a change without interval or test; lower is better
    assert en[1]["current_s"] == "4.2 min · p90 9.5 min" and en[1]["previous_s"] == "3.5 min · p90 7.0 min"
    assert (en[1]["diff_s"], en[1]["diff_ci"], en[1]["q"], en[1]["significant"], en[1]["direction"]) == (
        "+0.8 min", "—", "no test", "—", "▲ worse")
    # a count: whole numbers, no interval, no test
    assert (en[2]["current_s"], en[2]["current_ci"], en[2]["current_n"], en[2]["diff_s"], en[2]["q"]) == (
        "1,257", "—", "1,257", "+339", "no test")
    # hidden from the role (fewer than k people): the label, no n, no change
    assert en[3]["current_s"] == "suppressed (fewer than 5 people)" and en[3]["current_n"] == "—"
    assert en[3]["diff_s"] == "—" and en[3]["previous_s"] == "2.5%"
    es = ops_review.display_rows([CONTAINMENT, TIME_TO_ANSWER, VOLUME], "es")
    assert (es[0]["current_s"], es[0]["diff_s"], es[0]["q"], es[0]["direction"]) == (
        "60,0 %", "+15,0 p. p.", "0,005", "▲ mejor")
    assert es[1]["current_s"] == "4,2 min · p90 9,5 min" and es[1]["q"] == "sin prueba"
    assert es[2]["current_s"] == "1.257"
    assert ops_review.any_suppressed([CONTAINMENT, CHURN_HIDDEN]) and not ops_review.any_suppressed([CONTAINMENT])


def test_the_pack_section_by_hand() -> None:
    data = {"operations": [CONTAINMENT, TIME_TO_ANSWER, CHURN_HIDDEN], "k_anonymity": 5}
    html = pack_ops.section_html(data, "en")
    assert html.startswith('<section id="operations" class="newpage"><h2>Operations and churn</h2>')
    assert '<tr class="sig">' in html and html.count('<tr class="sig">') == 1  # containment only
    assert '<span class="better">+15.0 pp<br><span class="muted">+5.3 pp … +24.1 pp</span></span>' in html
    assert '4.2 min<br><span class="muted">3.9 min – 4.6 min</span><br><span class="muted">p90 9.5 min</span>' in html
    assert "suppressed (fewer than 5 people)" in html and "k-anonymity: built for a role" in html  # the note
    assert "q = Benjamini–Hochberg over these 2 tested KPIs" in html
    es = pack_ops.section_html(data, "es")
    assert "<h2>Operaciones y bajas</h2>" in es and "60,0 %" in es and "sin prueba" in es
    assert pack_ops.section_html({}, "en") == ""  # a review made before the section existed


# --------------------------------------------------------------------------- the engine's numbers


@pytest.fixture(scope="module")
def demo(demo_db: Path):
    source = open_snapshot(demo_db)
    return source, last_closed_period(source)


def test_operations_equal_kpi_stats(demo) -> None:
    source, period = demo
    assert period.start == date(2026, 2, 16)
    rows = ops_review.operations(source, period, role="analyst")
    assert [r["kpi"] for r in rows] == list(OPS_KPIS)
    sides = {}
    for name, p in (("current", period), ("previous", period.previous())):
        spec = FilterSpec(date_from=p.start, date_to=p.end)
        sides[name] = {g.kpi: g for g in kpi_stats(source, OPS_KPIS, [], spec)}
    for r in rows:
        k = r["kpi"]
        for name in ("current", "previous"):
            g = sides[name][k]
            assert r[name] == pytest.approx(g.estimate.value) and r[f"{name}_n"] == g.n, (k, name)
            assert r[f"{name}_ci"] == [g.estimate.ci_low, g.estimate.ci_high]
        cur, prev = sides["current"][k], sides["previous"][k]
        if KPIS[k].kind == "median":
            assert r["p90"] == pytest.approx(quantiles.percentile(cur.dist, 0.9))
            assert r["previous_p90"] == pytest.approx(quantiles.percentile(prev.dist, 0.9))
            assert r["diff"] == pytest.approx(cur.estimate.value - prev.estimate.value)
        else:
            assert r["p90"] is None
        if KPIS[k].tested:
            d = KPIS[k].difference(cur.triple, prev.triple)
            assert [r["diff"], *r["diff_ci"], r["p_value"]] == pytest.approx([d.diff, d.ci_low, d.ci_high, d.p_value])
        else:  # a count and a median: no interval, no test, never significant
            assert r["diff_ci"] == [None, None] and r["q_value"] is None and not r["significant"]
    if "contact_volume" in OPS_KPIS:
        volume = next(r for r in rows if r["kpi"] == "contact_volume")
        assert volume["diff"] == sides["current"]["contact_volume"].n - sides["previous"]["contact_volume"].n
    # one Benjamini–Hochberg family over the tested KPIs (scipy)
    tested = [r for r in rows if r["tested"]]
    q = false_discovery_control([r["p_value"] for r in tested], method="bh")
    assert [r["q_value"] for r in tested] == pytest.approx(list(q))
    # review_data carries it under one key
    data = review_data(source, period, role="analyst")
    assert data["operations"] == rows


def test_operations_as_the_committee_sees_them(demo) -> None:
    source, period = demo
    # a narrow slice: few people, so some KPIs fall under k for the committee
    spec = FilterSpec(dims={"segment": ("business",), "region": ("Andalucía",), "plan": ("convergent_plus",)})
    rows = ops_review.operations(source, period, spec, role="committee")
    full = ops_review.operations(source, period, spec, role="analyst")
    seen = {g.kpi: g for g in kpi_stats(source, OPS_KPIS, [], spec.model_copy(
        update={"date_from": period.start, "date_to": period.end}), role="committee")}
    hidden = [r for r in rows if r["suppressed"]]
    assert hidden and len(hidden) < len(rows), [(r["kpi"], r["current_n"]) for r in full]
    for r in rows:
        g = seen.get(r["kpi"])
        assert r["suppressed"] == (g.suppressed if g else None)
        if r["suppressed"]:
            assert (r["current"], r["current_n"], r["current_ci"], r["p90"], r["diff"]) == (None, None, [None, None],
                                                                                         None, None)
        else:
            assert r["current_n"] == next(f["current_n"] for f in full if f["kpi"] == r["kpi"])


def test_operations_of_data_without_customers(tmp_path: Path) -> None:
    """Anonymous survey answers only: no customer is ever active, so no churn record (the
    churn KPIs used to refuse a snapshot whose activity table is empty)."""
    from tests.test_review import build, survey_rows

    db = build(tmp_path, "a", survey_rows("p", "2026-01-25", 40, 20) + survey_rows("c", "2026-02-05", 40, 10))
    source = open_snapshot(db)
    period = Period(date(2026, 2, 2), date(2026, 2, 15))
    rows = {r["kpi"]: r for r in ops_review.operations(source, period, role="analyst")}
    assert set(rows) == set(OPS_KPIS)
    assert rows["churn_rate"]["current_n"] == 0 and rows["churn_rate"]["current"] is None
    assert kpi_stats(source, ["churn_rate"], ["region"], FilterSpec()) == []
