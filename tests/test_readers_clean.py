"""Trimming of input values: ``readers._clean_column`` (the fast path used for CSV and
Parquet columns) must give exactly what ``_clean`` (trim of space, tab, CR, LF; blank →
NULL) gives, on every kind of padding, and an ingested file stores the trimmed values."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxmetrics.ingest import readers

VALUES = [
    "a", " a", "a ", "  a  ", "\ta", "a\t", "a\r\n", "\n a \r", "a b", " a\tb ", "", " ", "\t\r\n ",
    "a\u00a0", "\u00a0a", "a\u2003", "é ", " ñ", "\x0ba", None,
]


def _expected(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip(readers.WHITESPACE) or None


def test_clean_column_equals_clean_on_every_padding() -> None:
    con = duckdb.connect()
    con.register("t", pa.table({"v": pa.array(VALUES, pa.string())}))
    fast, slow = zip(*con.execute(
        f"SELECT {readers._clean_column('v')}, {readers._clean('v')} FROM t"
    ).fetchall(), strict=True)
    assert list(slow) == [_expected(v) for v in VALUES]
    assert list(fast) == list(slow)
    # only space, tab, CR and LF are trimmed: other Unicode spaces are data
    assert fast[VALUES.index("a\u00a0")] == "a\u00a0"


def test_clean_column_on_a_number() -> None:
    con = duckdb.connect()
    con.register("t", pa.table({"v": pa.array([7, None, -3], pa.int64())}))
    assert [r[0] for r in con.execute(f"SELECT {readers._clean_column('v')} FROM t").fetchall()] == ["7", None, "-3"]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_ingested_values_are_trimmed(tmp_path: Path, fmt: str) -> None:
    from cxmetrics.ingest import load as ingest
    from cxmetrics.ingest import store as db

    ids = ["e1", "e2", "e3"]
    table = pa.table({
        "event_id": pa.array([" e1", "e2\t", "\ne3\r"]),
        "ts": pa.array(["2026-02-02T08:00:00Z"] * 3),
        "event_type": pa.array(["page_view ", " page_view", "page_view"]),
        "channel": pa.array(["web", " app ", "web"]),
        "anonymous_id": pa.array(["  ", "a1\t", None]),
        "journey_id": pa.array(["", "j 1 ", "\tj2"]),
    })
    path = tmp_path / f"events.{fmt}"
    if fmt == "parquet":
        pq.write_table(table, path)
    else:
        table.to_pandas().to_csv(path, index=False)
    result = ingest.ingest([path], db_path=tmp_path / "cxm.duckdb")
    assert result.loaded == 3
    con = db.connect(tmp_path / "cxm.duckdb")
    rows = con.execute(
        "SELECT event_id, event_type, channel, anonymous_id, journey_id FROM events ORDER BY event_id"
    ).fetchall()
    con.close()
    assert rows == [
        (ids[0], "page_view", "web", None, None),
        (ids[1], "page_view", "app", "a1", "j 1"),
        (ids[2], "page_view", "web", None, "j2"),
    ]


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_timestamptz_instant_is_utc_whatever_the_session_zone(tmp_path: Path, unit: str) -> None:
    """A Parquet ts with a time zone (any unit: pandas writes nanoseconds) is read as its
    UTC instant, the same as timezone('UTC', ts), including before 1970, the extremes of
    the unit and NULL, whatever the session's TimeZone."""
    from cxmetrics.ingest import schema

    scale = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    values = [1_770_019_200 * scale + 7, -86_400 * scale - 1, 0, None]
    if unit in ("ms", "us"):  # Parquet has no seconds unit (pyarrow converts them to ms)
        values += [2**63 - 1, -(2**63) + 1]  # read as ±infinity
    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"event_id": [f"e{i}" for i in range(len(values))],
                             "ts": pa.array(values, pa.timestamp(unit, tz="Europe/Madrid"))}), path)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Kolkata'")
    src = readers.inspect(path, ("event_id", "ts"))
    normalized = readers.normalized_sql(con, src, 0, schema.EVENT_COLUMNS, "_src", ("event_id", "ts"))
    native = "r.ts" if unit != "ns" else "CAST(r.ts AS TIMESTAMPTZ)"
    rows = con.execute(
        f"""SELECT n._ts_native IS NOT DISTINCT FROM timezone('UTC', {native}), n.ts IS NULL, r.ts IS NULL
        FROM ({normalized}) n JOIN read_parquet('{path}') r USING (event_id)"""
    ).fetchall()
    assert len(rows) == len(values)
    assert all(same and text_null == value_null for same, text_null, value_null in rows)
