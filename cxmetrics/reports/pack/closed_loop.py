"""The pack's "Closed loop" section: the review period's cases (``review_data``'s
``closed_loop``, from ``reports.cases.review_section``) as HTML cards and a by-owner table,
and as the XLSX sheet Closed loop (overall and by owner, channel and intent, raw numbers).

A pack built from data without the section (a review made before it existed) leaves it
out; a review without an app state says there is no case data.
"""

from __future__ import annotations

import html as html_mod
from collections.abc import Callable
from typing import Any

from cxmetrics.i18n import fmt_int, t
from cxmetrics.reports import cases as rc

COUNTS = ("cases", "open", "overdue", "closed", "closed_in_sla")


def _e(value: Any) -> str:
    return html_mod.escape("" if value is None else str(value), quote=True)


def _owner_table(section: dict, lang: str) -> str:
    columns = [("group", "cases.fig.by.owner"), ("cases", "cases.fig.cases"), ("open", "cases.fig.open"),
               ("overdue", "cases.fig.overdue"), ("closed", "cases.col.closed"), ("closed_in_sla", "cases.col.in_sla"),
               ("rate", "cases.fig.rate"), ("ci", "cases.col.ci"), ("median", "cases.fig.median")]
    head = "".join(f'<th class="num">{_e(t(k, lang))}</th>' if c != "group" else f"<th>{_e(t(k, lang))}</th>"
                   for c, k in columns)
    body = []
    for r in rc.figures_table(section, "owner", lang).to_dict("records"):
        cells = []
        for c, _ in columns:
            value = r[c]
            if c in COUNTS:
                value = t("cases.fig.suppressed_short", lang) if value is None or value != value else fmt_int(value, lang)
            cells.append(f"<td>{_e(value)}</td>" if c == "group" else f'<td class="num">{_e(value)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def closed_loop_html(data: dict, lang: str) -> str:
    """The section: what it counts (as of when), the five figures as cards, the by-owner table."""
    if "closed_loop" not in data:
        return ""
    section = data["closed_loop"]
    out = [f'<section id="closed-loop" class="newpage"><h2>{_e(t("cl.header", lang))}</h2>',
           f'<p class="caption">{_e(rc.review_caption(section, lang))}</p>']
    overall = section.get("overall") if section.get("available") else None
    if overall is None:
        out.append("</section>")
        return "".join(out)
    if not overall["cases"] and not overall["suppressed"]:
        out.append(f'<p class="muted">{_e(t("cl.no_cases", lang))}</p></section>')
        return "".join(out)
    cards = "".join(f'<div class="card"><div class="label">{_e(tile.label)}</div><div class="big">{_e(tile.value)}</div>'
                    f'<div class="detail">{_e(tile.caption)}</div></div>'
                    for tile in rc.figure_tiles(overall, lang))
    out.append(f'<div class="cards cards5">{cards}</div>')
    if section.get("k") is not None:
        out.append(f'<p class="caption">{_e(t("cl.k_note", lang, k=fmt_int(section["k"], lang)))}</p>')
    out.append(f'<h3>{_e(t("cl.by_owner", lang))}</h3>{_owner_table(section, lang)}')
    out.append(f'<p class="caption">{_e(t("cases.fig.rate_help", lang))}</p></section>')
    return "".join(out)


CSS = """
.cards.cards5 { grid-template-columns: repeat(5, minmax(0, 1fr)); }
"""


def write_sheet(sheet: Callable[[str], Any], data: dict, lang: str) -> None:
    """The Closed loop sheet (``sheet(name)`` makes a pack sheet): what it counts, then one
    row for all cases and one per owner, channel and intent (suppressed figures blank)."""
    if "closed_loop" not in data:
        return
    section = data["closed_loop"]
    s = sheet(t("cl.pack.sheet", lang))
    s.ws.write_string(0, 0, rc.review_caption(section, lang), s.fmts["wrap"])
    s.ws.set_row(0, 60)
    if not section.get("available"):
        return
    s.ws.write_string(1, 0, t("cases.fig.rate_help", lang), s.fmts["wrap"])
    s.ws.set_row(1, 30)
    headers = [(t("cl.pack.col.breakdown", lang), "text", 14), (t("cl.pack.col.group", lang), "text", 26),
               (t("cases.fig.cases", lang), "int", 9), (t("cases.fig.open", lang), "int", 9),
               (t("cases.fig.overdue", lang), "int", 9), (t("cases.col.closed", lang), "int", 9),
               (t("cases.col.in_sla", lang), "int", 11), (t("cl.pack.col.rate", lang), "dec1", 13),
               (t("col.ci_low", lang), "dec1", 10), (t("col.ci_high", lang), "dec1", 10),
               (t("cl.pack.col.median_hours", lang), "dec1", 14), (t("privacy.suppressed.short", lang), "text", 30)]
    rows = []
    for breakdown, r in [("all", section["overall"]), *((d, r) for d in rc.BREAKDOWNS for r in section[f"by_{d}"])]:
        rows.append([t("cl.pack.all", lang) if breakdown == "all" else t(f"cases.fig.by.{breakdown}", lang),
                     r["group"] or "", *(r[c] for c in COUNTS), r["closed_loop_rate"], r["ci_low"], r["ci_high"],
                     r["median_hours_to_close"],
                     t(f"cases.fig.suppressed.{r['suppressed']}", lang) if r["suppressed"] else ""])
    s.table(3, headers, rows)


__all__ = ["CSS", "closed_loop_html", "write_sheet"]
