"""The serving snapshot: how readers see the model without ever touching the writer's file.

After each model build the writer exports the cube, the record tables and the
data-quality tables as Parquet into a new versioned folder, writes its manifest, and
then atomically replaces ``current.json`` (write to a temporary file, ``os.replace``).
Readers resolve ``current.json`` on every query, open the Parquet files with an
in-process DuckDB (no file lock), and therefore always see one complete version: the
previous one while an ingest or a build runs or fails, the new one right after.
Old versions are kept for a while (``KEEP``) so a reader mid-query never loses its files.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.ingest import store as db
from cxmetrics.metrics.source import Source
from cxmetrics.metrics.timezones import check_tz

SERVED_TABLES: tuple[str, ...] = (
    "cube",
    "cube_local",
    "person_load",
    "rec_survey",
    "rec_fcr",
    "rec_journey",
    "rec_handoff",
    "rec_contact",
    "rec_rated",
    "rec_journey_step",
    "churn_signals",
    "rec_churn_person",
    "rec_activity",
    "churn_cube",
    "verbatim_nlp",
    "churn_risk",
    "churn_risk_validation",
    "dq_identity",
    "dq_freshness",
    "dq_shared_components",
    "dq_dissolved_components",
    "ingest_log",
    "quarantine",
    "customers",
)
# Tables a version published by an older build may lack (the code using them falls back).
OPTIONAL_TABLES = frozenset({"person_load", "dq_dissolved_components", "cube_local", "rec_rated",
                             "rec_churn_person", "rec_activity", "churn_cube", "verbatim_nlp",
                             "churn_risk", "churn_risk_validation"})
KEEP = 3
GRACE_SECONDS = 600  # an old version's files outlive their replacement by this long


def _published_ns(version_dir: Path) -> int:
    """A version's publication time from its name ``v<data version>-<time_ns>``."""
    try:
        return int(version_dir.name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0
# After an incremental model update (docs/architecture.md, "Incremental ingest") a
# served table the update did not change is a hard link to the previous version's file
# instead of a new export; every other table is exported whole.


def snapshot_dir(db_path: Path) -> Path:
    return db_path.parent / f"{db_path.stem}.snapshots"


@dataclass(frozen=True)
class Manifest:
    version: str
    data_version: int
    max_ts: str
    built_at: str
    rows: dict[str, int]
    local_tz: str = "UTC"  # the zone of cube_local (the model's CXM_TIMEZONE)


def publish(con: duckdb.DuckDBPyConnection, db_path: Path, changes: object | None = None) -> Manifest:
    """Export the model of ``con`` as a new snapshot version and make it current."""
    root = snapshot_dir(db_path)
    root.mkdir(parents=True, exist_ok=True)
    data_version = int(db.get_meta(con, "data_version", "0") or 0)
    version = f"v{data_version:06d}-{time.time_ns()}"
    tmp = root / f".{version}.partial"
    tmp.mkdir()
    previous = _previous_for_reuse(root, changes)
    rows = {}
    for table in SERVED_TABLES:
        target = tmp / (table + ".parquet")
        rows[table] = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        if previous is not None and _reusable(previous, table, rows[table], changes):
            os.link(previous[0] / target.name, target)
            continue
        con.execute(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
    manifest = Manifest(
        version=version,
        data_version=data_version,
        max_ts=db.get_meta(con, "max_ts", "") or "",
        built_at=datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        rows=rows,
        local_tz=db.get_meta(con, "local_tz", "UTC") or "UTC",
    )
    (tmp / "manifest.json").write_text(json.dumps(manifest.__dict__, indent=2))
    os.replace(tmp, root / version)
    pointer = root / ".current.json.tmp"
    pointer.write_text(json.dumps({"version": version}))
    os.replace(pointer, root / "current.json")
    _collect_garbage(root, keep=version)
    return manifest


def _previous_for_reuse(root: Path, changes: object | None) -> tuple[Path, Manifest] | None:
    """The current version (folder, manifest) when this publish may reuse its files: the
    model was updated incrementally from exactly the data version it shows."""
    if changes is None or not getattr(changes, "incremental", False):
        return None
    current = current_version(root)
    if current is None:
        return None
    try:
        manifest = read_manifest(root, current)
    except (OSError, ValueError, TypeError):
        return None
    return (root / current, manifest) if manifest.data_version == getattr(changes, "since", None) else None


def _reusable(previous: tuple[Path, Manifest], table: str, rows: int, changes: object) -> bool:
    """Whether ``table`` is the same as in the previous version: the update says so, or
    (the quarantine only ever grows) it has as many rows. Only single files are linked."""
    folder, manifest = previous
    if not (folder / f"{table}.parquet").is_file() or manifest.rows.get(table) != rows:
        return False
    return table == "quarantine" or bool(changes.unchanged(table))  # type: ignore[attr-defined]


def _collect_garbage(root: Path, keep: str) -> None:
    versions = sorted(
        (p for p in root.iterdir() if p.is_dir() and p.name.startswith("v")), key=_published_ns
    )
    now = time.time_ns()
    for old, successor in zip(versions[:-KEEP], versions[1:], strict=False):
        # A session may still be mid-query on a version for a while after it was replaced
        # (incremental ingests publish often): delete it only GRACE_SECONDS after that.
        if old.name != keep and now - _published_ns(successor) > GRACE_SECONDS * 1e9:
            shutil.rmtree(old, ignore_errors=True)
    for partial in root.glob(".*.partial"):
        if partial.stat().st_mtime < time.time() - 3600:
            shutil.rmtree(partial, ignore_errors=True)


def current_version(root: Path) -> str | None:
    try:
        return json.loads((root / "current.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def read_manifest(root: Path, version: str) -> Manifest:
    return Manifest(**json.loads((root / version / "manifest.json").read_text()))


_lock = threading.Lock()
_open: dict[str, Source] = {}


def open_snapshot(db_path: Path | None = None, tz: str | None = None) -> Source | None:
    """A Source over the current snapshot version in time zone ``tz`` (default: the app's
    ``CXM_TIMEZONE``), cached per version and zone; None when no version is published yet."""
    db_path = Path(db_path) if db_path else get_settings().db_path
    tz = check_tz(tz or get_settings().timezone)
    root = snapshot_dir(db_path)
    version = current_version(root)
    if version is None:
        return None
    key = f"{root}/{version}/{tz}"
    with _lock:
        if key in _open:
            return _open[key]
        manifest = read_manifest(root, version)
        con = duckdb.connect(":memory:", config={"threads": get_settings().duckdb_threads})
        con.execute("SET enable_progress_bar = false")
        for table in SERVED_TABLES:
            path = root / version / (table + ".parquet")
            if table in OPTIONAL_TABLES and not path.exists():
                continue  # a version published before the table existed: its readers fall back
            # A folder of part files when the Spark engine wrote it (cxmetrics.engines.spark).
            files = f"{path}/*.parquet" if path.is_dir() else str(path)
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{files}')")
        cubes = {"UTC": "cube"}
        if (root / version / "cube_local.parquet").exists():
            cubes.setdefault(manifest.local_tz, "cube_local")
        source = _make_source(con, manifest.max_ts, version, tz, cubes)
        source.extra["manifest"] = manifest
        # Forget older versions but do not close them: sessions may be mid-query on one
        # (closing it failed their queries under load: tests/test_load.py). Its in-memory
        # database is freed when the last session lets go of its Source.
        for stale in [k for k in _open if k.startswith(f"{root}/") and not k.startswith(f"{root}/{version}/")]:
            del _open[stale]
        _open[key] = source
        return source


class ThreadLocalConnection:
    """One DuckDB connection shared by every session of the app, used safely.

    DuckDB refuses a query on a connection that another thread is using ("connection is
    busy"); Streamlit runs each browser session's script in its own thread. So each
    thread gets its own cursor (a connection to the same in-memory database: same views),
    created on first use; everything else is delegated to that cursor.
    """

    def __init__(self, root: duckdb.DuckDBPyConnection):
        self._root = root
        self._local = threading.local()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self._root.cursor()
        return cur

    def __getattr__(self, name: str):
        return getattr(self._cursor(), name)

    def close(self) -> None:
        self._root.close()


def _make_source(con: duckdb.DuckDBPyConnection, max_ts: str, version: str, tz: str,
                 cubes: dict[str, str]) -> Source:
    settings = get_settings()
    return Source(
        con=ThreadLocalConnection(con),  # type: ignore[arg-type]
        max_ts=datetime.fromisoformat(max_ts) if max_ts else None,
        anchor=settings.review_anchor,
        period_days=settings.review_days,
        version=version,
        tz=tz,
        cubes=cubes,
    )


def open_database_source(db_path: Path, tz: str = "UTC") -> Source:
    """A Source over the writer's database itself, read-only (for the CLI), reporting in
    ``tz`` (the command line's default is UTC).

    Where there is no database but a published snapshot beside its path (the output of
    ``cxm build --engine spark``), the snapshot."""
    tz = check_tz(tz)
    if not Path(db_path).exists():
        published = open_snapshot(Path(db_path), tz) if current_version(snapshot_dir(Path(db_path))) else None
        if published is not None:
            return published
    con = db.connect(db_path, read_only=True)
    try:
        data_version = db.get_meta(con, "data_version")
        model_version = db.get_meta(con, "model_version")
    except duckdb.CatalogException:
        con.close()
        raise UserError(f"{db_path} is not a cxmetrics database") from None
    if data_version is None or model_version != data_version:
        con.close()
        raise UserError(f"the model in {db_path} is not built for its data yet: run 'cxm build --db {db_path}'")
    cubes = {"UTC": "cube"}
    local = db.get_meta(con, "local_tz")
    if local:  # a model built before cube_local existed has none
        cubes.setdefault(local, "cube_local")
    return _make_source(con, db.get_meta(con, "max_ts", "") or "", f"db-{data_version}", tz, cubes)


def as_date(value: str | None) -> date | None:
    return datetime.fromisoformat(value).date() if value else None
