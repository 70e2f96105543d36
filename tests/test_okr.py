"""OKRs (CONTRACT.md section 7): progress, expected pace, status, file validation."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from cxmetrics.core.errors import UserError
from cxmetrics.metrics.filters import CATEGORICAL_DIMS
from cxmetrics.metrics.okr import (
    evaluate,
    expected_of,
    load_okrs,
    objective_status,
    progress_of,
    status_of,
)
from cxmetrics.metrics.registry import ALL_KPIS, OPS_KPIS
from cxmetrics.metrics.source import Source

OKR_YAML = """\
cycle: 2026-H1
objectives:
  - id: O1
    title: Web
    owner: Head of Digital
    key_results:
      - id: KR1
        title: CSAT web
        owner: A
        kpi: csat
        filter: {channel: web}
        baseline: 50
        target: 70
        start: 2026-01-05
        end: 2026-03-01
        window_days: 28
      - id: KR2
        title: Abandonment chatbot (lower is better)
        owner: B
        kpi: handoff_abandonment
        filter: {channel: [chatbot]}
        baseline: 30
        target: 10
        start: 2026-01-05
        end: 2026-03-01
  - id: O2
    title: Voice
    owner: Head of Care
    key_results:
      - id: KR3
        title: CSAT voice (no data)
        owner: C
        kpi: csat
        filter: {channel: voice}
        baseline: 50
        target: 60
        start: 2026-01-05
        end: 2026-03-01
"""


def cube_source(rows: list[tuple], max_ts: datetime) -> Source:
    con = duckdb.connect()
    dims = ", ".join(f"{d} VARCHAR" for d in CATEGORICAL_DIMS)
    con.execute(f"CREATE TABLE cube (kpi VARCHAR, day DATE, {dims}, n BIGINT, s1 DOUBLE, s2 DOUBLE)")
    for kpi, day, channel, n, s1 in rows:
        con.execute(
            "INSERT INTO cube VALUES (?, ?, ?, 'x', 'x', 'anonymous', 'consumer', 'mid', 'R', 'p', 'unknown', 'unknown', "
            "?, ?, 0)",
            [kpi, day, channel, n, s1],
        )
    return Source(con=con, max_ts=max_ts, anchor=date(2026, 1, 5))


@pytest.fixture
def okr_file(tmp_path: Path) -> Path:
    p = tmp_path / "okrs.yaml"
    p.write_text(OKR_YAML)
    return p


def test_progress_expected_and_status_by_hand(okr_file: Path) -> None:
    rows = [
        # Inside the 28-day window ending 2026-02-01 (2026-01-05 .. 2026-02-01):
        ("csat", date(2026, 1, 20), "web", 40, 26),  # 26/40 = 65 %
        ("csat", date(2026, 1, 4), "web", 100, 0),  # outside the window: ignored
        ("handoff_abandonment", date(2026, 1, 30), "chatbot", 50, 10),  # 20 %
    ]
    src = cube_source(rows, datetime(2026, 2, 1, 18, 0))
    res = evaluate(src, load_okrs(okr_file), min_n=30, role="analyst")
    assert res["as_of"] == "2026-02-01"
    o1, o2 = res["objectives"]
    kr1, kr2 = o1["key_results"]
    # expected = (2026-02-01 - 2026-01-05) / (2026-03-01 - 2026-01-05) = 27 / 55
    assert kr1["expected"] == pytest.approx(27 / 55)
    assert kr1["window"] == ["2026-01-05", "2026-02-01"]
    # KR1: current 65, progress (65-50)/(70-50) = 0.75 >= 0.95*0.4909 -> on_track
    assert (kr1["current"], kr1["n"]) == (65.0, 40)
    assert kr1["progress"] == pytest.approx(0.75) and kr1["status"] == "on_track"
    # KR2 lower is better: current 20, progress (20-30)/(10-30) = 0.5 >= 0.4664 -> on_track
    assert kr2["progress"] == pytest.approx(0.5) and kr2["status"] == "on_track"
    # KR3: no records -> no data, no progress.
    (kr3,) = o2["key_results"]
    assert (kr3["n"], kr3["current"], kr3["progress"], kr3["expected"], kr3["status"]) == (0, None, None, None, "no_data")
    assert o1["status"] == "on_track" and o2["status"] == "no_data"


def test_few_records_report_progress_but_no_status(okr_file: Path) -> None:
    src = cube_source([("csat", date(2026, 1, 20), "web", 10, 9)], datetime(2026, 2, 1))
    kr1 = evaluate(src, load_okrs(okr_file), min_n=30, role="analyst")["objectives"][0]["key_results"][0]
    # 90 % is beyond the target (progress clamps to 1) but n = 10 < 30: "not enough data".
    assert kr1["progress"] == 1.0 and kr1["expected"] is not None and kr1["status"] == "no_data"


def test_explicit_as_of_moves_the_window(okr_file: Path) -> None:
    src = cube_source([("csat", date(2026, 1, 20), "web", 40, 26)], datetime(2026, 2, 28))
    okrs = load_okrs(okr_file)
    assert evaluate(src, okrs, as_of=date(2026, 2, 16), min_n=30, role="analyst")["objectives"][0]["key_results"][0]["n"] == 40
    # Window 2026-01-21 .. 2026-02-17: the 2026-01-20 records fall out.
    assert evaluate(src, okrs, as_of=date(2026, 2, 17), min_n=30, role="analyst")["objectives"][0]["key_results"][0]["n"] == 0


@pytest.mark.parametrize(
    ("current", "baseline", "target", "higher", "expected"),
    [
        (60, 50, 70, True, 0.5),
        (80, 50, 70, True, 1.0),  # beyond target: clamped
        (40, 50, 70, True, 0.0),  # worse than baseline: clamped
        (20, 30, 10, False, 0.5),  # lower is better
        (35, 30, 10, False, 0.0),
        (5, 30, 10, False, 1.0),
        (10, 10, 10, True, 1.0),  # target = baseline: at or beyond the target
        (9, 10, 10, True, 0.0),
        (9, 10, 10, False, 1.0),
        (11, 10, 10, False, 0.0),
    ],
)
def test_progress_rule(current, baseline, target, higher, expected) -> None:
    assert progress_of(current, baseline, target, higher) == pytest.approx(expected)


def test_expected_rule() -> None:
    s, e = date(2026, 1, 1), date(2026, 1, 11)
    assert expected_of(date(2025, 12, 1), s, e) == 0.0
    assert expected_of(date(2026, 1, 6), s, e) == pytest.approx(0.5)
    assert expected_of(date(2026, 2, 1), s, e) == 1.0
    assert expected_of(date(2026, 1, 1), s, s) == 1.0


@pytest.mark.parametrize(
    ("progress", "expected", "n", "status"),
    [
        (1.0, 0.2, 100, "achieved"),
        (0.95, 1.0, 100, "on_track"),
        (0.949, 1.0, 100, "behind"),
        (0.75, 1.0, 100, "behind"),
        (0.749, 1.0, 100, "at_risk"),
        (1.0, 0.2, 29, "no_data"),
        (0.0, 0.0, 30, "on_track"),
    ],
)
def test_status_rule(progress, expected, n, status) -> None:
    assert status_of(progress, expected, n, 30) == status


def test_objective_is_its_weakest_key_result_with_data() -> None:
    assert objective_status(["achieved", "behind", "no_data", "on_track"]) == "behind"
    assert objective_status(["achieved", "at_risk"]) == "at_risk"
    assert objective_status(["no_data", "no_data"]) == "no_data"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("kpi: csat\n        filter: {channel: web}", "kpi: cast\n        filter: {channel: web}"), "line 10: objectives.0.key_results.0.kpi: unknown KPI 'cast'"),
        (("filter: {channel: web}", "filter: {channel: Web}"), "line 11: objectives.0.key_results.0.filter: unknown channel 'Web'"),
        (("baseline: 50\n        target: 70", "baseline: fifty\n        target: 70"), "line 12: objectives.0.key_results.0.baseline"),
        (("end: 2026-03-01\n        window_days: 28", "end: 2025-03-01\n        window_days: 28"), "line 7: objectives.0.key_results.0: end 2025-03-01 is before start"),
        (("    owner: Head of Digital\n", ""), "line 3: objectives.0.owner: Field required"),
        (("cycle: 2026-H1", "cycle: [oops"), "not valid YAML"),
    ],
)
def test_bad_file_names_the_line_and_field(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    p = tmp_path / "bad.yaml"
    assert edit[0] in OKR_YAML
    p.write_text(OKR_YAML.replace(edit[0], edit[1], 1))
    with pytest.raises(UserError) as err:
        load_okrs(p)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_demo_okr_file_is_valid() -> None:
    okrs = load_okrs(Path(__file__).resolve().parents[1] / "data" / "okrs.yaml")
    assert len(okrs.objectives) == 3
    assert 6 <= sum(len(o.key_results) for o in okrs.objectives) <= 9
    # one key result on an operations KPI (CONTRACT.md section 8), so the OKRs page shows one
    assert [kr.kpi for o in okrs.objectives for kr in o.key_results if kr.kpi in OPS_KPIS] == ["containment"]


def test_cli_okr_json(tmp_path: Path, okr_file: Path) -> None:
    events = tmp_path / "e.csv"
    lines = ["event_id,ts,event_type,channel,anonymous_id,survey_type,score"]
    lines += [f"s{i},2026-01-20T10:00:00Z,survey_response,web,a{i},csat,{5 if i < 26 else 2}" for i in range(40)]
    events.write_text("\n".join(lines) + "\n")
    db = tmp_path / "o.duckdb"
    run = lambda *a: subprocess.run([sys.executable, "-m", "cxmetrics.cli", *a], capture_output=True, text=True)  # noqa: E731
    assert run("ingest", str(events), "--db", str(db)).returncode == 0
    out = run("okr", "--okrs", str(okr_file), "--db", str(db), "--as-of", "2026-02-01", "--json")
    assert out.returncode == 0, out.stderr
    kr1 = json.loads(out.stdout)["objectives"][0]["key_results"][0]
    assert (kr1["current"], kr1["n"], kr1["status"]) == (65.0, 40, "on_track")
    bad = run("okr", "--okrs", str(tmp_path / "missing.yaml"), "--db", str(db))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------ key results on the section-8 KPIs

OPS_OKR_YAML = """\
cycle: 2026-H1
objectives:
  - id: O1
    title: Bots and agents
    owner: Head of Service
    key_results:
      - id: KR1
        title: Containment
        owner: A
        kpi: containment
        baseline: 50
        target: 70
        start: 2026-01-05
        end: 2026-03-01
      - id: KR2
        title: Time to answer (lower is better)
        owner: B
        kpi: time_to_answer
        baseline: 20
        target: 10
        start: 2026-01-05
        end: 2026-03-01
      - id: KR3
        title: Contacts in 28 days (fewer is better)
        owner: C
        kpi: contact_volume
        baseline: 80
        target: 40
        start: 2026-01-05
        end: 2026-03-01
"""


def record_source(max_ts: datetime) -> Source:
    """Record tables only (no cube: the engine reads the records), in the window
    2026-01-05 .. 2026-02-01 unless said: 40 chatbot contacts of which 24 never handed to an
    agent, 10 voice contacts, one chatbot contact on 2026-01-04 (outside); 30 answered
    handoffs taking 1, 2, ..., 30 minutes and 5 abandoned ones."""
    con = duckdb.connect()
    dims = ", ".join(f"{d} VARCHAR" for d in CATEGORICAL_DIMS)
    shared = f"record_id VARCHAR, t TIMESTAMP, {dims}, consent BOOLEAN, person VARCHAR, contact_id VARCHAR"
    con.execute(f"CREATE TABLE rec_contact ({shared}, handed_off BOOLEAN, connected BOOLEAN, "
                "repeat_other_channel BOOLEAN, rated BOOLEAN)")
    con.execute(f"CREATE TABLE rec_handoff ({shared}, abandoned BOOLEAN, answer_minutes DOUBLE)")
    dim_values = "'{channel}', 'billing', 'unknown', 'anonymous', 'consumer', 'mid', 'Madrid', 'p', 'unknown', 'unknown'"

    def insert(table: str, i: int, ts: str, channel: str, *own: object) -> None:
        marks = ", ".join("?" for _ in own)
        con.execute(f"INSERT INTO {table} VALUES (?, ?, {dim_values.format(channel=channel)}, true, ?, ?, {marks})",
                    [f"{table}{i}", ts, f"p{i}", f"c{i}", *own])

    for i in range(40):
        insert("rec_contact", i, "2026-01-20 10:00:00", "chatbot", i >= 24, i >= 24, False, False)
    for i in range(40, 50):
        insert("rec_contact", i, "2026-01-21 10:00:00", "voice", False, False, False, False)
    insert("rec_contact", 99, "2026-01-04 10:00:00", "chatbot", True, True, False, False)
    for i in range(30):
        insert("rec_handoff", i, "2026-01-25 09:00:00", "chatbot", False, float(i + 1))
    for i in range(30, 35):
        insert("rec_handoff", i, "2026-01-25 09:00:00", "chatbot", True, None)
    return Source(con=con, max_ts=max_ts, anchor=date(2026, 1, 5), cubes={})


def test_key_results_on_operations_kpis_by_hand(tmp_path: Path) -> None:
    p = tmp_path / "ops.yaml"
    p.write_text(OPS_OKR_YAML)
    res = evaluate(record_source(datetime(2026, 2, 1, 18, 0)), load_okrs(p), min_n=30, role="analyst")
    kr1, kr2, kr3 = res["objectives"][0]["key_results"]
    expected = 27 / 55  # (2026-02-01 - 2026-01-05) / (2026-03-01 - 2026-01-05); on track from 0.95 x 0.4909 = 0.4664
    # containment: 24 of the 40 bot contacts (voice is not a bot contact) = 60 %; (60-50)/(70-50) = 0.5
    assert (kr1["current"], kr1["n"]) == (60.0, 40) and kr1["ci_low"] is not None
    assert kr1["progress"] == pytest.approx(0.5) and kr1["expected"] == pytest.approx(expected)
    assert kr1["status"] == "on_track"
    # time to answer, lower is better: the median of 1..30 minutes is 15.5 (abandoned ones are not
    # answered); (15.5-20)/(10-20) = 0.45, under 0.4664 but over 0.75 x 0.4909 = 0.368 -> behind.
    # Its interval: B ~ Bin(30, 1/2), P(B <= 9) = 0.021 <= 0.025 < P(B <= 10), so ranks 10 and 21.
    assert (kr2["current"], kr2["n"], kr2["ci_low"], kr2["ci_high"]) == (15.5, 30, 10.0, 21.0)
    assert kr2["progress"] == pytest.approx(0.45) and kr2["status"] == "behind"
    # contact volume: a count with no interval, the status on the value alone: 50 contacts in
    # the 28 days (the one of 2026-01-04 is outside); (50-80)/(40-80) = 0.75 -> on track
    assert (kr3["current"], kr3["n"], kr3["ci_low"], kr3["ci_high"]) == (50, 50, None, None)
    assert kr3["progress"] == pytest.approx(0.75) and kr3["status"] == "on_track"
    assert res["objectives"][0]["status"] == "behind"


def test_a_churn_key_result_filters_by_customer_cohort_only(tmp_path: Path) -> None:
    kr = OPS_OKR_YAML.replace("kpi: containment", "kpi: churn_rate\n        filter: {segment: business}")
    p = tmp_path / "churn.yaml"
    p.write_text(kr)
    assert load_okrs(p).objectives[0].key_results[0].kpi == "churn_rate"
    p.write_text(OPS_OKR_YAML.replace("kpi: containment", "kpi: churn_rate\n        filter: {channel: web}"))
    with pytest.raises(UserError, match="churn_rate counts customers, who have no channel: filter it by segment"):
        load_okrs(p)


def test_every_kpi_can_be_a_key_result(tmp_path: Path) -> None:
    for kpi in ALL_KPIS:
        p = tmp_path / f"{kpi}.yaml"
        p.write_text(OPS_OKR_YAML.replace("kpi: containment", f"kpi: {kpi}"))
        assert load_okrs(p).objectives[0].key_results[0].kpi == kpi
    p.write_text(OPS_OKR_YAML.replace("kpi: containment", "kpi: contanment"))
    with pytest.raises(UserError, match="unknown KPI 'contanment' .*containment, time_to_answer"):
        load_okrs(p)
