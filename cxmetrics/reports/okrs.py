"""The OKR file and its key results as the OKR page shows them (no Streamlit calls).

Pages 5 (OKRs) and 6 (Committee review, its status strip) read the OKR file through here
and get back plain rows, frames and HTML badges to draw. Nothing here computes a metric:
values, intervals, progress and statuses come from ``okr.evaluate`` unchanged; this
module only reads the file and formats them.
"""

from __future__ import annotations

import html
import os
from datetime import date
from pathlib import Path

import pandas as pd

from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import MISSING, t
from cxmetrics.metrics import okr, suppression
from cxmetrics.metrics.compare import closed_periods
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.source import Source
from cxmetrics.reports.overview import format_value

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


def checked_okr_file(path: Path) -> tuple[str | None, str | None, float]:
    """(error, path, mtime) for the file at ``path``: no error and its cache key when it
    loads; the reason, None and 0.0 when it does not (the page says why, without OKRs)."""
    try:
        okr.load_okrs(path)
    except UserError as exc:
        return str(exc), None, 0.0
    return (None, *okr_file_key(path))


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


# --------------------------------------------------------------------------- key-result tables


def interval_text(kpi: str, low: float | None, high: float | None, lang: str) -> str:
    if low is None or high is None:
        return MISSING
    return f"{format_value(kpi, low, lang)} – {format_value(kpi, high, lang)}"


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


def kr_csv(rows: list[dict]) -> pd.DataFrame:
    """``kr_rows`` for the CSV: the trend as one text of values, each KPI's definition."""
    return pd.DataFrame(rows).assign(
        trend=lambda d: d["trend"].map(lambda v: " ".join(f"{x:.4g}" for x in v)),
        definition=lambda d: d["kpi"].map(lambda k: KPIS[k].definition_en),
    )


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
                else format_value(k, r["current"], lang)
                if enough
                else t("not_enough_data", lang),
                "ci": interval_text(k, r["ci_low"], r["ci_high"], lang) if enough else MISSING,
                "n": r["n"],
                "baseline_target": f"{format_value(k, r['baseline'], lang)} → {format_value(k, r['target'], lang)}",
                "progress": r["progress"],
                "expected": r["expected"],
                "trend": r["trend"],
                "window": f"{r['window_from']} → {r['window_to']}",
            }
        )
    return pd.DataFrame(out)
