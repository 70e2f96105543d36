"""The OKRs page (AppTest) on ``demo_db`` (data to 2026-03-01) and ``empty_db``.

The demo OKR file's cycle (2026-H2) lies after the test data, so a small OKR file with a
2026-H1 cycle is written for these tests and the page pointed at it (``CXM_OKR_PATH``).
Every key-result figure on the page is checked against ``okr.evaluate`` and
``okr.key_result_history`` run directly.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.i18n import fmt_int
from cxmetrics.metrics import okr
from cxmetrics.metrics.compare import closed_periods
from cxmetrics.reports import okrs as cu
from cxmetrics.reports.overview import format_value
from cxmetrics.serving import snapshot
from tests.apptest import open_page

PAGE = "pages/5_OKRs.py"

TEST_OKRS = """\
cycle: 2026-H1
objectives:
  - id: O1
    title: Recognize high-intent customers
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
      - id: KR1.2
        title: Journey completion
        owner: E-commerce owner
        kpi: journey_completion
        baseline: 10
        target: 90
        start: 2026-01-05
        end: 2026-06-28
  - id: O2
    title: Fix bot-to-agent handoffs <b>now</b>
    owner: Head of Service
    key_results:
      - id: KR2.1
        title: Chatbot handoff abandonment (lower is better)
        owner: Conversational AI lead
        kpi: handoff_abandonment
        filter: {channel: chatbot}
        baseline: 40
        target: 5
        start: 2026-01-05
        end: 2026-06-28
        window_days: 14
      - id: KR2.2
        title: CES of store visits for contract termination
        owner: Retail lead
        kpi: ces
        filter: {channel: store, intent: contract_termination}
        baseline: 3
        target: 5
        start: 2026-01-05
        end: 2026-06-28
        window_days: 3
"""


@pytest.fixture
def okr_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "okrs.yaml"
    path.write_text(TEST_OKRS)
    monkeypatch.setenv(cu.OKR_PATH_ENV, str(path))
    return path


@pytest.fixture
def demo(app_db_env, demo_db: Path, okr_file: Path) -> Path:
    return app_db_env(demo_db)


@pytest.fixture
def empty(app_db_env, empty_db: Path, okr_file: Path) -> Path:
    return app_db_env(empty_db)


def _run(lang: str | None = None) -> AppTest:
    return open_page(PAGE, lang=lang)


def _kr_table(at: AppTest, title_header: str = "Key result") -> pd.DataFrame:
    """The full key-result table (the objective cards hold smaller ones without titles)."""
    for df in at.dataframe:
        if title_header in df.value.columns:
            return df.value
    raise AssertionError([list(d.value.columns) for d in at.dataframe])


def _evaluate(db_path: Path, okr_path: Path, as_of: date | None = None) -> dict:
    source = snapshot.open_snapshot(db_path)
    return okr.evaluate(source, okr.load_okrs(okr_path), as_of, role="analyst")


def _krs(evaluation: dict) -> list[dict]:
    return [kr for o in evaluation["objectives"] for kr in o["key_results"]]


def test_key_results_equal_okr_evaluate(demo: Path, okr_file: Path) -> None:
    at = _run()
    assert at.title[0].value == "OKRs"
    expected = _evaluate(demo, okr_file)
    assert expected["as_of"] == "2026-03-01"
    assert at.date_input(key="okr_as_of").value == date(2026, 3, 1)
    table = _kr_table(at)
    assert list(table["KR"]) == [kr["id"] for kr in _krs(expected)]
    for (_, row), kr in zip(table.iterrows(), _krs(expected), strict=True):
        assert row["Owner"] == kr["owner"]
        assert row["n"] == kr["n"]
        assert row["Status"].endswith(cu.status_word(kr["status"], "en"))
        if kr["status"] == "no_data":
            assert row["Current value"] == "not enough data"
        else:
            assert row["Current value"] == format_value(kr["kpi"], kr["current"], "en")
            low, high = (
                format_value(kr["kpi"], kr["ci_low"], "en"),
                format_value(kr["kpi"], kr["ci_high"], "en"),
            )
            assert row["95% interval"] == f"{low} – {high}"
        assert (
            row["Progress"] == pytest.approx(kr["progress"])
            if kr["progress"] is not None
            else pd.isna(row["Progress"])
        )
        assert (
            row["Expected"] == pytest.approx(kr["expected"]) if kr["expected"] is not None else True
        )
        assert row["Baseline → target"] == (
            f"{format_value(kr['kpi'], kr['baseline'], 'en')} → {format_value(kr['kpi'], kr['target'], 'en')}"
        )
    # one progress chart per objective, one CSV download for the table
    assert len(at.get("plotly_chart")) == len(expected["objectives"])
    assert len(at.get("download_button")) == 1
    # each objective card repeats its key results with the trend
    cards = [df.value for df in at.dataframe if "Key result" not in df.value.columns]
    assert [list(c["KR"]) for c in cards] == [
        [kr["id"] for kr in o["key_results"]] for o in expected["objectives"]
    ]


def test_statuses_are_badged_with_words_and_owners(demo: Path, okr_file: Path) -> None:
    at = _run()
    expected = _evaluate(demo, okr_file)
    html = "\n".join(m.value for m in at.markdown)
    for o in expected["objectives"]:
        assert cu.status_word(o["status"], "en") in html
        assert f"Owner: {o['owner']}" in html
    # titles from the OKR file are escaped, never rendered as HTML
    assert "Fix bot-to-agent handoffs &lt;b&gt;now&lt;/b&gt;" in html
    # the store CES key result has a 3-day window: too few records, so no status
    kr22 = next(kr for kr in _krs(expected) if kr["id"] == "KR2.2")
    assert kr22["status"] == "no_data" and kr22["n"] < 30
    assert any(c.value.startswith("Not enough data for") and "KR2.2" in c.value for c in at.caption)


def test_progress_chart_draws_progress_and_expected_pace(demo: Path, okr_file: Path) -> None:
    at = _run()
    expected = _evaluate(demo, okr_file)
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    bars, pace = fig["data"][0], fig["data"][1]
    krs = list(reversed(expected["objectives"][0]["key_results"]))
    assert bars["type"] == "bar" and bars["orientation"] == "h"
    assert bars["x"] == pytest.approx(
        [kr["progress"] * 100 if kr["status"] != "no_data" else 0 for kr in krs]
    )
    assert pace["x"] == pytest.approx([kr["expected"] * 100 for kr in krs])


def test_trend_is_the_key_result_history(demo: Path, okr_file: Path) -> None:
    at = _run()
    source = snapshot.open_snapshot(demo)
    okrs = okr.load_okrs(okr_file)
    kr = okrs.objectives[0].key_results[0]
    history = okr.key_result_history(source, kr, closed_periods(source, cu.TREND_PERIODS), role="analyst")
    table = _kr_table(at)
    assert list(table.iloc[0]["Trend"]) == pytest.approx(
        [h["value"] for h in history if h["value"] is not None]
    )


def test_as_of_date_changes_the_window(demo: Path, okr_file: Path) -> None:
    at = _run()
    at.date_input(key="okr_as_of").set_value(date(2026, 2, 15)).run()
    assert not at.exception
    expected = _evaluate(demo, okr_file, date(2026, 2, 15))
    table = _kr_table(at)
    assert list(table["n"]) == [kr["n"] for kr in _krs(expected)]
    assert list(table["Window"])[0] == f"{_krs(expected)[0]['window'][0]} → 2026-02-15"


def test_spanish_numbers_and_words(demo: Path, okr_file: Path) -> None:
    at = _run("es")
    assert at.title[0].value == "OKR"
    expected = _evaluate(demo, okr_file)
    table = _kr_table(at, "Resultado clave")
    kr = _krs(expected)[1]
    assert table.iloc[1]["Valor actual"] == format_value(kr["kpi"], kr["current"], "es")
    assert "," in table.iloc[1]["Valor actual"] and table.iloc[1]["Valor actual"].endswith(" %")
    assert "Responsable: Head of Digital" in "\n".join(m.value for m in at.markdown)
    assert any(
        fmt_int(30, "es") in c.value and "datos insuficientes" in c.value for c in at.caption
    )


def test_bad_okr_file_is_a_clear_error(demo: Path, okr_file: Path) -> None:
    okr_file.write_text(TEST_OKRS.replace("kpi: nps", "kpi: happiness"))
    at = _run()
    assert (
        at.error
        and "line 10" in at.error[0].value
        and "unknown KPI 'happiness'" in at.error[0].value
    )
    assert not at.dataframe


def test_page_without_data_says_so(empty: Path) -> None:
    at = _run()
    assert at.info and "No data yet" in at.info[0].value
    assert not at.dataframe and not at.error
