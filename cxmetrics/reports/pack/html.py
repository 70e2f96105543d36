"""The pack as one self-contained HTML page (plotly.js inlined once, every text escaped,
print CSS for A4)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cxmetrics.i18n import MISSING, fmt_datetime, fmt_int, fmt_pct, t
from cxmetrics.reports.pack import closed_loop, ops, why
from cxmetrics.reports.pack.text import (
    BAD,
    CHART_ROWS,
    GOOD,
    NEUTRAL,
    STATUS_COLORS,
    _filter_dims_text,
    _privacy_note,
    _settings_rule,
    _shown,
    action_status,
    direction,
    filter_text,
    fmt_delta,
    fmt_interval,
    fmt_q,
    fmt_value,
    group_label,
    kpi_label,
    period_text,
    summary_counts,
)


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
<style>{CSS}{why.CSS}{closed_loop.CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
<script>{OPEN_DETAILS_ON_PRINT}</script>
</head>
<body>
<header>
<h1>{e(title)}</h1>
<p class="intro">{e(t("pack.intro", lang))}</p>
<dl class="meta">{meta_html}</dl>
</header>
{why.incidents_html(data, lang)}
{why.decomposition_html(data, lang)}
{why.drivers_html(data, lang)}
<section id="summary"{' class="newpage"' if "incidents" in data else ''}>
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
{ops.section_html(data, lang)}
<section id="alerts" class="newpage">
<h2>{e(t("pack.sec.alerts", lang))}</h2>
{_alerts_html(data, lang)}
</section>
<section id="okrs" class="newpage">
<h2>{e(t("pack.sec.okrs", lang))}</h2>
{_okrs_html(data, lang)}
</section>
{closed_loop.closed_loop_html(data, lang)}
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
