"""The identity guard (docs/metrics.md, "Identity guard"): bounded stitching passes and a
cap on component size. Literal fixtures, persons worked out by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cxmetrics.core.settings import get_settings
from cxmetrics.serving.pipeline import ingest_and_build

COLS = "event_id,ts,event_type,channel,anonymous_id,network_id,customer_id,journey_id,journey_type,intent,contact_id"


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch):
    def set_limits(cap: int | None = None, passes: int | None = None) -> None:
        if cap is not None:
            monkeypatch.setenv("CXM_MAX_COMPONENT_SIZE", str(cap))
        if passes is not None:
            monkeypatch.setenv("CXM_STITCH_MAX_PASSES", str(passes))
        get_settings.cache_clear()

    yield set_limits
    monkeypatch.delenv("CXM_MAX_COMPONENT_SIZE", raising=False)
    monkeypatch.delenv("CXM_STITCH_MAX_PASSES", raising=False)
    get_settings.cache_clear()


def build(tmp_path: Path, lines: list[str], customers: list[str] | None = None) -> duckdb.DuckDBPyConnection:
    f = tmp_path / "e.csv"
    f.write_text(COLS + "\n" + "\n".join(lines) + "\n")
    cust = None
    if customers:
        cust = tmp_path / "c.csv"
        cust.write_text("customer_id,segment,value_tier,consent_analytics\n" + "\n".join(customers) + "\n")
    db = tmp_path / "m.duckdb"
    ingest_and_build([f], cust, db)
    return duckdb.connect(str(db), read_only=True)


def persons(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    return dict(con.execute("SELECT event_id, person FROM ev").fetchall())


# A shared line n:hub (e.g. a shop's Wi-Fi or a test SIM) seen with six cookies, each of
# which logged in as its own customer: one component of 7 identifiers and 6 owners.
HUB = [
    *(f"l{i},2026-02-02T08:0{i}:00Z,login,web,a{i},,C{i},,,," for i in range(1, 7)),
    *(f"h{i},2026-02-03T08:0{i}:00Z,page_view,web,a{i},hub,,,,," for i in range(1, 7)),
    *(f"p{i},2026-02-04T08:0{i}:00Z,page_view,web,a{i},,,,,," for i in range(1, 7)),
    "q1,2026-02-05T08:00:00Z,page_view,web,,hub,,,,,",
    # an ordinary person elsewhere: cookie x and line y, logged in as C9
    "x1,2026-02-02T09:00:00Z,page_view,app,x,y,,,,,",
    "x2,2026-02-02T09:05:00Z,login,app,x,,C9,,,,",
    "x3,2026-02-03T09:00:00Z,page_view,app,,y,,,,,",
]


def test_under_the_cap_the_contract_applies_literally(tmp_path: Path, guard) -> None:
    guard(cap=7)  # the hub component has exactly 7 identifiers: not over the cap
    con = build(tmp_path, HUB)
    p = persons(con)
    # one shared component (6 owners): its events without a customer_id have no owner
    assert {p[f"p{i}"] for i in range(1, 7)} == {p["q1"]} == {"anon:a:a1"}
    assert p["x1"] == p["x3"] == "C9"
    assert con.execute("SELECT count(*) FROM dq_dissolved_components").fetchall() == [(0,)]


def test_over_the_cap_a_component_is_dissolved_and_reported(tmp_path: Path, guard) -> None:
    guard(cap=6)
    con = build(tmp_path, HUB)
    p = persons(con)
    # Dissolved: every identifier stands alone, so each cookie's events go to the one
    # customer it was directly linked to; the hub line alone has no customer.
    for i in range(1, 7):
        assert p[f"l{i}"] == p[f"h{i}"] == p[f"p{i}"] == f"C{i}"
    assert p["q1"] == "anon:n:hub"
    # normal data is untouched
    assert p["x1"] == p["x3"] == "C9"
    assert con.execute("SELECT component FROM id_component WHERE ident = 'a:x'").fetchall() == [("a:x",)]
    assert con.execute("SELECT component FROM id_component WHERE ident = 'n:y'").fetchall() == [("a:x",)]
    # real-time recognition does not depend on stitching: p1 (cookie a1, linked at l1)
    assert con.execute("SELECT recognized_self FROM ev WHERE event_id = 'p1'").fetchall() == [(True,)]
    rows = con.execute(
        """SELECT component, reason, identifiers, customers, events, bridge_1, links_1, bridge_2, links_2,
                  bridge_5, links_5
        FROM dq_dissolved_components"""
    ).fetchall()
    assert rows == [("a:a1", "over_cap", 7, 6, 19, "n:hub", 6, "a:a1", 1, "a:a4", 1)]
    assert con.execute(
        "SELECT dissolved_components, dissolved_identifiers, largest_component FROM dq_identity"
    ).fetchall() == [(1, 7, 2)]
    # no shared component is left: the hub line alone was never seen with a customer
    assert con.execute("SELECT shared_components FROM dq_identity").fetchall() == [(0,)]


def test_identifiers_of_a_customer_without_consent_are_withheld(tmp_path: Path, guard) -> None:
    guard(cap=6)
    con = build(tmp_path, HUB, customers=["C1,consumer,low,false", "C2,consumer,low,true"])
    row = con.execute(
        "SELECT component, bridge_1, bridge_2, bridge_3, bridge_5 FROM dq_dissolved_components"
    ).fetchall()[0]
    assert row == ("(withheld)", "n:hub", None, "a:a2", "a:a4")  # a:a1 is C1's cookie: left out
    # the published snapshot serves the table
    snap = tmp_path / "m.snapshots"
    assert list(snap.glob("v*/dq_dissolved_components*"))


def test_pass_limit_dissolves_unsettled_components(tmp_path: Path, guard) -> None:
    # a0-n0-a1-n1-...-a9-n9: one chain of 20 identifiers, owned by C1 through n9
    lines = []
    for i in range(10):
        lines.append(f"x{i},2026-02-02T08:{i:02d}:00Z,page_view,web,a{i},n{i},,,,,")
        if i:
            lines.append(f"y{i},2026-02-02T09:{i:02d}:00Z,page_view,web,a{i},n{i - 1},,,,,")
    lines.append("z,2026-02-03T08:00:00Z,identify,web,,n9,C1,,,,")
    lines.append("w,2026-02-03T08:00:00Z,page_view,web,b,m,,,,,")  # a small settled component
    guard(passes=2)
    con = build(tmp_path, lines)
    p = persons(con)
    # each event resolves through its own identifiers only: x9 carries n9 (linked to C1),
    # x8 carries a8 and n8, neither ever seen with a customer
    assert p["z"] == p["x9"] == "C1" and p["x8"] == "anon:a:a8"
    assert p["w"] == "anon:a:b"
    reasons = con.execute(
        "SELECT reason, sum(identifiers) FROM dq_dissolved_components GROUP BY reason"
    ).fetchall()
    assert reasons == [("not_converged", 20)]
    # with enough passes the same chain is one component owned by C1
    guard(passes=100)
    (tmp_path / "again").mkdir()
    con2 = build(tmp_path / "again", lines)
    assert set(persons(con2).values()) == {"C1", "anon:a:b"}
    assert con2.execute("SELECT count(*) FROM dq_dissolved_components").fetchall() == [(0,)]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_data_quality_page_lists_the_dissolved_component(tmp_path: Path, guard, app_db_env, lang: str) -> None:
    from apptest import open_page

    guard(cap=6)
    build(tmp_path, HUB).close()
    app_db_env(tmp_path / "m.duckdb")
    at = open_page("pages/8_Data_quality.py", lang=lang)
    header = {"en": "Most connected identifiers (links)", "es": "Identificadores más conectados (enlaces)"}[lang]
    (table,) = [d.value for d in at.dataframe if header in d.value.columns]
    assert list(table.iloc[:, 0]) == ["a:a1"]
    assert table[header].iloc[0].startswith("n:hub (6), a:a1 (1)")
    reason = {"en": "over the size cap", "es": "supera el tamaño máximo"}[lang]
    assert reason in table.iloc[0].tolist()
