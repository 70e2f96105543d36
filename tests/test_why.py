"""The data and words behind the "why" sections (reports.decomposition, reports.key_drivers,
the pack's why pages): literal fixtures computed by hand, then the engine on ``demo_db``
(3,000 customers to 2026-03-01: the outage in Andalucía and the broken chatbot handoff are
planted in its last review period) and ``small_demo_db`` (small cells for k-anonymity)."""

from __future__ import annotations

import json
import math
import shutil
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import plotly.graph_objects as go
import pytest

from cxmetrics.analysis.decompose import decompose
from cxmetrics.analysis.drivers import CAVEAT
from cxmetrics.analysis.experiences import ATTRIBUTES
from cxmetrics.analysis.incidents import BASELINE_DAYS, build_incidents
from cxmetrics.i18n import catalog, t
from cxmetrics.metrics.compare import last_closed_period
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.reports import decomposition as dc
from cxmetrics.reports import incidents as ri
from cxmetrics.reports import key_drivers as kd
from cxmetrics.reports.pack import render_pack
from cxmetrics.reports.review import review_data
from cxmetrics.serving.snapshot import open_snapshot
from tests.test_report import pdf_text, read_xlsx

PERIOD_START = date(2026, 2, 16)  # demo_db's last closed review period


def literal(kpi: str = "nps") -> dict:
    """Two regions. Previous: A 100 records at 20, B 300 at 0 (V0 = 5). Current: A 300 at -10,
    B 100 at 10 (V1 = -5). c = 0; A: rate 1/2·(1/4 + 3/4)·(-30) = -15, mix (5 - 0)·(1/2) = 2.5;
    B: rate 1/2·1·10 = 5, mix 5·(-1/2) = -2.5. Change -10 = -15 + 2.5 + 5 - 2.5."""
    d = decompose("region", [("A", 100, 20.0, 300, -10.0), ("B", 300, 0.0, 100, 10.0)])
    return {"kpi": kpi, "dimension": "region", "period": {"start": "2026-02-16", "end": "2026-03-01"},
            "previous": {"start": "2026-02-02", "end": "2026-02-15"}, **dc.to_json(d)}


# --------------------------------------------------------------------------- words, by hand


def test_the_literal_decomposition() -> None:
    d = literal()
    a, b = d["slices"]
    assert (d["value0"], d["value1"], d["change"]) == pytest.approx((5.0, -5.0, -10.0))
    assert (a["rate"], a["mix"], b["rate"], b["mix"]) == pytest.approx((-15.0, 2.5, 5.0, -2.5))
    assert d["rate_total"] + d["mix_total"] == pytest.approx(d["change"])


def test_the_sentence_in_both_languages() -> None:
    d = literal()
    assert dc.sentence(d, "en") == "NPS fell 10.0 points: \u221215.0 from A (rate), +5.0 from B (rate)."
    assert dc.sentence(d, "es") == "NPS bajó 10,0 puntos: \u221215,0 por A (tasa), +5,0 por B (tasa)."
    assert dc.sentence(None, "en") is None
    flat = {**d, "change": 0.0, "value1": 5.0}
    assert dc.sentence(flat, "en") == "NPS stayed at 5.0."


def test_the_sentence_names_mix_and_the_rest() -> None:
    # three slices: A's rate, the mix and the rest; top=2 keeps the two largest, the rest sums up
    d = dc.to_json(decompose("channel", [("A", 100, 20.0, 300, -10.0), ("B", 300, 0.0, 100, 10.0),
                                         ("C", 100, 50.0, 100, 49.0)]))
    d = {**literal(), **d, "dimension": "channel"}
    text = dc.sentence(d, "en", top=2)
    assert text.startswith("NPS fell ") and text.endswith("from the rest.")
    parts = [float(p.split(" ")[0].replace("\u2212", "-")) for p in text.split(": ", 1)[1].rstrip(".").split(", ")]
    assert sum(parts) == pytest.approx(d["change"], abs=0.11)  # rounded to one decimal each


def test_waterfall_steps_sum_from_previous_to_current_and_colours_follow_the_kpi() -> None:
    d = literal()
    bars = dc.waterfall_bars(d, "en")
    assert [(label, kind) for label, _, kind in bars] == [
        ("Previous period", "start"), ("A", "rate"), ("B", "rate"), ("Mix", "mix"), ("This period", "end")]
    assert [v for _, v, _ in bars] == pytest.approx([5.0, -15.0, 5.0, 0.0, -5.0])
    assert dc.check_sum(d) == pytest.approx(0.0, abs=1e-12)
    data, layout = dc.waterfall_traces(d, "es")
    go.Figure({"data": data, "layout": layout})  # valid Plotly
    [trace] = data
    assert trace["measure"] == ["absolute", "relative", "relative", "relative", "total"]
    assert trace["text"] == ["5,0", "\u221215,0", "+5,0", "0,0", "\u22125,0"]
    assert trace["decreasing"]["marker"]["color"] == dc.WORSE and trace["increasing"]["marker"]["color"] == dc.BETTER
    # handoff abandonment: lower is better, so a fall is blue
    worse_up = dc.waterfall_traces(literal("handoff_abandonment"), "en")[0][0]
    assert worse_up["decreasing"]["marker"]["color"] == dc.BETTER
    assert layout["separators"] == ",." and layout["yaxis"]["title"]["text"] == "NPS (puntos)"


def test_a_slice_named_like_a_bar_stays_its_own_bar() -> None:
    d = dc.to_json(decompose("intent", [("Mix", 10, 1.0, 20, 2.0), ("b", 10, 3.0, 10, 3.0)]))
    data, _ = dc.waterfall_traces({**literal(), **d}, "en")
    assert len(set(data[0]["x"])) == len(data[0]["x"])


def test_the_caveat_is_the_engine_sentence_word_for_word() -> None:
    assert catalog("en")["why.drv.caveat"] == CAVEAT
    assert kd.caveat("es").startswith("Son asociaciones en datos observacionales")


def test_every_attribute_has_a_name_in_both_languages() -> None:
    for lang in ("en", "es"):
        assert all(kd.attribute_label(a, lang) != a for a in ATTRIBUTES)


# --------------------------------------------------------------------------- on the demo data


@pytest.fixture(scope="module")
def demo(demo_db: Path):
    source = open_snapshot(demo_db)
    period = last_closed_period(source)
    assert period.start == PERIOD_START
    return source, period


@pytest.mark.parametrize("dim", dc.DIMENSIONS)
def test_change_by_matches_the_engine(demo, dim: str) -> None:
    source, period = demo
    d = dc.change_by(source, "nps", period, dim, role="analyst")
    totals = {}
    for p in (period.previous(), period):
        [g] = kpi_stats(source, ["nps"], [], FilterSpec(date_from=p.start, date_to=p.end))
        totals[p] = (g.n, g.estimate.value)
    assert (d["n0"], d["n1"]) == (totals[period.previous()][0], totals[period][0])
    assert d["value0"] == pytest.approx(totals[period.previous()][1])
    assert d["value1"] == pytest.approx(totals[period][1])
    assert sum(s["n1"] for s in d["slices"]) == d["n1"]
    assert math.fsum(s["total"] for s in d["slices"]) == pytest.approx(d["change"], abs=1e-9)
    assert dc.check_sum(d) == pytest.approx(0.0, abs=1e-9)
    assert not d["suppressed"]
    json.dumps(d)  # plain JSON (cached, frozen, carried into the pack)


def test_the_outage_region_leads_the_nps_decomposition(demo) -> None:
    source, period = demo
    d = dc.change_by(source, "nps", period, "region", role="analyst")
    assert d["change"] < 0
    text = dc.sentence(d, "en")
    assert text.startswith("NPS fell") and text.split(": ", 1)[1].split(", ")[0].endswith("from Andalucía (rate)")


def test_suppressed_slices_are_one_unlabelled_remainder(small_demo_db: Path) -> None:
    source = open_snapshot(small_demo_db)
    period = last_closed_period(source)
    full = dc.change_by(source, "nps", period, "channel", role="analyst")
    seen = dc.change_by(source, "nps", period, "channel", role="committee")
    assert seen["suppressed"], "the 400-customer demo has channels under k people"
    *shown, rest = seen["slices"]
    assert rest["slice"] == dc.SUPPRESSED and rest["suppressed"]
    assert all(rest[k] is None for k in ("n0", "n1", "share0", "share1", "value0", "value1"))
    hidden = {str(g.group["channel"]) for p in (period, period.previous())
              for g in kpi_stats(source, ["nps"], ["channel"], FilterSpec(date_from=p.start, date_to=p.end),
                                 role="committee") if g.suppressed}
    assert hidden and not hidden & {s["slice"] for s in shown}
    assert seen["change"] == pytest.approx(full["change"])  # the total is the total
    assert dc.check_sum(seen) == pytest.approx(0.0, abs=1e-9)
    row = dc.table_rows(seen, "en")[-1]
    assert row["slice"] == "suppressed slices" and row["n1"] == "—" and row["value1"] == "suppressed"


def test_drivers_name_the_experiences_and_are_reproducible(demo) -> None:
    source, period = demo
    spec = FilterSpec(date_from=period.start, date_to=period.end)
    a = kd.drivers_for(source, "nps", spec)
    b = kd.drivers_for(source, "nps", spec)
    assert a == b  # same data, same seed: same intervals
    [g] = kpi_stats(source, ["nps"], [], spec)
    assert a["n"] == g.n and a["caveat"] == CAVEAT
    assert sum(r["importance_share"] for r in a["rows"]) == pytest.approx(100.0, abs=0.1)
    names = [r["attribute"] for r in a["rows"]]
    assert {"first_contact_resolved", "journey_completed"} <= set(names)
    rows = kd.table_rows(a, "es")
    assert rows[0]["attribute"] == kd.attribute_label(names[0], "es")
    assert "[" in rows[0]["importance"] and "; " in rows[0]["importance"]  # es interval: [a; b]
    go.Figure(dict(zip(("data", "layout"), kd.quadrant_traces(a, "en"), strict=True)))


def test_the_first_two_incidents_are_the_outage_and_the_chatbot_handoff(demo) -> None:
    source, period = demo
    top = ri.shown([i.to_json() for i in build_incidents(source, period)])
    assert len(top) >= 2
    outage, chatbot = top[:2]
    assert (outage["dimension"], outage["values"]) == ("region", ["Andalucía"])
    assert (chatbot["dimension"], chatbot["values"], chatbot["lead"]) == ("channel", ["chatbot"], "handoff_abandonment")
    for inc in (outage, chatbot):
        assert inc["onset"] >= period.start.isoformat() and inc["people"] > 0 and ri.evidence_lines(inc, "en")


# --------------------------------------------------------------------------- the pack


@pytest.fixture(scope="module")
def data(demo) -> dict:
    source, period = demo
    return review_data(source, period, None, role="analyst")


def test_review_data_carries_the_why(data: dict) -> None:
    assert data["decomposition"]["kpi"] == "nps" and data["decomposition"]["dimension"] == "region"
    assert data["drivers"]["kpi"] == "nps" and data["drivers"]["rows"]
    summary = ri.summary(data["incidents"], len(data["alerts"]), "en", dc.sentence(data["decomposition"], "en"))
    assert ri.title(ri.shown(data["incidents"])[0], "en") in summary and "NPS fell" in summary


@pytest.mark.parametrize("lang", ["en", "es"])
def test_html_pack_opens_with_the_why(data: dict, lang: str) -> None:
    page = render_pack(data, "html", lang).decode()
    order = [page.index(f'id="{s}"') for s in ("incidents", "decomposition", "drivers", "summary", "significant")]
    assert order == sorted(order)
    opening = page[page.index('id="incidents"'):page.index('id="decomposition"')]
    for inc in ri.shown(data["incidents"]):
        assert _html(ri.title(inc, lang)) in opening
        assert _html(ri.evidence_lines(inc, lang)[0]) in opening
    why = page[page.index('id="decomposition"'):page.index('id="summary"')]
    assert _html(dc.sentence(data["decomposition"], lang)) in why and "waterfall" in why
    assert _html(kd.header("nps", lang)) in why and _html(kd.caveat(lang)) in why


def test_a_pack_of_older_data_has_no_why_pages(data: dict) -> None:
    old = {k: v for k, v in data.items() if k not in ("incidents", "decomposition", "drivers")}
    page = render_pack(old, "html", "en").decode()
    assert 'id="incidents"' not in page and 'id="summary"' in page
    assert list(read_xlsx(render_pack(old, "xlsx", "en")))[:2] == ["Summary", "Changes"]


def test_xlsx_why_sheets(data: dict) -> None:
    book = read_xlsx(render_pack(data, "xlsx", "en"))
    top = ri.shown(data["incidents"])
    def after(rows: list[list], first: str) -> tuple[list, list[list]]:
        """The header row starting with ``first`` and the rows below it (empty rows are not stored)."""
        at = next(i for i, r in enumerate(rows) if r and r[0] == first)
        return rows[at], rows[at + 1:]

    header, rows = after(book["Incidents"], "Rank")
    assert book["Incidents"][0][0] == ri.summary(data["incidents"], len(data["alerts"]), "en",
                                                 dc.sentence(data["decomposition"], "en"))
    assert header[:3] == ["Rank", "Incident", "Onset"] and len(rows) == len(top)
    assert rows[0][1] == ri.title(top[0], "en") and rows[0][6] == top[0]["people"]
    dec = book["Decomposition"]
    assert dec[0][0] == dc.sentence(data["decomposition"], "en")
    _, slices = after(dec, "Slice")
    slices = slices[:len(data["decomposition"]["slices"])]
    assert sum(r[9] for r in slices) == pytest.approx(data["decomposition"]["change"])
    drivers = book["Drivers"]
    assert drivers[0][0] == CAVEAT
    _, lines = after(drivers, "Experience")
    assert sum(r[1] for r in lines) == pytest.approx(100.0, abs=0.1)
    es = read_xlsx(render_pack(data, "xlsx", "es"))
    assert {"Incidentes", "Descomposición", "Factores clave"} <= set(es)
    assert es["Factores clave"][0][0] == t("why.drv.caveat", "es")


# --------------------------------------------------------------------------- incidents and their comment themes


def test_the_outage_and_the_chatbot_cards_name_their_themes(demo, data: dict) -> None:
    """On demo_db the outage's comments are about coverage and outages, the chatbot's about
    the bot not understanding (or nobody answering); shares counted by hand."""
    source, _ = demo
    outage, chatbot = ri.shown(data["incidents"])[:2]
    assert (outage["values"], chatbot["values"]) == (["Andalucía"], ["chatbot"])
    first = outage["themes"]["themes"][0]
    assert first["theme"] == "coverage_outage" and first["significant"]
    assert chatbot["themes"]["themes"][0]["theme"] in ("bot_understanding", "waiting_time")
    for inc in (outage, chatbot):  # largest rise first, only themes that rose
        diffs = [r["diff"] for r in inc["themes"]["themes"]]
        assert diffs == sorted(diffs, reverse=True) and all(d > 0 for d in diffs) and len(diffs) <= ri.THEMES_SHOWN
    onset, until = date.fromisoformat(outage["onset"]), date.fromisoformat(outage["until"])
    base_from = onset - timedelta(days=BASELINE_DAYS)
    during, before = (source.con.execute(
        "SELECT count(*), count(*) FILTER (WHERE theme = 'coverage_outage') FROM rec_survey "
        "WHERE region = 'Andalucía' AND theme NOT IN ('none', 'unknown') AND local_day(t) BETWEEN ? AND ?",
        list(window)).fetchone() for window in ((onset, until), (base_from, onset - timedelta(days=1))))
    assert outage["themes"]["n"] == during[0] and first["n"] == during[1]
    assert first["share"] == pytest.approx(100 * during[1] / during[0])
    assert first["diff"] == pytest.approx(100 * during[1] / during[0] - 100 * before[1] / before[0])
    # the words, in both languages, and the link to the Voice of the customer page
    pct = f"{100 * during[1] / during[0]:.1f}"
    assert ri.themes_text(outage, "en").startswith(f"Comments: Coverage and outages {pct}% (▲ +")
    assert ri.themes_text(outage, "es").startswith(f"Comentarios: Cobertura y averías de red {pct.replace('.', ',')} % (▲ +")
    assert " p.p.)" in ri.themes_text(outage, "es")
    bot = ri.theme_parts(chatbot, "en")[0]
    assert bot["label"] in ("Bot understanding", "Waiting time") and not bot["figures"].startswith("▲")
    href = ri.theme_parts(outage, "es")[0]["href"]
    path, query = href.split("?")
    assert path == "./voc" and parse_qs(query) == {
        "from": [outage["onset"]], "to": [outage["until"]], "survey": ["nps"], "region": ["Andalucía"],
        "theme": ["coverage_outage"], "lang": ["es"]}


def test_incident_themes_follow_the_role(demo) -> None:
    source, period = demo
    data = review_data(source, period, None, role="executive")
    top = ri.shown(data["incidents"])
    hidden = 0
    for inc in top:
        if inc.get("suppressed"):  # an incident the role may not see keeps no themes either
            assert "themes" not in inc and ri.themes_text(inc, "en") is None
            continue
        found = inc["themes"]
        shown = [r["theme"] for r in found["themes"]]
        assert all(r["suppressed"] is None for r in found["themes"])
        if found["suppressed"] or (found["hidden_themes"] and not shown):
            hidden += 1
            assert ri.themes_text(inc, "en") == "Comments: " + t("inc.themes.hidden", "en")
    # 3,000 customers: some theme of every top incident has fewer than k people in one survey or window
    assert hidden >= 1
    older = {**top[0]}
    older.pop("themes", None)
    assert ri.themes_text(older, "en") is None and ri.theme_parts(older, "en") is None  # a review made before
    none_rose = {**top[0], "themes": {"suppressed": None, "hidden_themes": 0, "themes": []}}
    assert ri.themes_text(none_rose, "es") == (
        f"Comentarios: ningún tema subió frente a los {BASELINE_DAYS} días anteriores al inicio.")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_pack_lists_the_incidents_themes(data: dict, lang: str) -> None:
    page = render_pack(data, "html", lang).decode()
    opening = page[page.index('id="incidents"'):page.index('id="decomposition"')]
    top = ri.shown(data["incidents"])
    for inc in top[:2]:
        assert _html(ri.themes_text(inc, lang)) in opening
    assert _html(ri.themes_caption(lang)) in opening
    sheet = read_xlsx(render_pack(data, "xlsx", lang))[t("why.pack.sheet.incidents", lang)]
    at = next(i for i, r in enumerate(sheet) if r and r[0] == t("why.pack.col.rank", lang))
    column = sheet[at].index(t("cl.pack.col.themes", lang))
    assert [r[column] for r in sheet[at + 1:at + 3]] == [ri.themes_text(inc, lang) for inc in top[:2]]


def _html(text: str) -> str:
    import html

    return html.escape(text, quote=True)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
@pytest.mark.parametrize("lang", ["en", "es"])
def test_pdf_pack_prints_the_why_pages(data: dict, lang: str, tmp_path: Path) -> None:
    pdf = tmp_path / f"pack_{lang}.pdf"
    pdf.write_bytes(render_pack(data, "pdf", lang))
    text = " ".join(pdf_text(pdf).split())
    top = ri.shown(data["incidents"])
    assert len(top) >= 2
    for inc in top:
        assert " ".join(ri.title(inc, lang).split()) in text
    assert " ".join(ri.evidence_lines(top[0], lang)[0].split()) in text
    assert " ".join(ri.themes_text(top[0], lang).split()) in text  # the incident's comment themes
    assert t("why.pack.sec.summary", lang) in text and t("why.pack.sec.incidents", lang) in text
    heading = t("why.pack.sec.decomposition", lang, kpi="NPS", dim=t("dim.region", lang).lower())
    assert heading in text and dc.sentence(data["decomposition"], lang) in text
    assert kd.header("nps", lang) in text and " ".join(kd.caveat(lang).split()) in text
    assert t("why.dec.wf.previous", lang) in text  # the waterfall's own labels: the chart was drawn
    # the why pages come first: before the existing summary cards and changes
    assert text.index(kd.header("nps", lang)) < text.index(t("pack.sec.significant", lang))
