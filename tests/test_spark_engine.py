"""The Spark engine (``cxm build --engine spark``) against the DuckDB build of the same data.

The demo database of ``conftest.demo_db`` (400 customers over 45 days, plus a file of
bad rows) is exported with ``cxm export-input``, built on Spark in local mode through the
CLI, and compared with the snapshot its DuckDB build published: every served table row
for row, and the KPIs of a set of slices read by the metrics engine through DuckDB, as
the dashboard reads them. One JVM for the whole session (``spark_session``); the
``xdist_group`` keeps these tests on one worker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from cxmetrics import cli
from cxmetrics.metrics.engine import kpi_table
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import ALL_KPIS
from cxmetrics.serving import snapshot

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

TOL = 1e-9


@pytest.fixture(scope="session")
def spark_session():
    from cxmetrics.engines.spark import get_session

    session = get_session()
    yield session
    session.stop()


@pytest.fixture(scope="module")
def spark_out(demo_db: Path, spark_session, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The serving database path of the Spark build (only its snapshot exists)."""
    root = tmp_path_factory.mktemp("spark_engine")
    assert cli.main(["export-input", "--db", str(demo_db), "--out", str(root / "in"), "--json"]) == 0
    code = cli.main(["build", "--engine", "spark", "--input", str(root / "in"), "--output", str(root / "out"),
                     "--json"])
    assert code == 0
    return root / "out" / "cxm.duckdb"


def _current(db_path: Path) -> Path:
    root = snapshot.snapshot_dir(db_path)
    return root / snapshot.current_version(root)


def _relation(folder: Path, table: str) -> str:
    path = folder / f"{table}.parquet"
    return f"read_parquet('{path}/*.parquet')" if path.is_dir() else f"read_parquet('{path}')"


def test_served_tables_are_equal(demo_db: Path, spark_out: Path) -> None:
    duck, spark = _current(demo_db), _current(spark_out)
    assert json.loads((spark / "build.json").read_text())["engine"] == "spark"
    duck_rows = snapshot.read_manifest(duck.parent, duck.name).rows
    spark_manifest = snapshot.read_manifest(spark.parent, spark.name)
    assert spark_manifest.rows == duck_rows
    assert spark_manifest.max_ts == snapshot.read_manifest(duck.parent, duck.name).max_ts
    con = duckdb.connect()
    for table in snapshot.SERVED_TABLES:
        a, b = _relation(duck, table), _relation(spark, table)
        cols_a = con.execute(f"DESCRIBE SELECT * FROM {a}").fetchall()
        cols_b = con.execute(f"DESCRIBE SELECT * FROM {b}").fetchall()
        assert [c[0] for c in cols_a] == [c[0] for c in cols_b], table
        # Same types, except that Spark's row_number() is an INTEGER where DuckDB's is a BIGINT.
        ints = {"INTEGER", "BIGINT"}
        for (name, ta, *_), (_, tb, *_) in zip(cols_a, cols_b, strict=True):
            assert ta == tb or {ta, tb} <= ints, (table, name, ta, tb)
        n = con.execute(f"SELECT count(*) FROM {b}").fetchall()[0][0]
        assert n == duck_rows[table], table
        for x, y in ((a, b), (b, a)):
            extra = con.execute(f"SELECT count(*) FROM (FROM {x} EXCEPT ALL FROM {y})").fetchall()[0][0]
            assert extra == 0, f"{table}: {extra} rows of one build are not in the other"
    # The demo exercises what matters: every KPI has records, FCR has repeats.
    assert all(duck_rows[t] > 0 for t in ("rec_survey", "rec_fcr", "rec_journey", "rec_handoff", "quarantine"))


SLICES = [
    pytest.param((), FilterSpec(), id="overall"),
    pytest.param(("channel",), FilterSpec(), id="by-channel"),
    pytest.param(("identity_state",), FilterSpec(), id="by-identity-state"),
    pytest.param(("value_tier", "segment"), FilterSpec(), id="by-cohort"),
    pytest.param(("intent",), FilterSpec.from_pairs(["channel=web", "channel=voice"]), id="by-intent-filtered"),
    pytest.param(("period",), FilterSpec(date_from=date(2026, 1, 20), date_to=date(2026, 2, 15)), id="by-period-range"),
    pytest.param(("week",), FilterSpec(as_of=datetime(2026, 2, 20, 12)), id="by-week-as-of"),
    pytest.param(("theme", "sentiment"), FilterSpec(), id="by-theme-sentiment"),
    pytest.param(("month", "region"), FilterSpec(), id="by-month-region"),
]


@pytest.mark.parametrize(("by", "spec"), SLICES)
def test_kpis_are_equal(demo_db: Path, spark_out: Path, by: tuple[str, ...], spec: FilterSpec) -> None:
    duck_source = snapshot.open_snapshot(demo_db)
    spark_source = snapshot.open_snapshot(spark_out)
    assert duck_source is not None and spark_source is not None
    # every KPI of the registry: the six of section 4 and the operations and churn ones
    expected = kpi_table(duck_source, ALL_KPIS, by, spec)
    got = kpi_table(spark_source, ALL_KPIS, by, spec)
    assert len(expected) > 0
    assert [(*(r[d] for d in by), r["kpi"], r["n"]) for r in got] == [
        (*(r[d] for d in by), r["kpi"], r["n"]) for r in expected
    ]
    for g, e in zip(got, expected, strict=True):
        for key in ("value", "ci_low", "ci_high", "p90", "baseline_value", "baseline_n", "diff", "p_value"):
            if key not in e:
                continue
            if e[key] is None:
                assert g[key] is None
            else:
                assert g[key] == pytest.approx(e[key], abs=TOL, rel=0), (g, e)


def test_cli_reads_the_spark_output(demo_db: Path, spark_out: Path, capsys: pytest.CaptureFixture) -> None:
    """`cxm kpis --db` finds the Spark build's snapshot beside a database path with no file."""
    capsys.readouterr()
    assert cli.main(["kpis", "--db", str(spark_out), "--by", "channel", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert cli.main(["kpis", "--db", str(demo_db), "--by", "channel", "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    assert [(r["channel"], r["kpi"], r["n"]) for r in got] == [(r["channel"], r["kpi"], r["n"]) for r in expected]
    for g, e in zip(got, expected, strict=True):
        assert g["value"] == pytest.approx(e["value"], abs=TOL, rel=0)


def test_the_churn_risk_model_is_the_same_on_spark(retention_db: Path, spark_session,
                                                  tmp_path_factory: pytest.TempPathFactory) -> None:
    """The 45-day demo is too short for the churn-risk model (its tables are empty in both
    builds); on the 120-day ``retention_db`` the model is trained in both engines, from the
    same features, and its served tables are equal row for row."""
    root = tmp_path_factory.mktemp("spark_retention")
    assert cli.main(["export-input", "--db", str(retention_db), "--out", str(root / "in"), "--json"]) == 0
    assert cli.main(["build", "--engine", "spark", "--input", str(root / "in"), "--output", str(root / "out"),
                     "--json"]) == 0
    duck, spark = _current(retention_db), _current(root / "out" / "cxm.duckdb")
    con = duckdb.connect()
    for table in ("churn_risk", "churn_risk_validation"):
        a, b = _relation(duck, table), _relation(spark, table)
        assert con.execute(f"DESCRIBE SELECT * FROM {a}").fetchall() == con.execute(
            f"DESCRIBE SELECT * FROM {b}").fetchall(), table
        assert con.execute(f"SELECT count(*) FROM {a}").fetchone()[0] > 0, table
        for x, y in ((a, b), (b, a)):
            assert con.execute(f"SELECT count(*) FROM (FROM {x} EXCEPT ALL FROM {y})").fetchone()[0] == 0, table


# --------------------------------------------------------------------------- errors (no JVM)


def _cxm(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxmetrics.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_build_errors_are_one_line(tmp_path: Path) -> None:
    cases = [
        (["build", "--engine", "spark", "--output", str(tmp_path / "o")], "needs --input PATH and --output PATH"),
        (["build", "--engine", "spark", "--input", str(tmp_path / "none"), "--output", str(tmp_path / "o")],
         "no input folder at"),
        (["build", "--engine", "spark", "--input", str(tmp_path), "--output", str(tmp_path / "o")],
         "no events in"),
        (["build", "--input", str(tmp_path)], "options of --engine spark"),
        (["build", "--engine", "spark", "--input", str(tmp_path), "--output", "o", "--conf", "x"], "KEY=VALUE"),
    ]
    for args, message in cases:
        res = _cxm(args)
        assert res.returncode == 2, (args, res.stderr)
        assert res.stderr.count("\n") == 1 and message in res.stderr, res.stderr
        assert res.stdout == ""


def test_build_without_java_says_so(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "events.parquet").write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "PYSPARK_GATEWAY_PORT")}
    env["PATH"] = str(Path(sys.executable).parent)  # the venv only: no java there
    res = _cxm(["build", "--engine", "spark", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "o")], env)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "needs a Java runtime" in res.stderr, res.stderr
