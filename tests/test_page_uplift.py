"""The Identity uplift page (AppTest): recognized vs anonymous and the telco questions equal
the engine (``cxmetrics.metrics.uplift``) and hand-written SQL over the served tables, for the
active filter, in English and Spanish, with and without data."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.i18n import fmt_int, fmt_number, fmt_pct
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER, KPIS
from cxmetrics.metrics.uplift import OBSERVATIONAL_NOTE, uplift
from cxmetrics.serving import snapshot
from tests.apptest import open_page

UPLIFT = "pages/4_Identity_uplift.py"
LAST = FilterSpec(date_from=date(2026, 2, 16), date_to=date(2026, 3, 1))  # the default period


def _run(**query: str) -> AppTest:
    return open_page(UPLIFT, timeout=60, **query)


def _table(at: AppTest, *headers: str):
    for df in at.dataframe:
        if all(h in df.value.columns for h in headers):
            return df.value
    raise AssertionError([list(d.value.columns) for d in at.dataframe])


def _with_ci(kpi: str, value, low, high, lang: str = "en") -> str:
    dec = 2 if kpi == "ces" else 1
    text = ("+" if value > 0 else "") + fmt_number(value, lang, dec)
    return f"{text} ({fmt_number(low, lang, dec)} – {fmt_number(high, lang, dec)})"


def _n(cell: str) -> int:
    """The n of a 'value (n)' cell: '49.6% (643)' -> 643."""
    return int(cell.rsplit("(", 1)[1].rstrip(")").replace(",", ""))


def _value(kpi: str, value) -> str:
    text = fmt_number(value, "en", 2 if kpi == "ces" else 1)
    return text + "%" if KPIS[kpi].kind == "rate" else text


def _chart(at: AppTest, title: str) -> dict:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"]["title"]["text"] == title:
            return spec
    raise AssertionError(title)


def _values(data) -> list:
    """A plotly array from the figure JSON (plotly sends numeric arrays as typed base64)."""
    if isinstance(data, dict) and "bdata" in data:
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return list(data)


@pytest.fixture
def small_demo(app_db_env, small_demo_db: Path):
    app_db_env(small_demo_db)
    return snapshot.open_snapshot(small_demo_db)


@pytest.fixture
def demo(app_db_env, demo_db: Path):
    app_db_env(demo_db)
    return snapshot.open_snapshot(demo_db)


@pytest.fixture
def empty(app_db_env, empty_db: Path) -> Path:
    return app_db_env(empty_db)


def test_page_sections_caveat_and_downloads(demo) -> None:
    at = _run()
    assert at.title[0].value == "Identity uplift"
    assert at.caption[0].value.startswith("Showing: 2026-02-16 → 2026-03-01")
    assert OBSERVATIONAL_NOTE in [i.value for i in at.info]  # the caveat, always visible
    assert [h.value for h in at.header] == [
        "Recognized vs anonymous, every KPI",
        "The telco questions",
    ]
    # the three questions are lazy tabs: only the open one runs; the URL keeps it (?q=)
    assert [tab.label for tab in at.tabs] == ["Before login", "Churn and termination research",
                                              "High-intent journeys"]
    for q, subheader, charts, downloads in (
        (None, "How many negative experiences start before login?", 2, 3),
        ("churn", "Did churned customers research contract termination first?", 2, 4),
        ("high_intent", "Uplift for high-intent journeys when recognized in real time", 2, 3),
    ):
        at = _run(q=q)
        assert [s.value for s in at.subheader][:1] == [subheader], q
        assert "Filter" in [s.value for s in at.subheader][1:]  # the sidebar's, nothing else
        assert len(at.get("plotly_chart")) == charts, q
        assert len(at.get("download_button")) == downloads, q
        assert at.query_params["q"] in (q or "before_login", [q or "before_login"])


def test_an_unknown_question_in_the_link_is_ignored_with_a_notice(demo) -> None:
    at = _run(q="<script>")
    assert any("Ignored the question '<script>'" in w.value for w in at.warning)
    assert [s.value for s in at.subheader][0] == "How many negative experiences start before login?"


def test_every_kpi_equals_the_uplift_engine(demo) -> None:
    at = _run()
    table = _table(at, "KPI", "Raw diff. (95% CI)", "Adjusted diff. (95% CI)")
    assert list(table["KPI"]) == [KPIS[k].label_en for k in KPI_ORDER]
    engine = [uplift(demo, k, LAST) for k in KPI_ORDER]
    assert [_n(v) for v in table["Recognized (n)"]] == [u.recognized["n"] for u in engine]
    assert [_n(v) for v in table["Anonymous (n)"]] == [u.anonymous["n"] for u in engine]
    for row, u in zip(table.to_dict("records"), engine, strict=True):
        assert row["Recognized (n)"].startswith(_value(u.kpi, u.recognized["value"]) + " (")
        assert row["Raw diff. (95% CI)"] == _with_ci(u.kpi, u.raw_diff, *u.raw_ci)
        if u.adjusted_ci:
            assert row["Adjusted diff. (95% CI)"] == _with_ci(
                u.kpi, u.adjusted_diff, *u.adjusted_ci
            )
        assert row["Strata"] == f"{u.strata_used} / {u.strata_total}"
        assert row["Coverage"] == fmt_pct(u.coverage)
        assert row["p (raw)"] == fmt_number(u.p_value, "en", 3)
        reg = u.regression
        if reg and reg["ci"]:
            assert row["Regression (95% CI)"] == _with_ci(u.kpi, reg["diff"], *reg["ci"])
    warned = [KPIS[u.kpi].label_en for u in engine if u.overlap_warning]
    warnings = [w.value for w in at.warning]
    assert bool(warned) == any(w.startswith("Thin overlap for ") for w in warnings)
    if warned:
        assert f"Thin overlap for {', '.join(warned)}:" in warnings[0]


def test_forest_chart_plots_the_raw_and_adjusted_differences(demo) -> None:
    spec = _chart(_run(), "Recognized − anonymous, with 95% interval")
    traces = spec["data"]
    assert len(traces) == 2 * len(KPI_ORDER)  # raw and adjusted per KPI panel
    engine = {k: uplift(demo, k, LAST) for k in KPI_ORDER}
    for i, kpi in enumerate(KPI_ORDER):
        raw, adjusted = traces[2 * i], traces[2 * i + 1]
        assert raw["name"] == "Raw" and adjusted["name"] == "Adjusted"
        (raw_x,), (high,) = _values(raw["x"]), _values(raw["error_x"]["array"])
        assert raw_x == pytest.approx(engine[kpi].raw_diff)
        assert raw_x + high == pytest.approx(engine[kpi].raw_ci[1])
        if engine[kpi].adjusted_diff is not None:
            assert _values(adjusted["x"])[0] == pytest.approx(engine[kpi].adjusted_diff)
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert "NPS (NPS points)" in titles and "Journey completion (percentage points)" in titles


def test_negative_experiences_before_login_equal_hand_counts(demo) -> None:
    at = _run()
    table = _table(at, "Negative experience", "Identity state", "Count")
    got = {
        (r["Negative experience"], r["Identity state"]): r["Count"]
        for r in table.to_dict("records")
    }
    day = "CAST(t AS DATE) BETWEEN DATE '2026-02-16' AND DATE '2026-03-01'"
    queries = {
        "Detractor NPS responses": f"FROM rec_survey WHERE survey_type = 'nps' AND score <= 6 AND {day}",
        "Abandoned handoffs": f"FROM rec_handoff WHERE abandoned AND {day}",
        "Incomplete journeys": f"FROM rec_journey WHERE NOT completed AND {day}",
    }
    for kind, sql in queries.items():
        counts = dict(
            demo.con.execute(f"SELECT identity_state, count(*) {sql} GROUP BY 1").fetchall()
        )
        assert got[(kind, "Anonymous (before login)")] == counts.get("anonymous", 0)
        assert got[(kind, "Recognized")] == counts.get("recognized", 0)
        total = sum(counts.values())
        tile = next(m for m in at.metric if m.label == kind)
        assert tile.value == fmt_number(100 * counts.get("anonymous", 0) / total, "en", 1) + "%"
    chart = _chart(at, "Negative experiences by identity state (count)")
    assert [t["name"] for t in chart["data"]] == ["Anonymous (before login)", "Recognized"]


def test_churn_research_equals_churn_signals(demo) -> None:
    at = _run(period="all", segment="consumer", q="churn")
    churned, researched = demo.con.execute(
        "SELECT count(*), count(*) FILTER (WHERE researched) FROM churn_signals WHERE segment = 'consumer'"
    ).fetchone()
    assert churned > 0
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Churned customers"] == fmt_int(churned)
    assert (
        metrics["Researched termination first (%)"] == fmt_number(100 * researched / churned) + "%"
    )
    lead = demo.con.execute(
        "SELECT research_lead_days FROM churn_signals "
        "WHERE segment = 'consumer' AND research_lead_days IS NOT NULL"
    ).fetchall()
    chart = _chart(at, "Days from first termination research to first contact (customers)")
    assert sum(_values(chart["data"][0]["y"])) == len(lead)
    assert _values(chart["data"][0]["x"]) == ["<0", "0-1", "1-3", "3-7", "7-14", "14-30"]


def test_high_intent_uplift_equals_the_engine(demo) -> None:
    at = _run(q="high_intent")
    table = _table(at, "KPI", "Intent", "Raw diff. (95% CI)")
    rows = {(r["KPI"], r["Intent"]): r for r in table.to_dict("records")}
    for kpi in ("journey_completion", "nps"):
        for intent, values in (
            ("contract_termination", ("contract_termination",)),
            ("device_upgrade", ("device_upgrade",)),
            ("both high intents", ("contract_termination", "device_upgrade")),
        ):
            u = uplift(demo, kpi, LAST.with_dims(intent=values))
            row = rows[(KPIS[kpi].label_en, intent)]
            assert (_n(row["Recognized (n)"]), _n(row["Anonymous (n)"])) == (
                u.recognized["n"],
                u.anonymous["n"],
            )
            assert row["Raw diff. (95% CI)"] == _with_ci(kpi, u.raw_diff, *u.raw_ci)


def test_identity_filter_is_not_applied_here(demo) -> None:
    at = _run(identity_state="recognized")
    assert any("identity-state filter is not applied" in c.value for c in at.caption)
    table = _table(at, "KPI", "Anonymous (n)")
    assert [_n(v) for v in table["Anonymous (n)"]] == [
        uplift(demo, k, LAST).anonymous["n"] for k in KPI_ORDER
    ]


def test_intent_filter_without_high_intents(demo) -> None:
    at = _run(intent="billing", q="high_intent")
    assert any("excludes both high intents" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1  # the KPI forest plot; no high-intent one


def test_spanish(demo) -> None:
    at = _run(lang="es")
    assert at.title[0].value == "Impacto de la identificación"
    assert any(i.value.startswith("Comparación observacional, no un experimento") for i in at.info)
    assert at.header[1].value == "Las preguntas de negocio"
    table = _table(at, "KPI", "Dif. bruta (IC 95 %)")
    u = uplift(demo, "journey_completion", LAST)
    shown = dict(zip(table["KPI"], table["Dif. bruta (IC 95 %)"], strict=True))
    assert shown["Journeys completados"] == _with_ci(
        "journey_completion", u.raw_diff, *u.raw_ci, "es"
    )
    assert "," in shown["Journeys completados"]


def test_without_data_the_page_says_so(empty: Path) -> None:
    at = _run()
    assert at.info and "No data yet" in at.info[0].value
    assert not at.dataframe
    assert not at.get("plotly_chart")


LABEL = "suppressed (fewer than 5 people)"
COMPLEMENT = "suppressed (protects a small cell)"


def test_executive_sees_labels_not_small_cells(small_demo, monkeypatch: pytest.MonkeyPatch, app_db_env,
                                               small_demo_db: Path) -> None:
    """As executive (k = 5) a comparison with a small side shows the label for its sides and
    no difference; the small churn cohort and the high-intent NPS cells too."""
    from cxmetrics.reports import uplift as up

    monkeypatch.setenv("CXM_ROLE", "executive")
    app_db_env(small_demo_db)
    at = _run()
    assert any(c.value.startswith("Cells with fewer than 5 people are suppressed for the executive role")
               for c in at.caption)
    expected = up.uplift_table(small_demo, LAST, role="executive").set_index("kpi")
    hidden = expected[expected["suppressed"].notna()]
    assert len(hidden), "the check needs a small side in the demo data"
    table = _table(at, "KPI", "Raw diff. (95% CI)").set_index("KPI")
    labels = {"k": LABEL, "complement": COMPLEMENT}
    for kpi, row in hidden.iterrows():
        shown = table.loc[KPIS[kpi].label_en]
        assert shown["Recognized (n)"] == labels[row["recognized_suppressed"]]
        assert shown["Anonymous (n)"] == labels[row["anonymous_suppressed"]]
        assert {shown[c] for c in ("Raw diff. (95% CI)", "p (raw)", "Adjusted diff. (95% CI)", "Strata",
                                   "Coverage", "Regression (95% CI)")} == {"—"}
    for kpi in expected.index.difference(hidden.index):  # the others as the analyst sees them
        u = uplift(small_demo, kpi, LAST)
        assert _n(table.loc[KPIS[kpi].label_en, "Recognized (n)"]) == u.recognized["n"]
    # the forest plot has no marker for a hidden comparison, and says why in its panel
    spec = _chart(at, "Recognized − anonymous, with 95% interval")
    for i, kpi in enumerate(KPI_ORDER):
        if kpi in hidden.index:
            assert all(x is None for x in _values(spec["data"][2 * i]["x"]))
    assert any(a["text"].startswith("suppressed (") for a in spec["layout"]["annotations"])
    # churn: the demo's churned customers in the period are fewer than 5
    churn = up.churn_research(small_demo, LAST, role="executive")
    at = _run(q="churn")
    if churn["suppressed"]:
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Churned customers"] == metrics["Researched termination first (%)"] == "suppressed"
        assert labels[churn["suppressed"]] in [c.value for c in at.caption]
    # high intent: the hidden rows carry the label, the rest their n
    high = up.high_intent_uplift(small_demo, LAST, role="executive")
    assert high["suppressed"].notna().any()
    at = _run(q="high_intent")
    shown = _table(at, "KPI", "Intent", "Raw diff. (95% CI)")
    assert any(v.startswith("suppressed (") for v in shown["Recognized (n)"])
    assert not at.error
