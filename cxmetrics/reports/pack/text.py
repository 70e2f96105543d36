"""Texts and numbers of the pack: labels, values, deltas, intervals and q-values by language,
shared by the HTML, PDF and XLSX renderings."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import MISSING, dimension_name, fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.suppression import label as suppression_label

FORMATS: dict[str, str] = {".html": "html", ".htm": "html", ".pdf": "pdf", ".xlsx": "xlsx"}
GOOD, BAD, NEUTRAL = "#1a7f37", "#c62828", "#6b7280"
STATUS_COLORS = {"achieved": "#1a7f37", "on_track": "#2e7d32", "behind": "#b26a00", "at_risk": "#c62828",
                 "no_data": "#6b7280"}
CHART_ROWS = 20  # the change chart shows at most this many significant changes (smallest q first)
STATUS_ORDER = ("achieved", "on_track", "behind", "at_risk", "no_data")


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
    return {"mean": 2, "count": 0}.get(_kind(kpi), 1)


def fmt_value(kpi: str, value: float | None, lang: str) -> str:
    """A KPI value on its display scale: NPS '12.3', rates and churn '45.6%' (es '45,6 %'),
    CES '5.21', a count '1,234', a median time '4.2 min'."""
    if value is None:
        return MISSING
    if _kind(kpi) in ("rate", "churn"):
        return fmt_pct(value / 100.0, lang)
    text = fmt_number(value, lang, _decimals(kpi))
    return f"{text} min" if _kind(kpi) == "median" else text


def fmt_delta(kpi: str, value: float | None, lang: str) -> str:
    """A change with its sign and unit: '+8.6 pp', '-5.0 pts', '+0.12'."""
    if value is None:
        return MISSING
    text = fmt_number(value, lang, _decimals(kpi))
    if not text.startswith("-") and text.strip("0.,") != "":
        text = "+" + text
    unit = {"rate": "pack.unit.pp", "churn": "pack.unit.pp", "nps": "pack.unit.pts",
            "median": "ov.delta_unit.median"}.get(_kind(kpi))
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
