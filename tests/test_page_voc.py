"""AppTest of the Voice of the customer page on the demo database.

The page's tables are compared with ``reports.voc`` on the same snapshot and filter (by
default the last closed review period, as the sidebar chooses it); the sections, the
Spanish page, the roles (no comment for the executive, k-anonymity through the role) and
the audit of the example comments.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.i18n import fmt_number
from cxmetrics.metrics.compare import last_closed_period
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.reports import voc, voc_text
from cxmetrics.serving import app_state, snapshot
from tests.apptest import data_to, open_page

pytest.importorskip("cxmetrics.synth")

PAGE = "pages/9_Voice_of_customer.py"
HEADERS_EN = [
    "Themes by volume and NPS impact",
    "Sentiment",
    "Trending themes",
    "Themes by channel",
    "Example comments",
    "Emerging phrases",
]
HEADERS_ES = [
    "Temas por volumen e impacto en NPS",
    "Sentimiento",
    "Temas en tendencia",
    "Temas por canal",
    "Comentarios de ejemplo",
    "Frases emergentes",
]


def _frame(at: AppTest, *headers: str):
    for df in at.dataframe:
        if all(h in df.value.columns for h in headers):
            return df.value
    raise AssertionError(f"no table with {headers}: {[list(d.value.columns) for d in at.dataframe]}")


@pytest.fixture
def demo(app_db_env, demo_db: Path):
    app_db_env(demo_db)
    source = snapshot.open_snapshot(demo_db)
    period = last_closed_period(source)
    return source, period, FilterSpec(date_from=period.start, date_to=period.end)


def test_page_runs_with_every_section(demo, demo_db: Path) -> None:
    source, period, spec = demo
    at = open_page(PAGE)
    assert at.title[0].value == "Voice of the customer"
    assert [h.value for h in at.header] == HEADERS_EN
    assert any(c.value.startswith("Showing: 2026-02-16 → 2026-03-01") for c in at.caption)
    assert any(f"data to {data_to(demo_db)}" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 5  # volume, impact, sentiment, trend, heatmap
    assert not at.error
    # the ranking table is the report's, in words
    ranking = voc.theme_ranking(source, "nps", spec, 30, 0.05, role="analyst")
    shown = _frame(at, "Theme", "Responses (n)", "NPS with theme")
    assert shown["Theme"].tolist() == [voc.theme_label(k, "en") for k in ranking["theme"]]
    assert shown["Responses (n)"].tolist() == ranking["n"].tolist()
    assert shown["NPS with theme"].tolist() == pytest.approx(ranking["value"].tolist())
    assert shown["Channels"].iloc[0].startswith("./channels?kpi=nps&lang=en&period=2026-02-16&theme=")
    # the trend names the rising outage theme, as plain text
    trends = voc.theme_trends(source, "nps", spec, period, 30, 0.05, role="analyst").rows
    outage = trends.set_index("theme").loc["coverage_outage"]
    line = (f"Coverage and outages ▲ {fmt_number(outage['prev_share'], 'en')}% → "
            f"{fmt_number(outage['share'], 'en')}% of comments")
    assert any(line in x.value for x in at.text)
    # example comments open on the theme rising most, plain text, consented only
    examples = _frame(at, "Verbatim", "Sentiment", "Person (pseudonym)")
    assert 0 < len(examples) <= 20 and all(p.startswith("p_") for p in examples["Person (pseudonym)"])
    assert at.selectbox(key="voc_example_en").value == "coverage_outage"
    assert len(at.get("download_button")) == 5  # ranking, sentiment, trends, heatmap, examples


def test_spanish(demo) -> None:
    at = open_page(PAGE, lang="es")
    assert at.title[0].value == "Voz del cliente"
    assert [h.value for h in at.header] == HEADERS_ES
    shown = _frame(at, "Tema", "Respuestas (n)", "NPS con tema")
    assert "Cobertura y averías de red" in shown["Tema"].tolist()
    assert any("Cobertura y averías de red ▲" in x.value and "% de los comentarios" in x.value for x in at.text)
    assert any("respuestas NPS" in c.value and "llevan comentario" in c.value for c in at.caption)


def test_another_survey_from_the_url(demo) -> None:
    source, _, spec = demo
    at = open_page(PAGE, survey="csat", example="repeat_contact", tone="negative")
    assert at.header[0].value == "Themes by volume and CSAT impact"
    ranking = voc.theme_ranking(source, "csat", spec, 30, 0.05, role="analyst")
    assert _frame(at, "Theme", "CSAT with theme")["Responses (n)"].tolist() == ranking["n"].tolist()
    assert at.selectbox(key="voc_example_en").value == "repeat_contact"
    expected = voc_text.theme_examples(source, "csat", spec, "repeat_contact", "negative", voc_text.EXAMPLES,
                                       role="analyst")
    shown = _frame(at, "Verbatim", "Sentiment")
    assert len(shown) == len(expected) > 0
    assert set(shown["Sentiment"]) == {"negative"}


@pytest.mark.parametrize("role", ["executive", "committee"])
def test_restricted_roles_see_aggregates_only(app_db_env, demo_db: Path, monkeypatch: pytest.MonkeyPatch,
                                               role: str) -> None:
    monkeypatch.setenv("CXM_ROLE", role)
    app_db_env(demo_db)  # (clears the settings, so the role is read)
    at = open_page(PAGE)
    assert [h.value for h in at.header] == HEADERS_EN
    assert any("aggregates only" in i.value for i in at.info)
    assert not [d for d in at.dataframe if "Verbatim" in d.value.columns]
    emerging = _frame(at, "Topic", "Phrases (people)")
    assert "Example comments (consented)" not in emerging.columns
    assert not any(k.startswith("voc_example") for k in (s.key for s in at.selectbox))


def test_small_cells_are_suppressed_for_the_executive(app_db_env, small_demo_db: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_ROLE", "executive")
    app_db_env(small_demo_db)
    source = snapshot.open_snapshot(small_demo_db)
    period = last_closed_period(source)
    spec = FilterSpec(date_from=period.start, date_to=period.end)
    expected = voc.theme_ranking(source, "nps", spec, 30, 0.05, role="executive")
    assert expected["suppressed"].notna().any(), "the small demo should have a theme under k people"
    at = open_page(PAGE)
    shown = _frame(at, "Theme", "Responses (n)")
    hidden = [voc.theme_label(k, "en") for k, r in zip(expected["theme"], expected["suppressed"], strict=True)
              if isinstance(r, str)]
    for label in hidden:
        assert shown.loc[shown["Theme"] == label, "Responses (n)"].iloc[0].startswith("suppressed")
    assert any("Cells with fewer than" in c.value for c in at.caption)


def test_example_comments_are_audited(demo_db: Path, app_db_env, tmp_path: Path) -> None:
    db = tmp_path / "copy" / "cxm.duckdb"  # its own app-state database beside it
    db.parent.mkdir()
    shutil.copytree(snapshot.snapshot_dir(demo_db), snapshot.snapshot_dir(db))
    app_db_env(db)
    at = open_page(PAGE)
    at.selectbox(key="voc_tone_en").set_value("negative").run()
    assert not at.exception
    entries = [e for e in app_state.audit_entries(path=app_state.default_path()) if e["action"] == "voc_examples"]
    assert len(entries) == 2  # the first view (all sentiments), then the negative ones
    assert entries[0]["role"] == "analyst" and '"theme": "coverage_outage"' in entries[0]["filter_json"]
