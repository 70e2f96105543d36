"""The Committee review page (AppTest) on ``demo_db`` (data to 2026-03-01) and ``empty_db``.

The change table is checked against ``review.review_data`` run directly; the actions form,
"mark done" and "Close this review" against the app-state database read back with
``app_state``. Tests that write app state run on a copy of the demo snapshot in their own
folder, so the app-state file (kept beside the data) is theirs alone.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, datetime
from pathlib import Path
from urllib.parse import parse_qs

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.analysis.drivers import CAVEAT
from cxmetrics.i18n import fmt_int, fmt_pct, t
from cxmetrics.metrics import okr, quantiles
from cxmetrics.metrics.compare import last_closed_period
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS, OPS_KPIS
from cxmetrics.reports import cases as rc
from cxmetrics.reports import committee as cu
from cxmetrics.reports import decomposition as dc
from cxmetrics.reports import incidents as ri
from cxmetrics.reports import key_drivers as kd
from cxmetrics.reports import okrs, review
from cxmetrics.serving import app_state, snapshot
from cxmetrics.serving import cases as store
from cxmetrics.ui.auth import md_escape
from tests.apptest import open_page

PAGE = "pages/6_Committee_review.py"
LAST_CLOSED = "2026-02-16"  # demo data to 2026-03-01: periods anchored on 2026-01-05, 14 days
TEST_OKRS = """\
cycle: 2026-H1
objectives:
  - id: O1
    title: Lift web NPS
    owner: Head of Digital
    key_results:
      - id: KR1.1
        title: NPS of web contacts
        owner: Digital CX lead
        kpi: nps
        filter: {channel: web}
        baseline: -40
        target: 20
        start: 2026-01-05
        end: 2026-06-28
  - id: O2
    title: Fix bot-to-agent handoffs
    owner: Head of Service
    key_results:
      - id: KR2.1
        title: Handoff abandonment (lower is better)
        owner: Conversational AI lead
        kpi: handoff_abandonment
        baseline: 40
        target: 5
        start: 2026-01-05
        end: 2026-06-28
"""


@pytest.fixture
def okr_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "okrs.yaml"
    path.write_text(TEST_OKRS)
    monkeypatch.setenv(okrs.OKR_PATH_ENV, str(path))
    return path


@pytest.fixture
def own_db(tmp_path: Path, demo_db: Path) -> Path:
    """The demo snapshot copied to a folder of its own (own app-state database)."""
    root = tmp_path / "own"
    shutil.copytree(snapshot.snapshot_dir(demo_db), snapshot.snapshot_dir(root / demo_db.name))
    return root / demo_db.name


@pytest.fixture
def demo(app_db_env, own_db: Path, okr_file: Path) -> Path:
    return app_db_env(own_db)


@pytest.fixture
def committee(monkeypatch: pytest.MonkeyPatch, app_db_env, own_db: Path, okr_file: Path) -> Path:
    monkeypatch.setenv("CXM_ROLE", "committee")
    return app_db_env(own_db)


@pytest.fixture
def empty(app_db_env, empty_db: Path, okr_file: Path) -> Path:
    return app_db_env(empty_db)


def _run(lang: str | None = None, **params: str) -> AppTest:
    return open_page(PAGE, lang=lang, **params)


def _changes_table(at: AppTest) -> pd.DataFrame:
    for df in at.dataframe:
        if "q-value" in df.value.columns:
            return df.value
    raise AssertionError([list(d.value.columns) for d in at.dataframe])


def _frame(at: AppTest, *headers: str) -> pd.DataFrame:
    for df in at.dataframe:
        if all(h in df.value.columns for h in headers):
            return df.value
    raise AssertionError([list(d.value.columns) for d in at.dataframe])


def _review(db_path: Path, okr_path: Path, start: str = LAST_CLOSED) -> dict:
    source = snapshot.open_snapshot(db_path)
    period = review.period_for(source, date.fromisoformat(start))
    return review.review_data(
        source, period, okr.load_okrs(okr_path), state_path=app_state.default_path(), role="analyst"
    )


def _rows_as_keys(table: pd.DataFrame) -> list[tuple]:
    return list(zip(table["KPI"], table["By"], table["Group"], strict=True))


def _expected_keys(rows: list[dict]) -> list[tuple]:
    return [
        (
            KPIS[r["kpi"]].label("en"),
            cu.dimension_label(r["dimension"], "en"),
            cu.group_label(r["dimension"], r["group"], "en"),
        )
        for r in rows
    ]


def _button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, [b.label for b in at.button]
    return found[0]


def test_defaults_to_the_last_closed_period(demo: Path, okr_file: Path) -> None:
    at = _run()
    assert at.title[0].value == "Committee review"
    source = snapshot.open_snapshot(demo)
    assert last_closed_period(source).label == LAST_CLOSED
    assert at.selectbox(key="rv_period").value == LAST_CLOSED
    assert at.query_params["review"] == LAST_CLOSED
    assert any(
        "2026-02-16 → 2026-03-01" in c.value and "2026-02-02 → 2026-02-15" in c.value
        for c in at.caption
    )
    assert [h.value for h in at.header] == [
        "Incidents",
        "Why did it change",
        "Key drivers of NPS",
        "This period vs the previous one",
        "Operations and churn",
        "Alerts raised in the period",
        "OKR status at the period's end",
        "Closed loop",
        "Decisions and actions",
        "Close the review",
        *(["Review pack"] if "Review pack" in [h.value for h in at.header] else []),
    ]
    assert any(c.value.startswith("Only committee members") for c in at.caption)
    assert not [b for b in at.button if b.label == "Close this review"]


def test_significant_changes_equal_review_data(demo: Path, okr_file: Path) -> None:
    at = _run()
    data = _review(demo, okr_file)
    significant = [r for r in data["changes"] if r["significant"]]
    assert significant, "the demo has significant changes between the two periods"
    table = _changes_table(at)
    assert _rows_as_keys(table) == _expected_keys(significant)
    assert list(table["q-value"]) == pytest.approx([r["q_value"] for r in significant])
    assert list(table["n"]) == [r["current_n"] for r in significant]
    assert set(table["Significant"]) == {"yes"}
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Comparisons"] == str(len(data["changes"]))
    assert metrics["Significant changes"] == str(len(significant))


def test_show_all_lists_every_comparison(demo: Path, okr_file: Path) -> None:
    at = _run()
    at.toggle(key="rv_show_all").set_value(True).run()
    assert not at.exception
    data = _review(demo, okr_file)
    table = _changes_table(at)
    assert (
        len(table) == len(data["changes"]) > len([r for r in data["changes"] if r["significant"]])
    )
    assert _rows_as_keys(table) == _expected_keys(data["changes"])
    assert set(table["Significant"]) == {"yes", "no"}


def test_direction_follows_the_kpi(demo: Path, okr_file: Path) -> None:
    at = _run()
    at.toggle(key="rv_show_all").set_value(True).run()
    table = _changes_table(at)
    data = _review(demo, okr_file)
    for (_, row), r in zip(table.iterrows(), data["changes"], strict=True):
        if r["improved"] is None:
            continue
        arrow = "▲" if r["diff"] > 0 else "▼"
        word = "better" if r["improved"] else "worse"
        assert row["Direction"] == f"{arrow} {word}"
        if r["kpi"] == "handoff_abandonment":  # lower is better
            assert (r["diff"] < 0) == r["improved"]


def test_review_period_from_the_link(demo: Path, okr_file: Path) -> None:
    at = _run(review="2026-02-02")
    assert at.selectbox(key="rv_period").value == "2026-02-02"
    assert not at.warning
    assert any(
        "2026-02-02 → 2026-02-15" in c.value and "2026-01-19 → 2026-02-01" in c.value
        for c in at.caption
    )
    data = _review(demo, okr_file, "2026-02-02")
    if not any(r["significant"] for r in data["changes"]):
        assert any("No change is significant" in i.value for i in at.info)
    at.toggle(key="rv_show_all").set_value(True).run()
    assert _rows_as_keys(_changes_table(at)) == _expected_keys(data["changes"])


def test_invalid_review_period_in_the_link_is_a_notice(demo: Path, okr_file: Path) -> None:
    at = _run(review="2026-02-03")
    assert at.warning and "review = '2026-02-03'" in at.warning[0].value
    assert at.selectbox(key="rv_period").value == LAST_CLOSED
    assert at.query_params["review"] == LAST_CLOSED


def test_alerts_link_to_the_channels_page(demo: Path, okr_file: Path) -> None:
    at = _run()
    data = _review(demo, okr_file)
    if not data["alerts"]:
        assert any("No alert" in i.value for i in at.info)
        return
    alerts = _frame(at, "What", "Where", "Details")
    assert len(alerts) == len(data["alerts"])
    assert list(alerts["Details"]) == [f"./{a['link']}&lang=en" for a in data["alerts"]]
    assert all(link.startswith("./channels?kpi=") for link in alerts["Details"])


def test_okr_strip_shows_objective_status_and_owner(demo: Path, okr_file: Path) -> None:
    at = _run()
    data = _review(demo, okr_file)
    html = "\n".join(m.value for m in at.markdown)
    assert data["okrs"]["as_of"] == "2026-03-01"
    for o in data["okrs"]["objectives"]:
        assert f"Owner: {o['owner']}" in html
        assert okrs.status_word(o["status"], "en") in html


def test_adding_an_action_persists(demo: Path, okr_file: Path) -> None:
    at = _run(channel="web")
    at.text_input(key="rv_what").input("Call back web abandoners")
    at.text_input(key="rv_owner").input("Digital CX lead")
    at.date_input(key="rv_due").set_value(date(2026, 3, 20))
    at.selectbox(key="rv_kpi").set_value("nps")
    assert at.checkbox(key="rv_link_filter").value is True
    _button(at, "Add action").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [action] = app_state.actions(role="committee")
    assert (action.what, action.owner, action.due_date, action.kpi) == (
        "Call back web abandoners",
        "Digital CX lead",
        "2026-03-20",
        "nps",
    )
    assert action.period == LAST_CLOSED and action.created_by == "local-analyst"
    assert action.filter == {"channel": ["web"]} and action.status == "open"
    assert any("Action #" in s.value and "local-analyst" in s.value for s in at.success)
    log = _frame(at, "#", "What", "Recorded")
    assert list(log["What"]) == ["Call back web abandoners"]
    # a fresh session (a reload) reads it back from the app state
    again = _run()
    assert list(_frame(again, "#", "What", "Recorded")["What"]) == ["Call back web abandoners"]


def test_an_action_needs_a_description(demo: Path, okr_file: Path) -> None:
    at = _run()
    at.text_input(key="rv_owner").input("Someone")
    _button(at, "Add action").click().run()
    assert at.error and "description and an owner" in at.error[0].value
    assert app_state.actions(role="committee") == []


def test_mark_done_and_due_this_period(demo: Path, okr_file: Path) -> None:
    a = app_state.add_action("Fix IVR routing", "Ops", date(2026, 2, 20), "2026-02-02", "someone", role="committee")
    b = app_state.add_action(
        "Review bot intents", "AI lead", date(2026, 2, 25), "2026-02-02", "someone", role="committee")
    at = _run()
    assert any(m.value.startswith("0 done · 2 not done") for m in at.markdown)
    last = _frame(at, "#", "What", "Due")  # decided last time = the due table here: same actions
    assert set(last["What"]) == {"Fix IVR routing", "Review bot intents"}
    at.button(key=f"rv_done_{a.id}").click().run()
    assert not at.exception
    done = {x.id: x for x in app_state.actions(role="committee")}
    assert done[a.id].status == "done" and done[a.id].done_by == "local-analyst"
    assert done[b.id].status == "open"
    assert any(m.value.startswith("1 done · 1 not done") for m in at.markdown)
    assert not [x for x in at.button if x.key == f"rv_done_{a.id}"]


def test_closing_a_review_stores_it(committee: Path, okr_file: Path) -> None:
    at = _run()
    assert app_state.frozen_review(LAST_CLOSED) is None
    _button(at, "Close this review").click().run()
    assert not at.exception
    frozen = app_state.frozen_review(LAST_CLOSED)
    assert frozen is not None and frozen["closed_by"] == "local-committee"
    data = _review(committee, okr_file)
    figures = review.frozen_figures(data)
    assert set(frozen["figures"]) == set(figures)
    key = cu.change_key(data["changes"][0])
    assert frozen["figures"][key]["current"] == pytest.approx(figures[key]["current"])
    assert frozen["data_version"] == data["data_version"]
    assert any("closed by local-committee" in s.value for s in at.success)
    assert any("This review was closed" in i.value for i in at.info)
    assert not [b for b in at.button if b.label == "Close this review"]
    assert not at.warning  # nothing restated right after closing
    entries = app_state.audit_entries()
    assert entries[0]["action"] == "close_review" and entries[0]["user"] == "local-committee"


def test_restated_figures_show_as_reported_beside_restated(demo: Path, okr_file: Path) -> None:
    data = _review(demo, okr_file)
    figures = review.frozen_figures(data)
    first = data["changes"][0]
    key = cu.change_key(first)
    figures[key] = {
        **figures[key],
        "current": first["current"] + 5.0,
        "current_n": first["current_n"] - 7,
    }
    app_state.freeze_review(LAST_CLOSED, figures, data["data_version"], "someone", role="committee")
    at = _run()
    assert at.warning and "1 figures changed" in at.warning[0].value
    restated = _frame(at, "As reported", "Restated", "n as reported")
    assert len(restated) == 1
    k = first["kpi"]
    assert restated.iloc[0]["As reported"] == cu.format_value(k, first["current"] + 5.0, "en")
    assert restated.iloc[0]["Restated"] == cu.format_value(k, first["current"], "en")
    assert restated.iloc[0]["n as reported"] == first["current_n"] - 7
    table = _changes_table(at)
    flagged = table[table["Restated?"] != ""]
    assert len(flagged) == 1 and flagged.iloc[0]["As reported"] == cu.format_value(
        k, first["current"] + 5.0, "en"
    )


def test_spanish(demo: Path, okr_file: Path) -> None:
    at = _run("es")
    assert at.title[0].value == "Revisión del comité"
    table = _frame(at, "Valor q", "Dirección")
    assert set(table["Significativo"]) == {"sí"}
    assert any("," in v for v in table["Este periodo"])
    assert _button(at, "Añadir acción")


def test_bad_okr_file_leaves_the_rest_of_the_review(demo: Path, okr_file: Path) -> None:
    okr_file.write_text("cycle: [unclosed\n")
    at = _run()
    assert at.warning and "OKR file could not be used" in at.warning[0].value
    assert _changes_table(at) is not None


def test_page_without_data_says_so(empty: Path) -> None:
    at = _run()
    assert at.info and "No data yet" in at.info[0].value
    assert not at.dataframe and not at.error


# --------------------------------------------------------------------------- why: incidents, decomposition, drivers


def _plain(at: AppTest) -> list[str]:
    """The page's Markdown with the escapes for literal text taken out."""
    return [re.sub(r"\\(.)", r"\1", m.value) for m in at.markdown]


def _waterfall(at: AppTest) -> dict:
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    found = [f for f in figs if f["data"] and f["data"][0]["type"] == "waterfall"]
    assert len(found) == 1, [f["data"][0]["type"] for f in figs if f["data"]]
    return found[0]


def _shares(table: pd.DataFrame, column: str) -> list[float]:
    return [float(v.split(" ")[0].replace(",", ".")) for v in table[column]]


def test_opens_with_the_summary_and_the_top_incidents(demo: Path, okr_file: Path) -> None:
    at = _run()
    data = _review(demo, okr_file)
    top = ri.shown(data["incidents"])
    assert 2 <= len(top) <= 5
    md = _plain(at)
    summary = ri.summary(data["incidents"], len(data["alerts"]), "en", dc.sentence(data["decomposition"], "en"))
    assert summary in md and ri.title(top[0], "en") in summary
    assert md.index(summary) < min(i for i, m in enumerate(md) if m.startswith("**1. "))
    cards = [m for m in md if re.match(r"^\*\*\d\. ", m)]
    assert cards == [f"**{k}. {ri.title(inc, 'en')}**" for k, inc in enumerate(top, start=1)]
    assert cards[0].startswith("**1. Region Andalucía: ") and cards[1].startswith("**2. Channel chatbot: Handoff")
    lines = [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]
    assert f"Onset {top[0]['onset']} · {ri.size(top[0], 'en')} · moves {ri.kpis_text(top[0], 'en')}" in lines
    assert [e.label for e in at.expander].count("Evidence and slices") == len(top)
    evidence = next(m for m in md if m.startswith("Evidence (the alert rule"))
    assert all(f"- {line}" in evidence for line in ri.evidence_lines(top[0], "en"))
    assert f"[Open the filtered view]({ri.href(top[0], 'en')})" in [m.value for m in at.markdown]
    assert ri.href(top[0], "en").startswith("./channels?kpi=") and "region=Andaluc%C3%ADa" in ri.href(top[0], "en")
    if data["alerts"]:  # the alert list is folded
        assert f"Show the {len(data['alerts'])} alerts" in [e.label for e in at.expander]


def test_the_nps_change_is_decomposed_in_a_waterfall(demo: Path, okr_file: Path) -> None:
    at = _run()
    assert at.selectbox(key="rv_why_kpi_en").value == "nps" and at.selectbox(key="rv_why_dim_en").value == "region"
    data = _review(demo, okr_file)["decomposition"]
    fig = _waterfall(at)
    [trace] = fig["data"]
    ys, measure = trace["y"], trace["measure"]
    assert measure[0] == "absolute" and measure[-1] == "total" and set(measure[1:-1]) == {"relative"}
    assert ys[0] == pytest.approx(data["value0"])
    assert ys[0] + sum(ys[1:-1]) == pytest.approx(data["value1"], abs=1e-9)  # steps: previous → current
    assert trace["x"][1] == "Andalucía"
    assert f"**{dc.sentence(data, 'en')}**" in _plain(at)
    table = _frame(at, "Slice", "Rate effect", "Mix effect")
    assert list(table["Slice"]) == [s["slice"] for s in data["slices"]]
    # another dimension: the sentence and the bars follow
    at.selectbox(key="rv_why_dim_en").set_value("channel").run()
    assert not at.exception
    by_channel = dc.change_by(snapshot.open_snapshot(demo), "nps", review.period_for(
        snapshot.open_snapshot(demo), date.fromisoformat(LAST_CLOSED)), "channel", role="analyst")
    assert f"**{dc.sentence(by_channel, 'en')}**" in _plain(at)
    assert set(_waterfall(at)["data"][0]["x"][1:-2]) <= {s["slice"] for s in by_channel["slices"]} | {"Other slices"}


def test_key_drivers_table_and_quadrant(demo: Path, okr_file: Path) -> None:
    at = _run()
    data = _review(demo, okr_file)["drivers"]
    assert any(i.value == CAVEAT for i in at.info)
    table = _frame(at, "Experience", "Importance % [95%]", "Odds ratio [95%]")
    assert list(table["Experience"]) == [kd.attribute_label(r["attribute"], "en") for r in data["rows"]]
    assert sum(_shares(table, "Importance % [95%]")) == pytest.approx(100.0, abs=0.5)
    assert "First contact resolved" in set(table["Experience"])
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert any(f["data"] and f["data"][0].get("mode") == "markers+text" for f in figs)  # the quadrant
    at.toggle(key="rv_drv_csat").set_value(True).run()
    assert not at.exception
    assert "Key drivers of CSAT" in [h.value for h in at.header]
    assert any(m.startswith("Over the ") and " CSAT responses" in m for m in _plain(at))


def test_why_sections_in_spanish(demo: Path, okr_file: Path) -> None:
    at = _run("es")
    data = _review(demo, okr_file)
    heads = [h.value for h in at.header]
    assert heads[:3] == ["Incidentes", "Por qué cambió", "Factores clave de NPS"]
    md = _plain(at)
    summary = ri.summary(data["incidents"], len(data["alerts"]), "es", dc.sentence(data["decomposition"], "es"))
    assert summary in md and summary.split(" ")[1] == "incidentes"
    assert any(m.startswith("**1. Región Andalucía: ") for m in md)
    assert f"**{dc.sentence(data['decomposition'], 'es')}**" in md and "puntos" in dc.sentence(data["decomposition"], "es")
    assert _waterfall(at)["layout"]["separators"] == ",."
    table = _frame(at, "Experiencia", "Importancia [95 %]")
    assert "Resuelto al primer contacto" in set(table["Experiencia"])
    assert sum(_shares(table, "Importancia [95 %]")) == pytest.approx(100.0, abs=0.5)
    assert any(i.value.startswith("Son asociaciones en datos observacionales") for i in at.info)


def test_why_sections_for_the_committee_role(committee: Path, okr_file: Path) -> None:
    at = _run()
    assert not at.exception
    assert [h.value for h in at.header][:3] == ["Incidents", "Why did it change", "Key drivers of NPS"]
    _waterfall(at)


# --------------------------------------------------------------------------- the closed loop and the incidents' themes

CASES_NOW = datetime(2026, 3, 1, 18, 0)  # the operational clock, fixed (tests/test_page_cases.py)


@pytest.fixture
def with_cases(own_db: Path, okr_file: Path, app_db_env, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo snapshot with its cases opened in its own app state, one of them worked."""
    monkeypatch.setattr(store, "utcnow", lambda: CASES_NOW)
    app_db_env(own_db)
    state = app_state.path_for(own_db)
    assert store.open_cases(snapshot.open_snapshot(own_db).con, state, now=datetime(2026, 3, 1, 12)).opened > 100
    first = store.list_cases(state, role="admin", status="open", now=CASES_NOW)[-1]  # not due yet
    store.update_case(first.case_id, "resolved", user="ana", role="committee", now=CASES_NOW, path=state)
    return own_db


def _closed_loop(db: Path, role: str) -> dict:
    source = snapshot.open_snapshot(db)
    period = review.period_for(source, date.fromisoformat(LAST_CLOSED))
    return rc.review_section(app_state.path_for(db), period.start, period.end, role=role, tz="UTC", now=CASES_NOW)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_closed_loop_section(with_cases: Path, lang: str) -> None:
    at = _run(lang)
    section = _closed_loop(with_cases, "analyst")
    o = section["overall"]
    assert o["cases"] > 100 and o["closed_in_sla"] == 1
    heads = [h.value for h in at.header]
    head = {"en": "Closed loop", "es": "Ciclo cerrado"}[lang]
    assert heads.index(head) == heads.index({"en": "OKR status at the period's end",
                                             "es": "Estado de los OKR al cierre del periodo"}[lang]) + 1
    shown = _metrics(at)
    for tile in rc.figure_tiles(o, lang):
        assert shown[tile.label] == tile.value
    assert shown[t("cases.fig.rate", lang)] == fmt_pct(1 / o["cases"], lang, 1)
    assert rc.review_caption(section, lang) in [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption]
    assert t("cl.by_owner", lang) in [s.value for s in at.subheader]
    owners = _frame(at, t("cases.fig.by.owner", lang), t("cases.fig.rate", lang))
    assert owners[t("cases.fig.by.owner", lang)].tolist() == [r["group"] for r in section["by_owner"]]
    assert owners[t("cases.fig.cases", lang)].sum() == o["cases"]
    assert f"[{t('cl.link', lang)}](./cases?lang={lang})" in [m.value for m in at.markdown]
    assert at.get("download_button") and "dl_rv_closed_loop" in [b.key for b in at.get("download_button")]


def test_executives_see_the_closed_loop_figures_only(with_cases: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxmetrics.core.settings import get_settings

    monkeypatch.setenv("CXM_ROLE", "executive")
    get_settings.cache_clear()
    at = _run()
    section = _closed_loop(with_cases, "executive")
    assert section["k"] == 5
    assert _metrics(at)["Cases"] == fmt_int(section["overall"]["cases"], "en")
    assert any(c.value.startswith("Groups with fewer than 5 people are suppressed for the " + t("role.executive", "en"))
               for c in at.caption)
    owners = _frame(at, "Owner", "Closed-loop rate")
    hidden = [r["group"] for r in section["by_owner"] if r["suppressed"]]
    assert owners.loc[owners["Owner"].isin(hidden), "Cases"].isna().all()


def test_no_case_data_says_so(demo: Path) -> None:
    at = _run()  # the demo copy has no case: its app state holds the actions only
    assert "Closed loop" in [h.value for h in at.header]
    assert any(i.value.startswith("No case data") for i in at.info)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_incident_cards_link_their_themes_to_the_voice_of_the_customer(demo: Path, okr_file: Path,
                                                                       lang: str) -> None:
    at = _run(lang)
    data = _review(demo, okr_file)
    outage, chatbot = ri.shown(data["incidents"])[:2]
    themes = [m.value for m in at.markdown if m.value.startswith(f"**{md_escape(t('inc.themes.label', lang))}**")]
    assert len(themes) == len([i for i in ri.shown(data["incidents"]) if ri.theme_parts(i, lang) is not None])
    first = ri.theme_parts(outage, lang)[0]
    assert f"[{md_escape(first['label'])}]({first['href']}) {md_escape(first['figures'])}" in themes[0]
    assert first["theme"] == "coverage_outage" and "region=Andaluc%C3%ADa" in first["href"]
    assert first["href"].startswith(f"./voc?from={outage['onset']}&to={outage['until']}&survey=")
    bot = ri.theme_parts(chatbot, lang)[0]
    assert bot["theme"] in ("bot_understanding", "waiting_time")
    assert f"[{md_escape(bot['label'])}]({bot['href']}) :gray[" in themes[1]  # not significant: in grey
    assert ri.themes_caption(lang) in [c.value for c in at.caption]


def test_a_theme_link_opens_the_voice_of_the_customer_page_filtered(demo: Path, okr_file: Path) -> None:
    data = _review(demo, okr_file)
    outage = ri.shown(data["incidents"])[0]
    href = ri.theme_parts(outage, "en")[0]["href"]
    assert href.startswith("./voc?")
    at = open_page("pages/9_Voice_of_customer.py", **{k: v[0] for k, v in parse_qs(href.split("?", 1)[1]).items()})
    assert at.title[0].value == "Voice of the customer"
    assert at.sidebar.multiselect(key="w_f_region_en").value == ["Andalucía"]
    assert at.sidebar.multiselect(key="w_f_theme_en").value == ["coverage_outage"]
    assert at.query_params["survey"] in ("nps", ["nps"])
    period = f"{outage['onset']} → {outage['until']} (UTC)"
    assert any(period in c.value and "Andalucía" in c.value for c in at.caption)


# --------------------------------------------------------------------------- operations and churn


def _ops_table(at: AppTest, lang: str = "en") -> pd.DataFrame:
    return _frame(at, "95% interval, previous" if lang == "en" else "Intervalo del 95 %, anterior")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_operations_section_equals_kpi_stats(demo: Path, okr_file: Path, lang: str) -> None:
    at = _run(lang)
    heads = [h.value for h in at.header]
    title = "Operations and churn" if lang == "en" else "Operaciones y bajas"
    changes = "This period vs the previous one" if lang == "en" else "Este periodo frente al anterior"
    assert heads.index(title) == heads.index(changes) + 1  # after the change table
    source = snapshot.open_snapshot(demo)
    period = review.period_for(source, date.fromisoformat(LAST_CLOSED))
    table = _ops_table(at, lang)
    assert list(table["KPI"]) == [KPIS[k].label(lang) for k in OPS_KPIS]
    current, previous, n_previous = (("This period", "Previous", "n previous") if lang == "en"
                                     else ("Este periodo", "Anterior", "n anterior"))
    for p, value_col, n_col in ((period, current, "n"), (period.previous(), previous, n_previous)):
        spec = FilterSpec(date_from=p.start, date_to=p.end)
        for (_, row), k in zip(table.iterrows(), OPS_KPIS, strict=True):
            (g,) = kpi_stats(source, [k], [], spec)
            text = cu.format_value(k, g.estimate.value, lang)
            if KPIS[k].kind == "median":
                text += f" · p90 {cu.format_value(k, quantiles.percentile(g.dist, 0.9), lang)}"
            assert row[value_col] == text, (k, p)
            assert row[n_col] == fmt_int(g.n, lang), (k, p)
    untested = table[[not KPIS[k].tested for k in OPS_KPIS]]
    assert set(untested["q"]) == {"no test" if lang == "en" else "sin prueba"}
    assert any(c.value.startswith("The operations and churn KPIs" if lang == "en" else "Los KPI de operaciones")
               for c in at.caption)
    if lang == "es":
        assert any("," in v for v in table["Este periodo"])
    assert [b for b in at.get("download_button") if b.proto.label in ("Download CSV", "Descargar CSV")]


def test_operations_section_for_the_committee_role(committee: Path, okr_file: Path) -> None:
    at = _run()
    assert "Operations and churn" in [h.value for h in at.header]
    data = review.review_data(snapshot.open_snapshot(committee), review.period_for(
        snapshot.open_snapshot(committee), date.fromisoformat(LAST_CLOSED)), role="committee")
    table = _ops_table(at)
    assert list(table["n"]) == [fmt_int(r["current_n"], "en") for r in data["operations"]]
