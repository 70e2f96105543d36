"""The `cxm` command line as CONTRACT.md section 6 describes it (run as a user would)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Copies of the contract's sample files (shared/samples).
SAMPLES = Path(__file__).resolve().parent / "fixtures" / "samples"


def cxm(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxmetrics.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "s.duckdb"
    out = cxm("ingest", str(SAMPLES / "events_sample.csv"), "--customers", str(SAMPLES / "customers_sample.csv"),
              "--db", str(db), "--json")
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert (res["rows_read"], res["loaded"], res["duplicates"], res["quarantined"]) == (18, 18, 0, 0)
    return db


def test_ingest_json_is_one_object_and_reingest_loads_nothing(sample_db: Path) -> None:
    out = cxm("ingest", str(SAMPLES / "events_sample.csv"), "--db", str(sample_db), "--json")
    assert out.returncode == 0
    res = json.loads(out.stdout)  # nothing else on stdout
    assert (res["rows_read"], res["loaded"], res["duplicates"], res["quarantined"]) == (18, 0, 18, 0)


def test_kpis_json_shape_and_order(sample_db: Path) -> None:
    out = cxm("kpis", "--db", str(sample_db), "--json", "--by", "channel")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert all(set(r) == {"channel", "kpi", "value", "n", "ci_low", "ci_high"} for r in rows)
    order = ["nps", "csat", "ces", "fcr", "journey_completion", "handoff_abandonment"]
    keys = [(r["channel"], order.index(r["kpi"])) for r in rows]
    assert keys == sorted(keys)
    # The email-channel surveys rate the voice contact k-2: they count for voice.
    assert {r["kpi"] for r in rows if r["channel"] == "voice"} == {"nps", "csat"}
    assert not any(r["channel"] == "email" for r in rows)


def test_as_of_date_means_end_of_day(sample_db: Path) -> None:
    # The only FCR episode starts 2026-02-05 09:00; its window closes 2026-02-12 09:00.
    def fcr(*extra: str) -> list:
        out = cxm("kpis", "--db", str(sample_db), "--json", "--kpi", "fcr", *extra)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    assert fcr("--as-of", "2026-02-11") == []
    assert [r["n"] for r in fcr("--as-of", "2026-02-12")] == [1]
    assert fcr("--as-of", "2026-02-12T08:59:59Z") == []
    assert [r["n"] for r in fcr("--as-of", "2026-02-12T09:00:00Z")] == [1]


def test_open_vocabulary_value_gives_empty_list(sample_db: Path) -> None:
    out = cxm("kpis", "--db", str(sample_db), "--json", "--filter", "intent=no_such_intent")
    assert out.returncode == 0 and json.loads(out.stdout) == []


@pytest.mark.parametrize(
    "args",
    [
        ["kpis", "--kpi", "nsp"],
        ["kpis", "--by", "colour"],
        ["kpis", "--filter", "channel=Web"],
        ["kpis", "--filter", "segment=enterprise"],
        ["kpis", "--filter", "identity_state=known"],
        ["kpis", "--from", "2026-02-30"],
        ["kpis", "--to", "yesterday"],
        ["kpis", "--as-of", "soon"],
        ["uplift", "--kpi", "bogus"],
        ["kpis", "--bogus-flag"],
    ],
)
def test_user_errors_are_one_line_exit_2(sample_db: Path, args: list[str]) -> None:
    out = cxm(*args, "--db", str(sample_db), "--json")
    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_rejected_file_exit_2_and_nothing_stored(sample_db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("event_id,ts,event_type\ne1,2026-02-02T08:00:00Z,page_view\n")
    out = cxm("ingest", str(SAMPLES / "events_sample.csv"), str(bad), "--db", str(sample_db), "--json")
    assert out.returncode == 2
    assert "bad.csv" in out.stderr and "channel" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_uplift_json_shape(sample_db: Path) -> None:
    out = cxm("uplift", "--db", str(sample_db), "--kpi", "journey_completion", "--json")
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert set(res) >= {"kpi", "recognized", "anonymous", "raw_diff", "raw_ci", "p_value", "adjusted_diff",
                        "adjusted_ci", "strata_used", "coverage"}
    # j-100 recognized and completed; j-200 and j-300 anonymous, not completed.
    assert res["recognized"] == {"value": 100.0, "n": 1}
    assert res["anonymous"] == {"value": 0.0, "n": 2}
    # Strata (intent, channel): recognized only in (contract_termination, web): no stratum used.
    assert res["strata_used"] == 0 and res["adjusted_diff"] is None and res["adjusted_ci"] is None
    assert res["coverage"] == 0.0


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    out = cxm("kpis", "--db", str(tmp_path / "none.duckdb"))
    assert out.returncode == 2 and "cxm ingest" in out.stderr


# --------------------------------------------------------------------------- cxm drivers


def test_drivers_json_counts_the_slice_and_shares_sum_to_100(demo_db: Path) -> None:
    slice_args = ["--filter", "channel=voice", "--filter", "channel=web", "--from", "2026-02-01", "--to", "2026-03-01"]
    out = cxm("drivers", "--db", str(demo_db), "--kpi", "nps", *slice_args, "--json")
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)  # one object, nothing else on stdout
    assert {"rows", "r2", "n", "caveat", "skipped", "kpi"} <= set(res) and res["kpi"] == "nps"
    kpis = cxm("kpis", "--db", str(demo_db), "--kpi", "nps", *slice_args, "--json")
    [row] = json.loads(kpis.stdout)
    assert res["n"] == row["n"] > 30  # every NPS response of the slice
    assert abs(sum(r["importance_share"] for r in res["rows"]) - 100.0) <= 0.1
    assert all(r["ci_low"] <= r["importance_share"] <= r["ci_high"] or r["importance_share"] < 1 for r in res["rows"])
    assert res["caveat"].startswith("These are associations in observational survey data")
    again = json.loads(cxm("drivers", "--db", str(demo_db), "--kpi", "nps", *slice_args, "--json").stdout)
    assert again == res  # seeded: the same intervals every run


def test_drivers_table_and_errors(demo_db: Path) -> None:
    out = cxm("drivers", "--db", str(demo_db), "--kpi", "csat")
    assert out.returncode == 0, out.stderr
    assert "Key drivers of CSAT" in out.stdout and "first_contact_resolved" in out.stdout
    assert "not causal effects" in out.stdout
    bad = cxm("drivers", "--db", str(demo_db), "--kpi", "ces")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    bad = cxm("drivers", "--db", str(demo_db), "--kpi", "nps", "--filter", "channel=fax")
    assert bad.returncode == 2 and "unknown channel 'fax'" in bad.stderr
