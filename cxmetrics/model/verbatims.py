"""Themes and sentiment of every distinct verbatim (``verbatim_nlp``): the ``theme`` and
``sentiment`` dimensions of survey records (CONTRACT.md section 8; docs/voc-method.md).

The analysis is Python (``cxmetrics.text``: a versioned taxonomy and lexicons, offline and
deterministic), so the model keeps one row per distinct text, keyed by the text itself:
an incremental update only analyses texts it has not seen (``add_new``), a full rebuild
starts over (the taxonomy and lexicons are part of the model's fingerprint). The same
step runs on Spark: the distinct texts are collected, analysed on the driver and
registered as a table.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from cxmetrics.text import analyze_many

TABLE = "verbatim_nlp"
COLUMNS = ("verbatim", "theme", "themes", "sentiment", "sentiment_score", "lang")
_SCHEMA = pa.schema([("verbatim", pa.string()), ("theme", pa.string()), ("themes", pa.string()),
                     ("sentiment", pa.string()), ("sentiment_score", pa.float64()), ("lang", pa.string())])


def _analysed(texts: list[str]) -> pa.Table:
    rows = analyze_many(texts)
    return pa.table({
        "verbatim": texts,
        "theme": [a.theme for a in rows],
        "themes": [";".join(a.themes) for a in rows],
        "sentiment": [a.sentiment for a in rows],
        "sentiment_score": [float(a.sentiment_score) for a in rows],
        "lang": [a.lang for a in rows],
    }, schema=_SCHEMA)


def _exists(con: Any) -> bool:
    """Whether the table exists in the schema the step writes to (a failed probe would abort
    the build's transaction, so ask the catalog)."""
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()",
        [TABLE]).fetchall()
    return bool(rows[0][0])


def build_verbatims(con: Any) -> None:
    """Create ``verbatim_nlp`` if missing and add the texts it does not hold yet."""
    spark = getattr(con, "spark", None)
    if spark is not None:  # the Spark engine: a full build, every text analysed on the driver
        texts = [r[0] for r in con.execute(
            "SELECT DISTINCT verbatim FROM events WHERE event_type = 'survey_response' AND verbatim IS NOT NULL"
        ).fetchall()]
        frame = spark.createDataFrame(_analysed(sorted(texts)).to_pandas()) if texts else spark.createDataFrame(
            [], "verbatim STRING, theme STRING, themes STRING, sentiment STRING, sentiment_score DOUBLE, lang STRING")
        con.register(TABLE, frame)
        return
    if not _exists(con):
        con.execute(f"CREATE TABLE {TABLE} (verbatim VARCHAR, theme VARCHAR, themes VARCHAR, sentiment VARCHAR, "
                    "sentiment_score DOUBLE, lang VARCHAR)")
    add_new(con)


def add_new(con: Any) -> int:
    """Analyse the survey verbatims of ``events`` that ``verbatim_nlp`` lacks; returns how many."""
    texts = [r[0] for r in con.execute(
        f"""SELECT DISTINCT verbatim FROM events WHERE event_type = 'survey_response' AND verbatim IS NOT NULL
            AND verbatim NOT IN (SELECT verbatim FROM {TABLE}) ORDER BY 1"""
    ).fetchall()]
    if not texts:
        return 0
    con.register("_new_verbatims", _analysed(texts))
    try:
        con.execute(f"INSERT INTO {TABLE} SELECT {', '.join(COLUMNS)} FROM _new_verbatims")
    finally:
        con.unregister("_new_verbatims")
    return len(texts)
