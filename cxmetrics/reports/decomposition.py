"""Where a KPI's change came from: its period-over-period change split by one dimension.

``change_by`` reads, for one KPI, a review period and a dimension, every slice's (n, value)
in the previous and the current period through ``metrics.engine.kpi_stats`` (as the
viewer's role may see them) and splits the change with ``analysis.decompose`` into rate
and mix effects that sum exactly to the total. The result is plain JSON (the page caches
it, ``review_data`` carries it into the pack); the other functions put it into words, a
table and a waterfall chart's traces, for the page and the pack alike.

**Small cells.** For a role that sees suppressed cells (fewer than k people, and their
complements), a slice suppressed in either period is not shown: the suppressed slices go
together into one remainder slice, "suppressed slices", computed as the total minus the
shown slices (the total is shown elsewhere anyway, and complementary suppression leaves at
least two hidden cells in it). The remainder's rate and mix effects are shown, never its
n, shares or values, and never which slices it holds.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from cxmetrics.analysis.decompose import (
    PLOTLY_MEASURE,
    Decomposition,
    SliceChange,
    decompose,
    summary,
    waterfall_rows,
)
from cxmetrics.i18n import MISSING, dimension_name, fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics.compare import Period
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import CATEGORICAL_DIMS, FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER, KPIS
from cxmetrics.metrics.source import Source

# The dimensions the review offers to split a change by (any categorical dimension works),
# and the KPIs that can be split (those whose value is a mean of per-record values: every
# tested KPI).
DIMENSIONS: tuple[str, ...] = ("channel", "intent", "region", "segment", "value_tier", "identity_state")
SUPPRESSED = "\x00suppressed"  # the remainder slice's key (no data value can be it)
TOP = 6  # the waterfall shows this many slices' rate effects, the rest as "other slices"
SENTENCE_TOP = 3
# Okabe-Ito blue (better) and vermillion (worse), grey for the period totals
BETTER, WORSE, TOTAL = "#0072B2", "#D55E00", "#6B7280"


def kpis() -> list[str]:
    """The KPIs whose change can be decomposed (tested KPIs of the core six)."""
    return [k for k in KPI_ORDER if KPIS[k].tested]


def _in(spec: FilterSpec | None, p: Period) -> FilterSpec:
    return (spec or FilterSpec()).model_copy(update={"date_from": p.start, "date_to": p.end})


def _slices(source: Source, kpi: str, p: Period, dim: str, spec: FilterSpec | None,
            role: str | None) -> tuple[dict[str, tuple[float, float, float]], set[str], tuple | None]:
    """(slice -> (n, s1, s2) of the shown slices, the suppressed slices, the total or None
    when the total itself is suppressed) over period ``p``."""
    groups = kpi_stats(source, [kpi], [dim], _in(spec, p), role=role)
    shown = {str(g.group[dim]): g.triple for g in groups if not g.suppressed}
    hidden = {str(g.group[dim]) for g in groups if g.suppressed}
    [total] = kpi_stats(source, [kpi], [], _in(spec, p), role=role) or [None]
    if total is None:
        return shown, hidden, (0.0, 0.0, 0.0)
    return shown, hidden, None if total.suppressed else total.triple


def change_by(source: Source, kpi: str, period: Period, dim: str, spec: FilterSpec | None = None, *,
              role: str | None) -> dict[str, Any]:
    """``kpi``'s change from ``period.previous()`` to ``period`` split by ``dim`` (JSON).

    ``slices`` keep the dimension's order (largest current n first); the remainder of
    suppressed slices, if any, is last with ``suppressed`` true and no n, share or value.
    """
    if kpi not in KPIS or not KPIS[kpi].tested:
        raise ValueError(f"{kpi} has no decomposition (only tested KPIs: {', '.join(kpis())})")
    if dim not in CATEGORICAL_DIMS:
        raise ValueError(f"unknown dimension {dim!r} (choose from {', '.join(CATEGORICAL_DIMS)})")
    previous = period.previous()
    shown0, hidden0, total0 = _slices(source, kpi, previous, dim, spec, role)
    shown1, hidden1, total1 = _slices(source, kpi, period, dim, spec, role)
    base = {"kpi": kpi, "dimension": dim, "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
            "previous": {"start": previous.start.isoformat(), "end": previous.end.isoformat()}}
    if total0 is None or total1 is None:
        return {**base, **_neutral("suppressed")}
    hidden = hidden0 | hidden1
    keys = sorted((set(shown0) | set(shown1)) - hidden, key=lambda s: (-shown1.get(s, (0,))[0], s))
    kspec = KPIS[kpi]

    def value(tr: tuple[float, float, float] | None) -> float | None:
        return kspec.estimate(*tr).value if tr and tr[0] > 0 else None

    rows = [(s, int(shown0.get(s, (0,))[0]), value(shown0.get(s)), int(shown1.get(s, (0,))[0]), value(shown1.get(s)))
            for s in keys]
    if hidden:
        rest = []
        for shown, total in ((shown0, total0), (shown1, total1)):
            tr = tuple(total[i] - sum(shown[s][i] for s in keys if s in shown) for i in range(3))
            rest.append((max(int(round(tr[0])), 0), tr))
        (n0, tr0), (n1, tr1) = rest
        rows.append((SUPPRESSED, n0, value(tr0) if n0 else None, n1, value(tr1) if n1 else None))
    d = decompose(dim, rows)
    return {**base, **to_json(d)}


def _neutral(reason: str) -> dict[str, Any]:
    return {"value0": None, "value1": None, "change": None, "n0": None, "n1": None, "slices": [],
            "rate_total": None, "mix_total": None, "reason": reason, "suppressed": False}


def to_json(d: Decomposition) -> dict[str, Any]:
    """A decomposition as JSON; the remainder of suppressed slices keeps only its effects."""
    slices = []
    for s in d.slices:
        hidden = s.slice == SUPPRESSED
        slices.append({"slice": s.slice, "suppressed": hidden, "rate": s.rate_effect, "mix": s.mix_effect,
                       "total": s.total, **({"n0": None, "n1": None, "share0": None, "share1": None, "value0": None,
                                             "value1": None} if hidden else
                                            {"n0": s.n0, "n1": s.n1, "share0": s.share0, "share1": s.share1,
                                             "value0": s.value0, "value1": s.value1})})
    return {"value0": d.value0, "value1": d.value1, "change": d.change, "n0": d.n0, "n1": d.n1, "slices": slices,
            "rate_total": d.rate_total, "mix_total": d.mix_total, "reason": d.reason,
            "suppressed": any(s["suppressed"] for s in slices)}


def from_json(data: dict[str, Any]) -> Decomposition:
    """The JSON back as an ``analysis.decompose.Decomposition`` (hidden figures as 0: they
    enter none of the summaries, which use the effects only)."""
    slices = tuple(SliceChange(s["slice"], s["n0"] or 0, s["n1"] or 0, s["share0"] or 0.0, s["share1"] or 0.0,
                               s["value0"], s["value1"], s["rate"], s["mix"], s["total"]) for s in data["slices"])
    return Decomposition(data["dimension"], data["value0"], data["value1"], data["change"], data["n0"] or 0,
                         data["n1"] or 0, slices, data["rate_total"], data["mix_total"], data["reason"])


# --------------------------------------------------------------------------- words


def slice_label(key: str, lang: str) -> str:
    return t("why.dec.suppressed", lang) if key == SUPPRESSED else key


def decimals(kpi: str) -> int:
    return 2 if KPIS[kpi].kind == "mean" else 1


def signed(x: float, kpi: str, lang: str) -> str:
    """'+2.1', '−7.2' (a true minus sign), '0.0'."""
    text = fmt_number(abs(x), lang, decimals(kpi))
    if round(abs(x), decimals(kpi)) == 0:
        return text
    return ("+" if x > 0 else "\u2212") + text


def unit(kpi: str, lang: str) -> str:
    """The unit of a change: 'points' (NPS), 'pp' (rates), '' (CES)."""
    return t(f"why.unit.{KPIS[kpi].kind}", lang) if KPIS[kpi].kind in ("nps", "rate", "churn") else ""


def value_text(kpi: str, v: float | None, lang: str) -> str:
    text = fmt_number(v, lang, decimals(kpi))
    if text == MISSING or KPIS[kpi].kind not in ("rate", "churn"):
        return text
    return f"{text} %" if lang == "es" else f"{text}%"


def sentence(data: dict[str, Any] | None, lang: str, top: int = SENTENCE_TOP) -> str | None:
    """'NPS fell 11.0 points: −7.2 from Andalucía (rate), −2.1 from chatbot (rate), −1.0 from
    mix.' (the largest contributions, the rest as 'other'); None without a change."""
    if not data or data.get("change") is None:
        return None
    kpi, change = data["kpi"], data["change"]
    items = summary(from_json(data), lambda s: slice_label(s, lang), top, mix_label="mix", other_label="other")
    parts = []
    for c in items:
        v = signed(c.value, kpi, lang)
        key = {"rate": "why.dec.item.rate", "mix": "why.dec.item.mix"}.get(c.kind, "why.dec.item.other")
        parts.append(t(key, lang, value=v, slice=c.label))
    move = "flat" if round(change, decimals(kpi)) == 0 else ("rose" if change > 0 else "fell")
    head = t(f"why.dec.{move}", lang, kpi=KPIS[kpi].label(lang), change=fmt_number(abs(change), lang, decimals(kpi)),
             unit=unit(kpi, lang), value=value_text(kpi, data["value1"], lang)).replace("  ", " ").strip()
    return head + (": " + ", ".join(parts) if parts and move != "flat" else "") + "."


def caption(data: dict[str, Any], lang: str) -> str:
    """'Previous period 2026-11-09 → 2026-11-22: 31.2 (n = 1,234); this period …: 20.2 (n = …).'"""
    kpi = data["kpi"]
    return t("why.dec.caption", lang, dim=dimension_name(data["dimension"], lang).lower(),
             start0=data["previous"]["start"], end0=data["previous"]["end"],
             value0=value_text(kpi, data["value0"], lang), n0=fmt_int(data["n0"], lang),
             start1=data["period"]["start"], end1=data["period"]["end"],
             value1=value_text(kpi, data["value1"], lang), n1=fmt_int(data["n1"], lang))


def reason_text(data: dict[str, Any], lang: str) -> str:
    reason = data.get("reason") or ""
    key = {"suppressed": "why.dec.none.suppressed", "the previous period has no records": "why.dec.none.previous",
           "the current period has no records": "why.dec.none.current"}.get(reason, "why.dec.none.empty")
    return t(key, lang)


def table_rows(data: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """One row per slice: shares, values and effects as text (the remainder's figures hidden)."""
    kpi, out = data["kpi"], []
    for s in data["slices"]:
        hidden = t("privacy.suppressed.short", lang) if s["suppressed"] else None
        out.append({
            "slice": slice_label(s["slice"], lang),
            "share0": hidden or fmt_pct(s["share0"], lang), "value0": hidden or value_text(kpi, s["value0"], lang),
            "n0": fmt_int(s["n0"], lang), "share1": hidden or fmt_pct(s["share1"], lang),
            "value1": hidden or value_text(kpi, s["value1"], lang), "n1": fmt_int(s["n1"], lang),
            "rate": signed(s["rate"], kpi, lang), "mix": signed(s["mix"], kpi, lang),
            "total": signed(s["total"], kpi, lang),
        })
    return out


TABLE_COLUMNS = {"slice": "why.dec.col.slice", "share0": "why.dec.col.share0", "value0": "why.dec.col.value0",
                 "n0": "why.dec.col.n0", "share1": "why.dec.col.share1", "value1": "why.dec.col.value1",
                 "n1": "why.dec.col.n1", "rate": "why.dec.col.rate", "mix": "why.dec.col.mix",
                 "total": "why.dec.col.total"}


# --------------------------------------------------------------------------- the waterfall


def waterfall_bars(data: dict[str, Any], lang: str, top: int = TOP) -> list[tuple[str, float, str]]:
    """(label, value, kind) of each bar: previous value, the largest rate effects, other
    slices, mix, current value; the steps sum to the change exactly."""
    rows = waterfall_rows(from_json(data), top, label_fn=lambda s: slice_label(s, lang),
                          start_label=t("why.dec.wf.previous", lang), end_label=t("why.dec.wf.current", lang),
                          other_label=t("why.dec.wf.other", lang), mix_label=t("why.dec.wf.mix", lang))
    return [(r.label, r.value, r.kind) for r in rows]


def _unique(labels: Sequence[str]) -> list[str]:
    """Category labels made unique (a slice named like a bar of ours gets a zero-width space)."""
    seen: set[str] = set()
    out = []
    for label in labels:
        while label in seen:
            label += "\u200b"
        seen.add(label)
        out.append(label)
    return out


def waterfall_traces(data: dict[str, Any], lang: str, top: int = TOP) -> tuple[list[dict], dict]:
    """The waterfall as plain Plotly (data, layout) dicts, for ``ui.figure`` on the pages and
    ``go.Figure`` in the pack: steps coloured by the KPI's good direction (blue better,
    vermillion worse; handoff abandonment: a rise is worse), period values in grey, each bar
    labelled with its value, the y axis zoomed to the bars' range (values are shown on them)."""
    kpi = data["kpi"]
    bars = waterfall_bars(data, lang, top)
    good_up = KPIS[kpi].higher_is_better
    labels = _unique([html.escape(b[0]) for b in bars])
    text = [value_text(kpi, v, lang).replace("-", "\u2212") if kind in ("start", "end") else signed(v, kpi, lang)
            for _, v, kind in bars]
    running, levels = 0.0, []
    for _, v, kind in bars:
        running = v if kind == "start" else running if kind == "end" else running + v
        levels.append(running)
    lo, hi = min(levels), max(levels)
    pad = max(0.25 * (hi - lo), 0.5 if KPIS[kpi].kind != "mean" else 0.05)
    trace = {
        "type": "waterfall", "orientation": "v", "x": labels, "y": [b[1] for b in bars],
        "measure": [PLOTLY_MEASURE[b[2]] for b in bars], "text": text, "textposition": "outside",
        "cliponaxis": False,
        "increasing": {"marker": {"color": BETTER if good_up else WORSE}},
        "decreasing": {"marker": {"color": WORSE if good_up else BETTER}},
        "totals": {"marker": {"color": TOTAL}},
        "connector": {"line": {"color": "#9CA3AF", "width": 1, "dash": "dot"}},
        "hovertemplate": "%{x}: %{text}<extra></extra>",
    }
    layout = {
        "height": 380, "margin": {"l": 10, "r": 10, "t": 30, "b": 10}, "showlegend": False,
        "separators": ",." if lang == "es" else ".,",
        "yaxis": {"title": {"text": f"{KPIS[kpi].label(lang)} ({t(f'ch.unit.{KPIS[kpi].unit}', lang)})"},
                  "range": [lo - pad, hi + pad], "gridcolor": "#E5E7EB", "zeroline": False},
        "xaxis": {"automargin": True, "type": "category"},
        "plot_bgcolor": "#FFFFFF", "paper_bgcolor": "#FFFFFF",
        "font": {"family": "DejaVu Sans, Liberation Sans, Arial, sans-serif", "size": 12},
    }
    return [trace], layout


def check_sum(data: dict[str, Any]) -> float:
    """The waterfall's steps minus the change (0 up to rounding): the tests' invariant."""
    steps = [v for _, v, kind in waterfall_bars(data, "en") if kind not in ("start", "end")]
    return math.fsum(steps) - (data["change"] or 0.0)
