"""The committee review pack: HTML (self-contained, escaped, bilingual), PDF, XLSX and `cxm review`."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import PROJECT_ROOT
from cxmetrics.i18n import fmt_int
from cxmetrics.metrics.compare import last_closed_period
from cxmetrics.metrics.okr import load_okrs
from cxmetrics.metrics.registry import OPS_KPIS
from cxmetrics.reports.overview import format_value
from cxmetrics.reports.pack import fmt_delta, fmt_interval, fmt_value, pack_format, render_pack
from cxmetrics.reports.review import review_data
from cxmetrics.serving import app_state
from cxmetrics.serving.pipeline import ingest_and_build
from cxmetrics.serving.snapshot import open_snapshot
from cxmetrics.synth import generate

MALICIOUS = "<script>alert(1)</script> Call back chatbot abandoners"


@pytest.fixture(scope="module")
def pack_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report_db")
    res = generate(root / "src", seed=3, customers=400, days=60, end=date(2026, 3, 1), fmt="parquet")
    db = root / "cxm.duckdb"
    ingest_and_build([res.events_path], res.customers_path, db)
    # The CLI reads decisions from app_state.default_path(), i.e. beside CXM_DB_PATH.
    state = root / "app_state.sqlite"
    source = open_snapshot(db)
    period = last_closed_period(source)
    app_state.add_action(MALICIOUS, "Service lead <ops>", period.end - timedelta(days=2), period.previous().start.isoformat(),
                         user="maria", kpi="handoff_abandonment", filter_dims={"channel": ["chatbot"]}, path=state, role="committee")
    done = app_state.add_action("Review web copy & tone", "Digital CX lead", period.start,
                                period.previous().start.isoformat(), user="luis", kpi="nps", path=state, role="committee")
    app_state.mark_done(done.id, "luis", state, role="committee")
    return db


@pytest.fixture(scope="module")
def data(pack_db: Path) -> dict:
    source = open_snapshot(pack_db)
    period = last_closed_period(source)
    okrs = load_okrs(PROJECT_ROOT / "data" / "okrs.yaml")
    return review_data(source, period, okrs, None, pack_db.parent / "app_state.sqlite", role="analyst")


@pytest.fixture(scope="module")
def html_en(data: dict) -> str:
    return render_pack(data, "html", "en").decode("utf-8")


@pytest.fixture(scope="module")
def html_es(data: dict) -> str:
    return render_pack(data, "html", "es").decode("utf-8")


def significant(data: dict) -> list[dict]:
    rows = [r for r in data["changes"] if r["significant"]]
    assert rows, "the fixture data should have at least one significant change"
    return rows


# ------------------------------------------------------------------ HTML


def test_html_has_significant_changes_formatted(data: dict, html_en: str) -> None:
    p, q = data["period"], data["previous"]
    assert f"CX committee review — {p['start']} → {p['end']} vs {q['start']} → {q['end']}" in html_en
    assert data["data_version"] in html_en
    for r in significant(data):
        for text in (fmt_value(r["kpi"], r["current"], "en"), fmt_value(r["kpi"], r["previous"], "en"),
                     fmt_delta(r["kpi"], r["diff"], "en"), fmt_interval(r["kpi"], r["current_ci"], "en"),
                     f"{r['current_n']:,}"):
            assert text in html_en, text
    n_sig = len(significant(data))
    assert re.search(rf'<div class="big">{n_sig}</div>', html_en)
    # handoff abandonment going down is "better": direction comes from the data's `improved`
    assert "▲ better" in html_en or "▼ better" in html_en or "▼ worse" in html_en or "▲ worse" in html_en


def test_html_is_self_contained(html_en: str) -> None:
    from plotly.offline import get_plotlyjs

    assert not re.search(r"<script[^>]+src=", html_en)
    assert html_en.count(get_plotlyjs()[:300]) == 1  # plotly.js inlined once
    ours = html_en.replace(get_plotlyjs(), "")  # the bundle itself mentions its home page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", ours)
    assert "@import" not in ours and "url(" not in ours
    assert html_en.count('class="plotly-graph-div"') >= 1
    assert "@page" in html_en and "break-before: page" in html_en


def test_html_spanish(data: dict, html_es: str) -> None:
    assert '<html lang="es">' in html_es
    p = data["period"]
    assert f"Revisión CX del comité — {p['start']} → {p['end']} frente a" in html_es
    for label in ("Cambios significativos", "Todos los cambios", "Acciones que vencen en este periodo",
                  "Resultados clave", "Este periodo", "Anterior"):
        assert label in html_es, label
    r = significant(data)[0]
    value = fmt_value(r["kpi"], r["current"], "es")
    assert "," in value and value in html_es  # 57,7 %
    assert data["kpi_labels"][r["kpi"]]["es"] in html_es
    assert "Significant changes" not in html_es


def test_html_escapes_user_text(data: dict, html_en: str) -> None:
    assert any(a["what"] == MALICIOUS for a in data["actions_due"])
    assert "<script>alert(1)</script>" not in html_en
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Call back chatbot abandoners" in html_en
    assert "Service lead &lt;ops&gt;" in html_en
    assert "Review web copy &amp; tone" in html_en


def test_format_by_extension() -> None:
    assert [pack_format(n) for n in ("a.html", "b.PDF", "c.xlsx")] == ["html", "pdf", "xlsx"]
    with pytest.raises(UserError, match="html, .pdf or .xlsx"):
        pack_format("pack.docx")
    with pytest.raises(UserError):
        render_pack({}, "docx")


# ------------------------------------------------------------------ XLSX


def read_xlsx(content: bytes) -> dict[str, list[list]]:
    """Every sheet's cells as rows of values (numbers as float), by sheet name (no openpyxl needed)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    zf = zipfile.ZipFile(io.BytesIO(content))
    shared = []
    if "xl/sharedStrings.xml" in zf.namelist():
        for si in ET.fromstring(zf.read("xl/sharedStrings.xml")).findall("m:si", ns):
            shared.append("".join(x.text or "" for x in si.iter(f"{{{ns['m']}}}t")))
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))}
    out = {}
    for sheet in ET.fromstring(zf.read("xl/workbook.xml")).find("m:sheets", ns):
        target = rels[sheet.get(f"{{{ns['r']}}}id")]
        root = ET.fromstring(zf.read("xl/" + target.lstrip("/").removeprefix("xl/")))
        rows = []
        for row in root.iter(f"{{{ns['m']}}}row"):
            cells: dict[int, object] = {}
            for c in row.findall("m:c", ns):
                col = 0
                for ch in re.match(r"[A-Z]+", c.get("r")).group(0):
                    col = col * 26 + ord(ch) - 64
                v = c.find("m:v", ns)
                if v is None:
                    value = None
                elif c.get("t") == "s":
                    value = shared[int(v.text)]
                elif c.get("t") == "str":
                    value = v.text
                else:
                    value = float(v.text)
                cells[col - 1] = value
            width = max(cells) + 1 if cells else 0
            rows.append([cells.get(i) for i in range(width)])
        out[sheet.get("name")] = rows
    return out


def test_xlsx_sheets_and_numbers(data: dict) -> None:
    content = render_pack(data, "xlsx", "en")
    book = read_xlsx(content)
    assert list(book) == ["Summary", "Incidents", "Decomposition", "Drivers", "Changes", "Operations", "Alerts",
                          "OKRs", "Closed loop", "Actions", "Manifest"]
    header, *rows = book["Changes"]
    assert header[:6] == ["KPI", "KPI id", "Dimension", "Group", "Unit", "This period"]
    assert len(rows) == len(data["changes"])
    col = {name: header.index(name) for name in ("KPI id", "This period", "95% CI low", "n", "Previous",
                                                 "Change", "q-value", "Significant")}
    for got, want in zip(rows, data["changes"], strict=True):
        assert got[col["KPI id"]] == want["kpi"]
        for name, key in (("This period", "current"), ("Previous", "previous"), ("Change", "diff"),
                          ("q-value", "q_value"), ("n", "current_n")):
            if want[key] is None:
                assert got[col[name]] is None
            else:
                assert got[col[name]] == pytest.approx(want[key], rel=1e-12, abs=1e-12)
        if want["current_ci"][0] is not None:
            assert got[col["95% CI low"]] == pytest.approx(want["current_ci"][0], rel=1e-12)
        assert got[col["Significant"]] == ("yes" if want["significant"] else "no")
    manifest = {r[0]: r[1] for r in book["Manifest"] if r and len(r) > 1 and r[0]}
    assert manifest["Review period"] == f"{data['period']['start']} → {data['period']['end']}"
    assert manifest["Data version"] == data["data_version"]
    assert manifest["Filter"] == "all data" and manifest["Language"] == "English"
    actions = book["Actions"]
    assert any(MALICIOUS in (c or "") for r in actions for c in r if isinstance(c, str))
    # formatted and frozen: a header format with fill, a pane split and an autofilter on Changes
    zf = zipfile.ZipFile(io.BytesIO(content))
    sheet5 = zf.read("xl/worksheets/sheet5.xml").decode()  # Changes: after Summary and the three "why" sheets
    assert "<pane " in sheet5 and "<autoFilter " in sheet5 and "<cols>" in sheet5


def test_xlsx_spanish_sheet_names(data: dict) -> None:
    book = read_xlsx(render_pack(data, "xlsx", "es"))
    assert list(book) == ["Resumen", "Incidentes", "Descomposición", "Factores clave", "Cambios", "Operaciones",
                          "Alertas", "OKR", "Ciclo cerrado", "Acciones", "Manifiesto"]
    assert book["Cambios"][0][0] == "KPI" and "Este periodo" in book["Cambios"][0]


# ------------------------------------------------------------------ PDF


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_pdf_opens(data: dict, tmp_path: Path) -> None:
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(render_pack(data, "pdf", "es"))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf_pages(pdf) >= 1
    text = " ".join(pdf_text(pdf).split())
    assert "Revisión CX del comité" in text
    assert data["period"]["start"] in text and data["previous"]["start"] in text
    assert "Cambios significativos" in text
    # the operations and churn section, with its figures as the data has them
    ops = text[text.index("Operaciones y bajas"):]
    for r in data["operations"]:
        label = data["kpi_labels"][r["kpi"]]["es"].split(" ")[0]  # long labels wrap in their cell
        assert label in ops, label
        if r["current"] is not None:
            assert format_value(r["kpi"], r["current"], "es") in ops, r["kpi"]
    assert "sin prueba" in ops and "p90" in ops
    # the full change table is printed open (no collapsed <details> on paper)
    assert "Todos los cambios" in text and "&lt;script" not in text and "alert(1)" in text


# ------------------------------------------------------------------ CLI


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CXM_DB_PATH": str(db)}
    return subprocess.run([sys.executable, "-m", "cxmetrics.cli", "review", "--db", str(db), *args],
                          capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=300)


@pytest.mark.parametrize("ext", ["html", "xlsx", pytest.param("pdf", marks=pytest.mark.slow)])
def test_cli_writes_pack(pack_db: Path, data: dict, tmp_path: Path, ext: str) -> None:
    out = tmp_path / "out" / f"pack.{ext}"
    res = run_cli(pack_db, "--period", data["period"]["start"], "--out", str(out), "--json")
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    assert info["out"] == str(out) and info["bytes"] == out.stat().st_size > 0
    content = out.read_bytes()
    if ext == "html":
        text = content.decode("utf-8")
        assert "&lt;script&gt;alert(1)" in text and "<script>alert(1)" not in text
        assert "CX committee review" in text
    elif ext == "xlsx":
        assert "Changes" in read_xlsx(content)
    else:
        assert content[:5] == b"%PDF-" and pdf_pages(out) >= 1
        assert data["period"]["start"] in pdf_text(out)


def test_cli_default_period_and_plain_output(pack_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.html"
    res = run_cli(pack_db, "--out", str(out), "--lang", "es")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == str(out)
    assert '<html lang="es">' in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("args,message", [
    (["--out", "pack.docx"], "name the file .html, .pdf or .xlsx"),
    (["--out", "pack.html", "--period", "2026-02-17"], "not the first day of a review period"),
    (["--out", "pack.html", "--period", "17/02/2026"], "is not a date"),
])
def test_cli_user_errors_exit_2(pack_db: Path, tmp_path: Path, args: list[str], message: str) -> None:
    args = [str(tmp_path / a) if a.startswith("pack.") else a for a in args]
    res = run_cli(pack_db, *args)
    assert res.returncode == 2
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


# ------------------------------------------------------------------ operations and churn


@pytest.mark.parametrize("lang", ["en", "es"])
def test_html_operations_section(data: dict, html_en: str, html_es: str, lang: str) -> None:
    page = html_en if lang == "en" else html_es
    title = "Operations and churn" if lang == "en" else "Operaciones y bajas"
    assert f'<section id="operations" class="newpage"><h2>{title}</h2>' in page
    # after the full change table, before the alerts
    assert page.index('id="all-changes"') < page.index('id="operations"') < page.index('id="alerts"')
    section = page[page.index('id="operations"'):page.index('id="alerts"')]
    assert [r["kpi"] for r in data["operations"]] == list(OPS_KPIS)
    for r in data["operations"]:
        assert f"<td>{data['kpi_labels'][r['kpi']][lang]}</td>" in section
        for value in (r["current"], r["previous"]):
            if value is not None:
                assert format_value(r["kpi"], value, lang) in section, r["kpi"]
        if r["current_n"] is not None:
            assert f'<td class="num">{fmt_int(r["current_n"], lang)}</td>' in section
    tta = next(r for r in data["operations"] if r["kpi"] == "time_to_answer")
    assert f"p90 {format_value('time_to_answer', tta['p90'], lang)}" in section
    assert section.count(">no test<" if lang == "en" else ">sin prueba<") == 2  # the count and the median


@pytest.mark.parametrize("lang", ["en", "es"])
def test_xlsx_operations_sheet(data: dict, lang: str) -> None:
    book = read_xlsx(render_pack(data, "xlsx", lang))
    header, *rows = book["Operations" if lang == "en" else "Operaciones"]
    rows = [r for r in rows if r and len(r) > 1 and r[1] in OPS_KPIS]  # the caption row below the table
    assert [r[1] for r in rows] == [r["kpi"] for r in data["operations"]]
    col = {name: i for i, name in enumerate(header)}
    current, previous, q = (("This period", "Previous", "q-value") if lang == "en"
                            else ("Este periodo", "Anterior", "Valor q"))
    for got, want in zip(rows, data["operations"], strict=True):
        for name, key in ((current, "current"), (previous, "previous"), (q, "q_value"), ("p90", "p90")):
            if want[key] is None:
                assert got[col[name]] is None, (want["kpi"], name)
            else:
                assert got[col[name]] == pytest.approx(want[key], rel=1e-12), (want["kpi"], name)
    assert header[0] == "KPI"
