"""AppTest of the Journeys & handoffs page on the demo database and on no data.

The page's numbers are compared with the library (``journeys_report`` and
``metrics.kpi_stats``) run on the same snapshot and the same filter: by default the
last closed review period, as the sidebar chooses it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.i18n import MISSING, fmt_int, fmt_pct
from cxmetrics.metrics import engine as metrics
from cxmetrics.metrics.compare import last_closed_period
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.reports import journeys as jr
from cxmetrics.serving import snapshot
from tests.apptest import data_to, open_page

pytest.importorskip("cxmetrics.synth")

PAGE = "pages/3_Journeys_handoffs.py"
HEADERS_EN = [
    "Journey completion",
    "Step drop-off",
    "Bot → agent handoffs",
    "First-contact resolution",
    "Repeat-contact paths",
]
HEADERS_ES = [
    "Journeys completados",
    "Abandono por paso",
    "Traspasos bot → agente",
    "Resolución al primer contacto",
    "Recorridos de recontacto",
]


def _run(lang: str | None = None, period: str | None = None) -> AppTest:
    return open_page(PAGE, timeout=60, lang=lang, period=period)


def _frame(at: AppTest, *headers: str):
    for df in at.dataframe:
        if all(h in df.value.columns for h in headers):
            return df.value
    raise AssertionError(
        f"no table with {headers}: {[list(d.value.columns) for d in at.dataframe]}"
    )


def _frames(at: AppTest, *headers: str) -> list:
    return [df.value for df in at.dataframe if all(h in df.value.columns for h in headers)]


@pytest.fixture
def small_demo(app_db_env, small_demo_db: Path):
    app_db_env(small_demo_db)
    source = snapshot.open_snapshot(small_demo_db)
    period = last_closed_period(source)
    return source, FilterSpec(date_from=period.start, date_to=period.end)


@pytest.fixture
def demo(app_db_env, demo_db: Path):
    app_db_env(demo_db)
    source = snapshot.open_snapshot(demo_db)
    period = last_closed_period(source)
    return source, FilterSpec(date_from=period.start, date_to=period.end)


def test_page_runs_with_every_section(demo, demo_db: Path) -> None:
    at = _run()
    assert at.title[0].value == "Journeys & handoffs"
    assert [h.value for h in at.header] == HEADERS_EN
    assert any(c.value.startswith("Showing: 2026-02-16 → 2026-03-01") for c in at.caption)
    assert any(f"data to {data_to(demo_db)}" in c.value for c in at.caption)
    # completion, step funnel, handoff by channel and by intent, FCR by channel and intent, paths
    assert len(at.get("plotly_chart")) == 7
    assert len(at.get("download_button")) == 7
    assert at.selectbox(key="jr_journey_type").value == "billing"
    assert not at.error


def test_completion_and_fcr_tables_equal_the_engine(demo) -> None:
    source, spec = demo
    at = _run()
    shown = _frame(at, "Journey type", "Channel", "Completion (%)")
    expected = jr.journey_completion(source, spec, role="analyst")
    assert shown["Completion (%)"].tolist() == expected["value"].tolist()
    assert shown["Journeys (n)"].tolist() == expected["n"].tolist()
    kpi = {
        (g.group["journey_type"], g.group["channel"]): g.estimate
        for g in metrics.kpi_stats(
            source, ["journey_completion"], ["journey_type", "channel"], spec
        )
    }
    for _, row in shown.iterrows():
        est = kpi[(row["Journey type"], row["Channel"])]
        assert (row["Completion (%)"], row["95% low"], row["95% high"], row["Journeys (n)"]) == (
            est.value,
            est.ci_low,
            est.ci_high,
            est.n,
        )
    fcr = _frame(at, "Channel", "FCR (%)")
    by_channel = {
        g.group["channel"]: g.estimate
        for g in metrics.kpi_stats(source, ["fcr"], ["channel"], spec)
    }
    assert dict(zip(fcr["Channel"], fcr["Episodes (n)"], strict=True)) == {
        c: e.n for c, e in by_channel.items()
    }
    assert fcr["FCR (%)"].tolist() == sorted(fcr["FCR (%)"].tolist(), reverse=True)
    assert dict(zip(fcr["Channel"], fcr["FCR (%)"], strict=True)) == {
        c: e.value for c, e in by_channel.items()
    }


def test_step_funnel_follows_the_selector(demo) -> None:
    source, spec = demo
    at = _run()
    first = _frame(at, "Stage", "% of started")
    assert (
        first["Journeys"].tolist() == jr.step_funnel(source, spec, "billing", role="analyst")["journeys"].tolist()
    )
    assert first["Stage"].iloc[-1] == "✓ goal reached"
    at.selectbox(key="jr_journey_type").set_value("plan_change").run()
    assert not at.exception
    funnel = jr.step_funnel(source, spec, "plan_change", role="analyst")
    shown = _frame(at, "Stage", "% of started")
    assert shown["Stage"].tolist() == [*funnel["stage"].iloc[:-1], "✓ goal reached"]
    assert shown["Journeys"].tolist() == funnel["journeys"].tolist()
    assert shown["% of started"].tolist() == funnel["share"].tolist()
    assert "plan_compare" in shown["Stage"].tolist()


def test_handoff_tiles_and_tables_equal_the_kpi(demo) -> None:
    source, spec = demo
    at = _run()
    (kpi,) = metrics.kpi_stats(source, ["handoff_abandonment"], [], spec)
    total = jr.handoff_funnel(source, spec, None, role="analyst").iloc[0]
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Handed off"] == str(int(total["handed_off"])) and total["handed_off"] == kpi.n
    assert tiles["Abandoned"] == str(int(total["abandoned"])) and total["abandoned"] == kpi.s1
    assert tiles["Handoff abandonment"] == fmt_pct(kpi.estimate.value / 100, "en")
    by_channel = _frame(at, "Channel", "Handed off", "Abandonment (%)")
    per_channel = {
        g.group["channel"]: g
        for g in metrics.kpi_stats(source, ["handoff_abandonment"], ["channel"], spec)
    }
    for _, row in by_channel.iterrows():
        g = per_channel[row["Channel"]]
        assert (row["KPI n"], row["Handed off"], row["Abandoned"]) == (g.n, g.n, g.s1)
        assert row["Abandonment (%)"] == g.estimate.value
    by_intent = _frame(at, "Intent", "Handed off", "Abandonment (%)")
    assert by_intent["Handed off"].sum() == kpi.n


def test_repeat_paths_table_equals_the_engine(demo) -> None:
    source, spec = demo
    at = _run()
    shown = _frame(at, "Path", "Episodes", "% of episodes")
    expected = jr.repeat_paths(source, spec, role="analyst")
    assert shown["Path"].tolist() == expected["path"].tolist()
    assert shown["Episodes"].tolist() == expected["episodes"].tolist()
    overall = jr.fcr_overall(source, spec, role="analyst")
    assert expected["episodes"].sum() == overall["repeated"]
    assert any(
        f"({overall['n']} in this slice, {overall['repeated']} with a repeat)" in c.value
        for c in at.caption
    )


def test_all_dates_in_the_url(demo) -> None:
    source, _ = demo
    at = _run(period="all")
    shown = _frame(at, "Path", "Episodes")
    assert shown["Episodes"].tolist() == jr.repeat_paths(source, FilterSpec(), role="analyst")["episodes"].tolist()
    (kpi,) = metrics.kpi_stats(source, ["handoff_abandonment"], [], FilterSpec())
    assert {m.label: m.value for m in at.metric}["Handed off"] == f"{kpi.n:,d}"


def test_spanish(demo) -> None:
    source, spec = demo
    at = _run(lang="es")
    assert at.title[0].value == "Journeys y traspasos"
    assert [h.value for h in at.header] == HEADERS_ES
    assert _frame(at, "Tipo de journey", "Canal", "Completados (%)") is not None
    assert _frame(at, "Etapa", "% de iniciados")["Etapa"].iloc[-1] == "✓ objetivo alcanzado"
    (kpi,) = metrics.kpi_stats(source, ["handoff_abandonment"], [], spec)
    value = {m.label: m.value for m in at.metric}["Abandono en traspaso"]
    assert (
        value == fmt_pct(kpi.estimate.value / 100, "es") and value.endswith(" %") and "," in value
    )
    assert at.get("download_button")[0].proto.label == "Descargar CSV"
    assert any(c.value.startswith("Mostrando:") for c in at.caption)


def test_no_data(app_db_env, empty_db: Path) -> None:
    app_db_env(empty_db)
    at = _run()
    assert at.info and "No data yet" in at.info[0].value
    assert not at.dataframe and not at.error


LABEL = "suppressed (fewer than 5 people)"
COMPLEMENT = "suppressed (protects a small cell)"


def test_executive_sees_labels_not_small_cells(small_demo, monkeypatch: pytest.MonkeyPatch, app_db_env,
                                               small_demo_db: Path) -> None:
    """As executive (k = 5) the demo's small groups show the label, never their figures,
    and the page says why once."""
    source, spec = small_demo
    monkeypatch.setenv("CXM_ROLE", "executive")
    app_db_env(small_demo_db)  # clears the caches, so the role is read again
    at = _run()
    assert [h.value for h in at.header] == HEADERS_EN
    assert any(c.value.startswith("Cells with fewer than 5 people are suppressed for the executive role")
               for c in at.caption)
    # handoffs by intent: the rows the library hides show the label, and no KPI n
    expected = jr.handoff_funnel(source, spec, "intent", role="executive")
    hidden = expected[expected["handoff_suppressed"].notna()]
    assert len(hidden), "the check needs a small group in the demo data"
    shown = _frame(at, "Intent", "Handed off", "Abandonment (%)").set_index("Intent")
    for intent, reason in zip(hidden["intent"], hidden["handoff_suppressed"], strict=True):
        assert shown.loc[intent, "Abandonment (%)"] == (LABEL if reason == "k" else COMPLEMENT)
        assert shown.loc[intent, "KPI n"] == shown.loc[intent, "Handed off"] == MISSING
    visible = expected[expected["suppressed"].isna() & expected["handoff_suppressed"].isna()]
    for intent, n in zip(visible["intent"], visible["n"], strict=True):
        assert shown.loc[intent, "KPI n"] == fmt_int(n)  # as text in a table with a label
    # FCR by intent: the label in the value column, no n
    fcr = _frame(at, "Intent", "FCR (%)")
    small = fcr[fcr["FCR (%)"].astype(str).str.startswith("suppressed")]
    assert len(small) and (small["Episodes (n)"] == MISSING).all()
    # the analyst's numbers are nowhere in the executive's table
    analyst = jr.fcr_by(source, spec, "intent", role="analyst").set_index("intent")
    for intent in small["Intent"]:
        assert str(analyst.loc[intent, "n"]) not in fcr[fcr["Intent"] == intent].astype(str).values
    assert not at.error
    # an analyst on the same view sees no label
    monkeypatch.setenv("CXM_ROLE", "analyst")
    app_db_env(small_demo_db)
    at = _run()
    assert not any("suppressed" in str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())
    assert not any(c.value.startswith("Cells with fewer than") for c in at.caption)
