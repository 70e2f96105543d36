"""The pack's "why" pages: the opening summary and top incidents (with their evidence), the
change decomposition (NPS by region, as a static waterfall) and the key drivers of NPS, in
HTML (printed to PDF as is) and as the XLSX sheets Incidents, Decomposition and Drivers.

A pack built from data without these parts (a review made before they existed) leaves
them out instead of failing.
"""

from __future__ import annotations

import html as html_mod
from collections.abc import Callable
from typing import Any

from cxmetrics.i18n import dimension_name, t
from cxmetrics.metrics.registry import KPIS
from cxmetrics.reports import decomposition as dc
from cxmetrics.reports import incidents as ri
from cxmetrics.reports import key_drivers as kd

STATIC = {"displayModeBar": False, "staticPlot": True, "responsive": True}


def _e(value: Any) -> str:
    return html_mod.escape("" if value is None else str(value), quote=True)


def _figure_html(data: list[dict], layout: dict) -> str:
    import plotly.graph_objects as go

    fig = go.Figure({"data": data, "layout": {**layout, "width": None}})
    return fig.to_html(full_html=False, include_plotlyjs=False, config=STATIC, default_width="100%")


def _table(headers: list[tuple[str, bool]], rows: list[list[tuple[str, bool]]]) -> str:
    """headers: (text, numeric); rows: (text, numeric) cells, escaped here."""
    head = "".join(f'<th class="num">{_e(h)}</th>' if num else f"<th>{_e(h)}</th>" for h, num in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{_e(v)}</td>' if num else f"<td>{_e(v)}</td>"
                                    for v, num in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --------------------------------------------------------------------------- HTML


def summary_paragraph(data: dict, lang: str) -> str:
    return ri.summary(data.get("incidents") or [], len(data.get("alerts") or []), lang,
                      dc.sentence(data.get("decomposition"), lang))


def incidents_html(data: dict, lang: str) -> str:
    """The opening section: the summary paragraph, then each top incident with its evidence."""
    if "incidents" not in data:
        return ""
    out = [f'<section id="incidents"><h2>{_e(t("why.pack.sec.summary", lang))}</h2>',
           f'<p class="lead">{_e(summary_paragraph(data, lang))}</p>']
    top = ri.shown(data["incidents"])
    if top:
        out.append(f'<h3>{_e(t("why.pack.sec.incidents", lang))}</h3>'
                   f'<p class="caption">{_e(t("why.inc.caption", lang))}</p>')
    for rank, inc in enumerate(top, start=1):
        evidence = "".join(f"<li>{_e(x)}</li>" for x in ri.evidence_lines(inc, lang))
        line = t("why.inc.line", lang, onset=inc["onset"], size=ri.size(inc, lang), kpis=ri.kpis_text(inc, lang))
        themes = ri.themes_text(inc, lang)
        out.append(
            f'<div class="incident"><div class="inc-title">{rank}. {_e(ri.title(inc, lang))}</div>'
            f'<div class="muted">{_e(line)}</div>'
            + (f'<div class="themes">{_e(themes)}</div>' if themes else "")
            + f'<div class="muted">{_e(t("why.inc.slices", lang, slices=ri.slices_text(inc, lang)))}</div>'
            f'<ul class="evidence">{evidence}</ul></div>')
    if any(ri.themes_text(inc, lang) for inc in top):
        out.append(f'<p class="caption">{_e(ri.themes_caption(lang))}</p>')
    out.append("</section>")
    return "".join(out)


def decomposition_html(data: dict, lang: str) -> str:
    d = data.get("decomposition")
    if not d:
        return ""
    heading = t("why.pack.sec.decomposition", lang, kpi=KPIS[d["kpi"]].label(lang),
                dim=dimension_name(d["dimension"], lang).lower())
    out = [f'<section id="decomposition" class="newpage"><h2>{_e(heading)}</h2>']
    if d["change"] is None:
        out.append(f'<p class="muted">{_e(dc.reason_text(d, lang))}</p></section>')
        return "".join(out)
    traces, layout = dc.waterfall_traces(d, lang)
    out.append(f'<p class="lead"><b>{_e(dc.sentence(d, lang))}</b></p>')
    out.append(f'<div class="chart">{_figure_html(traces, layout)}</div>')
    out.append(f'<p class="caption">{_e(dc.caption(d, lang))}</p>')
    if d.get("suppressed"):
        out.append(f'<p class="caption">{_e(t("why.dec.suppressed_note", lang, k=data.get("k_anonymity")))}</p>')
    cols = list(dc.TABLE_COLUMNS.items())
    rows = [[(r[c], c != "slice") for c, _ in cols] for r in dc.table_rows(d, lang)]
    out.append(_table([(t(k, lang), c != "slice") for c, k in cols], rows))
    out.append("</section>")
    return "".join(out)


def drivers_html(data: dict, lang: str) -> str:
    r = data.get("drivers")
    if not r:
        return ""
    out = [f'<section id="drivers" class="newpage"><h2>{_e(kd.header(r["kpi"], lang))}</h2>',
           f'<p class="caveat">{_e(kd.caveat(lang))}</p>', f'<p class="lead">{_e(kd.summary_text(r, lang))}</p>']
    if r["rows"]:
        cols = list(kd.TABLE_COLUMNS.items())
        rows = [[(row[c], c != "attribute") for c, _ in cols] for row in kd.table_rows(r, lang)]
        out.append(_table([(t(k, lang), c != "attribute") for c, k in cols], rows))
        out.append(f'<p class="caption">{_e(t("why.drv.caption", lang))}</p>')
        skipped = kd.skipped_text(r, lang)
        if skipped:
            out.append(f'<p class="caption">{_e(skipped)}</p>')
        if kd.quadrant_points(r):
            traces, layout = kd.quadrant_traces(r, lang)
            out.append(f'<div class="chart">{_figure_html(traces, layout)}</div>')
            out.append(f'<p class="caption">{_e(t("why.drv.quadrant_caption", lang))}</p>')
    out.append("</section>")
    return "".join(out)


CSS = """
p.lead { font-size: 13.5px; margin: 6px 0 10px; }
p.caveat { border-left: 4px solid #0072B2; background: #eef5fb; padding: 6px 10px; margin: 8px 0; }
.incident { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.incident .inc-title { font-weight: bold; color: var(--head); margin-bottom: 2px; }
ul.evidence { margin: 4px 0 0; padding-left: 18px; font-size: 11.5px; }
.incident .themes { margin: 2px 0; }
@media print { .incident { break-inside: avoid; } }
"""


# --------------------------------------------------------------------------- XLSX


def write_sheets(book: Any, sheet: Callable[[str], Any], data: dict, lang: str) -> None:
    """The Incidents, Decomposition and Drivers sheets (``sheet(name)`` makes a pack sheet)."""
    tr: Callable[[str], str] = lambda key: t(key, lang)  # noqa: E731
    if "incidents" in data:
        headers = [(tr("why.pack.col.rank"), "int", 7), (tr("why.pack.col.title"), "text", 70),
                   (tr("why.pack.col.onset"), "date", 11), (tr("why.pack.col.until"), "date", 11),
                   (tr("why.pack.col.where"), "text", 24), (tr("why.pack.col.kpis"), "text", 36),
                   (tr("why.pack.col.people"), "int", 9), (tr("why.pack.col.records"), "int", 9),
                   (tr("why.pack.col.impact"), "dec1", 9), (tr("why.pack.col.q_value"), "p", 10),
                   (tr("why.pack.col.evidence"), "text", 90), (tr("why.pack.col.link"), "text", 40),
                   (tr("cl.pack.col.themes"), "text", 60)]
        rows = [[rank, ri.title(i, lang), i["onset"], i["until"], ri.where(i, lang), ri.kpis_text(i, lang),
                 i["people"], i["records"], i["impact"], i["q_value"], "\n".join(ri.evidence_lines(i, lang)),
                 i["link"], ri.themes_text(i, lang) or ""] for rank, i in enumerate(ri.shown(data["incidents"]), start=1)]
        s = sheet(tr("why.pack.sheet.incidents"))
        s.ws.write_string(0, 0, summary_paragraph(data, lang), s.fmts["wrap"])
        s.ws.set_row(0, 90)
        s.table(2, headers, rows)
    d = data.get("decomposition")
    if d:
        s = sheet(tr("why.pack.sheet.decomposition"))
        s.ws.write_string(0, 0, dc.sentence(d, lang) or dc.reason_text(d, lang), s.fmts["label"])
        headers = [(tr("why.dec.col.slice"), "text", 24), (tr("why.dec.col.n0"), "int", 10),
                   (tr("why.dec.col.share0"), "p", 11), (tr("why.dec.col.value0"), "dec2", 11),
                   (tr("why.dec.col.n1"), "int", 10), (tr("why.dec.col.share1"), "p", 11),
                   (tr("why.dec.col.value1"), "dec2", 11), (tr("why.dec.col.rate"), "dec2", 11),
                   (tr("why.dec.col.mix"), "dec2", 11), (tr("why.dec.col.total"), "dec2", 11)]
        rows = [[dc.slice_label(x["slice"], lang), x["n0"], x["share0"], x["value0"], x["n1"], x["share1"],
                 x["value1"], x["rate"], x["mix"], x["total"]] for x in d["slices"]]
        nxt = s.table(2, headers, rows)
        if d["change"] is not None:  # the waterfall's bars: previous value, steps, current value
            s.table(nxt + 1, [(tr("why.pack.col.kind"), "text", 24), (tr("why.pack.col.value"), "dec2", 11)],
                    [[label, value] for label, value, _ in dc.waterfall_bars(d, lang)], freeze=False)
    r = data.get("drivers")
    if r:
        s = sheet(tr("why.pack.sheet.drivers"))
        s.ws.write_string(0, 0, kd.caveat(lang), s.fmts["wrap"])
        s.ws.set_row(0, 45)
        s.ws.write_string(1, 0, kd.summary_text(r, lang), s.fmts["text"])
        headers = [(tr("why.drv.col.attribute"), "text", 26), (tr("why.drv.col.importance"), "dec1", 12),
                   (tr("col.ci_low"), "dec1", 9), (tr("col.ci_high"), "dec1", 9), (tr("why.drv.col.with"), "dec1", 10),
                   (tr("why.drv.col.n_with"), "int", 9), (tr("why.drv.col.without"), "dec1", 10),
                   (tr("why.drv.col.n_without"), "int", 10), (tr("why.drv.col.odds_ratio"), "dec2", 12),
                   (tr("why.pack.col.or_low"), "dec2", 10), (tr("why.pack.col.or_high"), "dec2", 10),
                   (tr("why.drv.col.performance"), "dec1", 12)]
        rows = [[kd.attribute_label(x["attribute"], lang), x["importance_share"], x["ci_low"], x["ci_high"],
                 x["effect_with"], x["n_with"] if x["kind"] != "categorical" else None, x["effect_without"],
                 x["n_without"] if x["kind"] != "categorical" else None, x["odds_ratio"],
                 (x["or_ci"] or (None, None))[0], (x["or_ci"] or (None, None))[1], x["performance"]]
                for x in r["rows"]]
        s.table(3, headers, rows)


__all__ = ["CSS", "decomposition_html", "drivers_html", "incidents_html", "write_sheets"]
