"""The committee's decisions and actions (``serving.app_state``) as the review page shows
them: texts in a language for the tables, raw values for the CSVs (no Streamlit calls)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxmetrics.i18n import MISSING, t
from cxmetrics.metrics.registry import KPIS


def actions_display(actions: list[dict], lang: str) -> pd.DataFrame:
    """The actions as the page's tables show them: status, KPI, linked filter and who
    recorded / closed them as texts in ``lang`` (an em dash where there is none)."""
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
    """The actions with their stored fields and stable column names (the CSV download)."""
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
    """'Channel: web · Segment: business': a linked filter in words ('' for none)."""
    return " · ".join(
        f"{t(f'dim.{d}', lang)}: {', '.join(v) if isinstance(v, list) else v}"
        for d, v in dims.items()
    )


def due_summary(actions_due: list[dict]) -> tuple[int, int]:
    """(done, not done) among the actions due in the period."""
    done = sum(1 for a in actions_due if a["status"] == "done")
    return done, len(actions_due) - done


def open_actions(actions: list[dict]) -> list[dict]:
    """The actions not done yet, in the log's order."""
    return [a for a in actions if a["status"] == "open"]


def action_line(action: dict, lang: str) -> str:
    """'#3 Fix the survey — Ana · Due 2026-03-15': one open action in a line."""
    return f"#{action['id']} {action['what']} — {action['owner']} · {t('rv.col.due', lang)} {action['due_date']}"
