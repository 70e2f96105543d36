"""Ingest, rebuild the model, publish the serving snapshot and open the new closed-loop
cases: what `cxm ingest` and `cxm build` run."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cxmetrics.core.errors import UserError
from cxmetrics.ingest import store as db
from cxmetrics.ingest.load import IngestResult, ingest
from cxmetrics.model.build import update_model
from cxmetrics.serving import app_state, snapshot
from cxmetrics.serving import cases as case_store

Progress = Callable[[str], None]


@dataclass
class PipelineResult:
    ingest: IngestResult | None
    model_seconds: dict[str, float] = field(default_factory=dict)
    publish_seconds: float = 0.0
    version: str = ""
    incremental: bool = False  # the model was updated incrementally (else rebuilt in full)
    full_reason: str = ""  # why it was rebuilt in full
    # incremental: per day-partitioned served table, how many UTC days changed (None: whole)
    changed_days: dict[str, int | None] = field(default_factory=dict)
    changed_keys: dict[str, int] = field(default_factory=dict)  # rows (keys) rewritten per model table
    cases: case_store.SyncResult = field(default_factory=case_store.SyncResult)  # closed-loop cases opened
    cases_seconds: float = 0.0


def sync_cases(con: object, db_path: Path, progress: Progress | None = None) -> tuple[case_store.SyncResult, float]:
    """Open the cases of the model just published (``serving.cases.open_cases``) in the app
    state beside ``db_path``. The data is committed and published by then, so a problem here
    (a bad routing file, a locked app-state file) does not fail the ingest: it is reported in
    the result and the next publish opens what this one could not."""
    say = progress or (lambda _msg: None)
    say("opening closed-loop cases")
    t0 = time.perf_counter()
    try:
        res = case_store.open_cases(con, app_state.path_for(db_path))
    except (UserError, sqlite3.Error) as exc:
        res = case_store.SyncResult(error=str(exc).splitlines()[0])
        say(f"cases: none opened ({res.error}); the next ingest or 'cxm cases sync' retries")
    return res, time.perf_counter() - t0


def rebuild(db_path: Path, progress: Progress | None = None, *, full: bool = True) -> PipelineResult:
    """Bring the model up to date with the stored data and publish a new snapshot.

    ``full`` (``cxm build``) rebuilds everything; otherwise only what the events ingested
    since the last build can change is rebuilt, when ``model.incremental`` allows it.
    """
    say = progress or (lambda _msg: None)
    con = db.connect(db_path)
    try:
        try:
            timings, changes = update_model(con, progress, full=full)
        except Exception as exc:  # noqa: BLE001 - a failed incremental update retries in full
            if full:
                raise
            failure = f"the incremental update failed ({str(exc).splitlines()[0][:200]})"
            say(f"model: {failure}; rebuilding in full")
            timings, changes = update_model(con, progress, full=True)
            changes.reason = failure
        say("publishing the serving snapshot")
        t0 = time.perf_counter()
        manifest = snapshot.publish(con, db_path, changes)
        publish_seconds = time.perf_counter() - t0
        cases, cases_seconds = sync_cases(con, db_path, progress)
        return PipelineResult(
            None, timings, publish_seconds, manifest.version,
            incremental=changes.incremental, full_reason="" if changes.incremental else changes.reason,
            changed_days={t: (None if d is None else len(d)) for t, d in changes.days.items()},
            changed_keys=dict(changes.counts), cases=cases, cases_seconds=cases_seconds,
        )
    finally:
        con.close()


def ingest_and_build(
    event_files: list[Path],
    customers_file: Path | None,
    db_path: Path,
    progress: Progress | None = None,
    *,
    full: bool = False,
) -> PipelineResult:
    """Ingest, then update the model incrementally when possible (``full``: rebuild it)."""
    result = ingest(event_files, customers_file, db_path=db_path, progress=progress)
    built = rebuild(db_path, progress, full=full)
    built.ingest = result
    return built
