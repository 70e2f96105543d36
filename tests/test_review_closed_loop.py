"""The Committee review's "Closed loop" section (``reports.cases.review_section``, the
``closed_loop`` key of ``review_data``) and its pages in the pack, on the five cases of
``tests.test_cases``' literal files with two of them worked at fixed times.

The cases (default routing file): a02 (NPS 3, C1, 2026-02-02 10:00, Retention desk, due
24 h later), a05 (CSAT 2, C2, 12:00, B2B care team, 24 h), a09 (NPS 6, C1, 15:00, CX back
office, 72 h), b01 (NPS 2, C2, 2026-02-03 09:00, B2B care team, 24 h) and b02 (CSAT 1,
C1, 2026-02-03 10:00, CX back office, 72 h). a05 is contacted at 2026-02-02 20:00 (8 h
after the response, in SLA); a02 is resolved at 2026-02-03 16:00 (30 h: late). Now is
2026-02-04 12:00.

By hand, responses of 2026-02-02 to 2026-02-03: 5 cases, 3 open, 1 overdue (b01, due
2026-02-04 09:00), 2 closed, 1 in SLA: rate 1/5 = 20.0 %, Wilson [3.62, 62.45]; median time
to close (8 + 30) / 2 = 19 h; people C1, C2. By owner: B2B care team 2 cases (1 in SLA,
50 %, 1 overdue), CX back office 2 (both open, 0 %), Retention desk 1 (closed late, 0 %).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from cxmetrics.core.settings import PROJECT_ROOT
from cxmetrics.i18n import t
from cxmetrics.reports import cases as rc
from cxmetrics.reports import committee as cu
from cxmetrics.reports import review
from cxmetrics.reports.pack import render_pack
from cxmetrics.serving import app_state, pipeline
from cxmetrics.serving import cases as store
from cxmetrics.serving.snapshot import open_snapshot, snapshot_dir
from tests.test_cases import CUSTOMERS_CSV, EVENTS_A, EVENTS_B
from tests.test_report import pdf_text, read_xlsx

NOW = datetime(2026, 2, 4, 12, 0)
DAY1, DAY2 = date(2026, 2, 2), date(2026, 2, 3)  # 2026-02-02 starts a review period (anchor 2026-01-05)


def wilson(x: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return 100 * (centre - half), 100 * (centre + half)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("closed_loop")
    for name, text in (("a.csv", EVENTS_A), ("b.csv", EVENTS_B), ("customers.csv", CUSTOMERS_CSV)):
        (root / name).write_text(text)
    db = root / "cxm.duckdb"
    res = pipeline.ingest_and_build([root / "a.csv", root / "b.csv"], root / "customers.csv", db)
    assert res.cases.total == 5
    state = app_state.path_for(db)
    store.update_case("a05", "contacted", user="ana", role="committee", now=datetime(2026, 2, 2, 20), path=state)
    store.update_case("a02", "resolved", user="ana", role="committee", now=datetime(2026, 2, 3, 16), path=state)
    return db


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(store, "utcnow", lambda: NOW)
    return NOW


def _data(db: Path, role: str, state: Path | None = None) -> dict:
    source = open_snapshot(db)
    return review.review_data(source, review.period_for(source, DAY1), None, None, state, role=role)


def test_the_section_by_hand(db: Path) -> None:
    s = rc.review_section(app_state.path_for(db), DAY1, DAY2, role="committee", now=NOW)
    assert s["available"] and (s["from"], s["to"], s["tz"], s["now"], s["k"]) == (
        "2026-02-02", "2026-02-03", "UTC", "2026-02-04T12:00:00", None)
    o = s["overall"]
    assert (o["cases"], o["open"], o["overdue"], o["closed"], o["closed_in_sla"]) == (5, 3, 1, 2, 1)
    assert o["closed_loop_rate"] == pytest.approx(20.0)
    assert (o["ci_low"], o["ci_high"]) == pytest.approx(wilson(1, 5))
    assert (round(o["ci_low"], 2), round(o["ci_high"], 2)) == (3.62, 62.45)
    assert o["median_hours_to_close"] == pytest.approx(19.0)
    owners = {r["group"]: (r["cases"], r["open"], r["overdue"], r["closed_in_sla"], r["closed_loop_rate"])
              for r in s["by_owner"]}
    assert owners == {"B2B care team": (2, 1, 1, 1, 50.0), "CX back office": (2, 2, 0, 0, 0.0),
                      "Retention desk": (1, 0, 0, 0, 0.0)}
    assert [r["group"] for r in s["by_owner"]] == ["B2B care team", "CX back office", "Retention desk"]
    # the first day only: a02, a05, a09 (a09 not due before 2026-02-05 15:00)
    first = rc.review_section(app_state.path_for(db), DAY1, DAY1, role="committee", now=NOW)["overall"]
    assert (first["cases"], first["open"], first["overdue"], first["closed_loop_rate"]) == (3, 1, 0, pytest.approx(100 / 3))
    # tiles and words
    tiles = rc.figure_tiles(o, "es")
    assert [x.value for x in tiles] == ["5", "3", "1", "20,0 %", "19 h"]
    assert tiles[3].caption == "intervalo del 95 % [3,6; 62,4] · 1 de 5 cerrados en plazo"
    assert rc.review_caption(s, "en") == (
        "Cases opened for the detractor responses of the period (2026-02-02 → 2026-02-03, UTC); open and overdue "
        "as of 2026-02-04 12:00 UTC: cases are worked in real time, so these figures move until every case is "
        "closed. The sidebar filter does not apply to cases.")


def test_review_data_carries_the_section_and_refreshes_it(db: Path, now: datetime) -> None:
    state = app_state.path_for(db)
    data = _data(db, "committee", state)
    section = data["closed_loop"]
    assert section == rc.review_section(state, DAY1, date(2026, 2, 15), role="committee", now=NOW)
    assert section["overall"]["cases"] == 5
    json.dumps(data)  # the whole review stays JSON (a closed review, cxm review)
    # the page refreshes the section (its figures are cached per snapshot): a case worked shows at once
    cached = {**data, "closed_loop": {"available": False}}
    source = open_snapshot(db)
    period = review.period_for(source, DAY1)
    assert cu.with_fresh_cases(cached, period, "UTC", state, role="committee")["closed_loop"] == section
    store.update_case("b01", "not_reachable", user="ana", role="committee", now=NOW, path=state)
    try:
        fresh = cu.with_fresh_cases(data, period, "UTC", state, role="committee")["closed_loop"]["overall"]
        assert (fresh["open"], fresh["closed"], fresh["closed_in_sla"]) == (2, 3, 1)  # b01 closed 3 h late
    finally:  # back to the module's state
        with app_state.connect(state) as con:
            con.execute("UPDATE cases SET status = 'open', closed_at = NULL WHERE case_id = 'b01'")


def test_executives_see_no_group_of_fewer_than_k_people(db: Path) -> None:
    s = rc.review_section(app_state.path_for(db), DAY1, DAY2, role="executive", now=NOW)
    assert s["k"] == 5
    # two people in all: everything is suppressed, overall and every owner
    assert s["overall"]["suppressed"] == "k" and s["overall"]["cases"] is None and s["overall"]["people"] is None
    assert all(r["suppressed"] and r["cases"] is None for r in s["by_owner"])
    assert [x.value for x in rc.figure_tiles(s["overall"], "en")][:3] == ["suppressed"] * 3
    # with k = 2 the overall row shows (C1 and C2) but no owner: each has one person
    s2 = rc.review_section(app_state.path_for(db), DAY1, DAY2, role="executive", now=NOW, k=2)
    assert s2["overall"]["cases"] == 5 and all(r["suppressed"] == "k" for r in s2["by_owner"])
    # the committee and analysts work the cases themselves: nothing to hide from them
    for role in ("committee", "analyst", "admin"):
        assert rc.review_section(app_state.path_for(db), DAY1, DAY2, role=role, now=NOW)["k"] is None


def test_without_an_app_state_there_is_no_case_data(db: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "app_state.sqlite"
    with app_state.connect(tmp_path / "empty.sqlite"):  # an app state in which no case was ever opened
        pass
    for path in (None, missing, tmp_path / "empty.sqlite"):
        s = rc.review_section(path, DAY1, DAY2, role="committee")
        assert s == {"available": False, "from": "2026-02-02", "to": "2026-02-03", "tz": "UTC"}
    assert not missing.parent.exists()  # nothing created
    data = _data(db, "analyst")  # review_data without a state path
    assert data["closed_loop"]["available"] is False
    for lang, words in (("en", "No case data"), ("es", "No hay datos de casos")):
        page = render_pack(data, "html", lang).decode()
        section = page[page.index('id="closed-loop"'):page.index('id="actions"')]
        assert words in section and "<table>" not in section
        sheet = read_xlsx(render_pack(data, "xlsx", lang))[t("cl.pack.sheet", lang)]
        assert sheet[0][0].startswith(words) and len(sheet) == 1


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_pack_section_and_sheet(db: Path, now: datetime, lang: str) -> None:
    data = _data(db, "committee", app_state.path_for(db))
    page = render_pack(data, "html", lang).decode()
    order = [page.index(f'id="{s}"') for s in ("okrs", "closed-loop", "actions")]
    assert order == sorted(order)
    section = page[order[1]:order[2]]
    heading, rate, owner = {"en": ("Closed loop", "20.0%", "By owner"), "es": ("Ciclo cerrado", "20,0 %",
                                                                                  "Por responsable")}[lang]
    assert f"<h2>{heading}</h2>" in section and f'<div class="big">{rate}</div>' in section
    assert f"<h3>{owner}</h3>" in section and '<div class="big">19 h</div>' in section
    for group in ("B2B care team", "CX back office", "Retention desk"):
        assert f"<td>{group}</td>" in section
    book = read_xlsx(render_pack(data, "xlsx", lang))
    sheet = book[{"en": "Closed loop", "es": "Ciclo cerrado"}[lang]]
    assert list(book).index({"en": "Closed loop", "es": "Ciclo cerrado"}[lang]) == list(book).index(
        {"en": "OKRs", "es": "OKR"}[lang]) + 1
    header, *rows = sheet[sheet.index(next(r for r in sheet if r and r[0] == t("cl.pack.col.breakdown", lang))):]
    assert header[2:8] == [t(k, lang) for k in ("cases.fig.cases", "cases.fig.open", "cases.fig.overdue",
                                                    "cases.col.closed", "cases.col.in_sla", "cl.pack.col.rate")]
    overall = rows[0]
    assert overall[:7] == [t("cl.pack.all", lang), None, 5, 3, 1, 2, 1]
    assert overall[7:11] == pytest.approx([20.0, *wilson(1, 5), 19.0])
    owners = {r[1]: r[2:8] for r in rows if r[0] == t("cases.fig.by.owner", lang)}
    assert owners == {"B2B care team": [2, 1, 1, 1, 1, 50.0], "CX back office": [2, 2, 0, 0, 0, 0.0],
                      "Retention desk": [1, 0, 0, 1, 0, 0.0]}
    assert {r[0] for r in rows} == {t(k, lang) for k in ("cl.pack.all", "cases.fig.by.owner",
                                                            "cases.fig.by.channel", "cases.fig.by.intent")}


def test_the_executives_pack_shows_no_small_group(db: Path, now: datetime) -> None:
    data = _data(db, "executive", app_state.path_for(db))
    page = render_pack(data, "html", "en").decode()
    section = page[page.index('id="closed-loop"'):page.index('id="actions"')]
    assert '<div class="big">suppressed (fewer than k people)</div>' in section
    assert "Groups with fewer than 5 people are suppressed" in section
    assert "<td>Retention desk</td>" in section and ">1<" not in section  # the owner, never its counts
    sheet = read_xlsx(render_pack(data, "xlsx", "en"))["Closed loop"]
    at = next(i for i, r in enumerate(sheet) if r and r[0] == "Breakdown")
    assert all(r[2] is None and r[11].startswith("suppressed") for r in sheet[at + 1:])


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_pdf_prints_the_section(db: Path, now: datetime, lang: str, tmp_path: Path) -> None:
    data = _data(db, "committee", app_state.path_for(db))
    pdf = tmp_path / f"pack_{lang}.pdf"
    pdf.write_bytes(render_pack(data, "pdf", lang))
    text = " ".join(pdf_text(pdf).split())
    words = {"en": ("Closed loop", "Closed-loop rate", "20.0%", "By owner"),
             "es": ("Ciclo cerrado", "Tasa de ciclo cerrado", "20,0 %", "Por responsable")}[lang]
    for w in (*words, "Retention desk", "B2B care team", "19 h"):
        assert w in text, w
    assert text.index(words[0]) > text.index(t("pack.sec.okrs", lang))


def _cxm_review(db: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CXM_DB_PATH": str(db.parent / "elsewhere" / "cxm.duckdb")}  # --db must win
    return subprocess.run([sys.executable, "-m", "cxmetrics.cli", "review", "--db", str(db), "--period", "2026-02-02",
                           "--out", str(out), *args], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
                          timeout=300)


def test_cxm_review_reads_the_cases_beside_its_database(db: Path, tmp_path: Path) -> None:
    res = _cxm_review(db, tmp_path / "pack.html", "--role", "committee")
    assert res.returncode == 0, res.stderr
    page = (tmp_path / "pack.html").read_text()
    section = page[page.index('id="closed-loop"'):page.index('id="actions"')]
    assert "<td>Retention desk</td>" in section and '<div class="big">5</div>' in section
    # a copy of the database without its app state: the section says so, the pack is written
    bare = tmp_path / "bare" / "cxm.duckdb"
    bare.parent.mkdir()
    shutil.copy(db, bare)
    shutil.copytree(snapshot_dir(db), snapshot_dir(bare))
    res = _cxm_review(bare, tmp_path / "bare.xlsx", "--lang", "es")
    assert res.returncode == 0, res.stderr
    assert read_xlsx((tmp_path / "bare.xlsx").read_bytes())["Ciclo cerrado"][0][0].startswith("No hay datos de casos")
