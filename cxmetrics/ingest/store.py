"""The writer's DuckDB database: tables, connections and the data version.

Only ingest and the model build open this file for writing. The app never opens it: it
reads the serving snapshot (``cxmetrics.serving.snapshot``) published after each build.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings

DDL = """
CREATE TABLE IF NOT EXISTS events (
    event_id VARCHAR NOT NULL,
    ts TIMESTAMP NOT NULL,
    event_type VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    anonymous_id VARCHAR,
    network_id VARCHAR,
    customer_id VARCHAR,
    journey_id VARCHAR,
    journey_type VARCHAR,
    intent VARCHAR,
    contact_id VARCHAR,
    step VARCHAR,
    survey_type VARCHAR,
    score INTEGER,
    verbatim VARCHAR,
    extra VARCHAR,
    ingest_id INTEGER NOT NULL,     -- with file_idx: the ingest_log row this event came from
    file_idx INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    customer_id VARCHAR PRIMARY KEY,
    household_id VARCHAR,
    segment VARCHAR,
    value_tier VARCHAR,
    region VARCHAR,
    plan VARCHAR,
    signup_date DATE,
    consent_analytics BOOLEAN NOT NULL,
    ingest_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
    ingest_id INTEGER NOT NULL,
    kind VARCHAR NOT NULL,          -- 'event' or 'customer'
    file VARCHAR NOT NULL,
    row_no BIGINT NOT NULL,
    reason VARCHAR NOT NULL,        -- every reason, '; '-separated, readable
    reason_codes VARCHAR[] NOT NULL,
    raw VARCHAR NOT NULL            -- the row's values as JSON
);
CREATE TABLE IF NOT EXISTS ingest_log (
    ingest_id INTEGER NOT NULL,
    file_idx INTEGER NOT NULL,
    file VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    bytes BIGINT NOT NULL,
    rows_read BIGINT NOT NULL,
    loaded BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
"""


def default_db_path() -> Path:
    return get_settings().db_path


def connect(path: Path | str | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the writer's database (creating it and its tables unless read-only)."""
    path = Path(path) if path is not None else default_db_path()
    settings = get_settings()
    # DuckDB's own progress bar prints to stdout on long queries: it would corrupt
    # `--json` output, so it is off (the CLI shows its own progress on stderr).
    config = {"threads": settings.duckdb_threads, "memory_limit": settings.duckdb_memory_limit}
    if read_only:
        if not path.exists():
            raise UserError(f"no database at {path}: run 'cxm ingest' first (or 'make run' for the demo)")
        try:
            con = duckdb.connect(str(path), read_only=True, config=config)
            con.execute("SET enable_progress_bar = false")
            return con
        except duckdb.IOException as exc:
            raise UserError(f"cannot open {path}: {str(exc).splitlines()[0]}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), config=config)
    except duckdb.IOException as exc:
        raise UserError(f"cannot open {path} for writing: {str(exc).splitlines()[0]}") from None
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    con.execute(DDL)
    return con


def get_meta(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return row[0][0] if row else default


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: object) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, str(value)])
