"""The Retention & churn page's words and tables: reports' frames turned into what the page
shows (labels, formatted figures with intervals, tiles), so the page only draws them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxmetrics.i18n import fmt_datetime, fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics import suppression
from cxmetrics.model.churn_risk import COHORT_FEATURES
from cxmetrics.reports.retention import NEGATIVE_KINDS, Curves, RiskValidation, Windows
from cxmetrics.reports.small_cells import reason_of
from cxmetrics.reports.tiles import Tile


def cohort_name(cohort: str, lang: str) -> str:
    return t(f"ret.cohort.{cohort}", lang)


def cohort_value(cohort: str, value: Any, lang: str) -> str:
    """A cohort's value for people: 'All customers', 'before 2025-Q1', or the value."""
    if cohort == "all":
        return t("ret.cohort.all_value", lang)
    text = str(value)
    return t("ret.signup.before", lang, quarter=text[2:]) if text.startswith("< ") else text


def month_label(month: str, partial: bool, lang: str) -> str:
    return f"{month} ({t('ret.month.partial_short', lang)})" if partial else month


def window_label(days: int, lang: str) -> str:
    return t("ret.after.window", lang, days=int(days))


def pct(value: float | None, lang: str, decimals: int = 1) -> str:
    """A percent figure (0–100) as text: en '1.06%', es '1,06 %'."""
    return fmt_pct(None if value is None or pd.isna(value) else value / 100, lang, decimals)


def with_ci(value: Any, low: Any, high: Any, lang: str, decimals: int = 1, scale: float = 1.0) -> str:
    """'1.06% (0.92–1.23)' for percent figures (``scale`` 100 for shares in 0–1)."""
    if value is None or pd.isna(value):
        return pct(None, lang)
    text = pct(value * scale, lang, decimals)
    if low is None or pd.isna(low) or high is None or pd.isna(high):
        return text
    return f"{text} ({fmt_number(low * scale, lang, decimals)}–{fmt_number(high * scale, lang, decimals)})"


def points_ci(value: Any, low: Any, high: Any, lang: str, decimals: int = 2) -> str:
    """A difference in percentage points with its interval: '+0.88 pp (0.41 to 1.35)'."""
    if value is None or pd.isna(value):
        return fmt_number(None, lang)
    sign = "+" if value > 0 else ""
    return t("ret.pp_ci", lang, value=sign + fmt_number(value, lang, decimals), low=fmt_number(low, lang, decimals),
             high=fmt_number(high, lang, decimals))


def _hidden(reason: Any, lang: str) -> str | None:
    r = reason_of(reason)
    return suppression.label(r, lang) if r else None


# --------------------------------------------------------------------------- monthly churn

MONTH_TABLE = {"month_text": "ret.col.month", "cohort_text": "ret.col.cohort", "rate_text": "ret.col.churn_rate",
               "churned": "ret.col.churned", "n": "ret.col.active"}


def month_view(df: pd.DataFrame, cohort: str, lang: str) -> pd.DataFrame:
    view = df.copy()
    view["month_text"] = [month_label(m, bool(p), lang) for m, p in zip(df["month"], df["partial"], strict=True)]
    view["cohort_text"] = [cohort_value(cohort, c, lang) for c in df["cohort"]]
    view["rate_text"] = [_hidden(r, lang) or with_ci(v, lo, hi, lang, 2)
                         for v, lo, hi, r in zip(df["rate"], df["ci_low"], df["ci_high"], df["suppressed"], strict=True)]
    for col in ("churned", "n"):
        view[col] = [fmt_int(x, lang) for x in df[col]]
    return view


# --------------------------------------------------------------------------- Kaplan–Meier


def summary_columns(curves: Curves) -> dict[str, str]:
    cols = {"cohort_text": "ret.col.cohort", "customers": "ret.col.customers", "churned": "ret.col.churned"}
    return cols | {f"s{d}_text": f"ret.col.survival.{d}" for d in curves.days}


def summary_view(curves: Curves, cohort: str, lang: str) -> pd.DataFrame:
    view = curves.summary.copy()
    if view.empty:
        return pd.DataFrame(columns=list(summary_columns(curves)))
    view["cohort_text"] = [cohort_value(cohort, c, lang) for c in view["cohort"]]
    for d in curves.days:
        view[f"s{d}_text"] = [
            _hidden(r, lang) or with_ci(s, lo, hi, lang, 1, 100.0)
            for s, lo, hi, r in zip(view[f"s{d}"], view[f"s{d}_low"], view[f"s{d}_high"], view["suppressed"],
                                    strict=True)]
    for col in ("customers", "churned"):
        view[col] = [fmt_int(x, lang) for x in view[col]]
    return view


# --------------------------------------------------------------------------- after a negative experience

WINDOW_TABLE = {"window_text": "ret.col.window", "group_text": "ret.col.group", "rate_text": "ret.col.churn_rate",
                "churned": "ret.col.churned", "eligible": "ret.col.eligible", "open": "ret.col.open",
                "diff_text": "ret.col.diff"}


def window_view(w: Windows, lang: str) -> pd.DataFrame:
    df = w.table
    view = df.copy()
    view["window_text"] = [window_label(x, lang) for x in df["window_days"]]
    view["group_text"] = [t(f"ret.after.group.{g}", lang) for g in df["group"]]
    view["rate_text"] = [_hidden(r, lang) or with_ci(v, lo, hi, lang, 2)
                         for v, lo, hi, r in zip(df["rate"], df["ci_low"], df["ci_high"], df["suppressed"], strict=True)]
    view["diff_text"] = ["" if g != "negative" else points_ci(d, lo, hi, lang)
                         for g, d, lo, hi in zip(df["group"], df["diff"], df["diff_ci_low"], df["diff_ci_high"],
                                                 strict=True)]
    for col in ("churned", "eligible", "open"):
        view[col] = [fmt_int(x, lang) for x in df[col]]
    return view


KIND_TABLE = {"kind_text": "ret.col.first_kind", "eligible_30": "ret.col.eligible_30", "rate_30": "ret.col.rate_30",
              "diff_30": "ret.col.diff_30", "rate_90": "ret.col.rate_90", "diff_90": "ret.col.diff_90"}


def kind_view(w: Windows, lang: str) -> pd.DataFrame:
    """One row per kind of first negative experience (and 'without'): 30- and 90-day churn
    with intervals and the difference from the customers without one."""
    rows = []
    df = w.by_kind
    for group in dict.fromkeys(df["group"]):
        row: dict[str, Any] = {"group": group, "kind_text": _upper_first(t(f"ret.kind.{group}", lang)) if group != "none"
                               else t("ret.after.group.none", lang)}
        for days in (30, 90):
            r = df[(df["group"] == group) & (df["window_days"] == days)]
            if r.empty:
                continue
            r = r.iloc[0]
            hidden = _hidden(r["suppressed"], lang)
            row[f"rate_{days}"] = hidden or with_ci(r["rate"], r["ci_low"], r["ci_high"], lang, 2)
            row[f"diff_{days}"] = "" if group == "none" or hidden else points_ci(
                r["diff"], r["diff_ci_low"], r["diff_ci_high"], lang)
            if days == 30:
                row["eligible_30"] = fmt_int(r["eligible"], lang)
        rows.append(row)
    return pd.DataFrame(rows, columns=["group", *KIND_TABLE])


def window_tiles(w: Windows, lang: str) -> list[Tile]:
    """One tile per window: the difference (negative − none) with its interval."""
    tiles = []
    for days in sorted(w.table["window_days"].unique()):
        part = w.table[w.table["window_days"] == days].set_index("group")
        neg, none = part.loc["negative"], part.loc["none"]
        hidden = _hidden(neg["suppressed"], lang) or _hidden(none["suppressed"], lang)
        if hidden or neg["diff"] is None or pd.isna(neg["diff"]):
            tiles.append(Tile(t("ret.after.tile", lang, days=int(days)), hidden or fmt_number(None, lang)))
            continue
        value = t("ret.pp", lang, value=("+" if neg["diff"] > 0 else "") + fmt_number(neg["diff"], lang, 2))
        caption = t("ret.after.tile_caption", lang, neg=pct(neg["rate"], lang, 2), none=pct(none["rate"], lang, 2),
                    low=fmt_number(neg["diff_ci_low"], lang, 2), high=fmt_number(neg["diff_ci_high"], lang, 2))
        tiles.append(Tile(t("ret.after.tile", lang, days=int(days)), value,
                          help=t("ret.after.tile_help", lang), caption=caption))
    return tiles


# --------------------------------------------------------------------------- research

def research_tiles(summary: dict[str, Any], lang: str) -> list[Tile]:
    hidden = _hidden(summary.get("suppressed"), lang)
    return [
        Tile(t("ret.research.tile_churned", lang), hidden or fmt_int(summary["churned"], lang)),
        Tile(t("ret.research.tile_share", lang), hidden or pct(summary["share"], lang),
             help=t("ret.research.tile_share_help", lang, days=summary["window_days"]),
             caption=None if hidden else t("ret.ci", lang, low=fmt_number(summary["ci_low"], lang),
                                           high=fmt_number(summary["ci_high"], lang))),
    ]


# --------------------------------------------------------------------------- churn risk


def risk_tiles(v: RiskValidation, lang: str) -> list[Tile]:
    def auc(item: str) -> tuple[str, str]:
        m = v.metrics[item]
        return fmt_number(m["value"], lang, 3), t("ret.ci", lang, low=fmt_number(m["ci_low"], lang, 3),
                                                  high=fmt_number(m["ci_high"], lang, 3))

    model, model_ci = auc("auc")
    base, base_ci = auc("baseline_auc")
    d = v.metrics["auc_diff"]
    sign = "+" if d["value"] > 0 else ""
    return [
        Tile(t("ret.risk.tile_auc", lang), model, help=t("ret.risk.tile_auc_help", lang), caption=model_ci),
        Tile(t("ret.risk.tile_baseline", lang), base, help=t("ret.risk.tile_baseline_help", lang), caption=base_ci),
        Tile(t("ret.risk.tile_diff", lang), sign + fmt_number(d["value"], lang, 3),
             caption=t("ret.ci", lang, low=fmt_number(d["ci_low"], lang, 3), high=fmt_number(d["ci_high"], lang, 3))),
    ]


def risk_verdict(v: RiskValidation, lang: str) -> tuple[str, str]:
    """('success' | 'warning', the honest sentence about model vs baseline)."""
    d = v.metrics["auc_diff"]
    figures = {"auc": fmt_number(v.metrics["auc"]["value"], lang, 3),
               "base": fmt_number(v.metrics["baseline_auc"]["value"], lang, 3),
               "low": fmt_number(d["ci_low"], lang, 3), "high": fmt_number(d["ci_high"], lang, 3)}
    if v.beats_baseline:
        return "success", t("ret.risk.beats", lang, **figures)
    return "warning", t("ret.risk.not_beats", lang, **figures)


def risk_status_text(v: RiskValidation, lang: str) -> str:
    """Why there is no validation (the status other than 'ok') in words."""
    return t(f"ret.risk.status.{v.status}", lang, days=v.detail.get("n") or 0, needed=v.detail.get("events") or 0)


def windows_text(v: RiskValidation, lang: str) -> str:
    w = v.windows
    return t("ret.risk.windows", lang, train=w["train"]["cutoff"], test=w["test"]["cutoff"],
             score=w["score"]["cutoff"], train_n=fmt_int(w["train"]["n"], lang),
             train_events=fmt_int(w["train"]["events"], lang), test_n=fmt_int(w["test"]["n"], lang),
             test_events=fmt_int(w["test"]["events"], lang), scored=fmt_int(w["score"]["n"], lang))


CALIBRATION_TABLE = {"decile": "ret.risk.cal.decile", "n_text": "ret.col.customers", "events_text": "ret.col.churned",
                     "predicted_text": "ret.risk.cal.predicted", "observed_text": "ret.risk.cal.observed"}


def calibration_view(cal: pd.DataFrame, lang: str) -> pd.DataFrame:
    view = cal.copy()
    view["n_text"] = [_hidden(r, lang) or fmt_int(n, lang) for n, r in zip(cal["n"], cal["suppressed"], strict=True)]
    view["events_text"] = [fmt_int(x, lang) for x in cal["events"]]
    view["predicted_text"] = [pct(x, lang, 2) for x in cal["mean_score"]]
    view["observed_text"] = [_hidden(r, lang) or with_ci(v, lo, hi, lang, 2) for v, lo, hi, r in
                             zip(cal["observed"], cal["ci_low"], cal["ci_high"], cal["suppressed"], strict=True)]
    return view


COEFFICIENT_TABLE = {"feature_text": "ret.col.feature", "coef_text": "ret.col.coef"}


def coefficient_view(coef: pd.DataFrame, lang: str) -> pd.DataFrame:
    view = coef.copy()
    view["feature_text"] = [feature_label(f, lang) for f in coef["feature"]]
    view["coef_text"] = [("+" if c > 0 else "") + fmt_number(c, lang, 3) for c in coef["coef"]]
    return view.reindex(view["coef"].abs().sort_values(ascending=False).index)


def feature_label(feature: str, lang: str) -> str:
    """'region=Andalucía' -> 'Region: Andalucía'; a numeric feature's name."""
    key, _, value = feature.partition("=")
    label = t(f"ret.feature.{key}", lang)
    return f"{label}: {value}" if value else label


HIGH_RISK_TABLE = {"person": "ret.col.person", "score_text": "ret.col.score", "negatives": "ret.col.negatives",
                   "experiences_text": "ret.col.experiences", "reasons_text": "ret.col.reasons",
                   "segment": "dim.segment", "region": "dim.region", "plan": "dim.plan"}


# --------------------------------------------------------------------------- the high-risk list


def reason_text(reasons: str | None, row: dict[str, Any], lang: str) -> str:
    """A score's reasons in words: 'Abandoned handoffs (30 days) · Region: Andalucía'."""
    parts = []
    for key in (reasons or "").split("|"):
        if not key:
            continue
        label = t(f"ret.feature.{key}", lang)
        parts.append(f"{label}: {row[key]}" if key in COHORT_FEATURES and row.get(key) else label)
    return " · ".join(parts)


def experiences_text(text: str, lang: str) -> str:
    """The ``experiences`` column with each kind's name in ``lang``."""
    out = text
    for kind in NEGATIVE_KINDS:
        out = out.replace(f" {kind} (", f" {t(f'ret.kind.{kind}', lang)} (")
    return out


def high_risk_view(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The list with its reasons and experiences in words and the score in percent."""
    view = df.copy()
    view["score_text"] = [fmt_pct(s, lang) for s in view["score"]]
    view["reasons_text"] = [reason_text(r, row, lang) for r, row in zip(view["reasons"], df.to_dict("records"),
                                                                         strict=True)]
    view["experiences_text"] = [experiences_text(e, lang) for e in view["experiences"]]
    view["last_negative_text"] = [fmt_datetime(x, lang) if pd.notna(x) else "" for x in view["last_negative"]]
    return view


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
