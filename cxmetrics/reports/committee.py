"""Data shaping for the Committee review page (no Streamlit calls).

The page reads the review's figures and the app state through here and gets back plain
frames, texts and tiles to draw. Nothing here computes a metric: values, intervals,
q-values and statuses come from ``review.review_data`` unchanged; this module only picks
and formats them. The OKR file and its status badges: ``reports.okrs``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from cxmetrics.core import privacy
from cxmetrics.i18n import MISSING, fmt_int, fmt_number, t
from cxmetrics.metrics import okr, suppression
from cxmetrics.metrics.compare import Period
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.source import Source
from cxmetrics.reports import cases as case_figures
from cxmetrics.reports import review
from cxmetrics.reports.overview import format_delta, format_value
from cxmetrics.reports.tiles import Tile
from cxmetrics.serving import app_state

BETTER_BG, WORSE_BG = "#CFE5F5", "#F6D5C2"  # light tints of Okabe-Ito blue and vermillion


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


def with_fresh_cases(
    data: dict[str, Any], period: Period, tz: str, state_path: Path | None = None, *, role: str
) -> dict[str, Any]:
    """The review data with its closed-loop figures read again from the app state (the
    default one without ``state_path``): cases are worked in real time, never cached."""
    path = state_path or app_state.default_path()
    return {**data, "closed_loop": case_figures.review_section(path, period.start, period.end, role=role, tz=tz)}


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


# --------------------------------------------------------------------------- change table


def dimension_label(dim: str, lang: str) -> str:
    return t("rv.dim.all", lang) if dim == "all" else t(f"dim.{dim}", lang)


def group_label(dim: str, group: str, lang: str) -> str:
    return t("rv.group.all", lang) if dim == "all" else group


def change_key(row: dict) -> str:
    return f"{row['kpi']}|{row['dimension']}|{row['group']}"


def by_change_key(items: list[dict]) -> dict[str, dict]:
    """Rows (changes or restatements) by ``change_key``."""
    return {change_key(r): r for r in items}


def change_tiles(changes: list[dict], alerts: list[dict], lang: str) -> list[Tile]:
    """The five tiles over the change table: comparisons, significant ones, of which better
    and worse (by each KPI's good direction), and alerts raised in the period."""
    significant = [r for r in changes if r["significant"]]
    counts = (
        ("compared", len(changes)),
        ("significant", len(significant)),
        ("better", sum(1 for r in significant if r["improved"])),
        ("worse", sum(1 for r in significant if r["improved"] is False)),
        ("alerts", len(alerts)),
    )
    return [Tile(t(f"rv.m.{name}", lang), fmt_int(n, lang)) for name, n in counts]


def q_text(q: float | None, lang: str) -> str:
    """A q-value with three decimals; below 0.001 as '< 0.001'."""
    if q is None or q != q:
        return MISSING
    return "< " + fmt_number(0.001, lang, 3) if q < 0.001 else fmt_number(q, lang, 3)


def direction_styles(rows: list[dict]) -> list[str]:
    """Per change row, the CSS of its difference and direction cells: a significant change
    tinted by the KPI's good direction (blue better, orange worse), the others plain."""
    return [
        ""
        if not r["significant"] or r["improved"] is None
        else f"background-color: {BETTER_BG if r['improved'] else WORSE_BG}; color: #000000"
        for r in rows
    ]


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
                else format_value(k, r["previous"], lang),
                "current_s": suppression.label(hidden, lang) if hidden else format_value(k, r["current"], lang),
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
                "as_reported": MISSING if was is None else format_value(k, was.get("current"), lang),
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
                "reported": format_value(k, was.get("current"), lang),
                "reported_n": was.get("current_n"),
                "restated": format_value(k, now.get("current"), lang),
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


def frozen_text(frozen: dict, lang: str) -> str:
    """'This review was closed on … by …': when and by whom, on which data version."""
    return t(
        "rv.frozen", lang, at=frozen["closed_at"].replace("T", " "), by=frozen["closed_by"], v=frozen["data_version"]
    )


def okr_strip_csv(objectives: list[dict]) -> pd.DataFrame:
    """The OKR status strip's objectives: id, title, owner, status."""
    return pd.DataFrame([{k: o[k] for k in ("id", "title", "owner", "status")} for o in objectives])


# --------------------------------------------------------------------------- alerts


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
