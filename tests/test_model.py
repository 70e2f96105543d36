"""Identity and journey model: the cases of CONTRACT.md sections 2-3, computed by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cxmetrics.serving.pipeline import ingest_and_build

COLS = "event_id,ts,event_type,channel,anonymous_id,network_id,customer_id,journey_id,journey_type,intent,contact_id"


def build(tmp_path: Path, lines: list[str]) -> duckdb.DuckDBPyConnection:
    f = tmp_path / "e.csv"
    f.write_text(COLS + "\n" + "\n".join(lines) + "\n")
    db = tmp_path / "m.duckdb"
    ingest_and_build([f], None, db)
    return duckdb.connect(str(db), read_only=True)


def persons(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    return dict(con.execute("SELECT event_id, person FROM ev").fetchall())


def recognized(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    return dict(con.execute("SELECT event_id, recognized_self FROM ev").fetchall())


def test_direct_link_and_link_after_first_event(tmp_path: Path) -> None:
    con = build(tmp_path, [
        # a1 browses at 08:00, logs in as C1 at 09:00, browses again at 10:00.
        "e1,2026-02-02T08:00:00Z,page_view,web,a1,,,,,,",
        "e2,2026-02-02T09:00:00Z,login,web,a1,,C1,,,,",
        "e3,2026-02-02T10:00:00Z,page_view,web,a1,,,,,,",
        # Same ts as the link: recognized (ts <= t, own time included).
        "e4,2026-02-02T09:00:00Z,page_view,web,a1,,,,,,",
    ])
    # Persons are stitched after the fact: all of a1's events belong to C1.
    assert persons(con) == {"e1": "C1", "e2": "C1", "e3": "C1", "e4": "C1"}
    # Recognition is real-time: e1 happened before the link.
    assert recognized(con) == {"e1": False, "e2": True, "e3": True, "e4": True}


def test_transitive_anonymous_network_customer(tmp_path: Path) -> None:
    con = build(tmp_path, [
        # n7 is linked to C7 by network recognition; a9 meets n7 on one event; a9 alone later.
        "e1,2026-02-02T08:00:00Z,identify,web,,n7,C7,,,,",
        "e2,2026-02-03T08:00:00Z,page_view,app,a9,n7,,,,,",
        "e3,2026-02-04T08:00:00Z,page_view,app,a9,,,,,,",
    ])
    assert persons(con) == {"e1": "C7", "e2": "C7", "e3": "C7"}
    # e2 is recognized through n7 (directly linked). e3 carries only a9, which never
    # appeared with a customer_id: no stitching through other identifiers in real time.
    assert recognized(con) == {"e1": True, "e2": True, "e3": False}


def test_shared_component_has_no_owner(tmp_path: Path) -> None:
    con = build(tmp_path, [
        # A family tablet a5 used by C1 and C2: the component {a5, n5} has two owners.
        "e1,2026-02-02T08:00:00Z,login,web,a5,,C1,,,,",
        "e2,2026-02-03T08:00:00Z,login,web,a5,,C2,,,,",
        "e3,2026-02-04T08:00:00Z,page_view,web,a5,n5,,,,,",
        "e4,2026-02-05T08:00:00Z,page_view,web,,n5,,,,,",
    ])
    p = persons(con)
    assert p["e1"] == "C1" and p["e2"] == "C2"
    # No owner: the person is anon: + the smallest identifier ('a:a5' < 'n:n5').
    assert p["e3"] == p["e4"] == "anon:a:a5"
    assert con.execute("SELECT shared_components FROM dq_identity").fetchall() == [(1,)]
    assert con.execute("SELECT owners FROM dq_shared_components").fetchall() == [(["C1", "C2"],)]


def test_event_without_identifier_has_no_person(tmp_path: Path) -> None:
    con = build(tmp_path, [
        "e1,2026-02-02T08:00:00Z,page_view,store,,,,,,,",
        "e2,2026-02-02T08:00:00Z,page_view,web,zz,,,,,,",
    ])
    assert persons(con) == {"e1": None, "e2": "anon:a:zz"}
    assert con.execute("SELECT events_without_identifier FROM dq_identity").fetchall() == [(1,)]


def test_smallest_identifier_by_code_point(tmp_path: Path) -> None:
    con = build(tmp_path, [
        # 'a:Z' < 'a:b' by code point (upper case sorts first); chain a:b - n:m - a:Z.
        "e1,2026-02-02T08:00:00Z,page_view,web,b,m,,,,,",
        "e2,2026-02-02T09:00:00Z,page_view,web,Z,m,,,,,",
    ])
    assert set(persons(con).values()) == {"anon:a:Z"}


def test_long_chain_converges(tmp_path: Path) -> None:
    # a0-n0-a1-n1-...-a29-n29: one component of 60 identifiers; C1 owns it via n29.
    lines = []
    for i in range(30):
        lines.append(f"x{i},2026-02-02T08:{i:02d}:00Z,page_view,web,a{i},n{i},,,,,")
        if i:
            lines.append(f"y{i},2026-02-02T09:{i:02d}:00Z,page_view,web,a{i},n{i - 1},,,,,")
    lines.append("z,2026-02-03T08:00:00Z,identify,web,,n29,C1,,,,")
    con = build(tmp_path, lines)
    assert set(persons(con).values()) == {"C1"}
    assert con.execute("SELECT largest_component FROM dq_identity").fetchall() == [(60,)]


def journey(con: duckdb.DuckDBPyConnection, jid: str) -> tuple:
    return con.execute(
        """SELECT start_ts::VARCHAR, first_event_id, channel, journey_type, completed, identity_state, person
        FROM journeys WHERE journey_id = ?""",
        [jid],
    ).fetchall()[0]


@pytest.fixture
def journeys_db(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return build(tmp_path, [
        # j1: tie at the first ts -> smallest event_id (b1 < b2) starts it; its journey_type
        # is empty, so the journey_type is the first non-empty in time order (b2's).
        "b2,2026-02-02T08:00:00Z,page_view,app,a1,,,j1,billing,,",
        "b1,2026-02-02T08:00:00Z,page_view,web,a1,,,j1,,,",
        "b3,2026-02-02T08:05:00Z,page_view,web,a1,,,j1,plan_change,,",
        "b4,2026-02-02T08:09:00Z,journey_goal,web,a1,,,j1,,,",
        # j2: no goal; starts anonymous although the login comes during it.
        "c1,2026-02-02T10:00:00Z,page_view,app,a2,,,j2,device_upgrade,,",
        "c2,2026-02-02T10:01:00Z,login,app,a2,,C2,j2,,,",
        # j3: starts with a customer_id: recognized.
        "d1,2026-02-03T10:00:00Z,page_view,app,,,C2,j3,,,",
        # j4: ties among the later events: the first journey_type is f3's (f3 < f4 at
        # 08:01), the first intent f2's (f2 < f3); f1 alone at 08:00 starts it.
        "f3,2026-02-04T08:01:00Z,page_view,web,a4,,,j4,device_upgrade,plan_change,",
        "f4,2026-02-04T08:01:00Z,page_view,web,a4,,,j4,billing,,",
        "f2,2026-02-04T08:01:00Z,page_view,web,a4,,,j4,,billing,",
        "f1,2026-02-04T08:00:00Z,page_view,app,a4,,,j4,,,",
    ])


def test_journey_ties_and_first_non_empty_type(journeys_db: duckdb.DuckDBPyConnection) -> None:
    assert journey(journeys_db, "j1") == ("2026-02-02 08:00:00", "b1", "web", "billing", True, "anonymous", "anon:a:a1")


def test_journey_goal_absent_and_login_during_journey(journeys_db: duckdb.DuckDBPyConnection) -> None:
    assert journey(journeys_db, "j2") == ("2026-02-02 10:00:00", "c1", "app", "device_upgrade", False, "anonymous", "C2")
    assert journey(journeys_db, "j3")[4:] == (False, "recognized", "C2")
    # Events take their journey's identity_state as record sources: c2 (a login, itself
    # recognized) belongs to the anonymous journey j2.
    rows = journeys_db.execute("SELECT record_id, identity_state, intent FROM rec_journey ORDER BY 1").fetchall()
    # A journey's intent falls back to its journey_type when none of its events has one.
    assert rows == [("j1", "anonymous", "billing"), ("j2", "anonymous", "device_upgrade"),
                    ("j3", "recognized", "unknown"), ("j4", "anonymous", "billing")]


def test_first_type_and_intent_ties_on_ts(journeys_db: duckdb.DuckDBPyConnection) -> None:
    assert journey(journeys_db, "j4") == ("2026-02-04 08:00:00", "f1", "app", "device_upgrade", False, "anonymous",
                                          "anon:a:a4")
    assert journeys_db.execute(
        "SELECT first_intent, n_events, n_page_views FROM journeys WHERE journey_id = 'j4'"
    ).fetchall() == [("billing", 4, 4)]
