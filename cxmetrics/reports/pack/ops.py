"""The pack's "Operations and churn" section: the operations and churn KPIs of the review
period against the previous one (``review_data``'s ``operations``, ``reports.ops_review``),
as an HTML table (printed to PDF as is) and as the XLSX sheet Operations.

A pack built from data without the section (a review made before it existed) leaves it
out instead of failing.
"""

from __future__ import annotations

import html as html_mod
from collections.abc import Callable
from typing import Any

from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import MISSING, fmt_int, fmt_number, t
from cxmetrics.metrics.suppression import label as suppression_label
from cxmetrics.reports import ops_review
from cxmetrics.reports.overview import format_value
from cxmetrics.reports.pack.text import _privacy_note, _why, kpi_label


def _e(value: Any) -> str:
    return html_mod.escape("" if value is None else str(value), quote=True)


def _caption(data: dict, lang: str) -> str:
    s = get_settings()
    alpha, min_n = data.get("alpha", s.alpha), data.get("min_n", s.min_n)
    return ops_review.caption(data["operations"], lang, fmt_number(alpha, lang, 2), fmt_int(min_n, lang))


# the printed table: each value with its interval (and a median's p90) below it, so that
# the section fits the width of an A4 page
PACK_COLUMNS: dict[str, str] = {
    "kpi": "rv.col.kpi",
    "previous": "rv.col.previous",
    "previous_n": "rv.col.previous_n",
    "current": "rv.col.current",
    "current_n": "rv.col.n",
    "diff": "rv.col.diff",
    "q": "ops.rv.col.q",
    "significant": "rv.col.significant",
    "direction": "rv.col.direction",
}


def _stacked(first: str, *more: str) -> str:
    """A cell of one figure with its details below it, muted (texts escaped here)."""
    return _e(first) + "".join(f'<br><span class="muted">{_e(m)}</span>' for m in more if m)


def _value_cell(kpi: str, value: float | None, ci: list, p90: float | None, hidden: str | None, lang: str) -> str:
    if hidden:
        return _e(suppression_label(hidden, lang))
    p90_text = f"p90 {format_value(kpi, p90, lang)}" if p90 is not None else ""
    interval = ops_review.interval_text(kpi, ci, lang)
    return _stacked(format_value(kpi, value, lang), "" if interval == MISSING else interval, p90_text)


def _marked(cell: str, cls: str, significant: bool) -> str:
    """A significant change coloured by the KPI's good direction (better/worse)."""
    return f'<span class="{cls}">{cell}</span>' if significant else cell


def section_html(data: dict, lang: str) -> str:
    """The section (its own page in print): the figures of the review page's table, each
    value with its 95% interval below it."""
    rows = data.get("operations")
    if rows is None:
        return ""
    numeric = ("previous", "previous_n", "current", "current_n", "diff", "q")
    headers = "".join(
        f'<th class="num">{_e(t(key, lang))}</th>' if col in numeric else f"<th>{_e(t(key, lang))}</th>"
        for col, key in PACK_COLUMNS.items()
    )
    body = []
    for r, shown in zip(rows, ops_review.display_rows(rows, lang), strict=True):
        k = r["kpi"]
        cls = "better" if r["improved"] is True else "worse" if r["improved"] is False else "flat"
        cells = {
            "kpi": _e(kpi_label(data, k, lang)),
            "previous": _value_cell(k, r["previous"], r["previous_ci"], r["previous_p90"], r["previous_suppressed"],
                                    lang),
            "previous_n": _e(shown["previous_n"]),
            "current": _value_cell(k, r["current"], r["current_ci"], r["p90"], r["suppressed"], lang),
            "current_n": _e(shown["current_n"]),
            "diff": _marked(_stacked(shown["diff_s"], "" if shown["diff_ci"] == MISSING else shown["diff_ci"]), cls,
                            r["significant"]),
            "q": _e(shown["q"]),
            "significant": _e(shown["significant"]),
            "direction": _marked(_e(shown["direction"]), cls, r["significant"]),
        }
        tds = "".join(f'<td class="num">{v}</td>' if c in numeric else f"<td>{v}</td>" for c, v in cells.items())
        row_class = ' class="sig"' if r["significant"] else ""
        body.append(f"<tr{row_class}>{tds}</tr>")
    notes = "".join(f'<p class="caption">{_e(n)}</p>' for n in _privacy_note(data, lang)
                    if ops_review.any_suppressed(rows))
    return (f'<section id="operations" class="newpage"><h2>{_e(t("ops.rv.header", lang))}</h2>'
            f'<p class="caption">{_e(_caption(data, lang))}</p>{notes}'
            f"<table><thead><tr>{headers}</tr></thead><tbody>{''.join(body)}</tbody></table></section>")


def write_sheet(sheet: Callable[[str], Any], data: dict, lang: str) -> None:
    """The Operations sheet (``sheet(name)`` makes a pack sheet): raw numbers, the caption below."""
    rows = data.get("operations")
    if rows is None:
        return
    tr: Callable[[str], str] = lambda key: t(key, lang)  # noqa: E731
    headers = [
        (tr("pack.col.kpi"), "text", 28), (tr("pack.col.kpi_id"), "text", 24), (tr("pack.col.unit"), "text", 10),
        (tr("pack.col.previous"), "dec2", 11), (tr("ops.pack.col.previous_ci_low"), "dec2", 12),
        (tr("ops.pack.col.previous_ci_high"), "dec2", 12), (tr("pack.col.previous_n"), "int", 11),
        (tr("ops.pack.col.previous_p90"), "dec2", 11),
        (tr("pack.col.current"), "dec2", 11), (tr("pack.col.current_ci_low"), "dec2", 11),
        (tr("pack.col.current_ci_high"), "dec2", 11), (tr("pack.col.current_n"), "int", 9),
        (tr("ops.pack.col.p90"), "dec2", 9),
        (tr("pack.col.diff"), "dec2", 10), (tr("pack.col.diff_ci_low"), "dec2", 12),
        (tr("pack.col.diff_ci_high"), "dec2", 12), (tr("pack.col.p_value"), "p", 10),
        (tr("pack.col.q_value"), "p", 10), (tr("ops.pack.col.tested"), "bool", 9),
        (tr("pack.col.significant"), "bool", 12), (tr("pack.col.direction"), "text", 14),
        (t("privacy.suppressed.short", lang), "text", 30),
    ]  # fmt: skip
    body = []
    for r in rows:
        hidden = r["suppressed"] or r["previous_suppressed"]
        body.append([
            kpi_label(data, r["kpi"], lang), r["kpi"], r["unit"],
            r["previous"], *r["previous_ci"], r["previous_n"], r["previous_p90"],
            r["current"], *r["current_ci"], r["current_n"], r["p90"],
            r["diff"], *r["diff_ci"], r["p_value"], r["q_value"],
            tr("pack.yes") if r["tested"] else tr("pack.no"),
            (tr("pack.yes") if r["significant"] else tr("pack.no")) if r["tested"] else "",
            ops_review.direction_text(r, lang), _why(hidden, lang),
        ])  # fmt: skip
    s = sheet(tr("ops.pack.sheet"))
    nxt = s.table(0, headers, body)
    s.ws.merge_range(nxt + 1, 0, nxt + 1, 12, _caption(data, lang), s.fmts["wrap"])
    s.ws.set_row(nxt + 1, 75)
