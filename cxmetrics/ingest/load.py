"""Ingest event and customer files: validate, quarantine, dedupe, load, atomically.

One call is one transaction: either every file of the call is stored (valid rows loaded,
bad rows quarantined with their reasons, the ingest log written) or nothing is. Every
file is inspected (readable, required columns present) before anything is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from cxmetrics.core.errors import FileRejected
from cxmetrics.ingest import readers, schema
from cxmetrics.ingest import store as db
from cxmetrics.ingest.validation import (
    EVENT_REASONS_SQL,
    customer_validation_sql,
    event_validation_sql,
)

Progress = Callable[[str], None]


@dataclass
class FileCounts:
    file: str
    kind: str
    rows_read: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0


@dataclass
class IngestResult:
    ingest_id: int
    rows_read: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    files: list[FileCounts] = field(default_factory=list)
    customers: FileCounts | None = None
    seconds: float = 0.0

    def reconciles(self) -> bool:
        return self.rows_read == self.loaded + self.duplicates + self.quarantined

    def to_json(self) -> dict:
        out = {
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "ingest_id": self.ingest_id,
            "files": [asdict(f) for f in self.files],
            "seconds": round(self.seconds, 3),
        }
        if self.customers is not None:
            out["customers"] = asdict(self.customers)
        return out


def _sha256(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


_RAW_EVENT = "to_json(struct_pack(" + ", ".join(f"{c} := {c}" for c in schema.EVENT_COLUMNS) + "))::VARCHAR"
_RAW_CUSTOMER = "to_json(struct_pack(" + ", ".join(f"{c} := {c}" for c in schema.CUSTOMER_COLUMNS) + "))::VARCHAR"
_SURVEY = "event_type = 'survey_response'"
_PARSED = {"ts": "ts_utc", "score": "score_int"}


def _stored(column: str) -> str:
    """How a contract column is stored: parsed where it has a type; survey columns only on
    survey responses (on rows of other types they are ignored, CONTRACT.md 1.3)."""
    expr = _PARSED.get(column, column)
    return f"CASE WHEN {_SURVEY} THEN {expr} END" if column in schema.SURVEY_COLUMNS else expr


_EVENT_INSERT_COLUMNS = ", ".join([*(_stored(c) for c in schema.EVENT_COLUMNS), "_extra"])


def ingest(
    event_files: list[Path],
    customers_file: Path | None = None,
    *,
    db_path: Path | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest files into the database at ``db_path`` in one transaction.

    Raises ``FileRejected`` (nothing stored) when any file cannot be read or lacks a
    required column. Does not rebuild the model; ``cxmetrics.serving.pipeline`` does both.
    """
    say = progress or (lambda _msg: None)
    started = datetime.now(UTC).replace(tzinfo=None)
    sources = [readers.inspect(Path(p), schema.ALWAYS_REQUIRED) for p in event_files]
    cust_source = readers.inspect(Path(customers_file), ("customer_id",)) if customers_file else None
    hashes = {str(s.path): _sha256(s.path) for s in sources + ([cust_source] if cust_source else [])}

    con = db.connect(db_path)
    try:
        con.execute("BEGIN TRANSACTION")
        ingest_id = int(con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingest_log").fetchall()[0][0])
        result = IngestResult(ingest_id=ingest_id)
        if sources:
            _ingest_events(con, sources, result, say)
        if cust_source is not None:
            say(f"validating customers {cust_source.path.name}")
            result.customers = _ingest_customers(con, cust_source, ingest_id)
        finished = datetime.now(UTC).replace(tzinfo=None)
        logged = [*enumerate(result.files)] + ([(-1, result.customers)] if result.customers else [])
        for file_idx, counts in logged:
            sha, size = hashes[counts.file]
            con.execute(
                "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [ingest_id, file_idx, counts.file, counts.kind, sha, size, counts.rows_read, counts.loaded,
                 counts.duplicates, counts.quarantined, started, finished],
            )
        db.set_meta(con, "data_version", ingest_id)
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        raise
    finally:
        con.close()
    result.seconds = (datetime.now(UTC).replace(tzinfo=None) - started).total_seconds()
    return result


def _ingest_events(con: duckdb.DuckDBPyConnection, sources: list[readers.SourceFile], result: IngestResult, say: Progress) -> None:
    # 1. Stage every row of every file with its parsed ts/score and a validity flag.
    for idx, src in enumerate(sources):
        say(f"reading and validating {src.path.name}")
        normalized = readers.normalized_sql(con, src, idx, schema.EVENT_COLUMNS, f"_src_{idx}",
                                            schema.ALWAYS_REQUIRED)
        verb = "CREATE OR REPLACE TEMP TABLE _staged AS" if idx == 0 else "INSERT INTO _staged"
        try:
            con.execute(f"{verb} {event_validation_sql('(' + normalized + ')')}")
        except duckdb.Error as exc:  # e.g. a Parquet file whose data pages are corrupt
            raise FileRejected(str(src.path), f"cannot be read ({str(exc).splitlines()[0][:200]})") from None
        con.execute(f"DROP VIEW IF EXISTS _src_{idx}")
    # 2. Quarantine: reasons are built for the invalid rows only.
    say("quarantining invalid rows")
    con.execute("CREATE OR REPLACE TEMP TABLE _files (idx INTEGER, file VARCHAR)")
    con.executemany("INSERT INTO _files VALUES (?, ?)", [[i, str(s.path)] for i, s in enumerate(sources)])
    con.execute(
        f"""INSERT INTO quarantine
        SELECT {result.ingest_id}, 'event', f.file, q._row,
               array_to_string(list_transform(q.reasons, lambda r: r.msg), '; '),
               list_transform(q.reasons, lambda r: r.code), q.raw
        FROM (SELECT _file_idx, _row, {EVENT_REASONS_SQL} AS reasons, {_RAW_EVENT} AS raw
              FROM _staged WHERE NOT _valid) q
        JOIN _files f ON f.idx = q._file_idx"""
    )
    # 3. Dedupe and load: the first valid occurrence in (file, row) order wins; ids
    #    already stored are duplicates. The window and the anti-join only run when needed.
    say("removing duplicates and loading")
    dup_in_call = con.execute(
        "SELECT count(*) > count(DISTINCT event_id) FROM _staged WHERE _valid"
    ).fetchall()[0][0]
    any_stored = con.execute("SELECT EXISTS (SELECT 1 FROM events)").fetchall()[0][0]
    rows = "(SELECT * FROM _staged WHERE _valid"
    rows += " QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY _file_idx, _row) = 1)" if dup_in_call else ")"
    anti = " WHERE w.event_id NOT IN (SELECT event_id FROM events)" if any_stored else ""
    con.execute(
        f"INSERT INTO events SELECT {_EVENT_INSERT_COLUMNS}, {result.ingest_id}, _file_idx FROM {rows} w{anti}"
    )
    # 4. Reconcile per file: rows_read = loaded + duplicates + quarantined.
    read = {
        r[0]: (r[1], r[2])
        for r in con.execute(
            "SELECT _file_idx, count(*), count(*) FILTER (WHERE NOT _valid) FROM _staged GROUP BY ALL"
        ).fetchall()
    }
    loaded = dict(
        con.execute(
            "SELECT file_idx, count(*) FROM events WHERE ingest_id = ? GROUP BY ALL", [result.ingest_id]
        ).fetchall()
    )
    for idx, src in enumerate(sources):
        rows_read, quarantined = read.get(idx, (0, 0))
        fc = FileCounts(
            file=str(src.path), kind="events", rows_read=rows_read, loaded=loaded.get(idx, 0),
            duplicates=rows_read - quarantined - loaded.get(idx, 0), quarantined=quarantined,
        )
        result.files.append(fc)
        result.rows_read += fc.rows_read
        result.loaded += fc.loaded
        result.duplicates += fc.duplicates
        result.quarantined += fc.quarantined
    for table in ("_staged", "_files"):
        con.execute(f"DROP TABLE {table}")


def _ingest_customers(con: duckdb.DuckDBPyConnection, src: readers.SourceFile, ingest_id: int) -> FileCounts:
    normalized = readers.normalized_sql(con, src, 0, schema.CUSTOMER_COLUMNS, "_src_customers", ("customer_id",))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cust AS {customer_validation_sql('(' + normalized + ')')}")
    con.execute(
        f"""INSERT INTO quarantine
        SELECT {ingest_id}, 'customer', ?, _row,
               array_to_string(list_transform(reasons, lambda r: r.msg), '; '),
               list_transform(reasons, lambda r: r.code), {_RAW_CUSTOMER}
        FROM _cust WHERE len(reasons) > 0""",
        [str(src.path)],
    )
    # Within one file a repeated customer_id keeps its last row; across files, the latest wins.
    con.execute(
        f"""INSERT OR REPLACE INTO customers
        SELECT customer_id, household_id, segment, value_tier, region, plan,
               signup_date_parsed, consent_parsed, {ingest_id}
        FROM _cust WHERE len(reasons) = 0
        QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY _row DESC) = 1"""
    )
    rows_read, quarantined, valid, distinct = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE len(reasons) > 0),
                  count(*) FILTER (WHERE len(reasons) = 0),
                  count(DISTINCT customer_id) FILTER (WHERE len(reasons) = 0) FROM _cust"""
    ).fetchall()[0]
    con.execute("DROP TABLE _cust")
    con.execute("DROP VIEW IF EXISTS _src_customers")
    # A repeated id within the file is a duplicate (its last row is the one kept).
    return FileCounts(
        file=str(src.path), kind="customers", rows_read=rows_read, loaded=distinct,
        duplicates=valid - distinct, quarantined=quarantined,
    )
