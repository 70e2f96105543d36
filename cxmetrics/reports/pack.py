"""The committee review pack: one closed review period as HTML, PDF or XLSX.

``render_pack(review_data(...), fmt, lang)`` turns the structure of ``cxmetrics.reports.review``
into a file a committee member can read without the app:

- **HTML**: one self-contained page (plotly.js inlined once, no network), every text
  escaped (actions and OKR titles are user text), numbers formatted by language, print
  CSS for A4 with a page break before each section;
- **PDF**: that page printed by headless Chromium (Playwright), A4, page numbers;
- **XLSX**: one sheet per section plus a Manifest sheet (period, filter, data version,
  freshness, generation time, language, column definitions); raw numbers with number
  formats, frozen header rows and autofilters.
"""

from __future__ import annotations

import html
import io
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import (
    LANGUAGE_NAMES,
    MISSING,
    dimension_name,
    fmt_datetime,
    fmt_int,
    fmt_number,
    fmt_pct,
    t,
)
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.suppression import label as suppression_label

FORMATS: dict[str, str] = {".html": "html", ".htm": "html", ".pdf": "pdf", ".xlsx": "xlsx"}
GOOD, BAD, NEUTRAL = "#1a7f37", "#c62828", "#6b7280"
STATUS_COLORS = {"achieved": "#1a7f37", "on_track": "#2e7d32", "behind": "#b26a00", "at_risk": "#c62828",
                 "no_data": "#6b7280"}
CHART_ROWS = 20  # the change chart shows at most this many significant changes (smallest q first)
STATUS_ORDER = ("achieved", "on_track", "behind", "at_risk", "no_data")


# ------------------------------------------------------------------ texts and numbers


def pack_format(path: Path | str) -> str:
    """'html', 'pdf' or 'xlsx' from a file name; anything else is a UserError."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"cannot tell the pack format from '{Path(path).name}': name the file .html, .pdf or .xlsx")
    return FORMATS[suffix]


def kpi_label(data: dict, kpi: str, lang: str) -> str:
    labels = data.get("kpi_labels", {}).get(kpi)
    if labels:
        return labels.get(lang) or labels["en"]
    return KPIS[kpi].label(lang) if kpi in KPIS else kpi


def _kind(kpi: str) -> str:
    return KPIS[kpi].kind if kpi in KPIS else "mean"


def _decimals(kpi: str) -> int:
    return 2 if _kind(kpi) == "mean" else 1


def fmt_value(kpi: str, value: float | None, lang: str) -> str:
    """A KPI value on its display scale: NPS '12.3', rates '45.6%' (es '45,6 %'), CES '5.21'."""
    if value is None:
        return MISSING
    if _kind(kpi) == "rate":
        return fmt_pct(value / 100.0, lang)
    return fmt_number(value, lang, _decimals(kpi))


def fmt_delta(kpi: str, value: float | None, lang: str) -> str:
    """A change with its sign and unit: '+8.6 pp', '-5.0 pts', '+0.12'."""
    if value is None:
        return MISSING
    text = fmt_number(value, lang, _decimals(kpi))
    if not text.startswith("-") and text.strip("0.,") != "":
        text = "+" + text
    unit = {"rate": "pack.unit.pp", "nps": "pack.unit.pts"}.get(_kind(kpi))
    return f"{text} {t(unit, lang)}" if unit else text


def fmt_interval(kpi: str, ci: Sequence[float | None] | None, lang: str, delta: bool = False) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return MISSING
    d = _decimals(kpi)
    return f"[{fmt_number(ci[0], lang, d)}; {fmt_number(ci[1], lang, d)}]" if lang == "es" else \
        f"[{fmt_number(ci[0], lang, d)}, {fmt_number(ci[1], lang, d)}]"


def fmt_q(q: float | None, lang: str) -> str:
    if q is None:
        return MISSING
    if q < 0.001:
        return "<" + fmt_number(0.001, lang, 3)
    return fmt_number(q, lang, 3)


def _shown(kpi: str, value: float | None, suppressed: str | None, lang: str) -> str:
    """A KPI value, or the suppression label when the viewer's role may not see it."""
    return suppression_label(suppressed, lang) if suppressed else fmt_value(kpi, value, lang)


def _why(suppressed: str | None, lang: str) -> str:
    return suppression_label(suppressed, lang) if suppressed else ""


def _privacy_note(data: dict, lang: str) -> list[str]:
    """The k-anonymity note when the pack was built for a role that has cells suppressed."""
    k = data.get("k_anonymity")
    if k is None:
        return []
    return [t("privacy.pack_note", lang, k=k)]


def group_label(row: dict, lang: str) -> tuple[str, str]:
    """(breakdown, group) in words: ('Overall', '') or ('Channel', 'web')."""
    dim = row.get("dimension", "all")
    if dim == "all":
        return t("pack.overall", lang), ""
    return dimension_name(dim, lang), str(row.get("group", ""))


def direction(row: dict) -> str:
    imp = row.get("improved")
    return "better" if imp is True else "worse" if imp is False else "flat"


def filter_text(data: dict, lang: str) -> str:
    f = data.get("filter") or ""
    return t("pack.all_data", lang) if f in ("", "all data") else f


def period_text(p: dict, lang: str) -> str:
    return t("pack.period_range", lang, start=p["start"], end=p["end"])


def _settings_rule(data: dict, lang: str) -> str:
    s = get_settings()
    alpha = data.get("alpha", s.alpha)
    min_n = data.get("min_n", s.min_n)
    return t("pack.rule", lang, alpha=fmt_number(alpha, lang, 2), n=fmt_int(len(data.get("changes", [])), lang),
             min_n=fmt_int(min_n, lang))


def summary_counts(data: dict) -> dict[str, Any]:
    sig = [r for r in data.get("changes", []) if r.get("significant")]
    okr_counts = {s: 0 for s in STATUS_ORDER}
    if data.get("okrs"):
        for o in data["okrs"]["objectives"]:
            for kr in o["key_results"]:
                okr_counts[kr["status"]] = okr_counts.get(kr["status"], 0) + 1
    due = data.get("actions_due") or []
    return {
        "significant": len(sig),
        "better": sum(1 for r in sig if r.get("improved") is True),
        "worse": sum(1 for r in sig if r.get("improved") is False),
        "compared": len(data.get("changes", [])),
        "alerts": len(data.get("alerts", [])),
        "okrs": okr_counts if data.get("okrs") else None,
        "actions_open": sum(1 for a in due if a.get("status") != "done"),
        "actions_done": sum(1 for a in due if a.get("status") == "done"),
        "actions_last": len(data.get("actions_decided_last_time") or []),
    }


def action_status(action: dict, data: dict, lang: str) -> str:
    if action.get("status") == "done":
        return t("pack.action.done", lang)
    if action.get("due_date", "9999") <= data["period"]["end"]:
        return t("pack.action.overdue", lang)
    return t("pack.action.open", lang)


def _filter_dims_text(f: dict | None) -> str:
    if not f:
        return ""
    return " · ".join(" or ".join(v) if isinstance(v, list) else str(v) for v in f.values())


# ------------------------------------------------------------------ HTML


def e(value: Any) -> str:
    """Escape any value for HTML text and attributes."""
    return html.escape("" if value is None else str(value), quote=True)


CSS = """
:root { --good: #1a7f37; --bad: #c62828; --muted: #6b7280; --line: #d8dde3; --head: #1f3a5f; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: #1b1f24;
       margin: 0 auto; max-width: 1100px; padding: 24px 28px; font-size: 13px; line-height: 1.45; }
h1 { font-size: 22px; margin: 0 0 6px; color: var(--head); }
h2 { font-size: 17px; margin: 26px 0 8px; color: var(--head); border-bottom: 2px solid var(--head);
     padding-bottom: 3px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
p.intro, p.caption { color: #374151; margin: 4px 0 10px; }
p.caption { font-size: 12px; color: var(--muted); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0 4px;
          font-size: 12.5px; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; }
.cards { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 10px; margin: 10px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; background: #f8fafc; }
.card .big { font-size: 26px; font-weight: bold; color: var(--head); }
.card .label { font-weight: bold; } .card .detail { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef2f7; font-weight: bold; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.sig td { background: #fffbea; }
.arrow { font-weight: bold; white-space: nowrap; }
.better { color: var(--good); } .worse { color: var(--bad); } .flat { color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 11.5px;
         white-space: nowrap; }
.bar { position: relative; width: 120px; height: 10px; background: #e5e7eb; border-radius: 3px;
       display: inline-block; vertical-align: middle; }
.bar .fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 3px; }
.bar .mark { position: absolute; top: -3px; bottom: -3px; width: 2px; background: #111; }
.okr { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.okr h3 { margin: 2px 0 4px; }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }
details summary { cursor: pointer; color: var(--head); font-weight: bold; margin: 6px 0; }
.chart { width: 100%; }
ul.notes { padding-left: 18px; color: #374151; font-size: 12px; }
@page { size: A4; margin: 14mm 11mm 16mm 11mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  table { font-size: 10.5px; }
  section.newpage { break-before: page; }
  h2, h3 { break-after: avoid; }
  tr, .card, .okr, .chart { break-inside: avoid; }
  thead { display: table-header-group; }
  details > summary { display: none; }
}
"""

OPEN_DETAILS_ON_PRINT = (
    "window.addEventListener('beforeprint', function () {"
    " document.querySelectorAll('details').forEach(function (d) { d.open = true; }); });"
)


def _table(headers: Sequence[tuple[str, bool]], rows: Sequence[Sequence[tuple[str, str]]],
           row_classes: Sequence[str] | None = None) -> str:
    """headers: (text, numeric); rows: cells as (already escaped html, css class)."""
    head = "".join(f'<th class="num">{e(h)}</th>' if num else f"<th>{e(h)}</th>" for h, num in headers)
    body = []
    for i, r in enumerate(rows):
        cls = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        cells = "".join(f'<td class="{c}">{v}</td>' if c else f"<td>{v}</td>" for v, c in r)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _arrow(row: dict, lang: str) -> str:
    d = row.get("diff")
    cls = direction(row)
    sym = "▲" if d is not None and d > 0 else "▼" if d is not None and d < 0 else "●"
    return f'<span class="arrow {cls}">{sym} {e(t("pack.dir." + cls, lang))}</span>'


def _change_table(data: dict, rows: list[dict], lang: str) -> str:
    headers = [(t("pack.col.kpi", lang), False), (t("pack.col.breakdown", lang), False),
               (t("pack.col.group", lang), False), (t("pack.col.current", lang), True),
               (t("pack.col.current_ci", lang), True), (t("pack.col.current_n", lang), True),
               (t("pack.col.previous", lang), True), (t("pack.col.previous_n", lang), True),
               (t("pack.col.diff", lang), True), (t("pack.col.diff_ci", lang), True),
               (t("pack.col.q_value", lang), True), (t("pack.col.direction", lang), False)]
    body, classes = [], []
    for r in rows:
        k = r["kpi"]
        breakdown, group = group_label(r, lang)
        body.append([
            (e(kpi_label(data, k, lang)), ""), (e(breakdown), ""), (e(group), ""),
            (e(_shown(k, r.get("current"), r.get("suppressed"), lang)), "num"),
            (e(fmt_interval(k, r.get("current_ci"), lang)), "num"),
            (e(fmt_int(r.get("current_n"), lang)), "num"),
            (e(_shown(k, r.get("previous"), r.get("previous_suppressed"), lang)), "num"),
            (e(fmt_int(r.get("previous_n"), lang)), "num"),
            (f'<span class="{direction(r)}">{e(fmt_delta(k, r.get("diff"), lang))}</span>', "num"),
            (e(fmt_interval(k, r.get("diff_ci"), lang)), "num"),
            (e(fmt_q(r.get("q_value"), lang)), "num"),
            (_arrow(r, lang), ""),
        ])
        classes.append("sig" if r.get("significant") else "")
    return _table(headers, body, classes)


def change_figure(data: dict, rows: list[dict], lang: str, limit: int = CHART_ROWS) -> Any:
    """A dot chart of the significant changes (the ``limit`` with the smallest q-values) with
    their 95% intervals, coloured by direction."""
    import plotly.graph_objects as go

    title = t("pack.chart.title", lang)
    if len(rows) > limit:
        title += "<br><sup>" + html.escape(t("pack.chart.top", lang, k=fmt_int(limit, lang),
                                                 n=fmt_int(len(rows), lang))) + "</sup>"
    rows = list(reversed(rows[:limit]))  # plotly draws the first category at the bottom
    labels = []
    for r in rows:
        breakdown, group = group_label(r, lang)
        labels.append(f"{kpi_label(data, r['kpi'], lang)} · {group or breakdown}")
    diffs = [r["diff"] for r in rows]
    lo = [r["diff"] - r["diff_ci"][0] if r["diff_ci"][0] is not None else 0 for r in rows]
    hi = [r["diff_ci"][1] - r["diff"] if r["diff_ci"][1] is not None else 0 for r in rows]
    colors = [GOOD if r.get("improved") is True else BAD if r.get("improved") is False else NEUTRAL for r in rows]
    text = [fmt_delta(r["kpi"], r["diff"], lang) for r in rows]
    fig = go.Figure(go.Scatter(
        x=diffs, y=labels, mode="markers+text", text=text, textposition="top center",
        marker={"size": 11, "color": colors},
        error_x={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo, "color": "#9ca3af",
                 "thickness": 1.5, "width": 4},
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    fig.add_vline(x=0, line_width=1, line_color="#374151")
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        xaxis_title=t("pack.chart.axis", lang), height=150 + 30 * len(rows), width=None,
        margin={"l": 10, "r": 20, "t": 60, "b": 50}, separators=",." if lang == "es" else ".,",
        plot_bgcolor="#ffffff", paper_bgcolor="#ffffff", showlegend=False,
        font={"family": "DejaVu Sans, Liberation Sans, Arial, sans-serif", "size": 12},
    )
    fig.update_xaxes(showgrid=True, gridcolor="#e5e7eb", zeroline=False)
    fig.update_yaxes(automargin=True)
    return fig


def _summary_html(data: dict, lang: str) -> str:
    c = summary_counts(data)
    cards = [
        (t("pack.card.significant", lang), fmt_int(c["significant"], lang),
         t("pack.card.significant.detail", lang, better=fmt_int(c["better"], lang),
           worse=fmt_int(c["worse"], lang), n=fmt_int(c["compared"], lang))),
        (t("pack.card.alerts", lang), fmt_int(c["alerts"], lang), t("pack.card.alerts.detail", lang)),
    ]
    if c["okrs"] is None:
        cards.append((t("pack.card.okrs", lang), MISSING, t("pack.card.okrs.none", lang)))
    else:
        total = sum(c["okrs"].values())
        detail = " · ".join(f"{fmt_int(v, lang)} {t('pack.status.' + s, lang)}" for s, v in c["okrs"].items() if v)
        cards.append((t("pack.card.okrs", lang), fmt_int(total, lang), detail))
    cards.append((t("pack.card.actions", lang), fmt_int(c["actions_open"] + c["actions_done"], lang),
                  t("pack.card.actions.detail", lang, open=fmt_int(c["actions_open"], lang),
                    done=fmt_int(c["actions_done"], lang))))
    inner = "".join(f'<div class="card"><div class="label">{e(a)}</div><div class="big">{e(b)}</div>'
                    f'<div class="detail">{e(d)}</div></div>' for a, b, d in cards)
    return f'<div class="cards">{inner}</div>'


def _alerts_html(data: dict, lang: str) -> str:
    alerts = data.get("alerts", [])
    if not alerts:
        return f'<p class="muted">{e(t("pack.no_alerts", lang))}</p>'
    headers = [(t("pack.col.kpi", lang), False), (t("pack.col.where", lang), False),
               (t("pack.col.rule", lang), False), (t("pack.col.since", lang), False),
               (t("pack.col.last_day", lang), False), (t("pack.col.expected", lang), True),
               (t("pack.col.observed", lang), True), (t("pack.col.size", lang), True),
               (t("pack.col.current_n", lang), True)]
    rows = []
    for a in alerts:
        k = a["kpi"]
        where = " · ".join(x for x in (a.get("channel"), a.get("intent")) if x) or t("pack.where.all", lang)
        rows.append([
            (e(kpi_label(data, k, lang)), ""), (e(where), ""), (e(t("pack.rule." + a["rule"], lang)), ""),
            (e(a["since"]), "nowrap"), (e(a["last_day"]), "nowrap"),
            (e(fmt_value(k, a.get("expected"), lang)), "num"), (e(_shown(k, a.get("observed"), a.get("suppressed"), lang)), "num"),
            (f'<span class="worse">{e(fmt_delta(k, a.get("size"), lang))}</span>', "num"),
            (e(fmt_int(a.get("n"), lang)), "num"),
        ])
    return f'<p class="caption">{e(t("pack.alerts.caption", lang))}</p>' + _table(headers, rows)


def _badge(status: str, lang: str) -> str:
    color = STATUS_COLORS.get(status, NEUTRAL)
    return f'<span class="badge" style="background:{color}">{e(t("pack.status." + status, lang))}</span>'


def _progress_bar(kr: dict) -> str:
    p, x = kr.get("progress"), kr.get("expected")
    if p is None:
        return f'<span class="muted">{MISSING}</span>'
    color = STATUS_COLORS.get(kr["status"], NEUTRAL)
    mark = f'<span class="mark" style="left:calc({100 * x:.1f}% - 1px)"></span>' if x is not None else ""
    return (f'<span class="bar"><span class="fill" style="width:{100 * p:.1f}%;background:{color}"></span>'
            f"{mark}</span>")


def _okrs_html(data: dict, lang: str) -> str:
    okrs = data.get("okrs")
    if not okrs:
        return f'<p class="muted">{e(t("pack.okr.none", lang))}</p>'
    out = [f'<p class="caption">{e(t("pack.okr.cycle", lang, cycle=okrs["cycle"], as_of=okrs["as_of"]))} — '
           f'{e(t("pack.okr.caption", lang, min_n=fmt_int(okrs.get("min_n"), lang)))}</p>']
    headers = [(t("pack.col.kr_id", lang), False), (t("pack.col.kr", lang), False),
               (t("pack.col.owner", lang), False), (t("pack.col.current_value", lang), True),
               (t("pack.col.current_n", lang), True), (t("pack.col.baseline", lang), True),
               (t("pack.col.target", lang), True), (t("pack.col.progress", lang), False),
               (t("pack.col.status", lang), False)]
    for o in okrs["objectives"]:
        rows = []
        for kr in o["key_results"]:
            k = kr["kpi"]
            prog = _progress_bar(kr)
            if kr.get("progress") is not None:
                prog += '<div class="muted nowrap">' + e(t("pack.okr.progress_vs", lang,
                                                           p=fmt_pct(kr.get("progress"), lang, 0),
                                                           x=fmt_pct(kr.get("expected"), lang, 0))) + "</div>"
            title = (f'{e(kr["title"])}<br><span class="muted">{e(kpi_label(data, k, lang))}'
                     f'{" · " + e(_filter_dims_text(kr.get("filter"))) if kr.get("filter") else ""}</span>')
            rows.append([
                (e(kr["id"]), ""), (title, ""), (e(kr["owner"]), ""),
                (e(_shown(k, kr.get("current"), kr.get("suppressed"), lang)), "num"),
                (e(fmt_int(kr.get("n"), lang)), "num"),
                (e(fmt_value(k, kr.get("baseline"), lang)), "num"), (e(fmt_value(k, kr.get("target"), lang)), "num"),
                (prog, ""), (_badge(kr["status"], lang), ""),
            ])
        out.append(f'<div class="okr"><h3>{e(o["id"])} · {e(o["title"])} {_badge(o["status"], lang)}</h3>'
                   f'<div class="muted">{e(t("pack.okr.owner", lang, owner=o["owner"]))}</div>'
                   f"{_table(headers, rows)}</div>")
    return "".join(out)


def _actions_html(data: dict, actions: list[dict] | None, lang: str, empty_key: str) -> str:
    if actions is None:  # the viewer's role may not see the action log
        return f'<p class="muted">{e(t("pack.actions_hidden", lang))}</p>'
    if not actions:
        return f'<p class="muted">{e(t(empty_key, lang))}</p>'
    headers = [(t("pack.col.what", lang), False), (t("pack.col.owner", lang), False),
               (t("pack.col.due", lang), False), (t("pack.col.kpi", lang), False),
               (t("pack.col.filter", lang), False), (t("pack.col.decided_in", lang), False),
               (t("pack.col.status", lang), False)]
    rows = []
    for a in actions:
        status = action_status(a, data, lang)
        if a.get("status") == "done" and a.get("done_at"):
            status += f" ({a['done_at'][:10]})"
        cls = "better" if a.get("status") == "done" else "worse" if a.get("due_date", "") <= data["period"]["end"] \
            else ""
        rows.append([
            (e(a.get("what")), ""), (e(a.get("owner")), ""), (e(a.get("due_date")), "nowrap"),
            (e(kpi_label(data, a["kpi"], lang) if a.get("kpi") else ""), ""),
            (e(_filter_dims_text(a.get("filter"))), ""), (e(a.get("period")), "nowrap"),
            (f'<span class="{cls}">{e(status)}</span>', "nowrap"),
        ])
    return _table(headers, rows)


def render_html(data: dict, lang: str = "en", *, for_print: bool = False) -> str:
    """The pack as one self-contained HTML page (plotly.js inlined once; no network)."""
    from plotly.offline import get_plotlyjs

    title = t("pack.title", lang, period=period_text(data["period"], lang),
              previous=period_text(data["previous"], lang))
    generated = fmt_datetime(datetime.now(UTC), lang)
    data_to = fmt_datetime(data["data_to"], lang) if data.get("data_to") else MISSING
    meta = [
        (t("pack.meta.period", lang), period_text(data["period"], lang)),
        (t("pack.meta.previous", lang), period_text(data["previous"], lang)),
        (t("pack.meta.filter", lang), filter_text(data, lang)),
        (t("pack.meta.data_version", lang), data.get("data_version") or MISSING),
        (t("pack.meta.data_to", lang), data_to),
        (t("pack.meta.generated", lang), generated),
    ]
    meta_html = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in meta)
    sig = [r for r in data.get("changes", []) if r.get("significant")]
    if sig:
        fig = change_figure(data, sig, lang)
        chart = fig.to_html(full_html=False, include_plotlyjs=False,
                            config={"displayModeBar": False, "responsive": True}, default_width="100%")
        sig_html = (f'<div class="chart">{chart}</div>'
                    f'<p class="caption">{e(t("pack.changes.caption", lang))}</p>{_change_table(data, sig, lang)}')
    else:
        sig_html = f'<p class="muted">{e(t("pack.no_significant", lang))}</p>'
    all_rows = data.get("changes", [])
    details_open = " open" if for_print else ""
    notes = "".join(f"<li>{e(x)}</li>" for x in (
        _settings_rule(data, lang), t("pack.method.ci", lang), t("pack.method.q", lang),
        t("pack.method.units", lang), *_privacy_note(data, lang)))
    return f"""<!DOCTYPE html>
<html lang="{e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cxmetrics">
<title>{e(title)}</title>
<style>{CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
<script>{OPEN_DETAILS_ON_PRINT}</script>
</head>
<body>
<header>
<h1>{e(title)}</h1>
<p class="intro">{e(t("pack.intro", lang))}</p>
<dl class="meta">{meta_html}</dl>
</header>
<section id="summary">
<h2>{e(t("pack.sec.summary", lang))}</h2>
{_summary_html(data, lang)}
</section>
<section id="significant">
<h2>{e(t("pack.sec.significant", lang))}</h2>
{sig_html}
</section>
<section id="all-changes" class="newpage">
<h2>{e(t("pack.sec.all_changes", lang))}</h2>
<details{details_open}><summary>{e(t("pack.sec.all_changes.summary", lang, n=fmt_int(len(all_rows), lang)))}</summary>
<p class="caption">{e(t("pack.changes.caption", lang))}</p>
{_change_table(data, all_rows, lang)}
</details>
</section>
<section id="alerts" class="newpage">
<h2>{e(t("pack.sec.alerts", lang))}</h2>
{_alerts_html(data, lang)}
</section>
<section id="okrs" class="newpage">
<h2>{e(t("pack.sec.okrs", lang))}</h2>
{_okrs_html(data, lang)}
</section>
<section id="actions" class="newpage">
<h2>{e(t("pack.sec.actions_due", lang))}</h2>
{_actions_html(data, data.get("actions_due"), lang, "pack.no_actions_due")}
<h2>{e(t("pack.sec.actions_last", lang))}</h2>
{_actions_html(data, data.get("actions_decided_last_time"), lang, "pack.no_actions_last")}
<h2>{e(t("pack.sec.method", lang))}</h2>
<ul class="notes">{notes}</ul>
</section>
</body>
</html>
"""


# ------------------------------------------------------------------ PDF


def chromium_path() -> str:
    return shutil.which("chromium") or "/usr/bin/chromium"


def _print_pdf(page_html: str, footer: str) -> bytes:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium_path(),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            try:
                page = browser.new_page(viewport={"width": 710, "height": 1000})
                page.emulate_media(media="print")
                page.set_content(page_html, wait_until="load")
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.plotly-graph-div')]"
                    ".every(d => d._fullLayout && d.querySelector('.main-svg'))",
                    timeout=30_000,
                )
                return page.pdf(
                    format="A4", print_background=True, display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=(
                        '<div style="font-size:8px;color:#6b7280;width:100%;padding:0 11mm;'
                        'font-family:DejaVu Sans,Arial,sans-serif;display:flex;justify-content:space-between">'
                        f"<span>{e(footer)}</span>"
                        '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
                    ),
                    margin={"top": "14mm", "bottom": "16mm", "left": "11mm", "right": "11mm"},
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"could not print the PDF with Chromium at {chromium_path()}: {first}") from None


def render_pdf(data: dict, lang: str = "en") -> bytes:
    """The HTML pack printed to A4 by headless Chromium (in a worker thread, so it also works
    where an asyncio loop is running, e.g. under Streamlit or pytest-playwright)."""
    page_html = render_html(data, lang, for_print=True)
    footer = t("pack.title", lang, period=period_text(data["period"], lang),
               previous=period_text(data["previous"], lang))
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print_pdf, page_html, footer).result()


# ------------------------------------------------------------------ XLSX


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
    """The pack as a workbook: Summary, Changes, Alerts, OKRs, Actions and a Manifest."""
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


# ------------------------------------------------------------------ entry point


def render_pack(data: dict, fmt: str, lang: str = "en") -> bytes:
    """The committee pack for ``review_data(...)`` output as html, pdf or xlsx bytes."""
    if lang not in ("en", "es"):
        raise UserError(f"unknown language '{lang}' (choose en or es)")
    if fmt == "html":
        return render_html(data, lang).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(data, lang)
    if fmt == "xlsx":
        return render_xlsx(data, lang)
    raise UserError(f"unknown pack format '{fmt}' (choose html, pdf or xlsx)")
