"""Key drivers of NPS and CSAT for the page, the pack and ``cxm drivers``: data, words, chart.

``drivers_for`` reads the survey responses of a slice beside the experience they rate
(``analysis.experiences.survey_experiences``) and runs ``analysis.drivers.key_drivers`` on
them (200 seeded bootstrap resamples, so the same data give the same intervals); the
result is plain JSON. The rest puts it into a table and a quadrant chart (importance ×
current performance) in the viewer's language, with the observational caveat.

The analysis is an aggregate over every response of the slice (at least ``MIN_N``); its
per-attribute figures are over groups of at least ``MIN_N`` responses too. The only
smaller groups are the pooled levels of a categorical attribute (channel, intent): for a
role that sees suppressed cells their KPI is withheld.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

from cxmetrics.analysis.drivers import CAVEAT, key_drivers
from cxmetrics.analysis.experiences import ATTRIBUTES, GOOD, survey_experiences
from cxmetrics.core.privacy import k_threshold
from cxmetrics.i18n import MISSING, fmt_int, fmt_number, t
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.source import Source

DRIVER_KPIS: tuple[str, ...] = ("nps", "csat")
N_BOOT, SEED, MIN_N = 200, 0, 30
# The quadrant's colours: Okabe-Ito vermillion (fix first), blue (protect), grey (the rest)
FIX, PROTECT, OTHER = "#D55E00", "#0072B2", "#6B7280"


def drivers_for(source: Source, kpi: str, spec: FilterSpec | None = None, *, role: str | None = None,
                n_boot: int = N_BOOT, seed: int = SEED) -> dict[str, Any]:
    """The key drivers of ``kpi`` (nps or csat) over the responses of ``spec``'s slice, as JSON."""
    if kpi not in DRIVER_KPIS:
        raise ValueError(f"key drivers are for nps and csat, not {kpi}")
    frame = survey_experiences(source, kpi, spec)
    result = key_drivers(frame, "score", ATTRIBUTES, kind=kpi, good=GOOD, n_boot=n_boot, seed=seed, min_n=MIN_N)
    out = dataclasses.asdict(result)
    out["kpi"] = kpi
    out["filter"] = (spec or FilterSpec()).describe()
    if k_threshold(role) is not None:  # pooled categorical levels are groups under MIN_N responses
        for row in out["rows"]:
            row["levels"] = [{**lv, "effect": None} if lv["pooled"] else lv for lv in row["levels"]]
    return out


def attribute_label(name: str, lang: str) -> str:
    key = f"why.drv.attr.{name}"
    text = t(key, lang)
    return name if text == key else text


def caveat(lang: str) -> str:
    """``analysis.drivers.CAVEAT`` in ``lang`` (the English text is the catalog's, word for word)."""
    return t("why.drv.caveat", lang)


def _kpi_value(kpi: str, v: float | None, lang: str) -> str:
    text = fmt_number(v, lang, 1)
    if text == MISSING or kpi == "nps":
        return text
    return f"{text} %" if lang == "es" else f"{text}%"


def _interval(lo: float | None, hi: float | None, lang: str, decimals: int = 1) -> str:
    if lo is None or hi is None:
        return MISSING
    sep = "; " if lang == "es" else ", "
    return f"[{fmt_number(lo, lang, decimals)}{sep}{fmt_number(hi, lang, decimals)}]"


def performance_text(row: dict[str, Any], lang: str) -> str:
    """Booleans: the % in the good state ('82.1% no'); numerics: the median with its unit."""
    if row["performance"] is None:
        return MISSING
    if row["kind"] == "numeric":
        return t("why.drv.median", lang, value=fmt_number(row["performance"], lang, 1))
    pct = f"{fmt_number(row['performance'], lang, 1)}{' %' if lang == 'es' else '%'}"
    return t("why.drv.good_share", lang, pct=pct, state=t(f"why.drv.good.{str(bool(row['good'])).lower()}", lang))


def table_rows(result: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """One row per attribute, most important first: importance % [interval], the KPI with
    and without it (n), the odds ratio [interval], performance."""
    kpi, out = result["kpi"], []
    for r in result["rows"]:
        if r["kind"] == "categorical":
            levels = [lv for lv in r["levels"] if lv["effect"] is not None and not lv["pooled"]]
            best = max(levels, key=lambda lv: lv["effect"], default=None)
            worst = min(levels, key=lambda lv: lv["effect"], default=None)
            with_s = t("why.drv.best", lang, level=best["level"], value=_kpi_value(kpi, best["effect"], lang)) \
                if best else MISSING
            without_s = t("why.drv.worst", lang, level=worst["level"], value=_kpi_value(kpi, worst["effect"], lang)) \
                if worst else MISSING
        else:
            with_s, without_s = _kpi_value(kpi, r["effect_with"], lang), _kpi_value(kpi, r["effect_without"], lang)
        odds = MISSING if r["odds_ratio"] is None else (
            fmt_number(r["odds_ratio"], lang, 2) + " " + _interval(*(r["or_ci"] or (None, None)), lang, 2))
        out.append({
            "attribute": attribute_label(r["attribute"], lang),
            "importance": f"{fmt_number(r['importance_share'], lang, 1)} {_interval(r['ci_low'], r['ci_high'], lang)}",
            "with": with_s, "n_with": fmt_int(r["n_with"] if r["kind"] != "categorical" else None, lang),
            "without": without_s, "n_without": fmt_int(r["n_without"] if r["kind"] != "categorical" else None, lang),
            "odds_ratio": odds, "performance": performance_text(r, lang),
            "share": r["importance_share"],
        })
    return out


TABLE_COLUMNS = {"attribute": "why.drv.col.attribute", "importance": "why.drv.col.importance",
                 "with": "why.drv.col.with", "n_with": "why.drv.col.n_with",
                 "without": "why.drv.col.without", "n_without": "why.drv.col.n_without",
                 "odds_ratio": "why.drv.col.odds_ratio", "performance": "why.drv.col.performance"}


def header(kpi: str, lang: str) -> str:
    return t("why.drv.header", lang, kpi=KPIS[kpi].label(lang))


def summary_text(result: dict[str, Any], lang: str) -> str:
    """'Over 1,234 NPS responses the attributes explain 18.2% of the score's variance (R²);
    the largest driver: handoff abandoned (41.0%).' or why nothing could be estimated."""
    kpi = result["kpi"]
    if not result["rows"]:
        return t("why.drv.none", lang, n=fmt_int(result["n"], lang), kpi=KPIS[kpi].label(lang))
    top = result["rows"][0]
    return t("why.drv.summary", lang, n=fmt_int(result["n"], lang), kpi=KPIS[kpi].label(lang),
             r2=fmt_number(100 * result["r2"], lang, 1), top=attribute_label(top["attribute"], lang).lower(),
             share=fmt_number(top["importance_share"], lang, 1))


def skipped_text(result: dict[str, Any], lang: str) -> str | None:
    if not result["skipped"]:
        return None
    names = ", ".join(attribute_label(name, lang) for name, _ in result["skipped"])
    return t("why.drv.skipped", lang, names=names)


def quadrant_points(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The boolean attributes (performance is a % on one shared axis; numerics are not)."""
    return [r for r in result["rows"] if r["kind"] == "boolean" and r["performance"] is not None]


def quadrant_traces(result: dict[str, Any], lang: str) -> tuple[list[dict], dict]:
    """The quadrant chart as plain Plotly (data, layout): x = current performance (% of
    responses in the attribute's good state), y = importance share with its 95 % interval;
    lines at the median performance and at an equal share (100 / attributes); the top-left
    quadrant (important, performing worst) is 'fix first'."""
    points = quadrant_points(result)
    k = max(len(result["rows"]), 1)
    xs = [p["performance"] for p in points]
    ys = [p["importance_share"] for p in points]
    x_mid = sorted(xs)[len(xs) // 2] if xs else 50.0
    y_mid = 100.0 / k
    colours = [FIX if x < x_mid and y >= y_mid else PROTECT if y >= y_mid else OTHER for x, y in zip(xs, ys, strict=True)]
    labels = [html.escape(attribute_label(p["attribute"], lang)) for p in points]
    hover = [f"{lab}<br>{html.escape(performance_text(p, lang))}<br>"
             f"{html.escape(t('why.drv.col.importance', lang))}: {fmt_number(p['importance_share'], lang, 1)} "
             f"{html.escape(_interval(p['ci_low'], p['ci_high'], lang))}" for lab, p in zip(labels, points, strict=True)]
    up = [max((p["ci_high"] or p["importance_share"]) - p["importance_share"], 0.0) for p in points]
    down = [max(p["importance_share"] - (p["ci_low"] if p["ci_low"] is not None else p["importance_share"]), 0.0)
            for p in points]
    data = [{
        "type": "scatter", "mode": "markers+text", "x": xs, "y": ys, "text": labels, "textposition": "top center",
        "marker": {"size": 13, "color": colours, "line": {"width": 1, "color": "#FFFFFF"}},
        "error_y": {"type": "data", "symmetric": False, "array": up, "arrayminus": down, "color": "#9CA3AF",
                    "thickness": 1.2, "width": 3},
        "hovertext": hover, "hoverinfo": "text", "cliponaxis": False,
    }]
    x_lo = min([*xs, x_mid]) - 8 if xs else 0
    x_hi = min(max([*xs, x_mid]) + 8, 102) if xs else 100
    y_hi = max([p["importance_share"] + u for p, u in zip(points, up, strict=True)] + [y_mid]) * 1.15 + 2
    corner = {"showarrow": False, "font": {"size": 11, "color": "#6B7280"}, "xref": "paper", "yref": "paper"}
    annotations = [
        {**corner, "x": 0.01, "y": 0.99, "xanchor": "left", "yanchor": "top", "text": html.escape(t("why.drv.q.fix", lang)),
         "font": {"size": 12, "color": FIX}},
        {**corner, "x": 0.99, "y": 0.99, "xanchor": "right", "yanchor": "top", "text": html.escape(t("why.drv.q.protect", lang))},
        {**corner, "x": 0.01, "y": y_mid, "yref": "y", "xanchor": "left", "yanchor": "top",
         "text": html.escape(t("why.drv.q.monitor", lang))},
        {**corner, "x": 0.99, "y": y_mid, "yref": "y", "xanchor": "right", "yanchor": "top",
         "text": html.escape(t("why.drv.q.over", lang))},
    ]
    line = {"type": "line", "line": {"color": "#9CA3AF", "width": 1, "dash": "dash"}}
    layout = {
        "height": 420, "margin": {"l": 10, "r": 10, "t": 20, "b": 10}, "showlegend": False,
        "separators": ",." if lang == "es" else ".,",
        "xaxis": {"title": {"text": t("why.drv.axis.performance", lang)}, "range": [x_lo, x_hi], "ticksuffix": " %" if lang == "es" else "%",
                  "gridcolor": "#E5E7EB", "zeroline": False},
        "yaxis": {"title": {"text": t("why.drv.axis.importance", lang)}, "range": [0, y_hi], "ticksuffix": " %" if lang == "es" else "%",
                  "gridcolor": "#E5E7EB", "zeroline": False},
        "shapes": [{**line, "x0": x_mid, "x1": x_mid, "y0": 0, "y1": 1, "xref": "x", "yref": "paper"},
                   {**line, "x0": 0, "x1": 1, "y0": y_mid, "y1": y_mid, "xref": "paper", "yref": "y"}],
        "annotations": annotations,
        "plot_bgcolor": "#FFFFFF", "paper_bgcolor": "#FFFFFF",
        "font": {"family": "DejaVu Sans, Liberation Sans, Arial, sans-serif", "size": 12},
    }
    return data, layout


__all__ = ["CAVEAT", "DRIVER_KPIS", "attribute_label", "caveat", "drivers_for", "header", "quadrant_points",
           "quadrant_traces", "skipped_text", "summary_text", "table_rows"]
