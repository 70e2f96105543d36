"""Incremental ingest vs full rebuild on a built database (docs/performance.md).

    .venv/bin/python benchmarks/incremental.py SOURCE.duckdb WORKDIR [--label 10M]

SOURCE is never modified: it is copied to WORKDIR. Steps, each in its own process
(wall time and peak memory of that process):

1. take the last UTC day of events out of the copy (into ``day.parquet``) and rebuild
   the model in full: a database built up to the day before;
2. ``cxm ingest day.parquet`` (the normal path: ingest, incremental model update,
   snapshot publish);
3. a full rebuild of the same database (``cxm build``), on a second copy;
4. equality: every model table of 2 and 3 compared row for row (EXCEPT ALL both ways).

Results in ``benchmarks/results/incremental-<label>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


CODE = ROOT  # where the steps import cxmetrics from (a frozen copy: see main)


def run_step(name: str, code: str, *args: str) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, cwd=CODE)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"step {name} failed")
    seconds = time.perf_counter() - t0
    payload = json.loads(out.decode().strip().splitlines()[-1]) if out.strip() else {}
    step = {"step": name, "seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024), **payload}
    print(f"  {name:<34} {seconds:8.1f} s   peak {usage.ru_maxrss / 1024:7.0f} MB", flush=True)
    print(f"    {json.dumps(payload)}", flush=True)
    return step


PREPARE = """
import json, sys, time
from pathlib import Path
from cxmetrics.ingest import store as db
from cxmetrics.ingest.schema import EVENT_COLUMNS
from cxmetrics.serving.pipeline import rebuild
path, out = Path(sys.argv[1]), Path(sys.argv[2])
con = db.connect(path)
day = con.execute("SELECT CAST(max(ts) AS DATE) FROM events").fetchall()[0][0]
cols = ", ".join(EVENT_COLUMNS)
con.execute(f"COPY (SELECT {cols} FROM events WHERE ts >= '{day}' ORDER BY ts, event_id) TO '{out}' (FORMAT parquet)")
n_day = con.execute(f"SELECT count(*) FROM events WHERE ts >= '{day}'").fetchall()[0][0]
con.execute(f"DELETE FROM events WHERE ts >= '{day}'")
n_left = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
con.execute("CHECKPOINT")
con.close()
t0 = time.perf_counter()
r = rebuild(path)
print(json.dumps({"day": str(day), "day_events": n_day, "events_before": n_left,
                  "rebuild_seconds": round(time.perf_counter() - t0, 2),
                  "model_seconds": round(sum(r.model_seconds.values()), 2),
                  "publish_seconds": round(r.publish_seconds, 2)}))
"""

INCREMENTAL = """
import json, sys, time
from pathlib import Path
from cxmetrics.serving.pipeline import ingest_and_build
t0 = time.perf_counter()
msgs = []
def say(m):
    msgs.append((round(time.perf_counter() - t0, 2), m))
r = ingest_and_build([Path(sys.argv[2])], None, Path(sys.argv[1]), say)
print(json.dumps({"incremental": r.incremental, "full_reason": r.full_reason,
                  "ingest_seconds": round(r.ingest.seconds, 2), "loaded": r.ingest.loaded,
                  "model_seconds": round(sum(r.model_seconds.values()), 2),
                  "model_steps": {k: round(v, 2) for k, v in r.model_seconds.items()},
                  "publish_seconds": round(r.publish_seconds, 2),
                  "changed_days": r.changed_days, "changed_keys": r.changed_keys,
                  "total_seconds": round(time.perf_counter() - t0, 2)}))
"""

FULL = """
import json, sys, time
from pathlib import Path
from cxmetrics.serving.pipeline import rebuild
t0 = time.perf_counter()
r = rebuild(Path(sys.argv[1]))
print(json.dumps({"model_seconds": round(sum(r.model_seconds.values()), 2),
                  "model_steps": {k: round(v, 2) for k, v in r.model_seconds.items()},
                  "publish_seconds": round(r.publish_seconds, 2),
                  "total_seconds": round(time.perf_counter() - t0, 2)}))
"""

COMPARE = """
import duckdb, json, sys
raw = {"events", "customers", "quarantine", "ingest_log", "meta"}
con = duckdb.connect(config={"threads": 2, "memory_limit": "3GB"})
con.execute(f"ATTACH '{sys.argv[1]}' AS a (READ_ONLY)")
con.execute(f"ATTACH '{sys.argv[2]}' AS b (READ_ONLY)")
tables = [r[0] for r in con.execute(
    "SELECT table_name FROM duckdb_tables() WHERE database_name = 'b' AND schema_name = 'main' ORDER BY 1").fetchall()]
out = {}
for t in tables:
    if t in raw:
        continue
    d1 = con.execute(f"SELECT count(*) FROM (SELECT * FROM a.{t} EXCEPT ALL SELECT * FROM b.{t})").fetchall()[0][0]
    d2 = con.execute(f"SELECT count(*) FROM (SELECT * FROM b.{t} EXCEPT ALL SELECT * FROM a.{t})").fetchall()[0][0]
    out[t] = d1 + d2
print(json.dumps({"tables": len(out), "differing_rows": out, "equal": not any(out.values())}))
"""


GENERATED = """
import json, sys, time
from datetime import date
from pathlib import Path
import duckdb
from cxmetrics.synth import generate
from cxmetrics.serving.pipeline import ingest_and_build
work = Path(sys.argv[1])
r = generate(work / "src", seed=11, customers=int(sys.argv[2]), days=120, end=date(2026, 4, 19), fmt="parquet")
src = str(r.events_path)
con = duckdb.connect(config={"threads": 2, "memory_limit": "3GB"})
day = con.execute(f"SELECT CAST(max(CAST(ts AS TIMESTAMP)) AS DATE) FROM read_parquet('{src}')").fetchall()[0][0]
con.execute(f"COPY (SELECT * FROM read_parquet('{src}') WHERE CAST(ts AS TIMESTAMP) < '{day}') TO '{work / 'base.parquet'}' (FORMAT parquet)")
con.execute(f"COPY (SELECT * FROM read_parquet('{src}') WHERE CAST(ts AS TIMESTAMP) >= '{day}') TO '{work / 'day.parquet'}' (FORMAT parquet)")
n_day = con.execute(f"SELECT count(*) FROM read_parquet('{work / 'day.parquet'}')").fetchall()[0][0]
(work / "src" / r.events_path.name).unlink()
t0 = time.perf_counter()
b = ingest_and_build([work / "base.parquet"], r.customers_path, work / "inc.duckdb")
print(json.dumps({"events": r.n_events, "day": str(day), "day_events": n_day,
                  "ingest_seconds": round(b.ingest.seconds, 2),
                  "model_seconds": round(sum(b.model_seconds.values()), 2),
                  "publish_seconds": round(b.publish_seconds, 2),
                  "total_seconds": round(time.perf_counter() - t0, 2)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("source", help="a built database, or gen:<customers> to generate one")
    ap.add_argument("workdir", type=Path)
    ap.add_argument("--label", default="10M")
    ap.add_argument("--no-compare", action="store_true", help="skip the table-by-table comparison")
    args = ap.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    # Every step runs the same code: a copy of the package taken now (the model code is part
    # of the model's fingerprint; an edit between steps would force a full rebuild).
    global CODE
    CODE = work / "code"
    shutil.rmtree(CODE, ignore_errors=True)
    shutil.copytree(ROOT / "cxmetrics", CODE / "cxmetrics", ignore=shutil.ignore_patterns("__pycache__"))
    inc, full, day = work / "inc.duckdb", work / "full.duckdb", work / "day.parquet"
    for p in (inc, full):
        shutil.rmtree(p.parent / f"{p.stem}.snapshots", ignore_errors=True)
    if args.source.startswith("gen:"):
        inc.unlink(missing_ok=True)
        steps = [run_step("generate, ingest and build all but the last day", GENERATED, str(work),
                          args.source[4:])]
    else:
        shutil.copyfile(args.source, inc)
        steps = [run_step("prepare (full rebuild, day before)", PREPARE, str(inc), str(day))]
    shutil.copyfile(inc, full)
    steps.append(run_step("ingest one day (incremental)", INCREMENTAL, str(inc), str(day)))
    # the same data, rebuilt in full: ingest the day without a model update, then cxm build
    steps.append(run_step("ingest one day (no model)", """
import json, sys
from pathlib import Path
from cxmetrics.ingest.load import ingest
r = ingest([Path(sys.argv[2])], db_path=Path(sys.argv[1]))
print(json.dumps({"ingest_seconds": round(r.seconds, 2)}))
""", str(full), str(day)))
    steps.append(run_step("full rebuild (cxm build)", FULL, str(full)))
    if not args.no_compare:
        steps.append(run_step("compare model tables", COMPARE, str(inc), str(full)))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"incremental-{args.label}.json").write_text(json.dumps(steps, indent=2))


if __name__ == "__main__":
    main()
