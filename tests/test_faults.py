"""Faults: an ingest killed with SIGKILL at any point leaves the previous consistent version,
and a retry loads everything exactly once; the app keeps serving the last good snapshot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from cxmetrics.serving import snapshot
from cxmetrics.serving.pipeline import ingest_and_build

INGEST = """
import sys
from pathlib import Path
from cxmetrics.serving.pipeline import ingest_and_build
ingest_and_build([Path(sys.argv[1])], None, Path(sys.argv[2]),
                 progress=lambda m: print(m, flush=True))
print("DONE", flush=True)
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from cxmetrics.synth import generate

    root = tmp_path_factory.mktemp("faults")
    first = generate(root / "a", seed=1, customers=300, days=30, end=date(2026, 2, 1), fmt="parquet")
    second = generate(root / "b", seed=2, customers=1500, days=45, end=date(2026, 3, 1), fmt="csv")
    return first.events_path, second.events_path


def _count(db: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return tuple(con.execute(
            "SELECT (SELECT count(*) FROM events), (SELECT count(DISTINCT event_id) FROM events),"
            " (SELECT coalesce(sum(loaded), 0) FROM ingest_log)"
        ).fetchall()[0])
    finally:
        con.close()


def _kill_when(db: Path, source: Path, marker: str | None, delay: float) -> bool:
    """Start an ingest, SIGKILL it once ``marker`` is printed (plus ``delay``); True if killed."""
    proc = subprocess.Popen([sys.executable, "-c", INGEST, str(source), str(db)], stdout=subprocess.PIPE,
                            text=True)
    if marker is None:
        time.sleep(delay)
    else:
        for line in proc.stdout:
            if marker in line:
                break
        time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return killed


@pytest.mark.slow
@pytest.mark.parametrize(
    ("marker", "delay"),
    [
        (None, 0.8),  # while starting, reading, validating
        ("removing duplicates", 0.05),  # during the load
        ("model: enriching", 0.05),  # during the model build
        ("publishing", 0.0),  # while the snapshot is written
    ],
)
def test_sigkill_then_retry_loads_exactly_once(tmp_path: Path, files: tuple[Path, Path], marker, delay) -> None:
    base, big = files
    db = tmp_path / "f.duckdb"
    ingest_and_build([base], None, db)
    before_rows, _, _ = _count(db)
    served = snapshot.current_version(snapshot.snapshot_dir(db))
    killed = _kill_when(db, big, marker, delay)
    assert killed, "the ingest finished before it could be killed: make the file larger"
    rows, distinct, logged = _count(db)
    # The database is the previous version or the whole new ingest, never half of one.
    assert rows == distinct == logged
    new_rows = rows - before_rows
    assert new_rows == 0 or rows > before_rows
    # The app still has a complete snapshot to serve (the old one or a finished new one).
    current = snapshot.current_version(snapshot.snapshot_dir(db))
    src = snapshot.open_snapshot(db)
    assert current is not None and src is not None
    assert src.con.execute("SELECT count(*) FROM rec_journey").fetchall()[0][0] == \
        src.extra["manifest"].rows["rec_journey"]
    assert current >= served
    # Retry: everything of the big file is present exactly once afterwards.
    ingest_and_build([big], None, db)
    rows, distinct, logged = _count(db)
    assert rows == distinct == logged
    con = duckdb.connect()
    expected = con.execute(  # the two generated files share some event ids: those are duplicates
        f"SELECT count(DISTINCT event_id) FROM (SELECT event_id FROM read_csv('{big}', all_varchar=true)"
        f" UNION ALL SELECT event_id FROM read_parquet('{base}'))"
    ).fetchall()[0][0]
    assert rows == expected
    # And the model matches the data again.
    con = duckdb.connect(str(db), read_only=True)
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    assert meta["model_version"] == meta["data_version"]
