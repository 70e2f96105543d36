"""Benchmarks: generation, ingest, model build, read floor and KPI slice queries.

Each step runs in its own process so its wall time and peak memory (ru_maxrss from
``os.wait4``) are its own. Results go to ``benchmarks/results/<label>.json`` and a
markdown table on stdout (copied into docs/performance.md).

    .venv/bin/python benchmarks/run.py --customers 100000 --label 10M
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


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
r = generate(Path(sys.argv[1]), seed=11, customers=int(sys.argv[2]), days=120, end=date(2026, 4, 19), fmt="parquet")
print(json.dumps({"events": r.n_events}))
"""

FLOOR = """
import duckdb, json, sys
con = duckdb.connect(config={"threads": 2})
con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{sys.argv[1]}')")
print(json.dumps({"rows": con.execute("SELECT count(*) FROM t").fetchall()[0][0]}))
"""

INGEST = """
import json, sys
from pathlib import Path
from cxmetrics.ingest import ingest
r = ingest([Path(sys.argv[1])], Path(sys.argv[2]), db_path=Path(sys.argv[3]))
assert r.reconciles()
print(json.dumps({"rows_read": r.rows_read, "loaded": r.loaded, "quarantined": r.quarantined}))
"""

BUILD = """
import json, sys
from pathlib import Path
from cxmetrics.pipeline import rebuild
r = rebuild(Path(sys.argv[1]))
print(json.dumps({"model": {k: round(v, 2) for k, v in r.model_seconds.items()}, "publish": round(r.publish_seconds, 2)}))
"""

QUERIES = """
import json, statistics, sys, time
from pathlib import Path
from cxmetrics import snapshot
from cxmetrics.filters import FilterSpec
from cxmetrics.metrics import KPI_ORDER, kpi_stats
src = snapshot.open_snapshot(Path(sys.argv[1]))
SLICES = [
    ([], {}), (["channel"], {}), (["channel", "value_tier"], {}), (["period"], {}),
    (["week", "channel"], {}), (["intent"], {"channel": ["chatbot"]}),
    (["identity_state", "intent", "channel"], {}), (["region"], {"segment": ["business"]}),
    (["day"], {"value_tier": ["high"], "channel": ["whatsapp"]}), (["journey_type", "identity_state"], {}),
]
def timed(fn):
    t0 = time.perf_counter(); fn(); return (time.perf_counter() - t0) * 1000
single, page, direct = [], [], []
for rep in range(3):
    for by, dims in SLICES:
        spec = FilterSpec(dims=dims)
        for k in KPI_ORDER:
            single.append(timed(lambda: kpi_stats(src, [k], by, spec)))
        page.append(timed(lambda: kpi_stats(src, None, by, spec)))
        if rep == 0:
            direct.append(timed(lambda: kpi_stats(src, None, by, spec, from_records=True)))
def pct(xs, q):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(q * len(xs)))]
print(json.dumps({
    "single_kpi_median_ms": round(statistics.median(single), 1), "single_kpi_p95_ms": round(pct(single, 0.95), 1),
    "six_kpis_median_ms": round(statistics.median(page), 1), "six_kpis_p95_ms": round(pct(page, 0.95), 1),
    "records_six_kpis_median_ms": round(statistics.median(direct), 1),
    "speedup_vs_records": round(statistics.median(direct) / statistics.median(page), 1),
    "queries": len(single) + len(page),
}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--label", default=None)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="cxm-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data, db = work / "data", work / "bench.duckdb"
    for p in (db, db.with_suffix(".duckdb.wal")):
        p.unlink(missing_ok=True)
    print(f"benchmark in {work} on {platform.platform()}, {os.cpu_count()} cores", flush=True)
    steps = [run_step("generate (parquet)", GENERATE, str(data), str(args.customers))]
    events = steps[0]["events"]
    label = args.label or f"{events / 1e6:.0f}M"
    steps.append(run_step("read floor (parquet → memory)", FLOOR, str(data / "events.parquet")))
    steps.append(run_step("ingest (validate, dedupe, load)", INGEST, str(data / "events.parquet"),
                          str(data / "customers.csv"), str(db)))
    steps.append(run_step("model build + snapshot", BUILD, str(db)))
    steps.append(run_step("KPI slice queries (snapshot)", QUERIES, str(db)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"label": label, "events": events, "customers": args.customers, "machine": platform.platform(),
              "cores": os.cpu_count(), "steps": steps, "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    (RESULTS / f"{label}.json").write_text(json.dumps(result, indent=2))
    floor = steps[1]["seconds"]
    print(f"\n| step ({label}, {events:,} events) | seconds | peak MB | × floor |\n|---|---:|---:|---:|")
    for s in steps:
        print(f"| {s['step']} | {s['seconds']} | {s['peak_rss_mb']} | {s['seconds'] / floor:.1f} |")


if __name__ == "__main__":
    main()
