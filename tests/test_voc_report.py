"""The Voice of the customer page's figures (``reports.voc``, ``reports.voc_text``):
against ``metrics.kpi_stats`` and hand computation on the demo fixture, one BH family per
table, the roles (no comments for the executive, k-anonymity), consent, markup in a
comment kept as text, the incident cards' themes and the exports' theme/sentiment columns.
"""

from __future__ import annotations

import csv
import math
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from cxmetrics.core.errors import UserError
from cxmetrics.core.privacy import pseudonymize
from cxmetrics.metrics import stats
from cxmetrics.metrics.compare import last_closed_period
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.reports import voc, voc_tables, voc_text
from cxmetrics.reports.export import export_cohort, preview
from cxmetrics.serving.pipeline import ingest_and_build
from cxmetrics.serving.snapshot import open_database_source, open_snapshot
from cxmetrics.text import analyze

pytest.importorskip("cxmetrics.synth")

MIN_N, ALPHA = 30, 0.05


@pytest.fixture(scope="module")
def demo(demo_db: Path):
    source = open_snapshot(demo_db)
    period = last_closed_period(source)
    return source, period, FilterSpec(date_from=period.start, date_to=period.end)


def _nps(rows: list[tuple[int]]) -> tuple[int, int, int]:
    """(promoters, detractors, n) of scores."""
    scores = [r[0] for r in rows]
    return sum(s >= 9 for s in scores), sum(s <= 6 for s in scores), len(scores)


# --------------------------------------------------------------------------- ranking


def test_ranking_equals_the_engine_and_a_hand_count(demo) -> None:
    source, period, spec = demo
    ranking = voc.theme_ranking(source, "nps", spec, MIN_N, ALPHA, role="analyst")
    themes = voc.verbatim_themes(source)
    by_theme = {g.group["theme"]: g for g in kpi_stats(source, ["nps"], ["theme"], spec)}
    written = {k: g for k, g in by_theme.items() if k not in ("none", "unknown")}
    total = sum(g.n for g in written.values())
    assert set(ranking["theme"]) == set(written) and set(written) <= set(themes)
    assert ranking["n"].tolist() == sorted(ranking["n"], reverse=True)
    # the same figures straight from the records, by hand
    rows = source.con.execute(
        "SELECT theme, score FROM rec_survey WHERE survey_type = 'nps' AND theme NOT IN ('none', 'unknown') "
        "AND local_day(t) BETWEEN ? AND ?", [period.start, period.end]).fetchall()
    assert len(rows) == total
    for r in ranking.itertuples():
        mine = [(s,) for th, s in rows if th == r.theme]
        rest = [(s,) for th, s in rows if th != r.theme]
        p, d, n = _nps(mine)
        rp, rd, rn = _nps(rest)
        assert r.n == n == written[r.theme].n
        assert r.share == pytest.approx(100 * n / total)
        assert r.value == pytest.approx(100 * (p - d) / n)
        assert r.rest_n == rn and r.rest_value == pytest.approx(100 * (rp - rd) / rn)
        diff = stats.nps_difference((p, d, n), (rp, rd, rn))
        assert (r.diff, r.diff_ci_low, r.diff_ci_high, r.p_value) == pytest.approx(
            (diff.diff, diff.ci_low, diff.ci_high, diff.p_value))
        low, high = stats.wilson_interval(n, total)
        assert (r.share_ci_low, r.share_ci_high) == pytest.approx((100 * low, 100 * high))
    # one BH family: the table's own p-values
    assert ranking["q_value"].tolist() == pytest.approx(stats.bh_qvalues(ranking["p_value"].tolist()))
    for r in ranking.itertuples():
        assert r.significant == (r.q_value < ALPHA and r.n >= MIN_N and r.rest_n >= MIN_N)
        assert r.direction == (("up" if r.diff > 0 else "down") if r.significant else "")


def test_the_sidebar_theme_filter_chooses_rows_not_the_denominator(demo) -> None:
    source, _, spec = demo
    full = voc.theme_ranking(source, "nps", spec, MIN_N, ALPHA, role="analyst").set_index("theme")
    two = voc.theme_ranking(source, "nps", spec.with_dims(theme=("billing", "coverage_outage")), MIN_N, ALPHA,
                            role="analyst").set_index("theme")
    assert sorted(two.index) == ["billing", "coverage_outage"]
    for k in two.index:  # same share and rest as with every theme shown ...
        assert (two.at[k, "share"], two.at[k, "rest_n"], two.at[k, "diff"]) == pytest.approx(
            (full.at[k, "share"], full.at[k, "rest_n"], full.at[k, "diff"]))
    # ... but the BH family is the two rows shown
    assert two["q_value"].tolist() == pytest.approx(stats.bh_qvalues(two["p_value"].tolist()))


def test_totals_and_unknown_survey(demo) -> None:
    source, _, spec = demo
    totals = voc.verbatim_totals(source, "csat", spec, role="analyst")
    (everyone,) = kpi_stats(source, ["csat"], [], spec)
    written = sum(g.n for g in kpi_stats(source, ["csat"], ["theme"], spec) if g.group["theme"] != "none")
    assert (totals.responses, totals.with_verbatim) == (everyone.n, written)
    with pytest.raises(UserError):
        voc.theme_ranking(source, "fcr", spec, MIN_N, ALPHA, role="analyst")


# --------------------------------------------------------------------------- sentiment, heatmap


def test_sentiment_mix_adds_up(demo) -> None:
    source, _, spec = demo
    mix = voc.sentiment_mix(source, "nps", spec, role="analyst")
    cells = {(g.group["theme"], g.group["sentiment"]): g.n for g in kpi_stats(source, ["nps"], ["theme", "sentiment"], spec)}
    for theme, part in mix.groupby("theme"):
        assert part["share"].sum() == pytest.approx(100.0)
        assert part["n"].sum() == part["theme_n"].iloc[0]
        if theme != "all":
            for r in part.itertuples():
                assert r.n == cells.get((theme, r.sentiment), 0)
    overall = mix[mix["theme"] == "all"].set_index("sentiment")["n"]
    assert overall.sum() == voc.verbatim_totals(source, "nps", spec, role="analyst").with_verbatim


def test_theme_by_channel_cells(demo) -> None:
    source, _, spec = demo
    cells = voc.theme_channel_cells(source, "nps", spec, MIN_N, role="analyst")
    per = {(g.group["theme"], g.group["channel"]): g for g in kpi_stats(source, ["nps"], ["channel", "theme"], spec)}
    for _channel, part in cells.groupby("channel"):
        assert part["share"].sum() == pytest.approx(100.0)  # a channel's comments over its themes
        assert part["n"].sum() == part["channel_n"].iloc[0]
    for r in cells.itertuples():
        g = per.get((r.theme, r.channel))
        assert r.n == (g.n if g else 0)
        assert (r.value if g else None) == (pytest.approx(g.estimate.value) if g else None)
        assert r.enough_share == (r.channel_n >= MIN_N) and r.enough_value == (r.n >= MIN_N)


# --------------------------------------------------------------------------- trends


def test_trends_against_the_previous_period(demo) -> None:
    source, period, spec = demo
    tr = voc.theme_trends(source, "nps", spec, period, MIN_N, ALPHA, role="analyst")
    prev = period.previous()
    assert (tr.period, tr.previous) == (period, prev)

    def counts(p):
        rows = source.con.execute(
            "SELECT theme, score FROM rec_survey WHERE survey_type = 'nps' AND theme NOT IN ('none', 'unknown') "
            "AND local_day(t) BETWEEN ? AND ?", [p.start, p.end]).fetchall()
        return rows, len(rows)

    (now, n_now), (before, n_before) = counts(period), counts(prev)
    assert (tr.total, tr.prev_total) == (n_now, n_before)
    rows = tr.rows
    for r in rows.itertuples():
        a = sum(th == r.theme for th, _ in now)
        b = sum(th == r.theme for th, _ in before)
        assert (r.n, r.prev_n) == (a, b)
        d = stats.rate_difference((a, n_now), (b, n_before))
        assert (r.share_diff, r.share_p) == pytest.approx((d.diff, d.p_value))
        v = stats.nps_difference(_nps([(s,) for th, s in now if th == r.theme]),
                                 _nps([(s,) for th, s in before if th == r.theme]))
        if v.diff is None:
            assert r.value_diff is None or math.isnan(r.value_diff)
        else:
            assert r.value_diff == pytest.approx(v.diff)
    # two BH families across the themes: shares, and NPS values
    assert rows["share_q"].tolist() == pytest.approx(stats.bh_qvalues(rows["share_p"].tolist()))
    value_p = [None if p != p else p for p in rows["value_p"]]
    expected = stats.bh_qvalues(value_p)
    assert [None if q != q else q for q in rows["value_q"]] == [pytest.approx(q) if q is not None else None
                                                                 for q in expected]
    assert rows["share_diff"].tolist() == sorted(rows["share_diff"], reverse=True)  # rising first
    # the planted outage: its share of comments rises significantly in the last closed period
    outage = rows.set_index("theme").loc["coverage_outage"]
    assert outage["share_significant"] and outage["share_direction"] == "up"
    assert voc_tables.trend_summary(rows, "en")[0].startswith("Coverage and outages ▲")


def test_bot_theme_rises_on_every_survey_together(demo) -> None:
    """incident_themes over all surveys, the chatbot slice: the bot theme rises after the release."""
    source, period, _ = demo
    incident = {"dimension": "channel", "values": ["chatbot"], "onset": period.start.isoformat(),
                "until": period.end.isoformat()}
    out = voc.incident_themes(source, incident, "analyst", top=20)
    assert out["window"] == {"from": period.start.isoformat(), "to": period.end.isoformat()}
    assert out["baseline"]["to"] == (period.start - timedelta(days=1)).isoformat()
    rows = {r["theme"]: r for r in out["themes"]}
    hand = source.con.execute(
        "SELECT count(*) FILTER (WHERE local_day(t) BETWEEN ? AND ?), "
        "count(*) FILTER (WHERE local_day(t) BETWEEN ? AND ? AND theme = 'bot_understanding') "
        "FROM rec_survey WHERE channel = 'chatbot' AND theme NOT IN ('none', 'unknown')",
        [period.start, period.end, period.start, period.end]).fetchone()
    assert out["n"] == hand[0] and rows["bot_understanding"]["n"] == hand[1]
    bot = rows["bot_understanding"]
    assert bot["share"] == pytest.approx(100 * hand[1] / hand[0])
    assert bot["diff"] > 0 and bot["labels"] == {"en": "Bot understanding", "es": "Comprensión del asistente virtual"}
    assert [r["n"] for r in out["themes"]] == sorted((r["n"] for r in out["themes"]), reverse=True)
    assert [r["q_value"] for r in out["themes"]] == pytest.approx(stats.bh_qvalues([r["p_value"] for r in out["themes"]]))


def test_incident_themes_top_and_roles(demo) -> None:
    source, period, _ = demo
    incident = {"dimension": "all", "values": [], "onset": (period.start + timedelta(days=4)).isoformat(),
                "until": (period.start + timedelta(days=7)).isoformat()}
    out = voc.incident_themes(source, incident, "executive")
    assert len(out["themes"]) == 3 and out["themes"][0]["theme"] == "coverage_outage"
    assert out["suppressed"] is None


# --------------------------------------------------------------------------- roles and texts


def test_the_executive_sees_no_comment(demo) -> None:
    source, _, spec = demo
    for role in ("executive", "committee"):
        with pytest.raises(UserError):
            voc_text.theme_examples(source, "nps", spec, "billing", None, role=role)
    em = voc_text.emerging_topics(source, spec, role="executive")
    assert all(topic.examples == () for topic in em.topics)
    assert all(n >= 5 for topic in em.topics for _, n in topic.phrases)  # k people behind every phrase
    assert any(topic.examples for topic in voc_text.emerging_topics(source, spec, role="analyst").topics)


def test_examples_are_the_latest_consented_with_pseudonyms(demo) -> None:
    source, period, spec = demo
    rows = voc_text.theme_examples(source, "nps", spec, "coverage_outage", "negative", 10, role="analyst")
    hand = source.con.execute(
        "SELECT record_id, person FROM rec_survey WHERE survey_type = 'nps' AND theme = 'coverage_outage' "
        "AND sentiment = 'negative' AND consent AND local_day(t) BETWEEN ? AND ? ORDER BY t DESC, record_id LIMIT 10",
        [period.start, period.end]).fetchall()
    assert rows["record_id"].tolist() == [r[0] for r in hand]
    assert rows["person"].tolist() == [pseudonymize(r[1]) for r in hand]
    admin = voc_text.theme_examples(source, "nps", spec, "coverage_outage", "negative", 10, role="admin")
    assert admin["person"].tolist() == [r[1] for r in hand]
    counts = voc_text.example_counts(source, "nps", spec, "coverage_outage", "negative")
    assert counts.consented <= counts.total


# a literal fixture: one customer without consent, markup in the comments
COLUMNS = ["event_id", "ts", "event_type", "channel", "customer_id", "contact_id", "intent", "survey_type", "score",
           "verbatim"]
HTML = "<b>Sin internet</b> tres días por la avería, **nadie** avisó <script>alert(1)</script>"
TEXTS = [
    ("s1", "C1", 2, HTML),
    ("s2", "C1", 1, "Me quedé sin internet varios días y nadie avisó."),
    ("s3", "C2", 0, "La avería duró días y no hubo ninguna compensación."),  # C2: no consent
    ("s4", "C1", 10, "El agente fue muy amable, gracias."),
    ("s5", "C2", 9, None),
]


@pytest.fixture(scope="module")
def literal(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("voc_literal")
    events, customers = root / "events.csv", root / "customers.csv"
    with open(events, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for i, (eid, cust, score, text) in enumerate(TEXTS):
            w.writerow([eid, f"2026-03-02T1{i}:00:00Z", "survey_response", "email", cust, "", "", "nps", score,
                        text or ""])
    with open(customers, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["customer_id", "segment", "value_tier", "region", "plan", "consent_analytics"])
        w.writerow(["C1", "consumer", "high", "Madrid", "fibra", "true"])
        w.writerow(["C2", "consumer", "low", "Madrid", "fibra", "false"])
    db = root / "cxm.duckdb"
    ingest_and_build([events], customers, db)
    return open_database_source(db)


def test_markup_stays_text_and_consent_is_respected(literal) -> None:
    rows = voc_text.theme_examples(literal, "nps", FilterSpec(), "coverage_outage", None, 10, role="analyst")
    assert rows["record_id"].tolist() == ["s2", "s1"]  # s3 is from the customer without consent
    assert rows["verbatim"].tolist()[1] == HTML  # exactly as written: the page shows it as text
    counts = voc_text.example_counts(literal, "nps", FilterSpec(), "coverage_outage", None)
    assert (counts.total, counts.consented) == (3, 2)
    # the aggregates count every customer: three outage comments of four
    ranking = voc.theme_ranking(literal, "nps", FilterSpec(), 1, ALPHA, role="analyst").set_index("theme")
    assert ranking.at["coverage_outage", "n"] == 3 and ranking.at["coverage_outage", "share"] == 75.0
    assert ranking.at["coverage_outage", "value"] == -100.0 and ranking.at["coverage_outage", "rest_value"] == 100.0


def test_the_page_table_keeps_markup_as_plain_strings(literal) -> None:
    from cxmetrics.reports.channels import plain_text_table

    rows = voc_text.theme_examples(literal, "nps", FilterSpec(), "coverage_outage", None, 10, role="analyst")
    shown = plain_text_table(rows, keep=("t",))
    assert shown["verbatim"].tolist()[1] == HTML and isinstance(shown["verbatim"].iloc[1], str)


def test_exports_carry_theme_and_sentiment(literal, tmp_path: Path) -> None:
    total, head = preview(literal, FilterSpec(), "records", "analyst")
    assert {"theme", "sentiment"} <= set(head.columns)
    got = dict(zip(head["record_id"], zip(head["theme"], head["sentiment"], strict=True), strict=True))
    expected = {eid: (analyze(text).theme, analyze(text).sentiment) for eid, cust, _, text in TEXTS if cust == "C1"}
    assert got == expected and total == 3  # s3 and s5: the customer without consent
    assert got["s1"][0] == "coverage_outage"
    spec = FilterSpec(dims={"theme": ("coverage_outage",)})  # a filter on theme works in an export
    res = export_cohort(literal, spec, tmp_path / "c.csv", role="analyst", user="t", state_path=tmp_path / "s.sqlite")
    csv_rows = duckdb.sql(f"SELECT record_id, theme FROM read_csv('{tmp_path / 'c.csv'}') ORDER BY 1").fetchall()
    assert csv_rows == [("s1", "coverage_outage"), ("s2", "coverage_outage")]
    assert {"theme", "sentiment"} <= set(res.manifest["columns"])
