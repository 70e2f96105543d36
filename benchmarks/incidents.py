"""Noise control of the committee's incidents (docs/metrics.md, "Incidents").

Measures, at the demo's size (20,000 customers, 120 days):

1. **False incidents** on stable data: the generator without its planted stories
   (``generate(..., incidents=False)``), several seeds, the last closed review periods
   that have a full alert baseline: reported bad-direction incidents per period.
2. **The planted stories** on the demo data: the rank of the outage and of the broken
   chatbot handoff among the last closed period's incidents.
3. **Detection delay**: the data cut at the end of day ``onset + d`` (d = 0, 1, 2, ...):
   the first d at which each story is among the top two reported incidents of the (open)
   period it started in.

    .venv/bin/python benchmarks/incidents.py [--seeds 6] [--json results.json]

Not part of CI (minutes of generation and model builds).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from cxmetrics.analysis.incidents import Incident, build_incidents
from cxmetrics.metrics.compare import Period, closed_periods, period_of
from cxmetrics.serving.pipeline import ingest_and_build
from cxmetrics.serving.snapshot import open_snapshot
from cxmetrics.synth import OUTAGE_REGION, generate, outage_start_day
from cxmetrics.synth.incidents import bot_break_day

END = date(2026, 12, 6)
DAYS = 120
CUSTOMERS = 20_000
PERIODS = 3  # the last closed periods judged per seed (each has >= 70 days of history)


def is_outage(i: Incident) -> bool:
    return i.bad and i.dim == "region" and OUTAGE_REGION in i.values


def is_bot(i: Incident) -> bool:
    return i.bad and i.dim == "channel" and "chatbot" in i.values and "handoff_abandonment" in i.kpis


def build(root: Path, seed: int, incidents: bool, cut: date | None = None) -> Path:
    res = generate(root / "src", seed=seed, customers=CUSTOMERS, days=DAYS, end=END, incidents=incidents)
    events = res.events_path
    if cut is not None:  # keep the events before the end of day ``cut``
        events = root / "cut.parquet"
        con = duckdb.connect()
        con.execute(f"COPY (SELECT * FROM '{res.events_path}' WHERE ts < TIMESTAMPTZ '{cut + timedelta(days=1)} 00:00:00+00') "
                    f"TO '{events}' (FORMAT parquet)")
        con.close()
    db = root / "cxm.duckdb"
    ingest_and_build([events], res.customers_path, db)
    return db


def stable(seeds: int, work: Path) -> dict:
    per_period = []
    examples = []
    for seed in range(1, seeds + 1):
        root = work / f"stable-{seed}"
        source = open_snapshot(build(root, seed, incidents=False))
        for period in closed_periods(source, PERIODS):
            found = [i for i in build_incidents(source, period) if i.reported and i.bad]
            per_period.append(len(found))
            examples += [f"seed {seed}, {period.start}: {i.dim}={','.join(i.values) or 'all'} {i.lead}"
                         for i in found]
        shutil.rmtree(root)
    return {"periods": len(per_period), "false_incidents": sum(per_period),
            "per_period_mean": statistics.mean(per_period), "per_period_max": max(per_period),
            "periods_with_none": sum(n == 0 for n in per_period), "examples": examples[:10]}


def planted(work: Path) -> dict:
    source = open_snapshot(build(work / "demo", 42, incidents=True))
    period = closed_periods(source, 1)[0]
    incidents = [i for i in build_incidents(source, period) if i.reported]
    rank = lambda pred: next((k + 1 for k, i in enumerate(incidents) if pred(i)), None)  # noqa: E731
    shutil.rmtree(work / "demo")
    return {"period": period.start.isoformat(), "reported": len(incidents), "outage_rank": rank(is_outage),
            "bot_rank": rank(is_bot),
            "top": [f"{i.dim}={','.join(i.values) or 'all'} {i.lead} onset {i.onset}" for i in incidents[:5]]}


def delay(work: Path, max_days: int = 6) -> dict:
    start = END - timedelta(days=DAYS - 1)
    onsets = {"outage": start + timedelta(days=outage_start_day(start, DAYS)),
              "bot": start + timedelta(days=bot_break_day(start, DAYS))}
    found: dict[str, int | None] = {k: None for k in onsets}
    for d in range(max_days + 1):
        todo = [k for k, v in found.items() if v is None]
        if not todo:
            break
        for story in todo:
            cut = onsets[story] + timedelta(days=d)
            root = work / f"cut-{story}-{d}"
            source = open_snapshot(build(root, 42, incidents=True, cut=cut))
            p = period_of(onsets[story], source.anchor, source.period_days)
            period = Period(p.start, min(p.end, cut))
            top = [i for i in build_incidents(source, period) if i.reported][:2]
            if any((is_outage if story == "outage" else is_bot)(i) for i in top):
                found[story] = d
            shutil.rmtree(root)
    return {"onsets": {k: v.isoformat() for k, v in onsets.items()}, "days_to_top_two": found}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cxm-incidents-"))
    t0 = time.perf_counter()
    try:
        out = {"stable": stable(args.seeds, work), "planted": planted(work), "delay": delay(work)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["seconds"] = round(time.perf_counter() - t0)
    text = json.dumps(out, indent=2, default=str)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
