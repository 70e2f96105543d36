"""Local-time reporting (CONTRACT.md section 8, --tz): days end at local midnight, the two
DST days have 23 and 25 hours, --tz UTC is exactly the figure without --tz, and the local
cube gives the numbers the record tables give."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.metrics.engine import kpi_table
from cxmetrics.metrics.filters import FilterSpec, parse_as_of
from cxmetrics.metrics.timezones import check_tz, end_of_day_utc, local_date, midnight_utc
from cxmetrics.serving.pipeline import ingest_and_build
from cxmetrics.serving.snapshot import open_database_source, open_snapshot

COLUMNS = ["event_id", "ts", "event_type", "channel", "customer_id", "survey_type", "score"]
# NPS answers around the two DST changes of 2026 in Europe/Madrid (UTC+1 -> +2 on Mar 29,
# +2 -> +1 on Oct 25). Local day of each, by hand:
ANSWERS = [
    ("s1", "2026-03-28T22:59:59Z", 10),  # 23:59:59 CET  -> Mar 28
    ("s2", "2026-03-28T23:00:00Z", 10),  # 00:00:00 CET  -> Mar 29 (the 23-hour day starts)
    ("s3", "2026-03-29T21:59:59Z", 0),   # 23:59:59 CEST -> Mar 29
    ("s4", "2026-03-29T22:00:00Z", 0),   # 00:00:00 CEST -> Mar 30
    ("s5", "2026-10-24T21:59:59Z", 9),   # 23:59:59 CEST -> Oct 24
    ("s6", "2026-10-24T22:00:00Z", 9),   # 00:00:00 CEST -> Oct 25 (the 25-hour day starts)
    ("s7", "2026-10-25T22:59:59Z", 3),   # 23:59:59 CET  -> Oct 25
    ("s8", "2026-10-25T23:00:00Z", 3),   # 00:00:00 CET  -> Oct 26
]
MADRID_DAYS = {"2026-03-28": ["s1"], "2026-03-29": ["s2", "s3"], "2026-03-30": ["s4"],
               "2026-10-24": ["s5"], "2026-10-25": ["s6", "s7"], "2026-10-26": ["s8"]}
UTC_DAYS = {"2026-03-28": ["s1", "s2"], "2026-03-29": ["s3", "s4"], "2026-10-24": ["s5", "s6"],
            "2026-10-25": ["s7", "s8"]}


def test_day_boundaries_by_hand() -> None:
    assert midnight_utc(date(2026, 3, 29), "Europe/Madrid") == datetime(2026, 3, 28, 23)
    assert midnight_utc(date(2026, 3, 30), "Europe/Madrid") == datetime(2026, 3, 29, 22)  # 23 hours later
    assert midnight_utc(date(2026, 10, 25), "Europe/Madrid") == datetime(2026, 10, 24, 22)
    assert midnight_utc(date(2026, 10, 26), "Europe/Madrid") == datetime(2026, 10, 25, 23)  # 25 hours later
    assert end_of_day_utc(date(2026, 3, 1), "UTC") == datetime(2026, 3, 2)
    assert local_date(datetime(2026, 3, 29, 21, 59, 59), "Europe/Madrid") == date(2026, 3, 29)
    assert parse_as_of("2026-03-29", "Europe/Madrid") == datetime(2026, 3, 29, 22)
    assert parse_as_of("2026-03-29") == datetime(2026, 3, 30)


@pytest.mark.parametrize("bad", ["Mars/Olympus", "europe/madrid", "CET+1", ""])
def test_unknown_zones_are_user_errors(bad: str) -> None:
    if bad == "":
        assert check_tz(bad) == "UTC"  # blank means the default
        return
    with pytest.raises(UserError, match="unknown time zone"):
        check_tz(bad)


@pytest.fixture(scope="module")
def dst_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dst")
    events = root / "events.csv"
    with open(events, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for eid, ts, score in ANSWERS:
            w.writerow([eid, ts, "survey_response", "email", "C1", "nps", score])
    db = root / "cxm.duckdb"
    mp = pytest.MonkeyPatch()
    mp.setenv("CXM_TIMEZONE", "Europe/Madrid")  # the model keeps its local cube in Madrid time
    get_settings.cache_clear()
    try:
        ingest_and_build([events], None, db)
    finally:
        mp.undo()
        get_settings.cache_clear()
    return db


def _by_day(rows: list[dict]) -> dict[str, tuple[int, float]]:
    return {r["day"]: (r["n"], r["value"]) for r in rows}


def _expected(days: dict[str, list[str]]) -> dict[str, tuple[int, float]]:
    score = {eid: s for eid, _, s in ANSWERS}
    out = {}
    for day, ids in days.items():
        scores = [score[i] for i in ids]
        out[day] = (len(scores), 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores))
    return out


@pytest.mark.parametrize("tz, days", [("Europe/Madrid", MADRID_DAYS), ("UTC", UTC_DAYS)])
def test_days_are_local_through_the_cube_and_the_records(dst_db: Path, tz: str, days: dict) -> None:
    expected = _expected(days)
    for source in (open_database_source(dst_db, tz), open_snapshot(dst_db, tz)):
        assert source.cube is not None  # both zones have a cube: UTC and the model's local one
        assert _by_day(kpi_table(source, ["nps"], ["day"])) == expected
    # a zone without a cube (same offsets as Madrid) is computed from the records: same answer
    if tz == "Europe/Madrid":
        paris = open_database_source(dst_db, "Europe/Paris")
        assert paris.cube is None
        assert _by_day(kpi_table(paris, ["nps"], ["day"])) == expected


def test_from_to_are_local_dates(dst_db: Path) -> None:
    src = open_database_source(dst_db, "Europe/Madrid")
    (row,) = kpi_table(src, ["nps"], [], FilterSpec(date_from=date(2026, 3, 29), date_to=date(2026, 3, 29)))
    assert row["n"] == 2 and row["value"] == 0.0  # s2 (10) and s3 (0): one promoter, one detractor
    (row,) = kpi_table(src, ["nps"], [], FilterSpec(date_from=date(2026, 10, 25), date_to=date(2026, 10, 25)))
    assert row["n"] == 2 and row["value"] == 0.0  # s6 (9), s7 (3)


def _cli(*args: str) -> list[dict]:
    out = subprocess.run([sys.executable, "-m", "cxmetrics.cli", "kpis", *args, "--json"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_cli_tz_utc_is_exactly_no_tz(dst_db: Path) -> None:
    for by in ([], ["--by", "day"], ["--by", "period"]):
        assert _cli("--db", str(dst_db), *by, "--tz", "UTC") == _cli("--db", str(dst_db), *by)
    madrid = _cli("--db", str(dst_db), "--by", "day", "--tz", "Europe/Madrid")
    assert _by_day(madrid) == _expected(MADRID_DAYS)


def test_cli_unknown_zone_is_one_line_and_exit_2(dst_db: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "cxmetrics.cli", "kpis", "--db", str(dst_db), "--tz", "Nowhere/X"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == ("cxm kpis: unknown time zone 'Nowhere/X' (use an IANA name such as "
                                  "Europe/Madrid or UTC)")
