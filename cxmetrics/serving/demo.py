"""The embedded demo: generate synthetic data and build the demo database on first run."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from cxmetrics.serving import snapshot
from cxmetrics.serving.pipeline import ingest_and_build

DEMO_SEED = 42
DEMO_CUSTOMERS = 20_000
DEMO_DAYS = 120


def ensure_demo(
    db_path: Path,
    *,
    force: bool = False,
    log: Callable[[str], None] = print,
    customers: int = DEMO_CUSTOMERS,
    days: int = DEMO_DAYS,
    end: date | None = None,
) -> Path:
    """Build the demo database at ``db_path`` unless it (and its snapshot) already exist."""
    from cxmetrics.synth import generate

    db_path = Path(db_path)
    if not force and db_path.exists() and snapshot.current_version(snapshot.snapshot_dir(db_path)):
        return db_path
    if force or not snapshot.current_version(snapshot.snapshot_dir(db_path)):
        for p in (db_path, db_path.with_suffix(db_path.suffix + ".wal")):
            p.unlink(missing_ok=True)
        shutil.rmtree(snapshot.snapshot_dir(db_path), ignore_errors=True)
    out = db_path.parent / "demo"
    end = end or (date.today() - timedelta(days=1))
    log(f"building the demo database (first run): {customers:,} customers over {days} days to {end}")
    res = generate(out, seed=DEMO_SEED, customers=customers, days=days, end=end, fmt="parquet",
                   progress=lambda done, total: log(f"  generating: customers {done:,}/{total:,}"))
    log(f"  generated {res.n_events:,} events; ingesting and building the model")
    # The small file of bad rows goes in too, so the Data quality page has a quarantine to show.
    built = ingest_and_build([res.events_path, res.dirty_path], res.customers_path, db_path,
                             progress=lambda m: log(f"  {m}"))
    r = built.ingest
    log(f"  loaded {r.loaded:,} events ({r.quarantined:,} quarantined); snapshot {built.version}")
    return db_path
