"""Ingest: every quarantine reason, reconciliation, dedupe, atomicity, formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from cxmetrics.core.errors import FileRejected
from cxmetrics.ingest import schema
from cxmetrics.ingest.load import ingest

HEADER = list(schema.EVENT_COLUMNS)


def row(**kw: str) -> dict[str, str]:
    base = {"event_id": "e1", "ts": "2026-02-02T08:00:00Z", "event_type": "page_view", "channel": "web"}
    base.update(kw)
    return base


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def q(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# (row, expected reason codes); an empty list means the row is valid.
CASES = [
    (row(), []),
    (row(event_id=""), ["missing_event_id"]),
    (row(event_id="   "), ["missing_event_id"]),
    (row(ts=""), ["missing_ts"]),
    (row(ts="2026-02-03"), ["unparseable_ts"]),
    (row(ts="03/02/2026 10:00"), ["unparseable_ts"]),
    (row(ts="2026-02-30T10:00:00"), ["unparseable_ts"]),
    (row(ts="2026-02-03T10:00"), ["unparseable_ts"]),  # seconds are required
    (row(ts="2026-02-03t10:00:00z"), ["unparseable_ts"]),
    (row(ts="2026-02-03T10:00:00+25:00"), ["unparseable_ts"]),
    (row(ts="2026-02-03T10:00:00+01"), ["unparseable_ts"]),
    (row(ts="2026-02-03 10:00:00"), []),
    (row(ts="2026-02-03T10:00:00.123456789+0130"), []),
    (row(ts="  2026-02-03T10:00:00-05:00  "), []),
    (row(event_type="pageview"), ["unknown_event_type"]),
    (row(event_type="Page_view"), ["unknown_event_type"]),
    (row(event_type=""), ["missing_event_type"]),
    (row(channel="Web"), ["unknown_channel"]),
    (row(channel="fax"), ["unknown_channel"]),
    (row(channel=""), ["missing_channel"]),
    (row(event_type="journey_goal"), ["missing_journey_id"]),
    (row(event_type="journey_goal", journey_id="j1"), []),
    (row(event_type="login", customer_id="C1"), ["missing_anonymous_id_or_network_id"]),
    (row(event_type="login", anonymous_id="a1"), ["missing_customer_id"]),
    (row(event_type="login", customer_id="C1", network_id="n1"), []),
    (row(event_type="identify", customer_id="C1"), ["missing_anonymous_id_or_network_id"]),
    (row(event_type="contact", contact_id="k1"), ["missing_intent"]),
    (row(event_type="contact", intent="billing"), ["missing_contact_id"]),
    (row(event_type="contact", contact_id="k1", intent="billing"), []),
    (row(event_type="handoff_requested"), ["missing_contact_id"]),
    (row(event_type="agent_connected"), ["missing_contact_id"]),
    (row(event_type="churn"), ["missing_customer_id"]),
    (row(event_type="survey_response", survey_type="nps", score="9"), []),
    (row(event_type="survey_response", survey_type="nps", score="+9"), []),
    (row(event_type="survey_response", survey_type="nps", score="4.5"), ["score_not_integer"]),
    (row(event_type="survey_response", survey_type="nps", score="9.0"), ["score_not_integer"]),
    (row(event_type="survey_response", survey_type="nps", score="11"), ["score_out_of_range"]),
    (row(event_type="survey_response", survey_type="nps", score="-1"), ["score_out_of_range"]),
    (row(event_type="survey_response", survey_type="csat", score="0"), ["score_out_of_range"]),
    (row(event_type="survey_response", survey_type="ces", score="7"), []),
    (row(event_type="survey_response", survey_type="ces", score="8"), ["score_out_of_range"]),
    (row(event_type="survey_response", survey_type="nps", score=""), ["missing_score"]),
    (row(event_type="survey_response", survey_type="", score="5"), ["missing_survey_type"]),
    (row(event_type="survey_response", survey_type="NPS", score="5"), ["unknown_survey_type"]),
    # Survey columns on rows of other types are ignored.
    (row(survey_type="bogus", score="x"), []),
    (row(event_id="", ts="yesterday", channel="fax"), ["missing_event_id", "unparseable_ts", "unknown_channel"]),
]


@pytest.mark.parametrize(("values", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_each_quarantine_reason(tmp_path: Path, values: dict, expected: list[str]) -> None:
    f = write_csv(tmp_path / "e.csv", [values])
    db = tmp_path / "t.duckdb"
    res = ingest([f], db_path=db)
    assert res.rows_read == 1 and res.reconciles()
    got = q(db, "SELECT reason_codes, reason, row_no FROM quarantine")
    if expected:
        assert res.quarantined == 1 and res.loaded == 0
        assert sorted(got[0][0]) == sorted(expected)
        assert got[0][2] == 1
        assert got[0][1]  # a readable reason
    else:
        assert res.loaded == 1 and got == []


@pytest.mark.parametrize(("values", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_pydantic_model_agrees_with_bulk_validation(values: dict, expected: list[str]) -> None:
    try:
        schema.Event.model_validate(values)
        valid = True
    except ValidationError:
        valid = False
    assert valid == (expected == [])


def test_timestamps_are_stored_as_utc(tmp_path: Path) -> None:
    rows = [
        row(event_id="a", ts="2026-02-03T19:04:10+01:00"),
        row(event_id="b", ts="2026-02-03T10:00:00-0530"),
        row(event_id="c", ts="2026-02-03 10:00:00"),
        row(event_id="d", ts="2026-02-03T10:00:00.5Z"),
    ]
    db = tmp_path / "t.duckdb"
    ingest([write_csv(tmp_path / "e.csv", rows)], db_path=db)
    got = dict(q(db, "SELECT event_id, strftime(ts, '%Y-%m-%d %H:%M:%S.%f') FROM events"))
    assert got == {
        "a": "2026-02-03 18:04:10.000000",
        "b": "2026-02-03 15:30:00.000000",
        "c": "2026-02-03 10:00:00.000000",
        "d": "2026-02-03 10:00:00.500000",
    }


def test_reconciliation_dedupe_within_across_and_against_stored(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    f1 = write_csv(tmp_path / "a.csv", [row(event_id="x1"), row(event_id="x2"), row(event_id="x1", channel="app"),
                                        row(event_id="bad", channel="fax")])
    f2 = write_csv(tmp_path / "b.csv", [row(event_id="x2"), row(event_id="x3")])
    res = ingest([f1, f2], db_path=db)
    # a.csv: 4 read = 2 loaded + 1 duplicate (x1 again) + 1 quarantined; b.csv: x2 dup, x3 new.
    assert [(f.rows_read, f.loaded, f.duplicates, f.quarantined) for f in res.files] == [(4, 2, 1, 1), (2, 1, 1, 0)]
    assert (res.rows_read, res.loaded, res.duplicates, res.quarantined) == (6, 3, 2, 1)
    # First occurrence in file order wins: x1 keeps channel web.
    assert q(db, "SELECT channel FROM events WHERE event_id = 'x1'") == [("web",)]
    # Re-ingesting loads nothing new; quarantine is per ingest (counted again).
    again = ingest([f1, f2], db_path=db)
    assert (again.rows_read, again.loaded, again.duplicates, again.quarantined) == (6, 0, 5, 1)
    assert q(db, "SELECT count(*) FROM events") == [(3,)]
    assert q(db, "SELECT count(*) FROM quarantine") == [(2,)]
    log = q(db, "SELECT ingest_id, file, rows_read, loaded, duplicates, quarantined FROM ingest_log ORDER BY 1, 2")
    assert [r[2:] for r in log] == [(4, 2, 1, 1), (2, 1, 1, 0), (4, 0, 3, 1), (2, 0, 2, 0)]


def test_rejected_file_stores_nothing(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    good = write_csv(tmp_path / "good.csv", [row(event_id="g1")])
    no_channel = write_csv(tmp_path / "bad.csv", [row(event_id="b1")], header=["event_id", "ts", "event_type"])
    ingest([write_csv(tmp_path / "seed.csv", [row(event_id="s1")])], db_path=db)
    before = q(db, "SELECT count(*) FROM events"), q(db, "SELECT count(*) FROM ingest_log")
    with pytest.raises(FileRejected, match="bad.csv: missing required column channel"):
        ingest([good, no_channel], db_path=db)
    for missing in [tmp_path / "nope.csv", tmp_path / "x.txt"]:
        with pytest.raises(FileRejected):
            ingest([good, missing], db_path=db)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(FileRejected, match="empty"):
        ingest([good, empty], db_path=db)
    assert (q(db, "SELECT count(*) FROM events"), q(db, "SELECT count(*) FROM ingest_log")) == before


def test_failure_midway_rolls_back_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "t.duckdb"
    ingest([write_csv(tmp_path / "seed.csv", [row(event_id="s1")])], db_path=db)
    f1 = write_csv(tmp_path / "a.csv", [row(event_id="a1"), row(event_id="bad", channel="fax")])
    f2 = write_csv(tmp_path / "b.csv", [row(event_id="b1")])
    from cxmetrics.ingest import readers

    real = readers.normalized_sql
    calls = {"n": 0}

    def fail_on_second(*args, **kwargs):  # the second file fails after the first was staged
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk vanished")
        return real(*args, **kwargs)

    monkeypatch.setattr(readers, "normalized_sql", fail_on_second)
    with pytest.raises(OSError):
        ingest([f1, f2], db_path=db)
    assert q(db, "SELECT event_id FROM events") == [("s1",)]
    assert q(db, "SELECT count(*) FROM quarantine") == [(0,)]
    assert q(db, "SELECT count(*) FROM ingest_log") == [(1,)]


def test_csv_quirks_bom_crlf_quoted_newlines_blank_lines_and_short_rows(tmp_path: Path) -> None:
    text = (
        "\ufeffevent_id,ts,event_type,channel,verbatim\r\n"
        "e1,2026-02-02T08:00:00Z,page_view,web,\r\n"
        "\r\n"
        'e2,2026-02-02T08:00:00Z,page_view,web,"two\r\nlines, and a comma"\r\n'
        "   \r\n"
        "e3,2026-02-02T08:00:00Z,page_view\r\n"
        "e4,2026-02-02T08:00:00Z,page_view,app,,extra\r\n"
    )
    f = tmp_path / "q.csv"
    f.write_bytes(text.encode("utf-8"))
    db = tmp_path / "t.duckdb"
    res = ingest([f], db_path=db)
    # Rows: e1, e2, "   " (counted, all missing), e3 (short: channel missing), e4 (extra cell ignored).
    assert (res.rows_read, res.loaded, res.quarantined) == (5, 3, 2)
    assert q(db, "SELECT row_no FROM quarantine ORDER BY row_no") == [(3,), (4,)]
    assert sorted(r[0] for r in q(db, "SELECT event_id FROM events")) == ["e1", "e2", "e4"]


def test_latin1_csv_is_rejected_with_a_clear_message(tmp_path: Path) -> None:
    f = tmp_path / "latin.csv"
    f.write_bytes("event_id,ts,event_type,channel,verbatim\ne1,2026-02-02T08:00:00Z,page_view,web,Cataluña\n".encode("latin-1"))
    with pytest.raises(FileRejected, match="UTF-8"):
        ingest([f], db_path=tmp_path / "t.duckdb")


def test_jsonl_rules(tmp_path: Path) -> None:
    lines = [
        json.dumps(row(event_id="j1")),
        "",
        json.dumps(row(event_id="j2", event_type="survey_response", survey_type="nps", score=9)),
        json.dumps(row(event_id="j3", event_type="survey_response", survey_type="nps", score="9")),
        json.dumps(row(event_id="j4", event_type="survey_response", survey_type="nps", score=9.0)),
        json.dumps(row(event_id="j5", event_type="survey_response", survey_type="nps", score=True)),
        "[1, 2]",
        '{"event_id": "j7", "ts": ',
        "   ",
        json.dumps({**row(event_id="j8"), "customer_id": 12345}),
    ]
    f = tmp_path / "e.jsonl"
    f.write_text("\n".join(lines) + "\n")
    db = tmp_path / "t.duckdb"
    res = ingest([f], db_path=db)
    # 8 non-blank lines: j1, j2, j3, j8 valid; j4 (9.0), j5 (true), [1,2], truncated -> quarantined.
    assert (res.rows_read, res.loaded, res.quarantined) == (8, 4, 4)
    got = dict(q(db, "SELECT row_no, reason_codes FROM quarantine"))
    assert got == {4: ["score_not_integer"], 5: ["score_not_integer"], 6: ["malformed_row"], 7: ["malformed_row"]}
    assert q(db, "SELECT customer_id FROM events WHERE event_id = 'j8'") == [("12345",)]


def test_parquet_native_types(tmp_path: Path) -> None:
    import datetime as dt

    table = pa.table({
        "event_id": ["p1", "p2", "p3", "p4"],
        "ts": pa.array([dt.datetime(2026, 2, 2, 8, 0, tzinfo=dt.UTC)] * 4, pa.timestamp("us", tz="Europe/Madrid")),
        "event_type": ["survey_response"] * 4,
        "channel": ["web"] * 4,
        "survey_type": ["nps", "nps", "nps", "csat"],
        "score": pa.array([9.0, 4.5, None, 5.0], pa.float64()),
        "extra_col": [1, 2, 3, 4],
    })
    f = tmp_path / "e.parquet"
    pq.write_table(table, f)
    db = tmp_path / "t.duckdb"
    res = ingest([f], db_path=db)
    assert (res.rows_read, res.loaded, res.quarantined) == (4, 2, 2)
    assert dict(q(db, "SELECT row_no, reason_codes FROM quarantine")) == {2: ["score_not_integer"], 3: ["missing_score"]}
    assert q(db, "SELECT event_id, ts, score, extra FROM events ORDER BY 1") == [
        ("p1", dt.datetime(2026, 2, 2, 8, 0), 9, '{"extra_col":1}'),
        ("p4", dt.datetime(2026, 2, 2, 8, 0), 5, '{"extra_col":4}'),
    ]


def test_customers_rules(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text(
        "customer_id,household_id,segment,value_tier,region,plan,signup_date,consent_analytics\n"
        "C1,H1,consumer,high,Madrid,fiber_1gb,2021-05-14,\n"
        "C2,H2,business,mid,Cataluña,mobile_pro,2024-11-02,FALSE\n"
        "C3,H3,enterprise,mid,Madrid,x,2024-11-02,yes\n"
        "C4,H4,consumer,gold,Madrid,x,2024-11-02,1\n"
        "C1,H1,consumer,low,Madrid,fiber_1gb,2021-05-14,No\n"
        ",H9,consumer,low,Madrid,x,2021-05-14,true\n"
    )
    db = tmp_path / "t.duckdb"
    res = ingest([], f, db_path=db)
    c = res.customers
    assert (c.rows_read, c.loaded, c.duplicates, c.quarantined) == (6, 2, 1, 3)
    assert q(db, "SELECT customer_id, value_tier, consent_analytics FROM customers ORDER BY 1") == [
        ("C1", "low", False),
        ("C2", "mid", False),
    ]
    reasons = sorted(tuple(r[0]) for r in q(db, "SELECT reason_codes FROM quarantine"))
    assert reasons == [("missing_customer_id",), ("unknown_segment",), ("unknown_value_tier",)]
    # A later file wins (upsert).
    f2 = tmp_path / "c2.csv"
    f2.write_text("customer_id,segment,value_tier\nC2,consumer,high\n")
    ingest([], f2, db_path=db)
    assert q(db, "SELECT segment, value_tier, consent_analytics FROM customers WHERE customer_id = 'C2'") == [
        ("consumer", "high", True)
    ]


def test_jsonl_without_a_required_key_in_any_line_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "e.jsonl"
    f.write_text(json.dumps({"event_id": "a", "ts": "2026-02-02T08:00:00Z", "event_type": "page_view"}) + "\n")
    db = tmp_path / "t.duckdb"
    with pytest.raises(FileRejected, match="missing required column channel"):
        ingest([f], db_path=db)
    assert q(db, "SELECT count(*) FROM ingest_log") == [(0,)]


def test_corrupt_parquet_is_rejected_and_nothing_is_stored(tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", [row(event_id="g1")])
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1" + b"\x00" * 64 + b"PAR1")
    db = tmp_path / "t.duckdb"
    ingest([write_csv(tmp_path / "seed.csv", [row(event_id="s1")])], db_path=db)
    with pytest.raises(FileRejected, match="bad.parquet"):
        ingest([good, bad], db_path=db)
    assert q(db, "SELECT event_id FROM events") == [("s1",)]
