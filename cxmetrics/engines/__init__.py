"""Where the model build runs: DuckDB (the default, in-process) or Apache Spark.

The model is written once, as the DuckDB SQL in ``cxmetrics.model`` driven by the
Python steps of ``cxmetrics.model.steps.STEPS``. The Spark engine runs those same steps
against an object that looks like a DuckDB connection (``engines.spark.SparkConnection``)
and executes every statement on Spark after transpiling it with sqlglot. This package is
the thin dialect layer in between, and the only engine-specific code:

- ``transpile``: DuckDB SQL → Spark SQL (sqlglot, unsupported constructs raise);
- ``CREATE [TEMP] TABLE x AS q`` becomes a checkpointed DataFrame registered as the temp
  view ``x`` (lineage is cut at every table, so loops such as the label propagation of
  ``identity.stitch_components`` keep a constant plan size); ``DROP TABLE`` drops it;
- reading the input (``INPUT_TABLES``) and writing the output as a serving snapshot;
- ``spark_schema``: the Spark schema of a table of ``db.DDL`` (for absent optional input).

The model SQL keeps to constructs both engines evaluate the same way (see
``cxmetrics.model.records``); ``tests/test_spark_engine.py`` proves it on a demo data set.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from cxmetrics.core.errors import UserError

ENGINES = ("duckdb", "spark")

# The input of ``cxm build --engine spark``: the writer database's validated, deduplicated
# tables as Parquet, each a file ``<name>.parquet`` or a folder ``<name>/`` of part files.
# Only ``events`` is required; ``meta.json`` carries the data version.
INPUT_TABLES = ("events", "customers", "ingest_log", "quarantine")
REQUIRED_INPUT = ("events",)


@lru_cache(maxsize=512)
def transpile(sql: str, dialect: str = "spark") -> str:
    """One DuckDB statement in ``dialect``; raises on a construct sqlglot cannot express."""
    import sqlglot
    from sqlglot.errors import ErrorLevel

    return sqlglot.transpile(sql, read="duckdb", write=dialect, unsupported_level=ErrorLevel.RAISE)[0]


@lru_cache(maxsize=16)
def spark_schema(table: str) -> str:
    """The Spark DDL schema (``"a STRING, b INT"``) of ``table`` as declared in ``db.DDL``."""
    import sqlglot
    from sqlglot import exp

    from cxmetrics.ingest import store as db

    for stmt in sqlglot.parse(db.DDL, read="duckdb"):
        if isinstance(stmt, exp.Create) and stmt.this.this.name == table:
            return ", ".join(
                f"{c.name} {c.args['kind'].sql('spark')}" for c in stmt.this.expressions if isinstance(c, exp.ColumnDef)
            )
    raise KeyError(table)


def export_input(db_path: Path, out: Path) -> dict[str, int]:
    """Write the input of the Spark engine from a writer database: the stored (validated,
    deduplicated) ``INPUT_TABLES`` as ``out/<table>.parquet`` and ``out/meta.json``."""
    from cxmetrics.ingest import store as db

    con = db.connect(db_path, read_only=True)
    try:
        try:
            data_version = db.get_meta(con, "data_version", "0")
        except Exception:
            raise UserError(f"{db_path} is not a cxmetrics database") from None
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot write {out}: {exc.strerror}") from None
        rows = {}
        for table in INPUT_TABLES:
            con.execute(f"COPY (SELECT * FROM {table}) TO '{out / (table + '.parquet')}' (FORMAT parquet, COMPRESSION zstd)")
            rows[table] = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        (out / "meta.json").write_text(json.dumps({"data_version": int(data_version or 0), "rows": rows}, indent=2))
        return rows
    finally:
        con.close()
