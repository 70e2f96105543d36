"""The naive baseline for KPI slice queries: pandas over the record-level tables.

What an analyst without the cube would write: load the four record tables of the
serving snapshot into pandas DataFrames once, then answer every slice with a boolean
filter and a ``groupby``. The same ten slices as ``run.py``'s engine queries; every
answer is checked against the engine (same groups, same n and successes), so the
baseline computes what the engine computes, not something cheaper.

    .venv/bin/python benchmarks/pandas_baseline.py <database path>

prints one JSON line: load seconds, per-slice median / p95 (ms) for all six KPIs.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import CATEGORICAL_DIMS, FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER
from cxmetrics.serving import snapshot

# The slices of run.py's engine queries: (group by, filter).
SLICES: list[tuple[list[str], dict[str, list[str]]]] = [
    ([], {}),
    (["channel"], {}),
    (["channel", "value_tier"], {}),
    (["period"], {}),
    (["week", "channel"], {}),
    (["intent"], {"channel": ["chatbot"]}),
    (["identity_state", "intent", "channel"], {}),
    (["region"], {"segment": ["business"]}),
    (["day"], {"value_tier": ["high"], "channel": ["whatsapp"]}),
    (["journey_type", "identity_state"], {}),
]

# Each KPI's records and its (s1, s2) per record, as the engine defines them (metrics.KPIS).
TABLES = {
    "rec_survey": ["survey_type", "score"],
    "rec_fcr": ["resolved", "window_close"],
    "rec_journey": ["completed"],
    "rec_handoff": ["abandoned"],
}


def load(source: snapshot.Source) -> dict[str, pd.DataFrame]:
    """The record tables as DataFrames, with the time dimensions computed once."""
    frames = {}
    anchor = pd.Timestamp(source.anchor)
    for table, extra in TABLES.items():
        cols = ", ".join(["t", *CATEGORICAL_DIMS, *extra])
        df = source.con.execute(f"SELECT {cols} FROM {table}").df()
        day = df["t"].dt.normalize()
        df["day"] = day.dt.strftime("%Y-%m-%d")
        iso = day.dt.isocalendar()
        df["week"] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
        df["month"] = day.dt.strftime("%Y-%m")
        start = (day - anchor).dt.days // source.period_days * source.period_days
        df["period"] = (anchor + pd.to_timedelta(start, unit="D")).dt.strftime("%Y-%m-%d")
        frames[table] = df
    return frames


def kpi_frame(frames: dict[str, pd.DataFrame], kpi: str, as_of) -> pd.DataFrame:
    """The KPI's records with columns s1, s2 (promoters/detractors, successes, score/score²)."""
    if kpi in ("nps", "csat", "ces"):
        df = frames["rec_survey"]
        df = df[df["survey_type"] == kpi]
        score = df["score"].astype(float)
        if kpi == "nps":
            return df.assign(s1=(score >= 9).astype(float), s2=(score <= 6).astype(float))
        if kpi == "csat":
            return df.assign(s1=(score >= 4).astype(float), s2=0.0)
        return df.assign(s1=score, s2=score * score)
    if kpi == "fcr":
        df = frames["rec_fcr"]
        df = df[df["window_close"] <= pd.Timestamp(as_of)]
        return df.assign(s1=df["resolved"].astype(float), s2=0.0)
    column = {"journey_completion": ("rec_journey", "completed"),
              "handoff_abandonment": ("rec_handoff", "abandoned")}[kpi]
    df = frames[column[0]]
    return df.assign(s1=df[column[1]].astype(float), s2=0.0)


def answer(frames, kpi: str, by: list[str], dims: dict[str, list[str]], as_of) -> dict:
    """{group tuple: (n, s1, s2)} for one KPI and slice, as the engine's kpi_stats returns."""
    df = kpi_frame(frames, kpi, as_of)
    mask = np.ones(len(df), dtype=bool)
    for dim, values in dims.items():
        mask &= df[dim].isin(values).to_numpy()
    df = df[mask]
    if not by:
        return {(): (len(df), df["s1"].sum(), df["s2"].sum())} if len(df) else {}
    g = df.groupby(by, dropna=False, observed=True).agg(n=("s1", "size"), s1=("s1", "sum"), s2=("s2", "sum"))
    return {
        (k if isinstance(k, tuple) else (k,)): (int(r.n), float(r.s1), float(r.s2))
        for k, r in zip(g.index, g.itertuples(), strict=True)
    }


def check(source, frames, by, dims, as_of) -> None:
    """The baseline must give the engine's numbers (else its timing means nothing)."""
    spec = FilterSpec(dims=dims)
    for kpi in KPI_ORDER:
        engine = {tuple(g.group[d] for d in by): (g.n, g.s1) for g in kpi_stats(source, [kpi], by, spec)}
        mine = answer(frames, kpi, by, dims, as_of)
        mine = {k: (n, s1) for k, (n, s1, _) in mine.items() if n}
        if set(engine) != set(mine) or any(
            engine[k][0] != mine[k][0] or abs(engine[k][1] - mine[k][1]) > 1e-6 for k in engine
        ):
            raise SystemExit(f"pandas baseline disagrees with the engine: {kpi} by {by} {dims}")


def main() -> None:
    source = snapshot.open_snapshot(Path(sys.argv[1]), tz="UTC")  # the baseline buckets days in UTC
    as_of = source.default_as_of()
    t0 = time.perf_counter()
    frames = load(source)
    load_s = time.perf_counter() - t0
    times = []
    for rep in range(3):
        for by, dims in SLICES:
            t0 = time.perf_counter()
            for kpi in KPI_ORDER:
                answer(frames, kpi, by, dims, as_of)
            times.append((time.perf_counter() - t0) * 1000)
            if rep == 0:
                check(source, frames, by, dims, as_of)
    times.sort()
    print(json.dumps({
        "load_seconds": round(load_s, 2),
        "rows": int(sum(len(f) for f in frames.values())),
        "six_kpis_median_ms": round(statistics.median(times), 1),
        "six_kpis_p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1),
        "checked_against_engine": True,
    }))


if __name__ == "__main__":
    main()
