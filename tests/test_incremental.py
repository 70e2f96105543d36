"""Incremental model update == full rebuild (docs/architecture.md, "Incremental ingest").

Random splits of a generated data set into a base and an appended batch: one day of
events, plus events late for old days, duplicates of stored events, events that merge
two existing identity components and late identity links. The base is ingested and
built; the batch is ingested with the incremental update. A second database gets the
same two ingests but rebuilds the model in full. Every model table must be equal, row
for row and column for column.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxmetrics.core.settings import get_settings
from cxmetrics.serving import snapshot
from cxmetrics.serving.pipeline import ingest_and_build, rebuild
from cxmetrics.synth import generate

END = date(2026, 3, 1)
RAW_TABLES = {"events", "customers", "quarantine", "ingest_log", "meta"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[pa.Table, Path]:
    root = tmp_path_factory.mktemp("inc_src")
    res = generate(root, seed=11, customers=300, days=28, end=END, fmt="parquet")
    return pq.read_table(res.events_path), res.customers_path


def split(events: pa.Table, seed: int, day: date) -> tuple[pa.Table, pa.Table]:
    """(base, batch): the batch holds ``day``'s events, some late events of older days,
    duplicates of base events, and crafted events that merge components / link late."""
    rng = random.Random(seed)
    rows = events.to_pylist()
    ts_day = [r["ts"][:10] if isinstance(r["ts"], str) else r["ts"].date().isoformat() for r in rows]
    target = day.isoformat()
    batch, base = [], []
    for r, d in zip(rows, ts_day, strict=True):
        if d == target or (d < target and rng.random() < 0.02) or (d > target and rng.random() < 0.1):
            batch.append(r)
        else:
            base.append(r)
    batch += rng.sample(base, k=min(25, len(base)))  # duplicates: already stored
    anon = sorted({r["anonymous_id"] for r in base if r["anonymous_id"]})
    net = sorted({r["network_id"] for r in base if r["network_id"]})
    custs = sorted({r["customer_id"] for r in base if r["customer_id"]})
    template = dict.fromkeys(rows[0])
    old_ts = [r["ts"] for r in base]
    for i in range(12):  # merge two existing components (a cookie meets a line)
        batch.append({**template, "event_id": f"merge-{seed}-{i}", "ts": rng.choice(old_ts),
                      "event_type": "page_view", "channel": "web",
                      "anonymous_id": rng.choice(anon), "network_id": rng.choice(net)})
    for i in range(8):  # a late login: links an old cookie to a customer, maybe earlier
        batch.append({**template, "event_id": f"link-{seed}-{i}", "ts": rng.choice(old_ts),
                      "event_type": "login", "channel": "app",
                      "anonymous_id": rng.choice(anon), "customer_id": rng.choice(custs)})
    handed = [r for r in base if r["event_type"] == "handoff_requested"]
    contacts = [r for r in base if r["event_type"] == "contact"]
    for i, h in enumerate(rng.sample(handed, k=min(4, len(handed)))):  # an agent connects late
        batch.append({**template, "event_id": f"agent-{seed}-{i}", "ts": h["ts"], "event_type": "agent_connected",
                      "channel": h["channel"], "contact_id": h["contact_id"]})
    for i, c in enumerate(rng.sample(contacts, k=min(6, len(contacts)))):
        # a late survey rating an old contact, and a repeat contact of the same customer
        batch.append({**template, "event_id": f"rate-{seed}-{i}", "ts": rng.choice(old_ts),
                      "event_type": "survey_response", "channel": "email", "contact_id": c["contact_id"],
                      "survey_type": "csat", "score": 2})
        batch.append({**template, "event_id": f"again-{seed}-{i}", "ts": c["ts"], "event_type": "contact",
                      "channel": "voice", "customer_id": c["customer_id"] or rng.choice(custs),
                      "contact_id": f"again-{seed}-{i}", "intent": c["intent"]})
    for i in range(3):  # customers churn (late)
        batch.append({**template, "event_id": f"churn-{seed}-{i}", "ts": rng.choice(old_ts),
                      "event_type": "churn", "channel": "store", "customer_id": rng.choice(custs)})
    rng.shuffle(batch)
    schema = events.schema
    return pa.Table.from_pylist(base, schema=schema), pa.Table.from_pylist(batch, schema=schema)


def model_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows if r[0] not in RAW_TABLES]


def assert_same_model(inc_db: Path, full_db: Path) -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH '{inc_db}' AS inc (READ_ONLY)")
    con.execute(f"ATTACH '{full_db}' AS full_ (READ_ONLY)")
    tables = model_tables(duckdb.connect(str(full_db), read_only=True))
    assert {"ev", "journeys", "cube", "rec_fcr", "rec_journey_step", "churn_signals", "dq_identity",
            "id_component", "dq_dissolved_components"} <= set(tables)
    for table in tables:
        cols_inc = con.execute(f"SELECT * FROM inc.{table} LIMIT 0").description
        cols_full = con.execute(f"SELECT * FROM full_.{table} LIMIT 0").description
        assert [c[0] for c in cols_inc] == [c[0] for c in cols_full], table
        for a, b in (("inc", "full_"), ("full_", "inc")):
            extra = con.execute(
                f"SELECT * FROM (SELECT * FROM {a}.{table} EXCEPT ALL SELECT * FROM {b}.{table}) LIMIT 3"
            ).fetchall()
            assert not extra, f"{table}: rows only in {a}: {extra}"
        n_inc = con.execute(f"SELECT count(*) FROM inc.{table}").fetchall()[0][0]
        n_full = con.execute(f"SELECT count(*) FROM full_.{table}").fetchall()[0][0]
        assert n_inc == n_full, table
    # The served snapshot agrees too (same tables, same rows; the ingest log has times).
    sources = [snapshot.open_snapshot(p) for p in (inc_db, full_db)]
    for table in snapshot.SERVED_TABLES:
        if table == "ingest_log":
            continue
        got = [src.con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() for src in sources]
        assert got[0] == got[1], f"snapshot table {table} differs"


@pytest.fixture
def cap(monkeypatch: pytest.MonkeyPatch):
    def set_cap(value: int | None) -> None:
        monkeypatch.setenv("CXM_INCREMENTAL_MAX_SHARE", "1")  # here: always incremental
        if value is None:
            monkeypatch.delenv("CXM_MAX_COMPONENT_SIZE", raising=False)
        else:
            monkeypatch.setenv("CXM_MAX_COMPONENT_SIZE", str(value))
        get_settings.cache_clear()

    yield set_cap
    monkeypatch.delenv("CXM_MAX_COMPONENT_SIZE", raising=False)
    monkeypatch.delenv("CXM_INCREMENTAL_MAX_SHARE", raising=False)
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("seed", "day_offset", "component_cap"),
    [(1, 0, None), (2, 3, None), (3, 12, None), (4, 1, 4), (5, 20, 3)],
)
def test_incremental_equals_full_rebuild(
    tmp_path: Path, generated: tuple[pa.Table, Path], cap, seed: int, day_offset: int, component_cap: int | None
) -> None:
    events, customers = generated
    cap(component_cap)  # a small cap makes the guard dissolve (and merges re-form) components
    base, batch = split(events, seed, END - timedelta(days=day_offset))
    pq.write_table(base, tmp_path / "base.parquet")
    pq.write_table(batch, tmp_path / "batch.parquet")
    results = {}
    for name, full in (("inc", False), ("full", True)):
        db = tmp_path / name / "m.duckdb"
        ingest_and_build([tmp_path / "base.parquet"], customers, db)
        results[name] = ingest_and_build([tmp_path / "batch.parquet"], None, db, full=full)
    assert results["inc"].incremental, results["inc"].full_reason
    assert not results["full"].incremental
    assert results["inc"].ingest.duplicates >= 25
    assert_same_model(tmp_path / "inc" / "m.duckdb", tmp_path / "full" / "m.duckdb")


def test_full_rebuild_rules(tmp_path: Path, generated: tuple[pa.Table, Path]) -> None:
    events, customers = generated
    base, batch = split(events, 9, END)
    pq.write_table(base, tmp_path / "base.parquet")
    pq.write_table(batch.slice(0, 50), tmp_path / "b1.parquet")
    pq.write_table(batch.slice(50, 50), tmp_path / "b2.parquet")
    db = tmp_path / "m.duckdb"
    first = ingest_and_build([tmp_path / "base.parquet"], customers, db)
    assert not first.incremental and first.full_reason == "no model built yet"
    # new customers: cohort attributes and consent of any record may change
    again = ingest_and_build([tmp_path / "b1.parquet"], customers, db)
    assert not again.incremental and "customers" in again.full_reason
    assert ingest_and_build([tmp_path / "b2.parquet"], None, db).incremental
    # nothing new (a re-ingest loads only duplicates): still an update, and nothing changes
    assert ingest_and_build([tmp_path / "b2.parquet"], None, db).incremental
    # the identity settings are part of the model: changing them rebuilds in full
    get_settings.cache_clear()
    import os

    os.environ["CXM_MAX_COMPONENT_SIZE"] = "7"
    try:
        get_settings.cache_clear()
        changed = rebuild(db, full=False)
        assert not changed.incremental and "settings" in changed.full_reason
    finally:
        del os.environ["CXM_MAX_COMPONENT_SIZE"]
        get_settings.cache_clear()


def test_too_large_a_batch_rebuilds_in_full(tmp_path: Path, generated: tuple[pa.Table, Path]) -> None:
    events, customers = generated
    small, rest = events.slice(0, len(events) // 10), events.slice(len(events) // 10)
    pq.write_table(small, tmp_path / "small.parquet")
    pq.write_table(rest, tmp_path / "rest.parquet")
    db = tmp_path / "m.duckdb"
    ingest_and_build([tmp_path / "small.parquet"], customers, db)
    big = ingest_and_build([tmp_path / "rest.parquet"], None, db)
    assert not big.incremental and "more than 10%" in big.full_reason


def test_cli_ingest_updates_incrementally_unless_full(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    samples = Path(__file__).resolve().parent / "fixtures" / "samples"
    db = tmp_path / "s.duckdb"

    def cxm(*args: str) -> dict:
        out = subprocess.run([sys.executable, "-m", "cxmetrics.cli", "ingest", *args, "--db", str(db), "--json"],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    first = cxm(str(samples / "events_sample.csv"), "--customers", str(samples / "customers_sample.csv"))
    assert first["model_update"] == "full" and first["full_reason"] == "no model built yet"
    assert cxm(str(samples / "events_sample.csv"))["model_update"] == "incremental"
    forced = cxm(str(samples / "events_sample.csv"), "--full")
    assert forced["model_update"] == "full" and forced["full_reason"] == "requested"


def test_fallbacks_inside_the_update_still_equal_a_full_rebuild(
    tmp_path: Path, generated: tuple[pa.Table, Path], cap, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step that creates a table the update cannot key runs in full from there on; a
    change found too large after the identity stage becomes a full rebuild in the same
    transaction. Both leave the model a full rebuild would."""
    from cxmetrics.model import incremental, insights

    events, customers = generated
    cap(None)
    base, batch = split(events, 7, END - timedelta(days=2))
    pq.write_table(base, tmp_path / "base.parquet")
    pq.write_table(batch, tmp_path / "batch.parquet")
    original = insights.build_insights

    def with_extra_table(con: duckdb.DuckDBPyConnection) -> None:
        original(con)
        con.execute("CREATE OR REPLACE TABLE insight_extra AS SELECT count(*) AS n FROM rec_contact")

    dbs = {}
    for name in ("unknown", "too_large", "full"):
        db = tmp_path / name / "m.duckdb"
        ingest_and_build([tmp_path / "base.parquet"], customers, db)
        dbs[name] = db
    monkeypatch.setattr(insights, "build_insights", with_extra_table)
    from cxmetrics.model import steps as steps_module

    monkeypatch.setattr(steps_module, "STEPS", [
        (name, with_extra_table if step is original else step) for name, step in steps_module.STEPS
    ])
    res = ingest_and_build([tmp_path / "batch.parquet"], None, dbs["unknown"])
    assert res.incremental
    assert res.changed_days["rec_contact"] is None and res.changed_days["cube"] is None  # ran in full
    assert res.changed_days["rec_journey"] is not None  # the stages before did not
    ingest_and_build([tmp_path / "batch.parquet"], None, dbs["full"], full=True)

    def too_large(self) -> None:
        raise incremental.FallBack("too many events to re-enrich (test)")

    monkeypatch.setattr(incremental._Update, "events", too_large)
    res = ingest_and_build([tmp_path / "batch.parquet"], None, dbs["too_large"])
    assert not res.incremental and res.full_reason == "too many events to re-enrich (test)"
    assert_same_model(dbs["unknown"], dbs["full"])
    assert_same_model(dbs["too_large"], dbs["full"])
