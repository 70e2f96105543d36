"""Compare the engine (through the `cxm` CLI) with the independent reference.

The reference (tests/reference/kpis.py) is a plain-Python reading of CONTRACT.md written
without looking at the engine. On generated demo data both must give the same groups,
the same n exactly, and the same values and interval bounds within 1e-9 (relative,
absolute 1e-9 near zero).

Skipped only when `cxmetrics.synth` or `cxmetrics.cli` cannot be imported.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

synth = pytest.importorskip("cxmetrics.synth")
pytest.importorskip("cxmetrics.cli")

from tests.reference import kpis as ref  # noqa: E402

END = date(2026, 3, 1)
AS_OF = (END - timedelta(days=20)).isoformat()  # affects FCR eligibility only
WINDOW_FROM, WINDOW_TO = "2026-02-02", "2026-02-15"  # one 14-day review period
TOL = dict(rel_tol=1e-9, abs_tol=1e-9)

# (id, CLI arguments, reference keyword arguments)
SLICES = [
    ("overall", [], {}),
    ("by_channel", ["--by", "channel"], {"by": ["channel"]}),
    ("by_identity_state", ["--by", "identity_state"], {"by": ["identity_state"]}),
    ("by_channel_segment", ["--by", "channel", "--by", "segment"], {"by": ["channel", "segment"]}),
    ("by_period", ["--by", "period"], {"by": ["period"]}),
    ("by_week", ["--by", "week"], {"by": ["week"]}),
    (
        "by_intent_chatbot",
        ["--by", "intent", "--filter", "channel=chatbot"],
        {"by": ["intent"], "filters": {"channel": ["chatbot"]}},
    ),
    ("value_tier_high", ["--filter", "value_tier=high"], {"filters": {"value_tier": ["high"]}}),
    (
        "window_14d",
        ["--from", WINDOW_FROM, "--to", WINDOW_TO],
        {"date_from": WINDOW_FROM, "date_to": WINDOW_TO},
    ),
    ("as_of_minus_20d", ["--as-of", AS_OF], {"as_of": AS_OF}),
    (
        "by_region_value_tier",
        ["--by", "region", "--by", "value_tier"],
        {"by": ["region", "value_tier"]},
    ),
    ("by_journey_type", ["--by", "journey_type"], {"by": ["journey_type"]}),
]

UPLIFT_KPIS = list(ref.KPI_ORDER)


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


class Demo:
    def __init__(self, db, ds, ingest):
        self.db = db
        self.ds = ds
        self.ingest = ingest
        self._kpis = {}

    def cli_kpis(self, slice_id, args):
        if slice_id not in self._kpis:
            self._kpis[slice_id] = run_cli("kpis", "--db", str(self.db), "--json", *args)
        return self._kpis[slice_id]


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("independent_demo")
    files = synth.generate(out, seed=7, customers=600, days=60, end=END, fmt="csv")
    events_paths = _paths(files.events_path)
    customers_path = Path(files.customers_path) if files.customers_path else None
    db = out / "demo.duckdb"
    args = ["ingest", *map(str, events_paths)]
    if customers_path is not None:
        args += ["--customers", str(customers_path)]
    ingest = run_cli(*args, "--db", str(db), "--json")
    ds = ref.load(events_paths, customers_path)
    return Demo(db, ds, ingest)


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
        for field in ("value", "ci_low", "ci_high"):
            if not same_number(e.get(field), r[field]):
                problems.append(f"{k}: {field} engine={e.get(field)!r} reference={r[field]!r}")
    assert not problems, "\n".join(problems[:40])


# --------------------------------------------------------------------------- tests


def test_ingest_counts_match(demo):
    ds = demo.ds
    got = {k: demo.ingest[k] for k in ("rows_read", "loaded", "duplicates", "quarantined")}
    assert got == {
        "rows_read": ds.rows_read,
        "loaded": ds.loaded,
        "duplicates": ds.duplicates,
        "quarantined": ds.quarantined,
    }


@pytest.mark.parametrize("slice_id, args, kwargs", SLICES, ids=[s[0] for s in SLICES])
def test_kpis_match_reference(demo, slice_id, args, kwargs):
    engine_rows = demo.cli_kpis(slice_id, args)
    ref_rows = ref.kpis(demo.ds, **kwargs)
    assert ref_rows, "the reference found no records: the demo data is not exercising this slice"
    compare_rows(engine_rows, ref_rows, kwargs.get("by", []))


@pytest.mark.parametrize("slice_id, args, kwargs", SLICES, ids=[s[0] for s in SLICES])
def test_kpis_row_order(demo, slice_id, args, kwargs):
    """Rows sorted by grouping values (code point), then KPI in contract order."""
    by = kwargs.get("by", [])
    engine_rows = demo.cli_kpis(slice_id, args)
    keys = [key_of(r, by) for r in engine_rows]
    assert keys == sorted(keys, key=lambda k: (k[:-1], ref.KPI_ORDER.index(k[-1])))


def test_as_of_changes_only_fcr(demo):
    base = {r["kpi"]: r for r in demo.cli_kpis("overall", [])}
    moved = {r["kpi"]: r for r in demo.cli_kpis("as_of_minus_20d", ["--as-of", AS_OF])}
    for kpi in ref.KPI_ORDER:
        if kpi != "fcr":
            assert base.get(kpi) == moved.get(kpi), kpi
    assert base["fcr"]["n"] > moved.get("fcr", {"n": 0})["n"]


@pytest.mark.parametrize("kpi", UPLIFT_KPIS)
def test_uplift_matches_reference(demo, kpi):
    got = run_cli("uplift", "--db", str(demo.db), "--kpi", kpi, "--json")
    exp = ref.uplift(demo.ds, kpi)
    problems = []
    if got.get("kpi") != kpi:
        problems.append(f"kpi: {got.get('kpi')!r}")
    for side in ("recognized", "anonymous"):
        g, e = got[side], exp[side]
        if g["n"] != e["n"]:
            problems.append(f"{side}.n engine={g['n']} reference={e['n']}")
        if not same_number(g["value"], e["value"]):
            problems.append(f"{side}.value engine={g['value']!r} reference={e['value']!r}")
    for field in ("raw_diff", "p_value", "adjusted_diff", "coverage"):
        if not same_number(got.get(field), exp[field]):
            problems.append(f"{field} engine={got.get(field)!r} reference={exp[field]!r}")
    for field in ("raw_ci", "adjusted_ci"):
        g, e = got.get(field), exp[field]
        if e is None or g is None:
            if not (e is None and g is None):
                problems.append(f"{field} engine={g!r} reference={e!r}")
        elif not (len(g) == 2 and same_number(g[0], e[0]) and same_number(g[1], e[1])):
            problems.append(f"{field} engine={g!r} reference={e!r}")
    if got.get("strata_used") != exp["strata_used"]:
        problems.append(
            f"strata_used engine={got.get('strata_used')} reference={exp['strata_used']}"
        )
    assert not problems, f"uplift {kpi}:\n" + "\n".join(problems)
