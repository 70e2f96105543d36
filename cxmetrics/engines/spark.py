"""The model build on Apache Spark: the same steps and SQL as DuckDB, transpiled.

``build(input, output)`` reads the input tables (``engines.INPUT_TABLES``, Parquet), runs
every step of ``cxmetrics.model.steps.STEPS`` against a ``SparkConnection`` and writes the
served tables as a serving snapshot (``<output>/cxm.snapshots/<version>/`` plus
``current.json``) that ``cxmetrics.serving.snapshot.open_snapshot`` reads with DuckDB. Paths may
be local or any Hadoop file system URI (``s3a://``, ``abfss://``, ``gs://``, ``hdfs://``).

``SparkConnection`` is the dialect layer: it offers the part of the DuckDB connection API
the model steps use (``execute`` returning ``fetchall``/``fetchone``) and runs each
statement on Spark; ``CREATE TABLE ... AS`` becomes a checkpointed temp view.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from cxmetrics.core.errors import UserError
from cxmetrics.engines import INPUT_TABLES, REQUIRED_INPUT, spark_schema, transpile

Progress = Callable[[str], None]

# The snapshot root inside --output, and the database path to serve it with: the app and
# the CLI find ``<db>.snapshots`` beside ``CXM_DB_PATH`` / ``--db``.
SNAPSHOT_ROOT = "cxm.snapshots"
SERVE_DB_NAME = "cxm.duckdb"

# Local mode: small and quiet, so a CI run (JVM start included) stays short on 2 cores.
# On small data most of the time is per-query overhead, not work: whole-stage code
# generation (a Java compile per query) and adaptive planning are off, and the JVM uses
# its quick-starting C1 compiler only; together they halve a demo-size build (and cost
# nothing measurable at 1M events). A cluster run (spark-submit, or a master that is not
# local[...]) keeps Spark's defaults.
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "2g",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
}
LOCAL_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
# Always (also under spark-submit): UTC wall-clock timestamps like DuckDB's TIMESTAMP, and
# no cap on the recursion of the FCR episode walk (records.build_records).
RUNTIME_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
    "spark.sql.cteRecursionLevelLimit": "-1",
    "spark.sql.cteRecursionRowLimit": "-1",
}


# --------------------------------------------------------------------------- session


def _import_pyspark() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyspark warns about pandas 3 on import
            import pyspark.sql
    except ImportError:
        raise UserError("the Spark engine needs pyspark: pip install 'cxmetrics[spark]'") from None
    return pyspark.sql


def _java_available() -> bool:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.access(os.path.join(java_home, "bin", "java"), os.X_OK):
        return True
    return shutil.which("java") is not None


def get_session(master: str | None = None, conf: dict[str, str] | None = None) -> Any:
    """The active SparkSession (under spark-submit), else a new one: ``master`` or
    ``local[2]`` with ``LOCAL_CONF``. ``RUNTIME_CONF`` is applied either way."""
    sql = _import_pyspark()
    session = sql.SparkSession.getActiveSession()
    # Under spark-submit the JVM (with --master and --conf) is already running.
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if session is None:
        if not submitted and not _java_available():
            raise UserError(
                "the Spark engine needs a Java runtime (17 or later): install one "
                "(Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
            )
        builder = sql.SparkSession.builder.appName("cxmetrics-build")
        if master or not submitted:
            builder = builder.master(master or "local[2]")
            if (master or "local").startswith("local"):
                for k, v in LOCAL_CONF.items():
                    builder = builder.config(k, v)
                log_conf = os.path.join(os.path.dirname(__file__), "log4j2.properties")
                java_options = LOCAL_JAVA_OPTIONS
                if os.path.exists(log_conf):
                    java_options += f" -Dlog4j2.configurationFile=file:{log_conf}"
                builder = builder.config("spark.driver.extraJavaOptions", java_options)
        for k, v in (conf or {}).items():
            builder = builder.config(k, v)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                session = builder.getOrCreate()
        except Exception as exc:  # the JVM did not start
            raise UserError(f"cannot start Spark: {first_line(exc)}") from None
        session.sparkContext.setLogLevel("ERROR")
    for k, v in RUNTIME_CONF.items():
        session.conf.set(k, v)
    return session


def first_line(exc: BaseException) -> str:
    """The readable line of an exception (a Py4J error starts with 'An error occurred...')."""
    lines = [ln.strip().lstrip(": ") for ln in str(exc).splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("An error occurred while calling")]
    return lines[0][:300] if lines else type(exc).__name__


# --------------------------------------------------------------------------- dialect layer


class _Result:
    def __init__(self, rows: list[tuple]):
        self._rows = rows

    def fetchall(self) -> list[tuple]:
        return self._rows

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None


class SparkConnection:
    """Runs the model's DuckDB SQL on Spark, statement by statement.

    - ``CREATE [OR REPLACE] [TEMP] TABLE name AS query``: the query, transpiled, is run,
      checkpointed and registered as the temp view ``name``; the frame it replaces is
      released. The checkpoint is reliable (files) when the SparkContext has a checkpoint
      directory (``spark.checkpoint.dir``), else local (executor memory and disk).
    - ``DROP TABLE [IF EXISTS] name``: drops the view.
    - anything else (a SELECT): transpiled and collected; ``?`` parameters are bound.
    """

    def __init__(self, spark: Any):
        self.spark = spark
        self.frames: dict[str, Any] = {}
        self.statements = 0
        self.trace: list[tuple[float, str]] = []  # (seconds, statement head) of each statement
        sc = spark.sparkContext
        if sc.getCheckpointDir() is None and sc.getConf().get("spark.checkpoint.dir"):
            sc.setCheckpointDir(sc.getConf().get("spark.checkpoint.dir"))
        self._reliable = sc.getCheckpointDir() is not None

    def register(self, name: str, df: Any) -> Any:
        df.createOrReplaceTempView(name)
        old = self.frames.pop(name, None)
        self.frames[name] = df
        if old is not None and old is not df:
            old.unpersist()
        return df

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> _Result:
        t0 = time.perf_counter()
        try:
            return self._execute(sql, params)
        finally:
            self.trace.append((time.perf_counter() - t0, " ".join(sql.split())[:80]))

    def _execute(self, sql: str, params: Sequence[Any] | None) -> _Result:
        import sqlglot
        from sqlglot import exp

        self.statements += 1
        tree = sqlglot.parse_one(sql, read="duckdb")
        args = list(params) if params else None
        if isinstance(tree, exp.Create) and tree.args.get("kind", "").upper() == "TABLE" and tree.expression:
            name = tree.this.find(exp.Table).name
            query = transpile(tree.expression.sql(dialect="duckdb"))
            df = self.spark.sql(query, args=args)
            df = df.checkpoint(eager=True) if self._reliable else df.localCheckpoint(eager=True)
            self.register(name, df)
            return _Result([])
        if isinstance(tree, exp.Drop):
            name = tree.find(exp.Table).name
            self.spark.catalog.dropTempView(name)
            old = self.frames.pop(name, None)
            if old is not None:
                old.unpersist()
            return _Result([])
        rows = self.spark.sql(transpile(sql), args=args).collect()
        return _Result([tuple(r) for r in rows])

    def table(self, name: str) -> Any:
        return self.spark.table(name)


# --------------------------------------------------------------------------- storage


class _Storage:
    """Files of the input and the output: Python for local paths, Hadoop FS for URIs."""

    def __init__(self, spark: Any, root: str):
        self.spark = spark
        scheme = urlparse(root).scheme
        self.local = scheme in ("", "file") or len(scheme) == 1  # a Windows drive letter
        self.root = root[len("file://"):] if root.startswith("file://") else root

    def path(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts])

    def _fs(self, path: str) -> tuple[Any, Any]:
        jvm = self.spark.sparkContext._jvm
        p = jvm.org.apache.hadoop.fs.Path(path)
        return p.getFileSystem(self.spark.sparkContext._jsc.hadoopConfiguration()), p

    def exists(self, path: str) -> bool:
        if self.local:
            return os.path.exists(path)
        fs, p = self._fs(path)
        return bool(fs.exists(p))

    def read_text(self, path: str) -> str:
        if self.local:
            with open(path, encoding="utf-8") as f:
                return f.read()
        fs, p = self._fs(path)
        stream = fs.open(p)
        try:
            jvm = self.spark.sparkContext._jvm
            return str(jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8"))
        finally:
            stream.close()

    def write_text(self, path: str, text: str) -> None:
        """Write a small file; atomically replaces it (local: rename; object stores: one PUT)."""
        if self.local:
            tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
            return
        fs, p = self._fs(path)
        out = fs.create(p, True)
        try:
            out.write(bytearray(text.encode("utf-8")))
        finally:
            out.close()

    def mkdirs(self, path: str) -> None:
        if self.local:
            os.makedirs(path, exist_ok=True)
        else:
            fs, p = self._fs(path)
            fs.mkdirs(p)

    def rename(self, src: str, dst: str) -> bool:
        """Rename a folder where that is atomic (local, HDFS, ADLS Gen2); False elsewhere."""
        if self.local:
            os.replace(src, dst)
            return True
        if urlparse(src).scheme in ("s3a", "s3", "gs"):
            return False
        fs, p = self._fs(src)
        return bool(fs.rename(p, self._fs(dst)[1]))

    def list_dirs(self, path: str) -> list[str]:
        if self.local:
            return sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)))
        fs, p = self._fs(path)
        return sorted(str(s.getPath().getName()) for s in fs.listStatus(p) if s.isDirectory())

    def delete(self, path: str) -> None:
        if self.local:
            shutil.rmtree(path, ignore_errors=True)
        else:
            fs, p = self._fs(path)
            fs.delete(p, True)


# --------------------------------------------------------------------------- build


@dataclass
class SparkBuildResult:
    version: str
    snapshot_root: str
    serve_db: str
    rows: dict[str, int]
    model_seconds: dict[str, float] = field(default_factory=dict)
    read_seconds: float = 0.0
    publish_seconds: float = 0.0
    stitch_passes: int = 0


def _input_path(store: _Storage, table: str) -> str | None:
    for name in (f"{table}.parquet", table):
        path = store.path(name)
        if store.exists(path):
            return path
    return None


def _missing(input_path: str, table: str) -> str:
    return f"no {table} in {input_path}: expected {table}.parquet or a folder {table}/ of Parquet files"


def check_local_input(input_path: str) -> None:
    """Fail fast, before a JVM starts, on a local input that cannot be right."""
    if urlparse(input_path).scheme not in ("", "file"):
        return
    root = input_path[len("file://"):] if input_path.startswith("file://") else input_path
    if not os.path.isdir(root):
        raise UserError(f"no input folder at {input_path} (write one with 'cxm export-input --out PATH')")
    for table in REQUIRED_INPUT:
        if not any(os.path.exists(os.path.join(root, n)) for n in (f"{table}.parquet", table)):
            raise UserError(_missing(input_path, table))


def read_input(con: SparkConnection, input_path: str) -> dict[str, Any]:
    """Register the input tables as temp views (absent optional ones empty); returns meta.json."""
    from pyspark.sql import functions as F

    from cxmetrics.ingest.schema import EVENT_COLUMNS

    spark = con.spark
    store = _Storage(spark, input_path)
    for table in INPUT_TABLES:
        path = _input_path(store, table)
        if path is None:
            if table in REQUIRED_INPUT:
                raise UserError(_missing(input_path, table))
            con.register(table, spark.createDataFrame([], spark_schema(table)))
            continue
        try:
            df = spark.read.parquet(path)
        except Exception as exc:
            raise UserError(f"cannot read {path}: {first_line(exc)}") from None
        if table == "events":
            # The model reads the contract's columns with the stored types; missing
            # optional columns are NULL (ts: UTC wall clock, as ingest stores it).
            schema = dict(c.split(" ", 1) for c in spark_schema("events").split(", "))
            missing = [c for c in ("event_id", "ts", "event_type", "channel") if c not in df.columns]
            if missing:
                raise UserError(f"{path} lacks the column(s) {', '.join(missing)}")
            df = df.select(*[
                (F.col(c) if c in df.columns else F.lit(None)).cast(schema[c]).alias(c) for c in EVENT_COLUMNS
            ])
            df = df.cache()  # read by several steps
        con.register(table, df)
    meta_path = store.path("meta.json")
    return json.loads(store.read_text(meta_path)) if store.exists(meta_path) else {}


def build(
    input_path: str,
    output_path: str,
    *,
    master: str | None = None,
    conf: dict[str, str] | None = None,
    progress: Progress | None = None,
    session: Any = None,
) -> SparkBuildResult:
    """Build the model on Spark from ``input_path`` and publish it under ``output_path``."""
    from cxmetrics.model.steps import STEPS
    from cxmetrics.serving.snapshot import KEEP, SERVED_TABLES

    say = progress or (lambda _m: None)
    check_local_input(input_path)
    say("spark: starting the session")
    spark = session or get_session(master, conf)
    con = SparkConnection(spark)
    say("spark: reading the input")
    t0 = time.perf_counter()
    meta = read_input(con, input_path)
    read_seconds = time.perf_counter() - t0
    timings: dict[str, float] = {}
    passes = 0
    for name, step in STEPS:
        say(f"model: {name}")
        t0 = time.perf_counter()
        out = step(con)  # type: ignore[arg-type]
        timings[name] = time.perf_counter() - t0
        if name == "stitching persons" and isinstance(out, int):
            passes = out
    say("publishing the serving snapshot")
    t0 = time.perf_counter()
    max_ts = con.execute("SELECT max(ts) FROM events").fetchall()[0][0]
    data_version = int(meta.get("data_version", 0) or 0)
    version = f"v{data_version:06d}-{time.time_ns()}"
    out_store = _Storage(spark, output_path)
    root = out_store.path(SNAPSHOT_ROOT)
    out_store.mkdirs(root)
    partial = f"{root}/.{version}.partial"
    final = f"{root}/{version}"
    # Where a folder rename is not atomic (S3, GCS) write the version in place: readers
    # follow current.json only, which is written last.
    target = partial if _atomic_rename(output_path) else final

    def write(table: str) -> int:
        df = spark.table(table)
        n = int(df.count())
        # Small tables as one file; large ones keep Spark's partitioning (DuckDB reads
        # a folder of part files as one table).
        (df.coalesce(1) if n < 2_000_000 else df).write.mode("overwrite").parquet(f"{target}/{table}.parquet")
        return n

    with ThreadPoolExecutor(max_workers=4) as pool:  # Spark runs jobs of several threads at once
        rows = dict(zip(SERVED_TABLES, pool.map(write, SERVED_TABLES), strict=True))
    manifest = {
        "version": version,
        "data_version": data_version,
        "max_ts": max_ts.isoformat() if max_ts else "",
        "built_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "rows": rows,
    }
    out_store.write_text(f"{target}/manifest.json", json.dumps(manifest, indent=2))
    out_store.write_text(f"{target}/build.json", json.dumps({
        "engine": "spark", "spark_version": spark.version, "master": spark.sparkContext.master,
        "stitch_passes": passes, "statements": con.statements,
        "model_seconds": {k: round(v, 3) for k, v in timings.items()},
    }, indent=2))
    if target == partial:
        out_store.rename(partial, final)
    out_store.write_text(f"{root}/current.json", json.dumps({"version": version}))
    for old in [d for d in out_store.list_dirs(root) if d.startswith("v")][:-KEEP]:
        if old != version:
            out_store.delete(f"{root}/{old}")
    publish_seconds = time.perf_counter() - t0
    for name in list(con.frames):
        con.execute(f"DROP TABLE {name}")  # release the checkpointed frames
    return SparkBuildResult(
        version=version,
        snapshot_root=root,
        serve_db=out_store.path(SERVE_DB_NAME),
        rows=rows,
        model_seconds=timings,
        read_seconds=read_seconds,
        publish_seconds=publish_seconds,
        stitch_passes=passes,
    )


def _atomic_rename(uri: str) -> bool:
    return urlparse(uri).scheme not in ("s3a", "s3", "gs")
