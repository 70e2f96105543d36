"""Data shaping for the OKR and Committee review pages (no Streamlit calls).

Pages 5 and 6 stay thin: they read the OKR file and the app state through here, call the
library (``okr``, ``review``, ``app_state``) and get back plain frames and figures to
draw. Nothing here computes a metric: values, intervals, q-values and statuses come from
``okr.evaluate`` and ``review.review_data`` unchanged; this module only formats them.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from cxmetrics.core import privacy
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import MISSING, fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics import okr, suppression
from cxmetrics.metrics.compare import Period, closed_periods
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.source import Source
from cxmetrics.reports import review
from cxmetrics.reports.overview import format_delta, format_value
from cxmetrics.serving import app_state

# The OKR file can be pointed elsewhere (tests, a second cycle) without a settings change.
OKR_PATH_ENV = "CXM_OKR_PATH"
TREND_PERIODS = 8
STATUSES = ("achieved", "on_track", "behind", "at_risk", "no_data")
# Okabe-Ito colours (safe for the common colour-vision deficiencies) with a text colour of
# enough contrast and an icon, so a status never relies on colour alone.
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    "achieved": ("#0072B2", "#FFFFFF", "✔"),
    "on_track": ("#009E73", "#000000", "➜"),
    "behind": ("#E69F00", "#000000", "◔"),
    "at_risk": ("#D55E00", "#000000", "▲"),
    "no_data": ("#BBBBBB", "#000000", "?"),
}
BETTER_BG, WORSE_BG = "#CFE5F5", "#F6D5C2"  # light tints of Okabe-Ito blue and vermillion


# --------------------------------------------------------------------------- OKR file


def okr_path() -> Path:
    """The OKR file from settings (``CXM_OKR_PATH``; default ``data/okrs.yaml``).

    The environment is read first so a changed variable applies without a settings reload."""
    env = os.environ.get(OKR_PATH_ENV)
    return Path(env) if env else get_settings().okr_path


def okr_file_key(path: Path) -> tuple[str, float]:
    """(path, modification time): a cache key that changes when the file is edited."""
    try:
        return str(path), path.stat().st_mtime
    except OSError:
        return str(path), 0.0


def okr_evaluation(
    source: Source, path: str, mtime: float, as_of: date | None, min_n: int, *, role: str
) -> dict:
    """``okr.evaluate`` of the file at ``path`` for ``role`` (``mtime`` only keys the cache)."""
    return okr.evaluate(source, okr.load_okrs(Path(path)), as_of, min_n, role=role)


def okr_histories(
    source: Source, path: str, mtime: float, periods: int = TREND_PERIODS, *, role: str
) -> dict[str, list[dict]]:
    """Each key result's KPI over the last ``periods`` closed review periods, oldest first."""
    okrs = okr.load_okrs(Path(path))
    closed = closed_periods(source, periods)
    return {
        kr.id: okr.key_result_history(source, kr, closed, role=role)
        for o in okrs.objectives
        for kr in o.key_results
    }


def review_figures(
    source: Source, period: Period, path: str | None, mtime: float, *, role: str
) -> dict[str, Any]:
    """``review.review_data`` for one period as ``role`` may see it (the heavy, cacheable
    part of the page)."""
    okrs = okr.load_okrs(Path(path)) if path else None
    return review.review_data(source, period, okrs, role=role)


def with_fresh_actions(
    data: dict[str, Any], period: Period, state_path: Path | None = None, *, role: str
) -> dict[str, Any]:
    """The review data with its actions read again from the app state (never cached);
    without them (None) for a role that may not see the action log."""
    if not privacy.may_use_action_log(role):
        return {**data, "actions_due": None, "actions_decided_last_time": None}
    previous = period.previous()
    every = app_state.actions(state_path, role=role)
    return {
        **data,
        "actions_due": [
            asdict(a)
            for a in every
            if period.start.isoformat() <= a.due_date <= period.end.isoformat()
        ],
        "actions_decided_last_time": [
            asdict(a) for a in every if a.period == previous.start.isoformat()
        ],
    }


# --------------------------------------------------------------------------- periods


def parse_review_param(value: str | None, periods: Sequence[Period]) -> Period | None:
    """The closed period whose first day is ``value`` (YYYY-MM-DD); None when not one."""
    if not value:
        return None
    return next((p for p in periods if p.label == value.strip()), None)


def period_text(p: Period | dict) -> str:
    start, end = (
        (p.start.isoformat(), p.end.isoformat())
        if isinstance(p, Period)
        else (p["start"], p["end"])
    )
    return f"{start} → {end}"


# --------------------------------------------------------------------------- status badges


def status_word(status: str, lang: str) -> str:
    return t(f"okr.status.{status}", lang)


def status_badge_html(status: str, lang: str) -> str:
    """A coloured pill with an icon and the status word (all three, never colour alone)."""
    bg, fg, icon = STATUS_STYLE.get(status, STATUS_STYLE["no_data"])
    return (
        f'<span style="background:{bg};color:{fg};border-radius:0.8rem;padding:0.15rem 0.6rem;'
        f'font-weight:600;font-size:0.9rem;white-space:nowrap">{icon} {html.escape(status_word(status, lang))}</span>'
    )


def objective_heading_html(objective: dict, lang: str) -> str:
    """'O1 · title [badge]' with the owner below; user texts from the OKR file are escaped."""
    return (
        f'<div style="font-size:1.25rem;font-weight:600;margin-bottom:0.2rem">'
        f"{html.escape(objective['id'])} · {html.escape(objective['title'])} "
        f"{status_badge_html(objective['status'], lang)}</div>"
        f'<div style="color:#555">{html.escape(t("okr.owner", lang))}: {html.escape(objective["owner"])}</div>'
    )


# --------------------------------------------------------------------------- OKR tables and charts


def _value(kpi: str, x: float | None, lang: str) -> str:
    return format_value(kpi, x, lang)


def interval_text(kpi: str, low: float | None, high: float | None, lang: str) -> str:
    if low is None or high is None:
        return MISSING
    return f"{_value(kpi, low, lang)} – {_value(kpi, high, lang)}"


def kr_rows(evaluation: dict, histories: dict[str, list[dict]] | None = None) -> list[dict]:
    """Flat key-result rows (raw values) with their objective; the CSV and the page table."""
    rows = []
    for o in evaluation["objectives"]:
        for kr in o["key_results"]:
            hist = (histories or {}).get(kr["id"], [])
            rows.append(
                {
                    "objective_id": o["id"],
                    "objective": o["title"],
                    "objective_owner": o["owner"],
                    "objective_status": o["status"],
                    "kr_id": kr["id"],
                    "title": kr["title"],
                    "owner": kr["owner"],
                    "kpi": kr["kpi"],
                    "filter": "; ".join(
                        f"{k}={','.join(v) if isinstance(v, list) else v}"
                        for k, v in kr["filter"].items()
                    )
                    or "all",
                    "status": kr["status"],
                    "suppressed": kr.get("suppressed"),
                    "current": kr["current"],
                    "ci_low": kr["ci_low"],
                    "ci_high": kr["ci_high"],
                    "n": kr["n"],
                    "baseline": kr["baseline"],
                    "target": kr["target"],
                    "progress": kr["progress"],
                    "expected": kr["expected"],
                    "window_from": kr["window"][0],
                    "window_to": kr["window"][1],
                    "start": kr["start"],
                    "end": kr["end"],
                    "trend": [h["value"] for h in hist if h["value"] is not None],
                }
            )
    return rows


def kr_display(rows: list[dict], lang: str, min_n: int) -> pd.DataFrame:
    """The key-result table as the page shows it: texts formatted in ``lang``, raw numbers kept
    in ``current``, ``n``, ``progress`` and ``expected`` (sortable, checked by tests)."""
    out = []
    for r in rows:
        k = r["kpi"]
        enough = r["status"] != "no_data"
        hidden = r.get("suppressed")
        out.append(
            {
                "objective_id": r["objective_id"],
                "kr_id": r["kr_id"],
                "title": r["title"],
                "owner": r["owner"],
                "status": f"{STATUS_STYLE[r['status']][2]} {status_word(r['status'], lang)}",
                "kpi": KPIS[k].label(lang),
                "current": r["current"],
                "current_s": suppression.label(hidden, lang)
                if hidden
                else _value(k, r["current"], lang)
                if enough
                else t("not_enough_data", lang),
                "ci": interval_text(k, r["ci_low"], r["ci_high"], lang) if enough else MISSING,
                "n": r["n"],
                "baseline_target": f"{_value(k, r['baseline'], lang)} → {_value(k, r['target'], lang)}",
                "progress": r["progress"],
                "expected": r["expected"],
                "trend": r["trend"],
                "window": f"{r['window_from']} → {r['window_to']}",
            }
        )
    return pd.DataFrame(out)


def progress_figure(objective: dict, lang: str) -> go.Figure:
    """Horizontal progress bars (coloured and labelled by status) with the expected pace
    drawn as a black tick on each bar; progress is the share of baseline → target done.
    A key result without enough data gets no bar, only its status word and n."""
    krs = list(reversed(objective["key_results"]))  # plotly draws horizontal bars bottom-up
    labels = [
        f"{kr['id']} · {kr['title'][:48]}{'…' if len(kr['title']) > 48 else ''}" for kr in krs
    ]
    shown = [kr["status"] != "no_data" and kr["progress"] is not None for kr in krs]
    progress = [kr["progress"] * 100 if ok else 0 for kr, ok in zip(krs, shown, strict=True)]
    texts = [
        f"{STATUS_STYLE[kr['status']][2]} {status_word(kr['status'], lang)}"
        + (
            f" · {fmt_pct(kr['progress'], lang, 0)}"
            if ok
            else f" ({suppression.label(kr['suppressed'], lang)})"
            if kr.get("suppressed")
            else f" (n = {fmt_int(kr['n'], lang)})"
        )
        for kr, ok in zip(krs, shown, strict=True)
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=progress,
            y=labels,
            orientation="h",
            name=t("okr.chart.progress", lang),
            showlegend=False,
            marker={
                "color": [STATUS_STYLE[kr["status"]][0] for kr in krs],
                "line": {"color": "#333", "width": 1},
            },
            text=texts,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.0f}%<extra></extra>",
        )
    )
    exp_x = [None if kr["expected"] is None else kr["expected"] * 100 for kr in krs]
    fig.add_trace(
        go.Scatter(
            x=exp_x,
            y=labels,
            mode="markers",
            name=t("okr.chart.expected", lang),
            showlegend=True,
            marker={"symbol": "line-ns", "size": 26, "line": {"width": 4, "color": "#000000"}},
            hovertemplate=t("okr.chart.expected", lang) + ": %{x:.0f}%<extra></extra>",
        )
    )
    fig.update_layout(
        height=80 + 44 * len(krs),
        margin={"l": 10, "r": 170, "t": 30, "b": 40},
        xaxis={
            "range": [0, 100],
            "ticksuffix": " %" if lang == "es" else "%",
            "title": t("okr.chart.x", lang),
            "dtick": 25,
        },
        yaxis={"automargin": True},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},
        separators=",." if lang == "es" else ".,",
        bargap=0.45,
    )
    return fig


# --------------------------------------------------------------------------- change table


def dimension_label(dim: str, lang: str) -> str:
    return t("rv.dim.all", lang) if dim == "all" else t(f"dim.{dim}", lang)


def group_label(dim: str, group: str, lang: str) -> str:
    return t("rv.group.all", lang) if dim == "all" else group


def change_key(row: dict) -> str:
    return f"{row['kpi']}|{row['dimension']}|{row['group']}"


def change_display(
    changes: list[dict], lang: str, restated: dict[str, dict] | None = None
) -> pd.DataFrame:
    """The change table in ``lang``: arrows and words by the KPI's good direction (handoff
    abandonment: down is good), raw q-values kept for sorting; ``restated`` (key → the
    restatement) adds the figure as reported beside the restated one."""
    restated = restated or {}
    out = []
    for r in changes:
        k = r["kpi"]
        if r["improved"] is None:
            direction = "→ " + t("rv.dir.flat", lang)
        else:
            arrow = "▲" if (r["diff"] or 0) > 0 else "▼"
            direction = f"{arrow} " + t("rv.dir.better" if r["improved"] else "rv.dir.worse", lang)
        lo, hi = r["diff_ci"]
        key = change_key(r)
        was = restated.get(key, {}).get("as_reported") if key in restated else None
        hidden, prev_hidden = r.get("suppressed"), r.get("previous_suppressed")
        out.append(
            {
                "key": key,
                "kpi": KPIS[k].label(lang),
                "dimension": dimension_label(r["dimension"], lang),
                "group": group_label(r["dimension"], r["group"], lang),
                "previous_s": suppression.label(prev_hidden, lang)
                if prev_hidden
                else _value(k, r["previous"], lang),
                "current_s": suppression.label(hidden, lang) if hidden else _value(k, r["current"], lang),
                "diff_s": format_delta(k, r["diff"], lang) or MISSING,
                "diff_ci": MISSING
                if lo is None or hi is None
                else f"{format_delta(k, lo, lang)} … {format_delta(k, hi, lang)}",
                "direction": direction,
                "improved": r["improved"],
                "q_value": r["q_value"],
                "significant": t("rv.yes" if r["significant"] else "rv.no", lang),
                "current_n": r["current_n"],
                "previous_n": r["previous_n"],
                "restated": ("⚠ " + t("rv.restated_flag", lang)) if key in restated else "",
                "as_reported": MISSING if was is None else _value(k, was.get("current"), lang),
            }
        )
    return pd.DataFrame(out)


def change_csv(changes: list[dict]) -> pd.DataFrame:
    """All comparisons, raw values, stable column names (the CSV download)."""
    rows = []
    for r in changes:
        rows.append(
            {
                "kpi": r["kpi"],
                "dimension": r["dimension"],
                "group": r["group"],
                "previous": r["previous"],
                "previous_n": r["previous_n"],
                "current": r["current"],
                "current_n": r["current_n"],
                "current_ci_low": r["current_ci"][0],
                "current_ci_high": r["current_ci"][1],
                "diff": r["diff"],
                "diff_ci_low": r["diff_ci"][0],
                "diff_ci_high": r["diff_ci"][1],
                "p_value": r["p_value"],
                "q_value": r["q_value"],
                "significant": r["significant"],
                "improved": r["improved"],
                "higher_is_better": KPIS[r["kpi"]].higher_is_better,
                "suppressed": r.get("suppressed"),
                "previous_suppressed": r.get("previous_suppressed"),
            }
        )
    return pd.DataFrame(rows)


def restatement_display(items: list[dict], lang: str) -> pd.DataFrame:
    out = []
    for r in items:
        k, was, now = r["kpi"], r["as_reported"], r["restated"] or {}
        out.append(
            {
                "kpi": KPIS[k].label(lang) if k in KPIS else k,
                "dimension": dimension_label(r["dimension"], lang),
                "group": group_label(r["dimension"], r["group"], lang),
                "reported": _value(k, was.get("current"), lang),
                "reported_n": was.get("current_n"),
                "restated": _value(k, now.get("current"), lang),
                "restated_n": now.get("current_n"),
                "sig_change": t("rv.yes", lang)
                if was.get("significant") != now.get("significant")
                else t("rv.no", lang),
            }
        )
    return pd.DataFrame(out)


def restatement_csv(items: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "kpi": r["kpi"],
                "dimension": r["dimension"],
                "group": r["group"],
                **{f"reported_{k}": v for k, v in r["as_reported"].items()},
                **{f"restated_{k}": v for k, v in (r["restated"] or {}).items()},
            }
            for r in items
        ]
    )


# --------------------------------------------------------------------------- alerts and actions


def alert_where(a: dict, lang: str) -> str:
    parts = []
    if a.get("channel"):
        parts.append(f"{t('dim.channel', lang)}: {a['channel']}")
    if a.get("intent"):
        parts.append(f"{t('dim.intent', lang)}: {a['intent']}")
    return " · ".join(parts) or t("rv.group.all", lang)


def alert_href(a: dict, lang: str, prefix: str = "./") -> str:
    """The alert's link to the filtered Channels page, relative to the app's own path."""
    return f"{prefix}{a['link']}&lang={lang}"


def alerts_display(alerts: list[dict], lang: str) -> pd.DataFrame:
    out = []
    for a in alerts:
        k = a["kpi"]
        size = a["size"]  # recurring-query alerts: the rise of the repeat-contact rate (100 − FCR)
        size_s = format_delta(k, size, lang) or MISSING
        hidden = a.get("suppressed")
        out.append(
            {
                "kpi": KPIS[k].label(lang),
                "what": t(f"rv.rule.{a['rule']}", lang),
                "where": alert_where(a, lang),
                "since": a["since"],
                "last_day": a["last_day"],
                "expected": fmt_number(a["expected"], lang, 1),
                "observed": suppression.label(hidden, lang) if hidden else fmt_number(a["observed"], lang, 1),
                "size": size_s,
                "n": a["n"],
                "link": alert_href(a, lang),
            }
        )
    return pd.DataFrame(out)


def actions_display(actions: list[dict], lang: str) -> pd.DataFrame:
    cols = [
        "id",
        "what",
        "owner",
        "due_date",
        "status_s",
        "kpi_s",
        "filter_s",
        "period",
        "created",
        "done",
    ]
    out = []
    for a in actions:
        out.append(
            {
                "id": a["id"],
                "what": a["what"],
                "owner": a["owner"],
                "due_date": a["due_date"],
                "status_s": ("✔ " + t("rv.action.done", lang))
                if a["status"] == "done"
                else ("○ " + t("rv.action.open", lang)),
                "kpi_s": KPIS[a["kpi"]].label(lang) if a.get("kpi") in KPIS else MISSING,
                "filter_s": describe_dims(a.get("filter") or {}, lang) or MISSING,
                "period": a["period"],
                "created": f"{a['created_by']} · {a['created_at'].replace('T', ' ')}",
                "done": MISSING
                if not a.get("done_at")
                else f"{a['done_by']} · {a['done_at'].replace('T', ' ')}",
            }
        )
    return pd.DataFrame(out, columns=cols)


def actions_csv(actions: list[dict]) -> pd.DataFrame:
    cols = [
        "id",
        "period",
        "what",
        "owner",
        "due_date",
        "kpi",
        "filter",
        "status",
        "created_at",
        "created_by",
        "done_at",
        "done_by",
    ]
    return pd.DataFrame(
        [{**a, "filter": describe_dims(a.get("filter") or {}, "en")} for a in actions], columns=cols
    )


def describe_dims(dims: dict[str, Any], lang: str) -> str:
    return " · ".join(
        f"{t(f'dim.{d}', lang)}: {', '.join(v) if isinstance(v, list) else v}"
        for d, v in dims.items()
    )


def due_summary(actions_due: list[dict]) -> tuple[int, int]:
    """(done, not done) among the actions due in the period."""
    done = sum(1 for a in actions_due if a["status"] == "done")
    return done, len(actions_due) - done
