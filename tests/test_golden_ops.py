"""Golden tests of the engine's section-8 KPIs and local time, on the literal event lists
of tests/test_reference_ops.py and against the numbers computed by hand there.

Those tests were written for the independent reference (tests/reference/ops.py); here
the same test bodies run with ``ops`` standing for the engine: the literal events are
written to a CSV, ingested and built (``ingest_and_build``), and ``kpis`` is
``cxmetrics.metrics.engine.kpi_table`` over that database in the asked time zone. So the
engine meets the same hand-computed numbers (intervals, medians, churn periods, DST days)
as the reference does.
"""

from __future__ import annotations

import csv
import inspect
import itertools
from pathlib import Path

import pytest

import tests.test_reference_ops as R
from cxmetrics.metrics.engine import kpi_table
from cxmetrics.metrics.filters import FilterSpec, parse_as_of
from cxmetrics.metrics.registry import OPS_KPIS
from cxmetrics.serving.pipeline import ingest_and_build
from cxmetrics.serving.snapshot import open_database_source
from tests.reference import ops as reference

# Tests of the reference's own helpers (ranks, p90, date arithmetic) or of its error type.
NOT_KPI_TESTS = {"test_median_ranks_by_hand", "test_p90_interpolation", "test_local_dates_around_dst",
                 "test_as_of_date_is_end_of_local_day", "test_errors", "test_section4_path_at_utc_is_kpis_py"}
FIXTURES = {"contacts_ds": lambda: R.make(R.CONTACTS), "churn_ds": lambda: R.make(R.CHURN, R.CHURN_CUSTOMERS),
            "bad_ds": lambda: R.make(R.BAD)}


class Engine:
    """The reference's ``ops`` interface, answered by the engine."""

    def __init__(self, root: Path):
        self.root = root
        self.built = 0

    def __getattr__(self, name: str):
        return getattr(reference, name)  # helpers the test bodies use besides kpis

    def from_rows(self, rows, customers=None):
        ds = reference.from_rows(rows, customers)
        ds._engine_rows = (rows, customers)
        return ds

    def _db(self, ds) -> Path:
        """The engine's database of a dataset, built once and kept on the dataset itself (an
        id() could be reused by a later dataset)."""
        if getattr(ds, "_engine_db", None) is None:
            rows, customers = ds._engine_rows
            self.built += 1
            folder = self.root / f"ds{self.built}"
            folder.mkdir()
            events = folder / "events.csv"
            cols = sorted({k for r in rows for k in r}, key=lambda c: (c != "event_id", c))
            with open(events, "w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=cols)
                w.writeheader()
                w.writerows(rows)
            cust = None
            if customers:
                cust = folder / "customers.csv"
                ccols = sorted({k for r in customers for k in r}, key=lambda c: (c != "customer_id", c))
                with open(cust, "w", newline="", encoding="utf-8") as fh:
                    w = csv.DictWriter(fh, fieldnames=ccols)
                    w.writeheader()
                    w.writerows(customers)
            ingest_and_build([events], cust, folder / "cxm.duckdb")
            ds._engine_db = folder / "cxm.duckdb"
        return ds._engine_db

    def kpis(self, ds, kpis=None, by=(), filters=None, date_from=None, date_to=None, as_of=None, tz="UTC"):
        spec = FilterSpec(dims={k: tuple(v) if not isinstance(v, str) else (v,) for k, v in (filters or {}).items()},
                          date_from=date_from, date_to=date_to,
                          as_of=parse_as_of(as_of, tz) if isinstance(as_of, str) else as_of)
        return kpi_table(open_database_source(self._db(ds), tz), list(kpis) if kpis else list(OPS_KPIS), by, spec)


def _cases():
    for name, fn in inspect.getmembers(R, inspect.isfunction):
        if not name.startswith("test_") or name in NOT_KPI_TESTS:
            continue
        marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
        if not marks:
            yield pytest.param(name, {}, id=name)
            continue
        names = [a.strip() for a in marks[0].args[0].split(",")] if isinstance(marks[0].args[0], str) else list(
            marks[0].args[0])
        for i, values in enumerate(marks[0].args[1]):
            values = values if len(names) > 1 else (values,)
            yield pytest.param(name, dict(zip(names, values, strict=True)), id=f"{name}[{i}]")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return Engine(tmp_path_factory.mktemp("golden_ops"))


@pytest.mark.parametrize(("name", "params"), list(_cases()))
def test_engine_meets_the_hand_computed_numbers(engine: Engine, monkeypatch: pytest.MonkeyPatch, name: str,
                                                params: dict) -> None:
    monkeypatch.setattr(R, "ops", engine)
    fn = getattr(R, name)
    wanted = inspect.signature(fn).parameters
    args = {}
    for p in wanted:
        if p in params:
            args[p] = params[p]
        elif p in FIXTURES:
            args[p] = FIXTURES[p]()
        elif p == "dst_ds":
            args[p] = R.make([R.contact(n, w, "voice", "k-" + n, "C1") for n, w in R.DST_TIMES.items()])
        else:
            raise AssertionError(f"{name} needs fixture {p}")
    fn(**args)


def test_every_kpi_test_of_the_reference_runs_here() -> None:
    """A new hand-computed test of the reference runs on the engine too (or is listed)."""
    names = {c.values[0] for c in _cases()}
    assert len(names) >= 25
    assert list(itertools.chain(names & NOT_KPI_TESTS)) == []
