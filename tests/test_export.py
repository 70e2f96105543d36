"""Cohort export: recomputes to the engine's numbers, consent, pseudonyms, roles, manifest, audit."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pytest

from cxmetrics.core.errors import UserError
from cxmetrics.core.privacy import pseudonymize
from cxmetrics.metrics.engine import kpi_table
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER
from cxmetrics.reports.export import export_cohort, preview
from cxmetrics.serving import app_state
from cxmetrics.serving.snapshot import open_snapshot


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory):
    from cxmetrics.serving.pipeline import ingest_and_build
    from cxmetrics.synth import generate

    root = tmp_path_factory.mktemp("export")
    res = generate(root / "src", seed=5, customers=300, days=40, end=date(2026, 3, 1), fmt="parquet")
    db = root / "e.duckdb"
    ingest_and_build([res.events_path], res.customers_path, db)
    return open_snapshot(db)


def test_records_export_recomputes_to_the_engine(source, tmp_path: Path) -> None:
    spec = FilterSpec(dims={"channel": ("web", "app", "chatbot")}, date_from=date(2026, 2, 1))
    res = export_cohort(source, spec, tmp_path / "c.parquet", role="analyst", user="t",
                        state_path=tmp_path / "s.sqlite")
    con = duckdb.connect()
    got = {k: (n, v) for k, n, v in con.execute(
        f"SELECT kpi, count(*), avg(outcome) FROM '{res.path}' GROUP BY kpi").fetchall()}
    # The engine counts everyone; the export leaves out customers without consent. Compare
    # with the engine over the consented records (the manifest says how many were left out).
    excluded = res.manifest["records_excluded_no_consent"]
    engine = {r["kpi"]: r for r in kpi_table(source, None, [], spec)}
    assert sum(r["n"] for r in engine.values()) == res.rows + excluded
    for k in KPI_ORDER:
        if k not in engine:
            continue
        n, value = got[k]
        if excluded == 0:
            assert n == engine[k]["n"] and value == pytest.approx(engine[k]["value"], abs=1e-9)
        else:
            assert n <= engine[k]["n"]


def test_no_consent_customers_never_appear_and_ids_are_pseudonymized(source, tmp_path: Path) -> None:
    res = export_cohort(source, FilterSpec(), tmp_path / "all.csv", role="analyst", user="t",
                        state_path=tmp_path / "s.sqlite")
    con = duckdb.connect()
    persons = {r[0] for r in con.execute(f"SELECT DISTINCT person FROM '{res.path}'").fetchall()}
    assert all(p is None or (p.startswith("p_") and len(p) == 18) for p in persons)
    no_consent = [r[0] for r in source.con.execute(
        "SELECT customer_id FROM customers WHERE NOT consent_analytics").fetchall()]
    assert no_consent, "the fixture should have customers without consent"
    assert not persons & {pseudonymize(c) for c in no_consent}
    assert res.manifest["records_excluded_no_consent"] > 0
    raw = export_cohort(source, FilterSpec(), tmp_path / "raw.csv", role="admin", user="a",
                        state_path=tmp_path / "s.sqlite")
    raw_persons = {r[0] for r in con.execute(f"SELECT DISTINCT person FROM '{raw.path}'").fetchall()}
    assert not raw_persons & set(no_consent)
    assert any(p and p.startswith("C") for p in raw_persons)
    # The pseudonym of a person is the same in SQL (export) and Python (drill-down).
    some = next(p for p in raw_persons if p and p.startswith("C"))
    rid = con.execute(f"SELECT record_id, kpi FROM '{raw.path}' WHERE person = ? LIMIT 1", [some]).fetchall()[0]
    pseud = con.execute(f"SELECT person FROM '{res.path}' WHERE record_id = ? AND kpi = ?", list(rid)).fetchall()[0][0]
    assert pseud == pseudonymize(some)


@pytest.mark.parametrize("role", ["executive", "committee"])
def test_roles_without_record_access_are_refused(source, tmp_path: Path, role: str) -> None:
    with pytest.raises(UserError, match="aggregates only"):
        export_cohort(source, FilterSpec(), tmp_path / "x.csv", role=role, user="t", state_path=tmp_path / "s.sqlite")
    with pytest.raises(UserError):
        preview(source, FilterSpec(), "records", role)
    assert not (tmp_path / "x.csv").exists()


def test_xlsx_has_manifest_sheet_and_audit_entry(source, tmp_path: Path) -> None:
    state = tmp_path / "s.sqlite"
    res = export_cohort(source, FilterSpec(dims={"value_tier": ("high",)}), tmp_path / "p.xlsx", kind="persons",
                        role="analyst", user="ana", state_path=state)
    with zipfile.ZipFile(res.path) as z:
        workbook = z.read("xl/workbook.xml").decode()
    assert 'name="cohort"' in workbook and 'name="manifest"' in workbook
    manifest = json.loads(res.manifest_path.read_text())
    assert manifest["filter"]["dims"] == {"value_tier": ["high"]} and manifest["kind"] == "persons"
    assert manifest["rows"] == res.rows and manifest["role"] == "analyst" and "person" in manifest["columns"]
    [entry] = app_state.audit_entries(path=state)
    assert (entry["user"], entry["action"], entry["rows"]) == ("ana", "export", res.rows)


def test_unknown_extension_is_a_user_error(source, tmp_path: Path) -> None:
    with pytest.raises(UserError, match=".csv, .parquet or .xlsx"):
        export_cohort(source, FilterSpec(), tmp_path / "x.json", role="analyst", user="t",
                      state_path=tmp_path / "s.sqlite")
