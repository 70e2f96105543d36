"""k-anonymity in aggregate views: a hand-computed literal fixture.

NPS responses on 2026-01-06, the response itself is its source (channel = its own):

  web    c1: 10, 9, 2   c2: 7   c3: 9   c4: 0   + 2 responses without any identifier: 10, 5
         -> n = 8, 4 people (person-less records are not people), promoters 4 (10, 9, 9, 10),
            detractors 3 (2, 0, 5): NPS = 100·(4 − 3)/8 = 12.5
  voice  c5: 10, 10, 9   c6: 9   c7: 6   c8: 3   c9: 8
         -> n = 7, exactly 5 people, promoters 4, detractors 2: NPS = 100·2/7 = 28.571…
  store  d1: 9  d2: 9  d3: 9  d4: 0  d5: 7
         -> n = 5, 5 people, promoters 3, detractors 1: NPS = 100·2/5 = 40
  all    n = 20, 14 people, promoters 11, detractors 6: NPS = 100·5/20 = 25

With k = 5 an executive (no record access) sees: all (14 ≥ 5 people); web suppressed
("k": 4 people although it has 6 records with a person and 8 in all); voice shown (exactly
k = 5 people); store suppressed as the complement of web (the channel line's total is
shown, so web would be all − voice − store; store is the shown sibling with the smallest
n, 5 < 7). An analyst sees every cell.

person_load for NPS: c1 3, c5 3, everyone else 1: the bound for k = 5 is 3 + 3 + 1 + 1 = 8;
every channel has np ≤ 8 (counted exactly), the total has np = 18 > 8 (certainly ≥ 5 people).
"""

from __future__ import annotations

import json
import math
from datetime import date

import pytest

from cxmetrics.cli import main
from cxmetrics.core.settings import get_settings
from cxmetrics.metrics import engine as metrics
from cxmetrics.metrics import suppression
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.serving.pipeline import ingest_and_build
from cxmetrics.serving.snapshot import open_database_source, open_snapshot

HEADER = "event_id,ts,event_type,channel,anonymous_id,customer_id,survey_type,score\n"
RESPONSES = [  # (channel, customer or "" for no identifier, score)
    ("web", "c1", 10), ("web", "c1", 9), ("web", "c1", 2), ("web", "c2", 7), ("web", "c3", 9), ("web", "c4", 0),
    ("web", "", 10), ("web", "", 5),
    ("voice", "c5", 10), ("voice", "c5", 10), ("voice", "c5", 9), ("voice", "c6", 9), ("voice", "c7", 6),
    ("voice", "c8", 3), ("voice", "c9", 8),
    ("store", "d1", 9), ("store", "d2", 9), ("store", "d3", 9), ("store", "d4", 0), ("store", "d5", 7),
]
EVENTS = HEADER + "".join(
    f"s{i:02d},2026-01-06T{8 + i // 4:02d}:{(i % 4) * 10:02d}:00Z,survey_response,{ch},,{cust},nps,{score}\n"
    for i, (ch, cust, score) in enumerate(RESPONSES)
)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> object:
    root = tmp_path_factory.mktemp("kanon")
    (root / "events.csv").write_text(EVENTS)
    db_path = root / "cxm.duckdb"
    res = ingest_and_build([root / "events.csv"], None, db_path)
    assert res.ingest.quarantined == 0
    return db_path


@pytest.fixture(autouse=True)
def _k5(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CXM_K_ANONYMITY", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def src(db):
    source = open_database_source(db)
    yield source
    source.con.close()


def _rows(src, role, by=("channel",), **spec):
    return {r.get("channel", "all"): r for r in metrics.kpi_table(src, ["nps"], list(by), FilterSpec(**spec), role=role)}


def test_the_bound_is_the_sum_of_the_k_minus_1_busiest_persons(src) -> None:
    assert suppression.person_bounds(src, 5)["nps"] == 3 + 3 + 1 + 1
    assert suppression.person_bounds(src, 2)["nps"] == 3
    (g,) = metrics.kpi_stats(src, ["nps"], [], FilterSpec())
    assert (g.n, g.np) == (20, 18)


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_record_roles_see_every_cell(src, role) -> None:
    rows = _rows(src, role)
    assert (rows["web"]["n"], rows["web"]["value"]) == (8, 12.5)
    assert rows["voice"]["n"] == 7 and math.isclose(rows["voice"]["value"], 100 * 2 / 7)
    assert (rows["store"]["n"], rows["store"]["value"]) == (5, 40.0)
    assert all("suppressed" not in r for r in rows.values())  # the contract's rows, unchanged


@pytest.mark.parametrize("role", ["executive", "committee"])
def test_a_cell_of_four_people_is_suppressed_and_exactly_k_is_shown(src, role) -> None:
    rows = _rows(src, role)
    web, voice, store = rows["web"], rows["voice"], rows["store"]
    assert web["suppressed"] == "k"  # 4 people, though 6 records with a person (8 records)
    assert web["value"] is None and web["n"] is None and web["ci_low"] is None and web["ci_high"] is None
    assert voice["suppressed"] is None and voice["n"] == 7  # exactly k = 5 people: shown
    assert math.isclose(voice["value"], 100 * 2 / 7)
    assert store["suppressed"] == "complement"  # else web = all − voice − store
    assert store["value"] is None and store["n"] is None
    (total,) = _rows(src, role, by=()).values()
    assert (total["suppressed"], total["n"], total["value"]) == (None, 20, 25.0)
    # the voice cell alone (no sibling shown): exactly k people, shown; web alone: suppressed
    assert _rows(src, role, by=(), dims={"channel": ["voice"]})["all"]["n"] == 7
    assert _rows(src, role, by=(), dims={"channel": ["web"]})["all"]["suppressed"] == "k"


def test_k_is_a_setting(src, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_K_ANONYMITY", "6")
    get_settings.cache_clear()
    rows = _rows(src, "executive")
    assert rows["voice"]["suppressed"] == "k" and rows["web"]["suppressed"] == "k"
    assert rows["store"]["suppressed"] == "k"  # 5 people < 6
    monkeypatch.setenv("CXM_K_ANONYMITY", "4")
    get_settings.cache_clear()
    rows = _rows(src, "executive")
    assert all(r["suppressed"] is None for r in rows.values())  # web has exactly 4 people


def test_counting_only_below_the_bound(src, monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[tuple] = []
    real = suppression.people_counts

    def spy(source, kpi, by, spec, cells=None):
        counted.append((kpi, tuple(by), tuple(cells or ())))
        return real(source, kpi, by, spec, cells)

    monkeypatch.setattr(suppression, "people_counts", spy)
    metrics.kpi_stats(src, ["nps"], [], FilterSpec(), role="executive")
    assert counted == []  # np 18 > bound 8: no count needed
    metrics.kpi_stats(src, ["nps"], ["channel"], FilterSpec(), role="executive")
    assert counted == [("nps", ("channel",), (("store",), ("voice",), ("web",)))]


def test_without_person_load_every_cell_is_counted_and_the_answer_is_the_same(src) -> None:
    src.extra["person_bound_5"] = {}  # as for a snapshot published before person_load
    rows = _rows(src, "executive")
    assert [rows[c]["suppressed"] for c in ("store", "voice", "web")] == ["complement", None, "k"]


def test_comparisons_hide_the_difference_and_leave_the_family(db) -> None:
    from cxmetrics.metrics.compare import Period, compare_periods

    src = open_snapshot(db)
    period = Period(date(2026, 1, 6), date(2026, 1, 6))
    rows = {c.group["channel"]: c for c in compare_periods(src, period, ["nps"], ["channel"], role="executive")}
    assert rows["web"].current_suppressed == "k" and rows["web"].difference.diff is None
    assert rows["web"].q_value is None and not rows["web"].significant
    assert rows["voice"].current_suppressed is None and rows["voice"].current.n == 7


def test_label_in_english_and_spanish() -> None:
    assert suppression.label("k", "en") == "suppressed (fewer than 5 people)"
    assert suppression.label("k", "es") == "suprimido (menos de 5 personas)"
    assert suppression.label("complement", "en") == "suppressed (protects a small cell)"
    assert suppression.label("complement", "es") == "suprimido (protege una celda pequeña)"


def test_cli_kpis_follows_the_role(db, capsys) -> None:
    assert main(["kpis", "--db", str(db), "--kpi", "nps", "--by", "channel", "--json", "--role", "executive"]) == 0
    rows = {r["channel"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["web"] == {"channel": "web", "kpi": "nps", "value": None, "n": None, "ci_low": None,
                           "ci_high": None, "suppressed": "k"}
    assert rows["voice"]["n"] == 7 and rows["voice"]["suppressed"] is None
    assert main(["kpis", "--db", str(db), "--kpi", "nps", "--by", "channel", "--json", "--role", "analyst"]) == 0
    rows = {r["channel"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["web"]["n"] == 8 and "suppressed" not in rows["web"]


def test_overview_as_executive_shows_the_label_and_no_number(db, app_db_env, monkeypatch) -> None:
    from tests.apptest import open_page

    monkeypatch.setenv("CXM_ROLE", "executive")
    app_db_env(db)
    at = open_page(None, timeout=60, period="all", channel="web")
    nps = next(m for m in at.metric if m.label == "NPS (points)")
    assert nps.value == "suppressed (fewer than 5 people)"
    captions = " ".join(c.value for c in at.caption)
    assert "12.5" not in nps.value and "12.5" not in captions and "n = 8" not in captions
    table = next(df.value for df in at.dataframe if "Value" in df.value.columns)
    row = table[table["KPI"] == "NPS"].iloc[0]
    assert row["Value"] == "suppressed (fewer than 5 people)"
    assert str(row["n"]) in ("—", "None", "nan")
    # the same view for an analyst shows the number
    monkeypatch.setenv("CXM_ROLE", "analyst")
    app_db_env(db)
    at = open_page(None, timeout=60, period="all", channel="web")
    nps = next(m for m in at.metric if m.label == "NPS (points)")
    assert nps.value != "suppressed (fewer than 5 people)"


def test_review_pack_as_executive(db, tmp_path) -> None:
    from cxmetrics.reports import review
    from cxmetrics.reports.pack import render_html, render_pack
    from tests.test_report import read_xlsx

    src = open_database_source(db)
    period = review.period_for(src, date(2026, 1, 5))
    data = review.review_data(src, period, None, None, tmp_path / "state.sqlite", role="executive")
    src.con.close()
    rows = {(r["kpi"], r["dimension"], r["group"]): r for r in data["changes"]}
    web, voice = rows[("nps", "channel", "web")], rows[("nps", "channel", "voice")]
    assert web["suppressed"] == "k" and web["current"] is None and web["current_n"] is None
    assert web["diff"] is None and web["q_value"] is None and not web["significant"]
    assert rows[("nps", "channel", "store")]["suppressed"] == "complement"
    assert voice["suppressed"] is None and voice["current_n"] == 7
    assert data["k_anonymity"] == 5
    page = render_html(data, "en")
    changes = page[page.index('id="all-changes"'):page.index('id="alerts"')]
    assert "suppressed (fewer than 5 people)" in changes and "suppressed (protects a small cell)" in changes
    assert "12.5" not in changes and "40.0" not in changes  # web and store values never printed
    assert "fewer than 5 people behind it is suppressed" in page  # the method note
    book = read_xlsx(render_pack(data, "xlsx", "es"))
    header, *lines = book["Cambios"]  # the change sheet (named in Spanish)
    web_line = next(r for r in lines if r[1] == "nps" and r[3] == "web")
    assert web_line[5] is None and web_line[8] is None  # this period's value and n: empty
    assert web_line[-1] == "suprimido (menos de 5 personas)"


def test_custom_views_use_the_same_rule(src) -> None:
    """A view with its own SQL asks ``custom_verdicts`` with its relation and grouping."""
    where, params = "survey_type = ?", ["nps"]
    assert suppression.custom_verdicts(src, "rec_survey", where, params, ["channel"], "analyst") == {}
    verdict = suppression.custom_verdicts(src, "rec_survey", where, params, ["channel"], "committee")
    assert verdict == {("web",): "k", ("store",): "complement"}
    assert suppression.custom_verdicts(src, "rec_survey", where, params, [], "committee") == {}


def test_complement_in_two_dimensions() -> None:
    """Rows r1, r2 × columns a, b, c: one small cell (r1, a) needs three more to leave no
    row or column with a single suppressed cell."""
    cells = {(("r1", "a"), "nps"): 2, (("r1", "b"), "nps"): 50, (("r1", "c"), "nps"): 40,
             (("r2", "a"), "nps"): 30, (("r2", "b"), "nps"): 60, (("r2", "c"), "nps"): 70}
    verdict = {(("r1", "a"), "nps"): "k"}
    suppression.complement(cells, 2, verdict)
    assert verdict == {(("r1", "a"), "nps"): "k", (("r1", "c"), "nps"): "complement",
                       (("r2", "a"), "nps"): "complement", (("r2", "c"), "nps"): "complement"}


def test_uplift_and_before_login_hide_a_side_of_no_people(src) -> None:
    """Identity uplift: the two responses without any identifier are the anonymous side of
    NPS (2 records, 0 people); the recognized side (14 people) is hidden as its complement,
    since the two add up to the NPS of the slice. The analyst sees both."""
    import pandas as pd

    from cxmetrics.reports import uplift as up

    nps = up.uplift_table(src, FilterSpec(), role="executive").set_index("kpi").loc["nps"]
    assert (nps["suppressed"], nps["anonymous_suppressed"], nps["recognized_suppressed"]) == ("k", "k", "complement")
    for col in ("recognized_value", "recognized_n", "anonymous_value", "anonymous_n", "raw_diff", "raw_ci_low",
                "p_value", "adjusted_diff", "regression_diff", "coverage", "strata_used"):
        assert pd.isna(nps[col]), col
    shown = up.uplift_table(src, FilterSpec(), role="analyst").set_index("kpi").loc["nps"]
    assert (shown["recognized_n"], shown["anonymous_n"], shown["anonymous_value"]) == (18, 2, 0.0)
    assert pd.isna(shown["suppressed"])
    # detractors before login: the anonymous one (score 5, no person) and its complement
    before = up.negative_before_login(src, FilterSpec(), role="executive")
    det = before[before["kind"] == "detractor"].set_index("identity_state")
    assert det.loc["anonymous", "suppressed"] == "k" and det.loc["recognized", "suppressed"] == "complement"
    assert det[["negatives", "share", "records", "rate"]].isna().all().all()
    det = up.negative_before_login(src, FilterSpec(), role="analyst").set_index(["kind", "identity_state"])
    assert det.loc[("detractor", "anonymous"), "negatives"] == 1 and det.loc[("detractor", "recognized"), "negatives"] == 5
