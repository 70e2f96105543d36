"""Compare the engine's section-8 KPIs and local-time reporting with the reference.

The reference (tests/reference/ops.py, on top of tests/reference/kpis.py) is a
plain-Python reading of CONTRACT.md sections 1-6 and 8 and of docs/metrics.md's
published choices, written without looking at the engine. On generated demo data both
must give the same groups, the same n exactly (``baseline_n`` too), and the same values,
interval bounds and extra figures (``p90``; the baseline, difference and p-value of
``churn_after_bad_experience``) within 1e-9 (relative, absolute 1e-9 near zero).

The demo data ends on 2026-03-31, so its 60 days hold the 23-hour day of Europe/Madrid
(2026-03-29) and the review period starting 2026-03-30, where Madrid's and UTC's buckets
differ.

Skipped only when ``cxmetrics.synth`` or ``cxmetrics.cli`` cannot be imported.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

synth = pytest.importorskip("cxmetrics.synth")
pytest.importorskip("cxmetrics.cli")

from tests.reference import kpis as ref  # noqa: E402
from tests.reference import ops  # noqa: E402

END = date(2026, 3, 31)  # 60 days: 2026-01-31 .. 2026-03-31, Madrid's DST day included
WINDOW_FROM, WINDOW_TO = "2026-02-02", "2026-02-15"  # one 14-day review period
MADRID = "Europe/Madrid"
TOL = dict(rel_tol=1e-9, abs_tol=1e-9)

NEW = list(ops.OPS_ORDER)
OLD = list(ref.KPI_ORDER)

# (id, KPIs, CLI arguments, reference keyword arguments)
SLICES = [
    ("overall", NEW, [], {}),
    ("by_channel", NEW, ["--by", "channel"], {"by": ["channel"]}),
    ("by_period", NEW, ["--by", "period"], {"by": ["period"]}),
    ("by_month", NEW, ["--by", "month"], {"by": ["month"]}),
    ("by_segment", NEW, ["--by", "segment"], {"by": ["segment"]}),
    (
        "value_tier_high",
        NEW,
        ["--filter", "value_tier=high"],
        {"filters": {"value_tier": ["high"]}},
    ),
    (
        "window_14d",
        NEW,
        ["--from", WINDOW_FROM, "--to", WINDOW_TO],
        {"date_from": WINDOW_FROM, "date_to": WINDOW_TO},
    ),
    ("by_day_madrid", NEW, ["--by", "day", "--tz", MADRID], {"by": ["day"], "tz": MADRID}),
    (
        "by_period_madrid",
        NEW,
        ["--by", "period", "--tz", MADRID],
        {"by": ["period"], "tz": MADRID},
    ),
    ("old_by_day_madrid", OLD, ["--by", "day", "--tz", MADRID], {"by": ["day"], "tz": MADRID}),
    (
        "old_window_madrid",
        OLD,
        ["--from", WINDOW_FROM, "--to", WINDOW_TO, "--tz", MADRID],
        {"date_from": WINDOW_FROM, "date_to": WINDOW_TO, "tz": MADRID},
    ),
]
SLICE_IDS = [s[0] for s in SLICES]

EXTRA_NUMBERS = {
    "time_to_answer": ["p90"],
    "churn_after_bad_experience": [
        "baseline_value",
        "baseline_ci_low",
        "baseline_ci_high",
        "diff",
        "diff_ci_low",
        "diff_ci_high",
        "p_value",
    ],
}
EXTRA_COUNTS = {"churn_after_bad_experience": ["baseline_n"]}


def _env():
    env = dict(os.environ)
    env.pop("CXM_REVIEW_ANCHOR", None)  # the reference uses the default anchor
    return env


def run_cli(*args):
    proc = subprocess.run(
        [sys.executable, "-m", "cxmetrics.cli", *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
    )
    assert proc.returncode == 0, f"cxm {' '.join(args)} failed ({proc.returncode}): {proc.stderr}"
    return json.loads(proc.stdout)


def _paths(value):
    if isinstance(value, (list, tuple)):
        return [Path(v) for v in value]
    return [Path(value)]


def kpi_args(kpis):
    out = []
    for k in kpis:
        out += ["--kpi", k]
    return out


class Demo:
    def __init__(self, db, ds):
        self.db = db
        self.ds = ds
        self._rows = {}

    def cli_kpis(self, key, args):
        if key not in self._rows:
            self._rows[key] = run_cli("kpis", "--db", str(self.db), "--json", *args)
        return self._rows[key]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("independent_ops_demo")
    files = synth.generate(out, seed=7, customers=600, days=60, end=END, fmt="csv")
    events_paths = _paths(files.events_path)
    customers_path = Path(files.customers_path) if files.customers_path else None
    db = out / "demo.duckdb"
    args = ["ingest", *map(str, events_paths)]
    if customers_path is not None:
        args += ["--customers", str(customers_path)]
    run_cli(*args, "--db", str(db), "--json")
    return Demo(db, ref.load(events_paths, customers_path))


# --------------------------------------------------------------------------- helpers


def same_number(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), **TOL)


def key_of(row, by):
    return tuple(str(row[d]) for d in by) + (row["kpi"],)


def compare_rows(engine_rows, ref_rows, by):
    problems = []
    eng = {key_of(r, by): r for r in engine_rows}
    exp = {key_of(r, by): r for r in ref_rows}
    assert len(eng) == len(engine_rows), "engine printed a group twice"
    missing = sorted(set(exp) - set(eng))
    extra = sorted(set(eng) - set(exp))
    if missing:
        problems.append(f"groups missing from the engine: {missing[:10]} ({len(missing)})")
    if extra:
        problems.append(f"groups the reference does not have: {extra[:10]} ({len(extra)})")
    for k in sorted(set(eng) & set(exp)):
        e, r = eng[k], exp[k]
        if e["n"] != r["n"]:
            problems.append(f"{k}: n engine={e['n']} reference={r['n']}")
            continue
        for field in EXTRA_COUNTS.get(r["kpi"], []):
            if field not in e or e[field] != r[field]:
                problems.append(f"{k}: {field} engine={e.get(field, '<absent>')} ref={r[field]}")
        for field in ["value", "ci_low", "ci_high", *EXTRA_NUMBERS.get(r["kpi"], [])]:
            if field not in e:
                problems.append(f"{k}: {field} absent from the engine's row")
            elif not same_number(e[field], r[field]):
                problems.append(f"{k}: {field} engine={e[field]!r} reference={r[field]!r}")
    assert not problems, "\n".join(problems[:40])


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("slice_id, kpis, args, kwargs", SLICES, ids=SLICE_IDS)
def test_kpis_match_reference(demo, slice_id, kpis, args, kwargs):
    engine_rows = demo.cli_kpis(slice_id, kpi_args(kpis) + args)
    ref_rows = ops.kpis(demo.ds, kpis, **kwargs)
    assert ref_rows, "the reference found no records: the demo data is not exercising this slice"
    assert {r["kpi"] for r in ref_rows} == set(kpis), "a KPI has no records in this slice"
    compare_rows(engine_rows, ref_rows, kwargs.get("by", []))


@pytest.mark.parametrize("slice_id, kpis, args, kwargs", SLICES, ids=SLICE_IDS)
def test_kpis_row_order(demo, slice_id, kpis, args, kwargs):
    """Rows sorted by grouping values (code point), then KPI in contract order."""
    by = kwargs.get("by", [])
    engine_rows = demo.cli_kpis(slice_id, kpi_args(kpis) + args)
    keys = [key_of(r, by) for r in engine_rows]
    assert keys == sorted(keys, key=lambda k: (k[:-1], ops.ALL_KPIS.index(k[-1])))


def test_contact_volume_has_no_interval(demo):
    rows = demo.cli_kpis("by_channel", kpi_args(NEW) + ["--by", "channel"])
    volume = [r for r in rows if r["kpi"] == "contact_volume"]
    assert volume and all(r["ci_low"] is None and r["ci_high"] is None for r in volume)


def test_madrid_days_differ_from_utc_days(demo):
    """The data really exercises local dates: Madrid's day series is not UTC's."""
    madrid = ops.kpis(demo.ds, ["contact_volume"], by=["day"], tz=MADRID)
    utc = ops.kpis(demo.ds, ["contact_volume"], by=["day"])
    assert {r["day"]: r["n"] for r in madrid} != {r["day"]: r["n"] for r in utc}
    assert any(r["day"] == "2026-03-29" for r in madrid)  # the 23-hour day is in the data


def test_tz_utc_is_no_tz(demo):
    base = demo.cli_kpis("by_day_utc", kpi_args(NEW + OLD) + ["--by", "day"])
    utc = demo.cli_kpis("by_day_tz_utc", kpi_args(NEW + OLD) + ["--by", "day", "--tz", "UTC"])
    assert utc == base
