"""Benchmark suite: 1M, 10M and 30M events, each step against a floor, in one run.

For every size it generates the data set with ``cxm generate``'s generator, then
measures, each step in its own process (wall time and peak memory, ``ru_maxrss`` from
``os.wait4``, are that process's own):

- generation (Parquet);
- ingest (read, validate, dedupe, load) and its **floor**: DuckDB reading the same
  Parquet file into an in-memory table, all columns;
- model build + snapshot and its **floor**: DuckDB reading the stored ``events`` and
  ``customers`` tables into memory;
- two **write floors**, not targets but the explanation of the rest: DuckDB copying the
  stored ``events`` table (what the ingest must write) and every model table (what the
  build must write), each a ``CREATE TABLE AS SELECT *`` rolled back;
- KPI slice queries over the snapshot (ten slices, each KPI alone and all six; median
  and p95) and their **floor**: reading the cube's Parquet file into memory; plus the
  same slices computed from the record tables (``from_records``) and the **naive
  baseline**, pandas over the record tables (benchmarks/pandas_baseline.py, checked
  against the engine);
- page render in Chromium (benchmarks/page_render.py) with the app's peak memory.

Results: ``benchmarks/results/<size>.json`` and markdown tables on stdout (copied into
docs/performance.md).

    .venv/bin/python benchmarks/run.py                      # 1M, 10M, 30M (make bench)
    .venv/bin/python benchmarks/run.py --sizes 1M --no-pages
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))
from cxmetrics.serving.snapshot import snapshot_dir  # noqa: E402


def run_step(name: str, code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python process; return wall seconds, peak RSS and its JSON output."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, cwd=ROOT)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"step {name} failed with exit code {proc.returncode}")
    payload = json.loads(out.decode().strip().splitlines()[-1]) if out.strip() else {}
    step = {"step": name, "seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024), **payload}
    print(f"  {name:<28} {seconds:8.1f} s   peak {usage.ru_maxrss / 1024:7.0f} MB   {payload}", flush=True)
    return step


GENERATE = """
import json, sys
from datetime import date
from pathlib import Path
from cxmetrics.synth import generate
import time; T0 = time.perf_counter()
r = generate(Path(sys.argv[1]), seed=11, customers=int(sys.argv[2]), days=120, end=date(2026, 4, 19), fmt="parquet")
print(json.dumps({"events": r.n_events, "inner_seconds": round(time.perf_counter() - T0, 2)}))
"""

EVENTS_PER_CUSTOMER = 61.7  # the generator's 120-day data: 162,000 customers ≈ 10.0M events

FLOOR = """
import duckdb, json, sys, time
T0 = time.perf_counter()
con = duckdb.connect(config={"threads": 2})
con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{sys.argv[1]}')")
print(json.dumps({"rows": con.execute("SELECT count(*) FROM t").fetchall()[0][0],
                  "inner_seconds": round(time.perf_counter() - T0, 2)}))
"""

INGEST = """
import json, sys
from pathlib import Path
from cxmetrics.ingest.load import ingest
import time; T0 = time.perf_counter()
r = ingest([Path(sys.argv[1])], Path(sys.argv[2]), db_path=Path(sys.argv[3]))
assert r.reconciles()
print(json.dumps({"rows_read": r.rows_read, "loaded": r.loaded, "quarantined": r.quarantined,
                  "inner_seconds": round(time.perf_counter() - T0, 2)}))
"""

BUILD = """
import json, sys
from pathlib import Path
from cxmetrics.serving.pipeline import rebuild
import time; T0 = time.perf_counter()
r = rebuild(Path(sys.argv[1]))
print(json.dumps({"model": {k: round(v, 2) for k, v in r.model_seconds.items()}, "publish": round(r.publish_seconds, 2),
                  "inner_seconds": round(time.perf_counter() - T0, 2)}))
"""

QUERIES = """
import json, statistics, sys, time
from pathlib import Path
from cxmetrics.serving import snapshot
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER, OPS_KPIS
from cxmetrics.metrics.engine import kpi_stats
src = snapshot.open_snapshot(Path(sys.argv[1]))
_ = kpi_stats(src, OPS_KPIS, [], FilterSpec())  # the first query of a source opens its Parquet files
SLICES = [
    ([], {}), (["channel"], {}), (["channel", "value_tier"], {}), (["period"], {}),
    (["week", "channel"], {}), (["intent"], {"channel": ["chatbot"]}),
    (["identity_state", "intent", "channel"], {}), (["region"], {"segment": ["business"]}),
    (["day"], {"value_tier": ["high"], "channel": ["whatsapp"]}), (["journey_type", "identity_state"], {}),
    (["theme"], {"channel": ["chatbot"]}), (["month", "segment"], {}),
]
def timed(fn):
    t0 = time.perf_counter(); fn(); return (time.perf_counter() - t0) * 1000
single, page, direct = [], [], []
ops = {k: [] for k in OPS_KPIS}  # section 8: operations and churn, one KPI at a time
for rep in range(3):
    for by, dims in SLICES:
        spec = FilterSpec(dims=dims)
        for k in KPI_ORDER:
            single.append(timed(lambda: kpi_stats(src, [k], by, spec)))
        page.append(timed(lambda: kpi_stats(src, None, by, spec)))
        for k in OPS_KPIS:
            ops[k].append(timed(lambda: kpi_stats(src, [k], by, spec)))
        if rep == 0:
            direct.append(timed(lambda: kpi_stats(src, None, by, spec, from_records=True)))
def pct(xs, q):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(q * len(xs)))]
print(json.dumps({
    "single_kpi_median_ms": round(statistics.median(single), 1), "single_kpi_p95_ms": round(pct(single, 0.95), 1),
    "six_kpis_median_ms": round(statistics.median(page), 1), "six_kpis_p95_ms": round(pct(page, 0.95), 1),
    "records_six_kpis_median_ms": round(statistics.median(direct), 1),
    "speedup_vs_records": round(statistics.median(direct) / statistics.median(page), 1),
    "ops_single_kpi_median_ms": round(statistics.median([x for v in ops.values() for x in v]), 1),
    "ops_single_kpi_p95_ms": round(pct([x for v in ops.values() for x in v], 0.95), 1),
    "ops_by_kpi_median_p95_ms": {k: [round(statistics.median(v), 1), round(pct(v, 0.95), 1)] for k, v in ops.items()},
    "queries": len(single) + len(page) + sum(len(v) for v in ops.values()),
}))
"""


BUILD_FLOOR = """
import duckdb, json, sys, time
T0 = time.perf_counter()
con = duckdb.connect(config={"threads": 2})
con.execute(f"ATTACH '{sys.argv[1]}' AS w (READ_ONLY)")
con.execute("CREATE TABLE e AS SELECT * FROM w.events")
con.execute("CREATE TABLE c AS SELECT * FROM w.customers")
print(json.dumps({"rows": con.execute("SELECT (SELECT count(*) FROM e) + (SELECT count(*) FROM c)").fetchall()[0][0],
                  "inner_seconds": round(time.perf_counter() - T0, 2)}))
"""

# Not the floor (that one reads the input): what writing the step's *output* costs
# on its own, to show where a step's time beyond reading goes. Each stored table the step
# writes is copied (CREATE TABLE AS SELECT *) inside a transaction that is rolled back.
WRITE_FLOOR = """
import duckdb, json, sys, time
con = duckdb.connect(sys.argv[1], config={"threads": 2})
con.execute("SET preserve_insertion_order = false")
inputs = {"events", "customers", "quarantine", "ingest_log", "meta"}
names = [r[0] for r in con.execute(
    "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary").fetchall()]
tables = ["events"] if sys.argv[2] == "events" else [t for t in names if t not in inputs]
rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables)
con.execute("BEGIN")
T0 = time.perf_counter()
for t in tables:
    con.execute(f"CREATE TABLE _copy_{t} AS SELECT * FROM {t}")
seconds = time.perf_counter() - T0
con.execute("ROLLBACK")
print(json.dumps({"tables": len(tables), "rows": rows, "inner_seconds": round(seconds, 2)}))
"""

QUERY_FLOOR = """
import duckdb, json, sys, time
from pathlib import Path
from cxmetrics.serving import snapshot
root = snapshot.snapshot_dir(Path(sys.argv[1]))
cube = root / snapshot.current_version(root) / "cube.parquet"
T0 = time.perf_counter()
con = duckdb.connect(config={"threads": 2})
con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{cube}')")
print(json.dumps({"rows": con.execute("SELECT count(*) FROM t").fetchall()[0][0],
                  "inner_seconds": round(time.perf_counter() - T0, 3)}))
"""


def size_label(events: float) -> str:
    return f"{events / 1e6:.0f}M" if events >= 1e6 else f"{events / 1e6:.1f}M"


def parse_size(text: str) -> int:
    """'10M' -> 10_000_000 events."""
    text = text.strip().upper()
    return int(float(text[:-1]) * 1_000_000) if text.endswith("M") else int(text)


def run_pages(db: Path) -> dict:
    """benchmarks/page_render.py over ``db``: per-page times and the app's peak memory."""
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "page_render.py"), "--db", str(db), "--json"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(f"  {'page render (Chromium)':<34} {time.perf_counter() - t0:8.1f} s   {result}", flush=True)
    return {"step": "page render (Chromium)", "peak_rss_mb": result.pop("app_peak_rss_mb"), "pages": result}


def run_size(events_wanted: int, work: Path, pages: bool) -> dict:
    customers = round(events_wanted / EVENTS_PER_CUSTOMER)
    data, db = work / "data", work / "bench.duckdb"
    for p in (db, db.with_suffix(".duckdb.wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(snapshot_dir(db), ignore_errors=True)
    print(f"\n{size_label(events_wanted)}: {customers:,} customers in {work}", flush=True)
    steps = {"generate": run_step("generate (parquet)", GENERATE, str(data), str(customers))}
    steps["ingest_floor"] = run_step("floor: parquet → memory", FLOOR, str(data / "events.parquet"))
    steps["ingest"] = run_step("ingest (validate, dedupe, load)", INGEST, str(data / "events.parquet"),
                               str(data / "customers.csv"), str(db))
    steps["build_floor"] = run_step("floor: stored tables → memory", BUILD_FLOOR, str(db))
    steps["ingest_write"] = run_step("write floor: copy events", WRITE_FLOOR, str(db), "events")
    steps["build"] = run_step("model build + snapshot", BUILD, str(db))
    steps["build_write"] = run_step("write floor: copy model tables", WRITE_FLOOR, str(db), "model")
    steps["query_floor"] = run_step("floor: cube → memory", QUERY_FLOOR, str(db))
    steps["queries"] = run_step("KPI slice queries (snapshot)", QUERIES, str(db))
    steps["pandas"] = run_step("baseline: pandas on records", "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')",
                               str(ROOT / "benchmarks" / "pandas_baseline.py"), str(db))
    if pages:
        steps["pages"] = run_pages(db)
    return {"label": size_label(steps["generate"]["events"]), "events": steps["generate"]["events"],
            "customers": customers, "machine": platform.platform(), "cores": os.cpu_count(),
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "steps": steps}


def inner(step: dict) -> float:
    """A step's own time, measured inside its process (no interpreter start or imports)."""
    return step.get("inner_seconds", step.get("seconds"))


def table(result: dict) -> str:
    s = result["steps"]
    rows = [
        ("generate (Parquet)", s["generate"], None),
        ("floor: DuckDB reads the events Parquet into memory", s["ingest_floor"], None),
        ("ingest: read, validate, dedupe, load", s["ingest"], s["ingest_floor"]),
        ("floor: DuckDB reads the stored events and customers into memory", s["build_floor"], None),
        ("model build + snapshot", s["build"], s["build_floor"]),
        ("ingest + model build", {"inner_seconds": round(inner(s["ingest"]) + inner(s["build"]), 2),
                                  "peak_rss_mb": max(s["ingest"]["peak_rss_mb"], s["build"]["peak_rss_mb"])},
         {"inner_seconds": inner(s["ingest_floor"]) + inner(s["build_floor"])}),
        ("floor: DuckDB reads the cube into memory", s["query_floor"], None),
    ]
    for key, what in (("ingest_write", "the stored events table"), ("build_write", "every model table")):
        if key in s:  # results from before the write floors have none
            rows.append((f"write floor: DuckDB copies {what} ({s[key]['rows']:,} rows)", s[key], None))
    lines = [f"| step ({result['label']}, {result['events']:,} events) | seconds | peak memory | × floor |",
             "|---|---:|---:|---:|"]
    for name, step, floor in rows:
        ratio = f"{inner(step) / inner(floor):.1f}" if floor else "—"
        lines.append(f"| {name} | {inner(step)} | {step['peak_rss_mb'] / 1024:.1f} GB | {ratio} |")
    q, pd_ = s["queries"], s["pandas"]
    floor_ms = inner(s["query_floor"]) * 1000
    lines += [
        "",
        "| KPI slice queries | median | p95 | × cube floor | pandas baseline (×) |",
        "|---|---:|---:|---:|---:|",
        f"| one KPI | {q['single_kpi_median_ms']} ms | {q['single_kpi_p95_ms']} ms | "
        f"{q['single_kpi_median_ms'] / floor_ms:.2f} | — |",
        f"| six KPIs | {q['six_kpis_median_ms']} ms | {q['six_kpis_p95_ms']} ms | "
        f"{q['six_kpis_median_ms'] / floor_ms:.2f} | {pd_['six_kpis_median_ms']} ms "
        f"({pd_['six_kpis_median_ms'] / q['six_kpis_median_ms']:.0f}× slower, plus {pd_['load_seconds']} s to load) |",
        f"| six KPIs from the record tables (DuckDB) | {q['records_six_kpis_median_ms']} ms | — | — | — |",
    ]
    if "pages" in s:
        lines += ["", "| page | first load | new session with a filter | filter change in session (median / max) |",
                  "|---|---:|---:|---:|"]
        for page, r in s["pages"]["pages"].items():
            lines.append(f"| {page} | {r['first_load_median_s']} s | {r['new_session_with_filter_median_s']} s | "
                         f"{r['in_session_filter_change_median_s']} / {r['in_session_filter_change_max_s']} s |")
        lines.append(f"\nApp peak memory: {s['pages']['peak_rss_mb']} MB.")
    return "\n".join(lines)


def growth(results: list[dict]) -> str:
    """Seconds per million events at each size: flat means linear cost."""
    keys = [("ingest", "ingest"), ("build", "model build + snapshot"), ("generate", "generate")]
    head = "| step | " + " | ".join(f"s per M events at {r['label']}" for r in results) + " |"
    lines = [head, "|---|" + "---:|" * len(results)]
    for key, name in keys:
        cells = [f"{inner(r['steps'][key]) / (r['events'] / 1e6):.2f}" for r in results]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    cells = [f"{r['steps']['queries']['six_kpis_median_ms']} ms" for r in results]
    lines.append("| six-KPI slice query (median, absolute) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1M,10M,30M", help="comma-separated event counts, e.g. 1M,10M,30M")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--no-pages", action="store_true", help="skip the Chromium page render step")
    args = ap.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="cxm-bench-"))
    print(f"benchmark in {root} on {platform.platform()}, {os.cpu_count()} cores", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes.split(","):
        work = root / size.strip()
        work.mkdir(parents=True, exist_ok=True)
        result = run_size(parse_size(size), work, pages=not args.no_pages)
        (RESULTS / f"{result['label']}.json").write_text(json.dumps(result, indent=2))
        print("\n" + table(result), flush=True)
        results.append(result)
    if len(results) > 1:
        print("\n" + growth(results))


if __name__ == "__main__":
    main()
