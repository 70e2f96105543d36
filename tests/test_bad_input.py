"""Bad input, tried systematically: ingest never crashes, always reconciles, never stores a
bad row, and a rejected file changes nothing. Filters and URL values are inert."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from cxmetrics.core.errors import FileRejected, UserError
from cxmetrics.ingest import schema
from cxmetrics.ingest.load import ingest
from cxmetrics.metrics.filters import FilterSpec

VALID = {"event_id": "v", "ts": "2026-02-02T08:00:00Z", "event_type": "page_view", "channel": "web"}
odd_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
field_value = st.one_of(
    st.sampled_from(["", " ", "web", "Web", "nps", "9", "9.0", "4.5", "-1", "11", "2026-02-02",
                     "2026-02-02T08:00:00Z", "2026-02-30T08:00:00Z", "2026-02-02 08:00:00+0100", "contact",
                     "survey_response", "login", "k1", "C1", "<script>alert(1)</script>", "'; DROP TABLE events; --",
                     "a\nb", "x" * 5000]),
    odd_text,
)
row_strategy = st.fixed_dictionaries({c: field_value for c in schema.EVENT_COLUMNS})


def _valid_per_pydantic(row: dict) -> bool:
    try:
        schema.Event.model_validate(row)
        return True
    except ValidationError:
        return False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.one_of(row_strategy, st.just(VALID)), min_size=0, max_size=25),
       fmt=st.sampled_from(["csv", "jsonl"]), crlf=st.booleans(), bom=st.booleans())
def test_random_mixtures_reconcile_and_store_only_valid_rows(rows, fmt, crlf, bom) -> None:
    rows = [{**r, "event_id": f"{r['event_id']}-{i}" if r["event_id"].strip() else r["event_id"]}
            for i, r in enumerate(rows)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"e.{fmt}"
        nl = "\r\n" if crlf else "\n"
        if fmt == "csv":
            buf = io.StringIO()
            # Quote every field: a bare CR inside an unquoted field would end the record.
            w = csv.DictWriter(buf, fieldnames=list(schema.EVENT_COLUMNS), lineterminator=nl,
                               quoting=csv.QUOTE_ALL)
            w.writeheader()
            w.writerows(rows)
            text = buf.getvalue()
        else:
            text = nl.join(json.dumps(r, ensure_ascii=False) for r in rows) + nl
        path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
        db = Path(tmp) / "t.duckdb"
        res = ingest([path], db_path=db)
        assert res.reconciles()
        con = duckdb.connect(str(db), read_only=True)
        stored = {r[0] for r in con.execute("SELECT event_id FROM events").fetchall()}
        con.close()
        # Blank lines of JSON Lines are skipped; a CSV record of only blanks is a row.
        counted = [r for r in rows if fmt == "csv" or json.dumps(r).strip()]
        assert res.rows_read == len(counted)
        expected_valid = {r["event_id"].strip(" \t\r\n") for r in counted if _valid_per_pydantic(r)}
        assert stored == expected_valid
        assert res.quarantined == len(counted) - len([r for r in counted if _valid_per_pydantic(r)])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.csv", b""),
        ("header_only_missing.csv", b"event_id,ts\n"),
        ("latin1.csv", "event_id,ts,event_type,channel\né1,2026-02-02T08:00:00Z,page_view,web\n".encode("latin-1")),
        ("not_parquet.parquet", b"this is not parquet"),
        ("binary.csv", b"\x00\x01\x02\xff\xfe"),
        ("jsonl_no_channel.jsonl", b'{"event_id": "a", "ts": "2026-02-02T08:00:00Z", "event_type": "page_view"}\n'),
        ("weird.xml", b"<events/>"),
    ],
)
def test_rejected_files_change_nothing(tmp_path: Path, name: str, content: bytes) -> None:
    db = tmp_path / "t.duckdb"
    seed = tmp_path / "seed.csv"
    seed.write_text("event_id,ts,event_type,channel\ns1,2026-02-02T08:00:00Z,page_view,web\n")
    ingest([seed], db_path=db)
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(FileRejected) as err:
        ingest([seed, bad], db_path=db)
    assert name in str(err.value) and "\n" not in str(err.value)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM ingest_log").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM quarantine").fetchall() == [(0,)]


def test_header_only_file_reads_zero_rows(tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text("event_id,ts,event_type,channel\n")
    res = ingest([f], db_path=tmp_path / "t.duckdb")
    assert (res.rows_read, res.loaded, res.quarantined) == (0, 0, 0)


def test_wrong_types_in_parquet_are_quarantined_not_crashing(tmp_path: Path) -> None:
    table = pa.table({
        "event_id": pa.array([1, 2, 3], pa.int64()),  # ids as integers: taken as their text
        "ts": pa.array(["2026-02-02T08:00:00Z", "yesterday", None]),
        "event_type": pa.array([True, False, True]),  # booleans: unknown event types
        "channel": pa.array([1.5, 2.5, 3.5]),
        "score": pa.array([[1], [2], [3]], pa.list_(pa.int64())),
    })
    f = tmp_path / "w.parquet"
    pq.write_table(table, f)
    res = ingest([f], db_path=tmp_path / "t.duckdb")
    assert (res.rows_read, res.loaded, res.quarantined) == (3, 0, 3)


def test_truncated_json_lines_are_quarantined(tmp_path: Path) -> None:
    f = tmp_path / "t.jsonl"
    good = json.dumps(VALID)
    f.write_text(good + "\n" + good[:-10] + "\n" + json.dumps({**VALID, "event_id": "v2"}) + "\n")
    res = ingest([f], db_path=tmp_path / "t.duckdb")
    assert (res.rows_read, res.loaded, res.quarantined) == (3, 2, 1)


INJECTIONS = ["'; DROP TABLE events; --", "web' OR '1'='1", "<script>alert(1)</script>", "$(rm -rf /)",
              "\" OR 1=1 --", "web); DELETE FROM cube; --"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_payloads_in_filters_are_inert(tmp_path: Path, payload: str) -> None:
    from cxmetrics.metrics.engine import kpi_table
    from cxmetrics.serving.pipeline import ingest_and_build
    from cxmetrics.serving.snapshot import open_snapshot

    f = tmp_path / "e.csv"
    f.write_text("event_id,ts,event_type,channel,journey_id\ne1,2026-02-02T08:00:00Z,page_view,web,j1\n")
    db = tmp_path / "t.duckdb"
    ingest_and_build([f], None, db)
    src = open_snapshot(db)
    # Closed vocabulary: refused with a user error; open vocabulary: matches nothing.
    with pytest.raises(UserError):
        FilterSpec(dims={"channel": [payload]})
    assert kpi_table(src, None, [], FilterSpec(dims={"intent": [payload], "region": [payload]})) == []
    assert [r["n"] for r in kpi_table(src, ["journey_completion"])] == [1]  # nothing was dropped
    with pytest.raises(UserError):
        FilterSpec(dims={payload: ["web"]})
