"""The Retention & churn page (AppTest): its sections in English and Spanish, figures equal
to the reports, the honest model sentence, the short-data notice, and the customer list
only for analysts and admins (audited), never for executives."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.i18n import fmt_int, fmt_number
from cxmetrics.reports import retention as rr
from cxmetrics.serving import app_state, snapshot
from tests.apptest import open_page

PAGE = "pages/11_Retention.py"
HEADERS_EN = ["Churn rate by month", "How long customers stay (Kaplan–Meier)", "Churn after a negative experience",
              "Early signal — contract-termination research", "Churn risk"]
HEADERS_ES = ["Tasa de bajas por mes", "Cuánto tiempo se quedan los clientes (Kaplan–Meier)",
              "Bajas tras una experiencia negativa", "Señal temprana — consultas de baja del contrato",
              "Riesgo de baja"]


def _run(**query: str) -> AppTest:
    return open_page(PAGE, timeout=90, **query)


def _table(at: AppTest, *headers: str):
    for df in at.dataframe:
        if all(h in df.value.columns for h in headers):
            return df.value
    raise AssertionError([list(d.value.columns) for d in at.dataframe])


@pytest.fixture
def long_demo(app_db_env, retention_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CXM_ROLE", "analyst")
    app_db_env(retention_db)
    return snapshot.open_snapshot(retention_db)


def test_sections_figures_and_the_list_for_an_analyst(long_demo, retention_db: Path) -> None:
    at = _run()
    assert at.title[0].value == "Retention & churn"
    assert [h.value for h in at.header] == HEADERS_EN
    assert "High-value customers at high risk" in [s.value for s in at.subheader]
    assert len(at.get("plotly_chart")) == 5  # monthly, curves, 30/90, research, calibration
    # monthly churn: the engine's churn_rate by month and segment
    months = rr.churn_by_month(long_demo, None, "segment", role="analyst")
    shown = _table(at, "Month", "Cohort", "Churn (95% CI)")
    assert len(shown) == len(months)
    assert shown["Active customers"].tolist() == [fmt_int(n) for n in months["n"]]
    # the model's validation and the sentence that goes with it
    v = rr.risk_validation(long_demo, role="analyst")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Model AUC"] == fmt_number(v.metrics["auc"]["value"], "en", 3)
    assert metrics["Baseline AUC"] == fmt_number(v.metrics["baseline_auc"]["value"], "en", 3)
    sentences = [s.value for s in at.success] + [w.value for w in at.warning]
    assert len(sentences) == 1
    assert sentences[0].startswith("The model ranks churners better" if v.beats_baseline else "The model does not")
    # the list: pseudonymized ids of high-value customers, as the report gives them
    expected = rr.high_risk_customers(long_demo, None, role="analyst")
    listed = _table(at, "Customer", "Risk (30 days)")
    assert listed["Customer"].tolist() == expected["person"].tolist()[: len(listed)]
    assert all(p.startswith("p_") for p in listed["Customer"])
    entries = app_state.audit_entries(path=app_state.default_path())
    assert any(e["action"] == "retention_list" and e["rows"] == len(expected) for e in entries)


def test_spanish(long_demo) -> None:
    at = _run(lang="es")
    assert at.title[0].value == "Retención y bajas"
    assert [h.value for h in at.header] == HEADERS_ES
    assert "Clientes de alto valor con riesgo alto" in [s.value for s in at.subheader]
    assert "Extra" not in " ".join(m.label for m in at.metric)
    assert any(m.label == "AUC del modelo" and "," in m.value for m in at.metric)
    assert "Mes" in _table(at, "Mes", "Cohorte").columns


def test_executive_sees_no_customer_list(app_db_env, retention_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_ROLE", "executive")
    app_db_env(retention_db)
    at = _run()
    assert [h.value for h in at.header] == HEADERS_EN
    assert any("aggregates only" in i.value for i in at.info)
    assert not any("Customer" in df.value.columns for df in at.dataframe)
    assert not any(str(v).startswith("p_") for df in at.dataframe for v in df.value.to_numpy().ravel())
    assert len(at.get("download_button")) >= 5  # the aggregates' CSVs, not the list's


def test_short_data_says_why_there_is_no_model(app_db_env, demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXM_ROLE", "analyst")
    app_db_env(demo_db)
    at = _run()
    assert [h.value for h in at.header] == HEADERS_EN
    infos = [i.value for i in at.info]
    assert any(i.startswith("No risk model: the data covers 45 days and the split needs 120") for i in infos)
    assert "No list without a risk model." in infos
    assert not at.success and not at.warning


def test_the_cohort_and_time_axis_choices(long_demo) -> None:
    at = _run()
    at.selectbox(key="ret_km_cohort").set_value("signup_cohort").run()
    at.radio(key="ret_km_scale").set_value("tenure").run()
    assert not at.exception
    assert any("delayed entry" in c.value for c in at.caption)
    summary = _table(at, "Cohort", "Still customers at 1 year")
    curves = rr.survival_curves(long_demo, None, "signup_cohort", "tenure", role="analyst")
    assert len(summary) == len(curves.summary)
    at.selectbox(key="ret_month_cohort").set_value("region").run()
    assert not at.exception
    assert set(_table(at, "Month", "Cohort")["Cohort"]) == set(
        rr.churn_by_month(long_demo, None, "region", role="analyst")["cohort"])
