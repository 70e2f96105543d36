"""The pack as XLSX: one sheet per section plus a Manifest sheet, raw numbers with formats."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import LANGUAGE_NAMES, fmt_datetime, fmt_int, t
from cxmetrics.metrics.registry import KPIS
from cxmetrics.reports.pack import closed_loop, ops, why
from cxmetrics.reports.pack.text import (
    _filter_dims_text,
    _privacy_note,
    _settings_rule,
    _why,
    action_status,
    direction,
    filter_text,
    fmt_delta,
    fmt_value,
    group_label,
    kpi_label,
    period_text,
    summary_counts,
)


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if f != f else f


class _Sheet:
    """Write one table per sheet: header row, typed cells, widths, freeze, autofilter."""

    def __init__(self, book: Any, name: str, fmts: dict[str, Any]) -> None:
        self.ws = book.add_worksheet(name[:31])
        self.fmts = fmts

    def table(self, first_row: int, headers: Sequence[tuple[str, str, int]], rows: Sequence[Sequence[Any]],
              freeze: bool = True) -> int:
        """headers: (text, kind, width) with kind in text/int/dec1/dec2/p/date/bool; returns the next free row."""
        ws, f = self.ws, self.fmts
        for c, (h, _kind, width) in enumerate(headers):
            ws.write_string(first_row, c, h, f["header"])
            ws.set_column(c, c, width)
        for r, row in enumerate(rows, start=first_row + 1):
            for c, value in enumerate(row):
                kind = headers[c][1]
                if kind == "text" or kind == "bool":
                    if value is None or value == "":
                        ws.write_blank(r, c, None, f["text"])
                    else:
                        ws.write_string(r, c, str(value), f["text"])
                elif kind == "date":
                    if value:
                        ws.write_datetime(r, c, datetime.fromisoformat(str(value)[:10]), f["date"])
                    else:
                        ws.write_blank(r, c, None, f["date"])
                else:
                    n = _num(value)
                    if n is None:
                        ws.write_blank(r, c, None, f[kind])
                    else:
                        ws.write_number(r, c, n, f[kind])
        last = first_row + len(rows)
        ws.autofilter(first_row, 0, max(last, first_row), len(headers) - 1)
        if freeze:
            ws.freeze_panes(first_row + 1, 0)
        return last + 1


def _fmts(book: Any) -> dict[str, Any]:
    return {
        "title": book.add_format({"bold": True, "font_size": 14, "font_color": "#1f3a5f"}),
        "header": book.add_format({"bold": True, "font_color": "#ffffff", "bg_color": "#1f3a5f",
                                   "text_wrap": True, "valign": "top", "border": 1}),
        "label": book.add_format({"bold": True, "valign": "top"}),
        "text": book.add_format({"valign": "top", "text_wrap": True}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "int": book.add_format({"num_format": "#,##0"}),
        "dec1": book.add_format({"num_format": "0.0"}),
        "dec2": book.add_format({"num_format": "0.00"}),
        "p": book.add_format({"num_format": "0.0000"}),
        "pct0": book.add_format({"num_format": "0%"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd", "align": "left"}),
    }


def _unit(kpi: str) -> str:
    return KPIS[kpi].unit if kpi in KPIS else ""


def render_xlsx(data: dict, lang: str = "en") -> bytes:
    """The pack as a workbook: Summary, Incidents, Decomposition, Drivers, Changes,
    Operations, Alerts, OKRs, Closed loop, Actions and a Manifest."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    f = _fmts(book)
    title = t("pack.title", lang, period=period_text(data["period"], lang),
              previous=period_text(data["previous"], lang))
    generated = fmt_datetime(datetime.now(UTC), lang)
    tr: Callable[[str], str] = lambda key: t(key, lang)  # noqa: E731

    # ---- Summary
    s = _Sheet(book, tr("pack.sheet.summary"), f)
    s.ws.write_string(0, 0, title, f["title"])
    c = summary_counts(data)
    figures: list[tuple[str, Any, str]] = [
        (tr("pack.meta.period"), period_text(data["period"], lang), "text"),
        (tr("pack.meta.previous"), period_text(data["previous"], lang), "text"),
        (tr("pack.meta.filter"), filter_text(data, lang), "text"),
        (tr("pack.meta.data_version"), data.get("data_version") or "", "text"),
        (tr("pack.meta.data_to"), fmt_datetime(data.get("data_to"), lang), "text"),
        (tr("pack.xlsx.compared"), c["compared"], "int"),
        (tr("pack.card.significant"), c["significant"], "int"),
        (tr("pack.xlsx.better"), c["better"], "int"),
        (tr("pack.xlsx.worse"), c["worse"], "int"),
        (tr("pack.card.alerts"), c["alerts"], "int"),
    ]
    if c["okrs"] is not None:
        figures += [(t("pack.xlsx.okr_status", lang, status=t("pack.status." + st, lang)), v, "int")
                    for st, v in c["okrs"].items()]
    figures += [(tr("pack.xlsx.actions_open"), c["actions_open"], "int"),
                (tr("pack.xlsx.actions_done"), c["actions_done"], "int"),
                (tr("pack.xlsx.actions_last"), c["actions_last"], "int")]
    s.table(2, [(tr("pack.xlsx.figure"), "text", 34), (tr("pack.xlsx.value"), "text", 40)], [], freeze=False)
    for i, (label, value, kind) in enumerate(figures, start=3):
        s.ws.write_string(i, 0, label, f["label"])
        if kind == "int":
            s.ws.write_number(i, 1, value, f["int"])
        else:
            s.ws.write_string(i, 1, str(value), f["text"])
    s.ws.autofilter(2, 0, 2 + len(figures), 1)
    s.ws.freeze_panes(3, 0)
    nxt = 4 + len(figures)
    sig = [r for r in data.get("changes", []) if r.get("significant")]
    s.ws.write_string(nxt, 0, tr("pack.sec.significant"), f["title"])
    if sig:
        for i, r in enumerate(sig, start=nxt + 1):
            breakdown, group = group_label(r, lang)
            s.ws.write_string(i, 0, f"{kpi_label(data, r['kpi'], lang)} · {group or breakdown}", f["label"])
            s.ws.write_string(i, 1, f"{fmt_value(r['kpi'], r['previous'], lang)} → "
                                    f"{fmt_value(r['kpi'], r['current'], lang)} "
                                    f"({fmt_delta(r['kpi'], r['diff'], lang)}, "
                                    f"{t('pack.dir.' + direction(r), lang)})", f["text"])
    else:
        s.ws.write_string(nxt + 1, 0, tr("pack.no_significant"), f["text"])

    # ---- Incidents, Decomposition, Drivers
    why.write_sheets(book, lambda name: _Sheet(book, name, f), data, lang)

    # ---- Changes
    change_headers = [
        (tr("pack.col.kpi"), "text", 24), (tr("pack.col.kpi_id"), "text", 20),
        (tr("pack.col.dimension"), "text", 12), (tr("pack.col.group"), "text", 14),
        (tr("pack.col.unit"), "text", 10),
        (tr("pack.col.current"), "dec2", 11), (tr("pack.col.current_ci_low"), "dec2", 11),
        (tr("pack.col.current_ci_high"), "dec2", 11), (tr("pack.col.current_n"), "int", 9),
        (tr("pack.col.previous"), "dec2", 11), (tr("pack.col.previous_n"), "int", 11),
        (tr("pack.col.diff"), "dec2", 10), (tr("pack.col.diff_ci_low"), "dec2", 12),
        (tr("pack.col.diff_ci_high"), "dec2", 12), (tr("pack.col.p_value"), "p", 10),
        (tr("pack.col.q_value"), "p", 10), (tr("pack.col.significant"), "bool", 12),
        (tr("pack.col.direction"), "text", 11), (t("privacy.suppressed.short", lang), "text", 30),
    ]
    rows = []
    for r in data.get("changes", []):
        ci = r.get("current_ci") or [None, None]
        dci = r.get("diff_ci") or [None, None]
        rows.append([
            kpi_label(data, r["kpi"], lang), r["kpi"], r["dimension"], r["group"], _unit(r["kpi"]),
            r.get("current"), ci[0], ci[1], r.get("current_n"), r.get("previous"), r.get("previous_n"),
            r.get("diff"), dci[0], dci[1], r.get("p_value"), r.get("q_value"),
            tr("pack.yes") if r.get("significant") else tr("pack.no"), t("pack.dir." + direction(r), lang),
            _why(r.get("suppressed") or r.get("previous_suppressed"), lang),
        ])
    _Sheet(book, tr("pack.sheet.changes"), f).table(0, change_headers, rows)

    # ---- Operations (and churn)
    ops.write_sheet(lambda name: _Sheet(book, name, f), data, lang)

    # ---- Alerts
    alert_headers = [
        (tr("pack.col.kpi"), "text", 24), (tr("pack.col.kpi_id"), "text", 20),
        (tr("pack.col.channel"), "text", 12), (tr("pack.col.intent"), "text", 20),
        (tr("pack.col.rule"), "text", 22), (tr("pack.col.since"), "date", 11),
        (tr("pack.col.last_day"), "date", 11), (tr("pack.col.expected"), "dec2", 10),
        (tr("pack.col.observed"), "dec2", 10), (tr("pack.col.size"), "dec2", 10),
        (tr("pack.col.z"), "dec2", 8), (tr("pack.col.current_n"), "int", 8),
        (t("privacy.suppressed.short", lang), "text", 30),
    ]
    rows = [[kpi_label(data, a["kpi"], lang), a["kpi"], a.get("channel"), a.get("intent"),
             t("pack.rule." + a["rule"], lang), a["since"], a["last_day"], a.get("expected"), a.get("observed"),
             a.get("size"), a.get("z"), a.get("n"), _why(a.get("suppressed"), lang)] for a in data.get("alerts", [])]
    _Sheet(book, tr("pack.sheet.alerts"), f).table(0, alert_headers, rows)

    # ---- OKRs
    okr_headers = [
        (tr("pack.col.objective"), "text", 12), (tr("pack.col.objective_title"), "text", 36),
        (tr("pack.col.objective_status"), "text", 14), (tr("pack.col.kr_id"), "text", 8),
        (tr("pack.col.kr"), "text", 40), (tr("pack.col.owner"), "text", 24),
        (tr("pack.col.kpi"), "text", 20), (tr("pack.col.filter"), "text", 24),
        (tr("pack.col.window"), "text", 22), (tr("pack.col.current_value"), "dec2", 10),
        (tr("pack.col.current_ci_low"), "dec2", 10), (tr("pack.col.current_ci_high"), "dec2", 10),
        (tr("pack.col.current_n"), "int", 8), (tr("pack.col.baseline"), "dec2", 10),
        (tr("pack.col.target"), "dec2", 10), (tr("pack.col.progress"), "pct0", 10),
        (tr("pack.col.expected_progress"), "pct0", 12), (tr("pack.col.status"), "text", 16),
        (t("privacy.suppressed.short", lang), "text", 30),
    ]
    rows = []
    okrs = data.get("okrs") or {"objectives": []}
    for o in okrs["objectives"]:
        for kr in o["key_results"]:
            rows.append([o["id"], o["title"], t("pack.status." + o["status"], lang), kr["id"], kr["title"],
                         kr["owner"], kpi_label(data, kr["kpi"], lang), _filter_dims_text(kr.get("filter")),
                         " → ".join(kr.get("window") or []), kr.get("current"), kr.get("ci_low"),
                         kr.get("ci_high"), kr.get("n"), kr.get("baseline"), kr.get("target"),
                         kr.get("progress"), kr.get("expected"), t("pack.status." + kr["status"], lang),
                         _why(kr.get("suppressed"), lang)])
    ws = _Sheet(book, tr("pack.sheet.okrs"), f)
    ws.table(0, okr_headers, rows)

    # ---- Closed loop
    closed_loop.write_sheet(lambda name: _Sheet(book, name, f), data, lang)

    # ---- Actions
    action_headers = [
        (tr("pack.col.list"), "text", 26), (tr("pack.col.what"), "text", 48), (tr("pack.col.owner"), "text", 22),
        (tr("pack.col.due"), "date", 11), (tr("pack.col.kpi"), "text", 22), (tr("pack.col.filter"), "text", 20),
        (tr("pack.col.decided_in"), "date", 12), (tr("pack.col.created_by"), "text", 14),
        (tr("pack.col.status"), "text", 16), (tr("pack.col.done_at"), "date", 11),
    ]
    rows = []
    for key, items in (("pack.sec.actions_due", data.get("actions_due") or []),
                       ("pack.sec.actions_last", data.get("actions_decided_last_time") or [])):
        for a in items:
            rows.append([t(key, lang), a.get("what"), a.get("owner"), a.get("due_date"),
                         kpi_label(data, a["kpi"], lang) if a.get("kpi") else "", _filter_dims_text(a.get("filter")),
                         a.get("period"), a.get("created_by"), action_status(a, data, lang), a.get("done_at")])
    _Sheet(book, tr("pack.sheet.actions"), f).table(0, action_headers, rows)

    # ---- Manifest
    m = _Sheet(book, tr("pack.sheet.manifest"), f)
    m.ws.write_string(0, 0, title, f["title"])
    manifest = [
        (tr("pack.meta.period"), period_text(data["period"], lang)),
        (tr("pack.meta.previous"), period_text(data["previous"], lang)),
        (tr("pack.meta.filter"), filter_text(data, lang)),
        (tr("pack.meta.data_version"), data.get("data_version") or ""),
        (tr("pack.meta.data_to"), fmt_datetime(data.get("data_to"), lang)),
        (tr("pack.meta.generated"), generated),
        (tr("pack.meta.language"), LANGUAGE_NAMES.get(lang, lang)),
        *[(t("privacy.pack_meta", lang), note) for note in _privacy_note(data, lang)],
        (tr("pack.meta.rule"), _settings_rule(data, lang)),
    ]
    m.ws.set_column(0, 0, 26)
    m.ws.set_column(1, 1, 30)
    m.ws.set_column(2, 2, 80)
    for i, (k, v) in enumerate(manifest, start=2):
        m.ws.write_string(i, 0, k, f["label"])
        m.ws.merge_range(i, 1, i, 2, v, f["wrap"])
    m.ws.set_row(2 + len(manifest) - 1, 45)
    start = 3 + len(manifest)
    defs = [
        (tr("pack.sheet.changes"), tr("pack.col.kpi"), tr("pack.def.kpi")),
        (tr("pack.sheet.changes"), tr("pack.col.kpi_id"), tr("pack.def.kpi_id")),
        (tr("pack.sheet.changes"), tr("pack.col.dimension"), tr("pack.def.dimension")),
        (tr("pack.sheet.changes"), tr("pack.col.group"), tr("pack.def.group")),
        (tr("pack.sheet.changes"), tr("pack.col.unit"), tr("pack.def.unit")),
        (tr("pack.sheet.changes"), tr("pack.col.current"), tr("pack.def.current")),
        (tr("pack.sheet.changes"), tr("pack.col.current_ci_low") + " / " + tr("pack.col.current_ci_high"),
         tr("pack.def.ci")),
        (tr("pack.sheet.changes"), tr("pack.col.current_n") + " / " + tr("pack.col.previous_n"), tr("pack.def.n")),
        (tr("pack.sheet.changes"), tr("pack.col.previous"), tr("pack.def.previous")),
        (tr("pack.sheet.changes"), tr("pack.col.diff"), tr("pack.def.diff")),
        (tr("pack.sheet.changes"), tr("pack.col.diff_ci_low") + " / " + tr("pack.col.diff_ci_high"),
         tr("pack.def.ci")),
        (tr("pack.sheet.changes"), tr("pack.col.p_value"), tr("pack.def.p")),
        (tr("pack.sheet.changes"), tr("pack.col.q_value"), tr("pack.def.q")),
        (tr("pack.sheet.changes"), tr("pack.col.significant"), tr("pack.def.significant")),
        (tr("pack.sheet.changes"), tr("pack.col.direction"), tr("pack.def.direction")),
        (tr("pack.sheet.alerts"), tr("pack.col.size"), tr("pack.alerts.caption")),
        (tr("pack.sheet.okrs"), tr("pack.col.progress") + " / " + tr("pack.col.expected_progress"),
         t("pack.okr.caption", lang, min_n=fmt_int((data.get("okrs") or {}).get("min_n", get_settings().min_n), lang))),
        ("—", "95%", tr("pack.method.ci")),
        ("—", "q", tr("pack.method.q")),
        ("—", tr("pack.col.unit"), tr("pack.method.units")),
    ]
    m.table(start, [(tr("pack.xlsx.sheet"), "text", 26), (tr("pack.xlsx.column"), "text", 30),
                    (tr("pack.xlsx.definition"), "text", 80)], defs, freeze=False)
    book.close()
    return buf.getvalue()
