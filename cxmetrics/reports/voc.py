"""Voice of the customer: the themes of survey verbatims ranked, compared and trended.

Pure functions over a ``Source`` (no Streamlit). Every figure is a survey KPI's
sufficient statistics from ``metrics.kpi_stats`` under the page's filter and the viewer's
role (k-anonymity); values, intervals and tests come from ``metrics.stats``.

The comparison groups (docs/metrics.md, "Voice of the customer page"):

- **responses with a verbatim**: the survey's responses whose theme is neither ``none``
  (no comment) nor ``unknown``. Volumes and shares are of these (the sidebar's theme
  filter chooses which themes are *shown*; it does not shrink the denominator).
- **impact**: the KPI of the responses whose primary theme is T against **all other
  responses with a verbatim**, not against every response: customers who write a comment
  score differently from those who do not, so "with T vs without a comment" would mix
  the effect of T with the effect of commenting. One BH family across the themes shown.
- **trends**: a review period (or range) against the previous one of equal length: each
  theme's share of the period's verbatims (Newcombe interval, pooled two-proportion
  z-test) and its KPI (the KPI's own test); BH across themes, one family for the shares
  and one for the KPI values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from cxmetrics.analysis.incidents import BASELINE_DAYS
from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import t
from cxmetrics.metrics import stats
from cxmetrics.metrics.compare import (
    Comparison,
    Period,
    last_closed_period,
    period_of,
    with_q_values,
)
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.source import GroupStats, Source
from cxmetrics.text.taxonomy import NONE, OTHER, default_taxonomy

SURVEY_KPIS: tuple[str, ...] = ("nps", "csat", "ces")
NO_VERBATIM: tuple[str, ...] = (NONE, "unknown")  # themes of responses without a comment
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")

RANKING_COLUMNS = (
    "theme", "n", "share", "share_ci_low", "share_ci_high", "value", "ci_low", "ci_high", "rest_value",
    "rest_n", "diff", "diff_ci_low", "diff_ci_high", "p_value", "q_value", "significant", "direction",
    "enough_data", "suppressed",
)  # fmt: skip
MIX_COLUMNS = ("theme", "sentiment", "n", "share", "theme_n", "suppressed")
TREND_COLUMNS = (
    "theme", "n", "share", "prev_n", "prev_share", "share_diff", "share_ci_low", "share_ci_high", "share_p",
    "share_q", "share_significant", "share_direction", "value", "prev_value", "value_diff", "value_ci_low",
    "value_ci_high", "value_p", "value_q", "value_significant", "value_direction", "suppressed",
)  # fmt: skip
HEATMAP_COLUMNS = (
    "theme", "channel", "n", "channel_n", "share", "value", "ci_low", "ci_high", "enough_share",
    "enough_value", "suppressed",
)  # fmt: skip


# --------------------------------------------------------------------------- themes


def check_survey_kpi(kpi: str) -> str:
    if kpi not in SURVEY_KPIS:
        raise UserError(f"'{kpi}' is not a survey KPI (choose from {', '.join(SURVEY_KPIS)})")
    return kpi


def theme_order() -> tuple[str, ...]:
    """The taxonomy's themes in file order, then 'other'."""
    return (*default_taxonomy().keys, OTHER)


def verbatim_themes(source: Source) -> tuple[str, ...]:
    """Every theme a response with a verbatim can have here: the taxonomy's and 'other',
    then any other theme the data holds (a snapshot built with another taxonomy), A→Z."""
    key = "voc_themes"
    if key not in source.extra:
        table = source.cube or "rec_survey"  # a fixed name, never user input
        present = {r[0] for r in source.con.execute(f"SELECT DISTINCT theme FROM {table}").fetchall()}
        known = theme_order()
        extra = sorted(v for v in present if v and v not in known and v not in NO_VERBATIM)
        source.extra[key] = (*known, *extra)
    return source.extra[key]


def sort_themes(themes: Sequence[str]) -> list[str]:
    """Distinct themes in the taxonomy's order, 'other' after them, unknown keys last."""
    order = {k: i for i, k in enumerate(theme_order())}
    return sorted(set(themes), key=lambda k: (order.get(k, len(order)), k))


def theme_label(theme: str, lang: str) -> str:
    """The theme's name in ``lang`` from the taxonomy ('Coverage and outages'); the
    reserved themes from the catalog; an unknown key as it is."""
    tax = default_taxonomy()
    if theme in tax.keys:
        return tax.theme(theme).label(lang)
    if theme in (OTHER, *NO_VERBATIM):
        return t(f"voc.theme.{theme}", lang)
    return theme


def verbatim_spec(source: Source, spec: FilterSpec) -> FilterSpec:
    """``spec`` narrowed to responses with a verbatim (its theme filter replaced by every theme)."""
    return spec.with_dims(theme=verbatim_themes(source))


def chosen_themes(spec: FilterSpec) -> tuple[str, ...] | None:
    """The themes the sidebar's filter picked (None: all of them)."""
    picked = tuple(v for v in spec.dims.get("theme", ()) if v not in NO_VERBATIM)
    return picked or None


def _one(groups: list[GroupStats]) -> GroupStats | None:
    return groups[0] if groups else None


# --------------------------------------------------------------------------- totals


@dataclass(frozen=True)
class VerbatimTotals:
    responses: int | None  # the survey's responses under the filter (theme/sentiment filters left out)
    with_verbatim: int | None  # of which have a verbatim (the shares' denominator)
    value: float | None  # the KPI over the responses with a verbatim
    suppressed: str | None  # why the counts are hidden from the role


def verbatim_totals(source: Source, kpi: str, spec: FilterSpec, *, role: str) -> VerbatimTotals:
    """How many responses the filter selects and how many of them carry a verbatim."""
    check_survey_kpi(kpi)
    everyone = _one(kpi_stats(source, [kpi], [], spec.with_dims(theme=None, sentiment=None), role=role))
    written = _one(kpi_stats(source, [kpi], [], verbatim_spec(source, spec), role=role))
    hidden = (everyone.suppressed if everyone else None) or (written.suppressed if written else None)
    if hidden:
        return VerbatimTotals(None, None, None, hidden)
    return VerbatimTotals(everyone.n if everyone else 0, written.n if written else 0,
                          written.estimate.value if written else None, None)


# --------------------------------------------------------------------------- ranking and impact


def theme_ranking(
    source: Source, kpi: str, spec: FilterSpec, min_n: int, alpha: float, *, role: str
) -> pd.DataFrame:
    """One row per theme with verbatims: its responses (n) and share of all responses with
    a verbatim (Wilson interval), the KPI of its responses against all other responses
    with a verbatim (``rest_*``), the difference with its interval and test, and BH
    q-values across the themes shown (one family). Largest first. A theme the role may not
    see has ``suppressed`` set and every figure empty."""
    check_survey_kpi(kpi)
    kspec = KPIS[kpi]
    vspec = verbatim_spec(source, spec)
    groups = kpi_stats(source, [kpi], ["theme"], vspec, role=role)
    total = _one(kpi_stats(source, [kpi], [], vspec))  # the rests (never shown for a hidden theme)
    shown = chosen_themes(spec)
    comparisons = []
    for g in groups:
        if shown is not None and g.group["theme"] not in shown:
            continue
        rest = (0, 0.0, 0.0) if g.suppressed or total is None else (total.n - g.n, total.s1 - g.s1, total.s2 - g.s2)
        comparisons.append(Comparison(g.group, kpi, g.estimate, kspec.estimate(*rest), kspec.difference(g.triple, rest),
                                      current_suppressed=g.suppressed, previous_suppressed=g.suppressed))
    rows = []
    for c in with_q_values(comparisons, min_n=min_n, alpha=alpha):
        hidden = c.current_suppressed
        share = stats.rate_estimate(c.current.n, total.n) if total and not hidden else stats.Estimate(None, 0, None, None)
        d = c.difference
        rows.append({
            "theme": c.group["theme"], "n": None if hidden else c.current.n, "share": share.value,
            "share_ci_low": share.ci_low, "share_ci_high": share.ci_high, "value": c.current.value,
            "ci_low": c.current.ci_low, "ci_high": c.current.ci_high, "rest_value": c.previous.value,
            "rest_n": None if hidden else c.previous.n, "diff": d.diff, "diff_ci_low": d.ci_low,
            "diff_ci_high": d.ci_high, "p_value": d.p_value, "q_value": c.q_value, "significant": c.significant,
            "direction": _direction(d.diff, c.significant), "enough_data": not hidden and c.current.n >= min_n,
            "suppressed": hidden,
        })
    order = {k: i for i, k in enumerate(sort_themes(r["theme"] for r in rows))}
    rows.sort(key=lambda r: (r["n"] is None, -(r["n"] or 0), order[r["theme"]]))  # largest first, hidden last
    return pd.DataFrame(rows, columns=list(RANKING_COLUMNS))


def _plain(value: Any) -> Any:
    """A frame cell as JSON: NaN → None, numpy scalars → Python."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def ranking_json(
    source: Source, kpi: str, spec: FilterSpec, min_n: int, alpha: float, *, role: str
) -> dict[str, Any]:
    """``cxm themes --json``: ``theme_ranking`` (the page's table: largest first, hidden last)
    with each theme's names (en/es) and the counts behind it (``verbatim_totals``), as
    ``role`` may see them. JSON-serializable."""
    from cxmetrics.core.privacy import k_threshold

    totals = verbatim_totals(source, kpi, spec, role=role)
    ranking = theme_ranking(source, kpi, spec, min_n, alpha, role=role)
    themes = []
    for i, r in enumerate(ranking.to_dict("records"), start=1):
        row = {c: _plain(r[c]) for c in RANKING_COLUMNS}
        row |= {c: int(row[c]) for c in ("n", "rest_n") if row[c] is not None}
        themes.append({"rank": i, "theme": row.pop("theme"),
                       "labels": {lang: theme_label(r["theme"], lang) for lang in ("en", "es")}, **row})
    return {
        "survey": kpi, "filter": spec.describe(), "tz": source.tz, "min_n": min_n, "alpha": alpha,
        "k": k_threshold(role), "responses": totals.responses, "with_verbatim": totals.with_verbatim,
        "value": totals.value, "suppressed": totals.suppressed, "themes": themes,
    }


def _direction(diff: float | None, significant: bool) -> str:
    """'up' / 'down' for a significant difference, '' otherwise."""
    if not significant or not diff:
        return ""
    return "up" if diff > 0 else "down"


# --------------------------------------------------------------------------- sentiment


def sentiment_mix(source: Source, kpi: str, spec: FilterSpec, *, role: str) -> pd.DataFrame:
    """The sentiment of the responses with a verbatim, overall (theme 'all') and per theme:
    one row per (theme, sentiment) with n, its share of the theme's verbatims and the
    theme's n. A hidden cell has n and share empty and ``suppressed`` set; a hidden theme
    total hides the whole theme."""
    check_survey_kpi(kpi)
    vspec = verbatim_spec(source, spec)
    shown = chosen_themes(spec)
    overall = _one(kpi_stats(source, [kpi], [], vspec, role=role))
    totals: dict[str, GroupStats] = {g.group["theme"]: g for g in kpi_stats(source, [kpi], ["theme"], vspec, role=role)}
    cells: dict[tuple[str, str], GroupStats] = {
        ("all", g.group["sentiment"]): g for g in kpi_stats(source, [kpi], ["sentiment"], vspec, role=role)
    }
    cells |= {(g.group["theme"], g.group["sentiment"]): g
              for g in kpi_stats(source, [kpi], ["theme", "sentiment"], vspec, role=role)}
    sentiments = list(SENTIMENTS) + sorted({s for _, s in cells} - set(SENTIMENTS))
    themes = [k for k in sort_themes(totals) if shown is None or k in shown]
    rows = []
    for theme, total in [("all", overall), *((k, totals[k]) for k in themes)]:
        if total is None:
            continue
        for s in sentiments:
            g = cells.get((theme, s))
            hidden = total.suppressed or (g.suppressed if g else None)
            n = None if hidden else (g.n if g else 0)
            rows.append({"theme": theme, "sentiment": s, "n": n,
                         "share": None if n is None or not total.n else 100.0 * n / total.n,
                         "theme_n": None if total.suppressed else total.n, "suppressed": hidden})
    df = pd.DataFrame(rows, columns=list(MIX_COLUMNS))
    drop = [s for s in sentiments if s not in SENTIMENTS and not (df.loc[df["sentiment"] == s, "n"].fillna(0) > 0).any()]
    return df[~df["sentiment"].isin(drop)].reset_index(drop=True)


# --------------------------------------------------------------------------- trends


@dataclass(frozen=True)
class ThemeTrends:
    rows: pd.DataFrame  # TREND_COLUMNS, rising shares first
    period: Period
    previous: Period
    total: int | None  # responses with a verbatim in the period (None: hidden from the role)
    prev_total: int | None


def theme_trends(
    source: Source, kpi: str, spec: FilterSpec, period: Period, min_n: int, alpha: float, *, role: str
) -> ThemeTrends:
    """Each theme in ``period`` against the previous period of equal length, under
    ``spec``'s dimensions (its dates are replaced): its share of the period's responses
    with a verbatim (difference in points, Newcombe interval, pooled z-test) and its KPI
    (the KPI's own difference and test). BH q-values across the themes, one family for the
    shares and one for the KPI; significant when q < alpha and both sides have at least
    ``min_n`` (the periods' verbatims for a share, the theme's responses for the KPI)."""
    check_survey_kpi(kpi)
    kspec = KPIS[kpi]
    prev = period.previous()
    base = verbatim_spec(source, spec)

    def window(p: Period) -> tuple[GroupStats | None, dict[str, GroupStats]]:
        s = base.model_copy(update={"date_from": p.start, "date_to": p.end})
        groups = kpi_stats(source, [kpi], ["theme"], s, role=role)
        return _one(kpi_stats(source, [kpi], [], s, role=role)), {g.group["theme"]: g for g in groups}

    (cur_total, cur), (prev_total, before) = window(period), window(prev)
    # a hidden period total (fewer than k people wrote anything) hides every share of it
    ct = None if cur_total is not None and cur_total.suppressed else (cur_total.n if cur_total else 0)
    pt = None if prev_total is not None and prev_total.suppressed else (prev_total.n if prev_total else 0)
    shown = chosen_themes(spec)
    themes = [k for k in sort_themes(set(cur) | set(before)) if shown is None or k in shown]
    empty = stats.Difference(None, None, None, None, 0, 0)
    rows = []
    for theme in themes:
        c, b = cur.get(theme), before.get(theme)
        c_hidden = (c.suppressed if c else None) or (cur_total.suppressed if ct is None else None)
        b_hidden = (b.suppressed if b else None) or (prev_total.suppressed if pt is None else None)
        hidden = c_hidden or b_hidden
        c_t, b_t = (c.triple if c else (0, 0.0, 0.0)), (b.triple if b else (0, 0.0, 0.0))
        share_d = empty if hidden else stats.rate_difference((c_t[0], ct), (b_t[0], pt))
        value_d = empty if hidden else kspec.difference(c_t, b_t)
        rows.append({
            "theme": theme,
            "n": None if c_hidden else int(c_t[0]),
            "share": None if c_hidden or not ct else 100.0 * c_t[0] / ct,
            "prev_n": None if b_hidden else int(b_t[0]),
            "prev_share": None if b_hidden or not pt else 100.0 * b_t[0] / pt,
            "share_diff": share_d.diff, "share_ci_low": share_d.ci_low, "share_ci_high": share_d.ci_high,
            "share_p": share_d.p_value,
            "value": None if c_hidden else kspec.estimate(*c_t).value,
            "prev_value": None if b_hidden else kspec.estimate(*b_t).value,
            "value_diff": value_d.diff, "value_ci_low": value_d.ci_low, "value_ci_high": value_d.ci_high,
            "value_p": value_d.p_value, "suppressed": hidden,
        })
    share_q = stats.bh_qvalues([r["share_p"] for r in rows])
    value_q = stats.bh_qvalues([r["value_p"] for r in rows])
    for r, sq, vq in zip(rows, share_q, value_q, strict=True):
        r["share_q"], r["value_q"] = sq, vq
        r["share_significant"] = r["suppressed"] is None and stats.is_significant(sq, ct or 0, pt or 0, min_n, alpha)
        r["value_significant"] = r["suppressed"] is None and stats.is_significant(
            vq, r["n"] or 0, r["prev_n"] or 0, min_n, alpha)
        r["share_direction"] = _direction(r["share_diff"], r["share_significant"])
        r["value_direction"] = _direction(r["value_diff"], r["value_significant"])
    rows.sort(key=lambda r: (r["share_diff"] is None, -(r["share_diff"] or 0.0)))  # rising first, stable
    return ThemeTrends(pd.DataFrame(rows, columns=list(TREND_COLUMNS)), period, prev, ct, pt)


def trend_period(source: Source, period: Period | None) -> Period | None:
    """The period the trends compare: the sidebar's (a review period or a range), else the
    last closed review period."""
    return period if period is not None else last_closed_period(source)


# --------------------------------------------------------------------------- theme × channel


def theme_channel_cells(source: Source, kpi: str, spec: FilterSpec, min_n: int, *, role: str) -> pd.DataFrame:
    """One row per (theme, channel with verbatims): the cell's responses, its share of the
    channel's responses with a verbatim and the KPI of the cell (interval). A cell with no
    response has n = 0 and share 0. ``enough_share``: the channel has at least ``min_n``
    verbatims; ``enough_value``: the cell has at least ``min_n`` responses. A hidden cell
    (or channel) has its figures empty and ``suppressed`` set."""
    check_survey_kpi(kpi)
    vspec = verbatim_spec(source, spec)
    channels = {g.group["channel"]: g for g in kpi_stats(source, [kpi], ["channel"], vspec, role=role)}
    cells = {(g.group["theme"], g.group["channel"]): g
             for g in kpi_stats(source, [kpi], ["channel", "theme"], vspec, role=role)}
    shown = chosen_themes(spec)
    themes = [k for k in sort_themes({th for th, _ in cells}) if shown is None or k in shown]
    rows = []
    for theme in themes:
        for channel in sorted(channels):
            total, g = channels[channel], cells.get((theme, channel))
            hidden = (g.suppressed if g else None) or (total.suppressed if g is None else None)
            n = None if hidden else (g.n if g else 0)
            est = g.estimate if g and not hidden else stats.Estimate(None, 0, None, None)
            rows.append({
                "theme": theme, "channel": channel, "n": n,
                "channel_n": None if total.suppressed else total.n,
                "share": None if n is None or total.suppressed or not total.n else 100.0 * n / total.n,
                "value": est.value, "ci_low": est.ci_low, "ci_high": est.ci_high,
                "enough_share": not hidden and not total.suppressed and total.n >= min_n,
                "enough_value": not hidden and (n or 0) >= min_n, "suppressed": hidden,
            })
    return pd.DataFrame(rows, columns=list(HEATMAP_COLUMNS))


# --------------------------------------------------------------------------- links


def channels_href(source: Source, theme: str, kpi: str, spec: FilterSpec, lang: str, prefix: str = "./") -> str:
    """The Channels & cohorts page on ``theme`` under the same filter (period or dates,
    other dimensions, language), relative to the app's own path."""
    query: dict[str, str] = {"kpi": kpi, "lang": lang}
    if spec.date_from and spec.date_to:
        p = period_of(spec.date_from, source.anchor, source.period_days)
        if (p.start, p.end) == (spec.date_from, spec.date_to):
            query["period"] = p.label
        else:
            query |= {"from": spec.date_from.isoformat(), "to": spec.date_to.isoformat()}
    else:
        query["period"] = "all"
    for dim, values in spec.dims.items():
        if dim != "theme":
            query[dim] = ",".join(values)
    query["theme"] = theme
    return f"{prefix}channels?{urlencode(query, safe=',')}"


# --------------------------------------------------------------------------- incidents


def incident_themes(
    source: Source,
    incident: dict[str, Any],
    role: str,
    *,
    spec: FilterSpec | None = None,
    kpis: Sequence[str] = SURVEY_KPIS,
    top: int = 3,
    min_n: int | None = None,
    alpha: float | None = None,
    rank: str = "n",
) -> dict[str, Any]:
    """The themes of the survey responses in an incident's slice and window, against the
    same slice in the baseline window (the ``BASELINE_DAYS`` days before the onset, as the
    alerts' baseline), for the incident card.

    ``incident`` is the JSON of ``analysis.incidents.Incident`` (``dimension``, ``values``,
    ``onset``, ``until``); ``spec`` the review's own filter (its dates are replaced).
    Responses of every survey in ``kpis`` with a verbatim count. Returns ``window`` and
    ``baseline`` (from/to), ``n`` and ``baseline_n`` (responses with a verbatim), and
    ``themes``: the ``top`` themes by n in the window (``rank="n"``) or, with
    ``rank="rise"`` (the incident cards), the ``top`` themes whose share rose most against
    the baseline, largest rise first (themes that did not rise, or that the role may not
    see, left out), each with ``theme``, ``labels``
    (en/es), ``n``, ``share``, ``baseline_n``, ``baseline_share`` (percent), ``diff`` (points),
    ``p_value``, ``q_value`` (BH across every theme of the incident) and ``significant``. A
    theme with a hidden part (fewer than k people for ``role``, in either window or for any
    one survey: the per-survey figures are on the Voice of the customer page, so a sum over
    surveys could be differenced) has its figures empty and ``suppressed`` set, and
    ``hidden_themes`` counts them; a hidden window total hides every share (``suppressed``
    at the top)."""
    settings = get_settings()
    min_n = settings.min_n if min_n is None else min_n
    alpha = settings.alpha if alpha is None else alpha
    kpis = [check_survey_kpi(k) for k in kpis]
    onset, until = date.fromisoformat(incident["onset"]), date.fromisoformat(incident["until"])
    b_from, b_to = onset - timedelta(days=BASELINE_DAYS), onset - timedelta(days=1)
    base = spec or FilterSpec()
    if incident.get("dimension", "all") != "all" and incident.get("values"):
        base = base.with_dims(**{incident["dimension"]: tuple(incident["values"])})
    base = verbatim_spec(source, base)

    def counts(first: date, last: date) -> tuple[int | None, str | None, dict[str, tuple[int | None, str | None]]]:
        s = base.model_copy(update={"date_from": first, "date_to": last})
        total, total_hidden = 0, None
        for g in kpi_stats(source, kpis, [], s, role=role):
            total += g.n
            total_hidden = total_hidden or g.suppressed
        per: dict[str, tuple[int | None, str | None]] = {}
        for g in kpi_stats(source, kpis, ["theme"], s, role=role):
            n, hidden = per.get(g.group["theme"], (0, None))
            per[g.group["theme"]] = (None if hidden or g.suppressed else (n or 0) + g.n, hidden or g.suppressed)
        return (None if total_hidden else total), total_hidden, per

    n, n_hidden, during = counts(onset, until)
    bn, bn_hidden, before = counts(b_from, b_to)
    rows = []
    for theme in sort_themes(set(during) | set(before)):
        (x, xh), (y, yh) = during.get(theme, (0, None)), before.get(theme, (0, None))
        hidden = xh or yh or n_hidden or bn_hidden
        d = stats.Difference(None, None, None, None, 0, 0) if hidden else stats.rate_difference((x, n), (y, bn))
        rows.append({
            "theme": theme, "labels": {lang: theme_label(theme, lang) for lang in ("en", "es")},
            "n": None if xh else x, "share": None if hidden or not n else 100.0 * x / n,
            "baseline_n": None if yh else y, "baseline_share": None if hidden or not bn else 100.0 * y / bn,
            "diff": d.diff, "p_value": d.p_value, "suppressed": hidden,
        })
    for r, q in zip(rows, stats.bh_qvalues([r["p_value"] for r in rows]), strict=True):
        r["q_value"] = q
        r["significant"] = r["suppressed"] is None and stats.is_significant(q, n or 0, bn or 0, min_n, alpha)
    hidden_themes = sum(1 for r in rows if r["suppressed"])
    if rank == "rise":
        rows = sorted((r for r in rows if r["diff"] is not None and r["diff"] > 0), key=lambda r: -r["diff"])
    elif rank == "n":
        rows.sort(key=lambda r: (r["n"] is None, -(r["n"] or 0)))
    else:
        raise ValueError(f"unknown rank {rank!r} (n or rise)")
    return {
        "window": {"from": onset.isoformat(), "to": until.isoformat()},
        "baseline": {"from": b_from.isoformat(), "to": b_to.isoformat()},
        "n": n, "baseline_n": bn, "suppressed": n_hidden or bn_hidden, "hidden_themes": hidden_themes,
        "themes": rows[:top],
    }
