"""Readers never block ingest, and never see half of one (the serving snapshot)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cxmetrics.metrics.engine import kpi_table
from cxmetrics.serving import snapshot
from cxmetrics.serving.pipeline import ingest_and_build

COLS = "event_id,ts,event_type,channel,anonymous_id,journey_id,journey_type"


def batch(path: Path, start: int, n: int) -> Path:
    lines = [COLS] + [
        f"e{i},2026-02-02T08:00:00Z,page_view,web,a{i},j{i},billing" for i in range(start, start + n)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from cxmetrics.serving import snapshot
    db, out, seconds = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
    seen, errors = [], []
    end = time.time() + seconds
    while time.time() < end:
        try:
            src = snapshot.open_snapshot(db)
            if src is None:
                continue
            journeys = src.con.execute("SELECT count(*) FROM rec_journey").fetchall()[0][0]
            events = src.con.execute("SELECT sum(n) FROM cube WHERE kpi = 'journey_completion'").fetchall()[0][0]
            seen.append([src.version, journeys, events, src.extra["manifest"].rows["rec_journey"]])
        except Exception as exc:  # any error at all is a failure of the design
            errors.append(repr(exc))
    out.write_text(json.dumps({"seen": seen, "errors": errors}))
    """
)


@pytest.mark.slow
def test_reader_in_another_process_during_ingests(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    ingest_and_build([batch(tmp_path / "b0.csv", 0, 500)], None, db)
    out = tmp_path / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(out), "8"])
    try:
        time.sleep(1.0)
        # Ingests while the reader keeps querying: none may fail or wait on a lock.
        for k in range(1, 5):
            t0 = time.perf_counter()
            ingest_and_build([batch(tmp_path / f"b{k}.csv", k * 500, 500)], None, db)
            assert time.perf_counter() - t0 < 30
    finally:
        reader.wait(timeout=60)
    result = json.loads(out.read_text())
    assert result["errors"] == []
    assert len(result["seen"]) > 10
    complete = {500 * k for k in range(1, 6)}
    for version, journeys, events, manifest_rows in result["seen"]:
        # Every answer comes from one complete version: the record table, the cube and the
        # manifest agree, and the total is a whole number of ingested batches.
        assert journeys == events == manifest_rows
        assert journeys in complete, (version, journeys)
    assert result["seen"][-1][1] in {2000, 2500}


def test_failed_build_keeps_serving_previous_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.duckdb"
    ingest_and_build([batch(tmp_path / "b0.csv", 0, 50)], None, db)
    before = snapshot.current_version(snapshot.snapshot_dir(db))
    from cxmetrics.model import steps as steps_module

    def broken(con):
        raise RuntimeError("model step failed")

    monkeypatch.setattr(steps_module, "STEPS", [("broken", broken)])
    with pytest.raises(RuntimeError):
        ingest_and_build([batch(tmp_path / "b1.csv", 50, 50)], None, db)
    assert snapshot.current_version(snapshot.snapshot_dir(db)) == before
    src = snapshot.open_snapshot(db)
    assert [r["n"] for r in kpi_table(src, ["journey_completion"])] == [50]
    manifest = json.loads((snapshot.snapshot_dir(db) / before / "manifest.json").read_text())
    assert manifest["rows"]["rec_journey"] == 50


def test_cli_refuses_a_stale_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cxmetrics.core.errors import UserError
    from cxmetrics.ingest.load import ingest

    db = tmp_path / "s.duckdb"
    ingest_and_build([batch(tmp_path / "b0.csv", 0, 5)], None, db)
    ingest([batch(tmp_path / "b1.csv", 5, 5)], db_path=db)  # data without a model build
    with pytest.raises(UserError, match="cxm build"):
        snapshot.open_database_source(db)


def test_a_session_mid_query_on_the_old_version_is_not_cut_off(tmp_path: Path) -> None:
    """A new version must not close the previous one under a session still using it
    (the 20-session load test caught "Connection already closed" here)."""
    import threading

    db = tmp_path / "s.duckdb"
    ingest_and_build([batch(tmp_path / "b0.csv", 0, 50)], None, db)
    old = snapshot.open_snapshot(db)
    ingest_and_build([batch(tmp_path / "b1.csv", 50, 50)], None, db)
    new = snapshot.open_snapshot(db)  # another session sees the new version first
    assert new.version != old.version
    counts: list[int] = []
    worker = threading.Thread(  # as a Streamlit session: its own thread, its own cursor
        target=lambda: counts.append(old.con.execute("SELECT count(*) FROM rec_journey").fetchall()[0][0])
    )
    worker.start()
    worker.join()
    assert counts == [50]  # the old session finishes on its own version's files
    assert new.con.execute("SELECT count(*) FROM rec_journey").fetchall()[0][0] == 100


def test_replaced_versions_outlive_their_replacement_by_the_grace_period(tmp_path: Path) -> None:
    """Old versions are deleted only GRACE_SECONDS after a newer one replaced them (a
    session may still read them; the 20-session load test caught 'No files found')."""
    root = tmp_path / "snaps"
    now = time.time_ns()
    old_ns = now - int((snapshot.GRACE_SECONDS + 60) * 1e9)
    names = [f"v000001-{old_ns}", f"v000002-{old_ns + 1}", f"v000003-{now - 10**9}",
             f"v000004-{now - 10**8}", f"v000005-{now}"]
    for name in names:
        (root / name).mkdir(parents=True)
    snapshot._collect_garbage(root, keep=names[-1])
    left = sorted(p.name for p in root.iterdir())
    # v1's successor is past the grace period: deleted; v2 was replaced a second ago: kept
    assert left == names[1:]
