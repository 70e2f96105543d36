"""Ingest, rebuild the model and publish the serving snapshot: what `cxm ingest` runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cxmetrics import db, snapshot
from cxmetrics.ingest import IngestResult, ingest
from cxmetrics.model import build_model

Progress = Callable[[str], None]


@dataclass
class PipelineResult:
    ingest: IngestResult | None
    model_seconds: dict[str, float] = field(default_factory=dict)
    publish_seconds: float = 0.0
    version: str = ""


def rebuild(db_path: Path, progress: Progress | None = None) -> PipelineResult:
    """Rebuild the model from the stored data and publish a new snapshot."""
    con = db.connect(db_path)
    try:
        timings = build_model(con, progress)
        if progress:
            progress("publishing the serving snapshot")
        t0 = time.perf_counter()
        manifest = snapshot.publish(con, db_path)
        return PipelineResult(None, timings, time.perf_counter() - t0, manifest.version)
    finally:
        con.close()


def ingest_and_build(
    event_files: list[Path],
    customers_file: Path | None,
    db_path: Path,
    progress: Progress | None = None,
) -> PipelineResult:
    result = ingest(event_files, customers_file, db_path=db_path, progress=progress)
    built = rebuild(db_path, progress)
    built.ingest = result
    return built
