"""The committee's incidents in words: titles, evidence lines and the opening summary.

Pure functions over the JSON of ``cxmetrics.analysis.incidents.Incident`` (as
``review_data`` carries it), so the page, the pack and a frozen review read the same.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from cxmetrics.analysis.incidents import BASELINE_DAYS
from cxmetrics.i18n import MISSING, dimension_name, fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics.registry import KPIS
from cxmetrics.reports.pack.text import fmt_value
from cxmetrics.reports.voc import SURVEY_KPIS

SHOWN = 5  # the review opens with at most this many incidents
THEMES_SHOWN = 3  # each incident card names at most this many comment themes


def where(inc: dict, lang: str) -> str:
    """'Region Andalucía', 'Channel voice, web', 'All customers'."""
    if inc["dimension"] == "all" or not inc["values"]:
        return t("inc.all", lang)
    return f"{dimension_name(inc['dimension'], lang)} {', '.join(inc['values'])}"


def kpi_name(kpi: str, lang: str) -> str:
    return KPIS[kpi].label(lang) if kpi in KPIS else kpi


def title(inc: dict, lang: str) -> str:
    """'Channel chatbot: Handoff abandonment 11.3% → 33.8% since 2026-11-23 (also NPS, CSAT)'."""
    if inc.get("suppressed"):
        return t("inc.title_hidden", lang, where=where(inc, lang), kpi=kpi_name(inc["lead"], lang),
                 onset=inc["onset"])
    text = t("inc.title", lang, where=where(inc, lang), kpi=kpi_name(inc["lead"], lang),
             before=fmt_value(inc["lead"], inc["baseline"], lang), during=fmt_value(inc["lead"], inc["during"], lang),
             onset=inc["onset"])
    others = [kpi_name(k, lang) for k in inc["kpis"] if k != inc["lead"]]
    if others:
        text += " " + t("inc.also", lang, kpis=", ".join(others))
    return text


def size(inc: dict, lang: str) -> str:
    """'1,116 people · 2,735 responses'."""
    if inc.get("suppressed"):
        return MISSING
    unit = t(f"inc.unit.{KPIS[inc['lead']].record_table}", lang)
    return t("inc.size", lang, people=fmt_int(inc["people"], lang), records=fmt_int(inc["records"], lang), unit=unit)


def evidence_lines(inc: dict, lang: str, limit: int = 8) -> list[str]:
    """One line per signal, alerts first: 'CUSUM alert · FCR · Channel ivr · 2026-11-28 → 2026-11-30: 72.8% → 42.3% (n = 168)'."""
    def on_root(s: dict) -> bool:
        return s["dimension"] == inc["dimension"] and (s["value"] in inc["values"] or not inc["values"])

    # the lead KPI on the root slice first, then the root's other signals, alerts before changes
    sigs = sorted(inc["signals"], key=lambda s: (not (on_root(s) and s["kpi"] == inc["lead"]), not on_root(s),
                                                 s["kind"] != "alert", s["since"], s["kpi"]))
    out = []
    for s in sigs[:limit]:
        slice_text = t("inc.all", lang) if s["dimension"] == "all" else f"{dimension_name(s['dimension'], lang)} {s['value']}"
        out.append(t("inc.evidence", lang, rule=t(f"inc.rule.{s['rule']}", lang), kpi=kpi_name(s["kpi"], lang),
                     where=slice_text, since=s["since"], until=s["until"],
                     expected=fmt_value(s["kpi"], s["expected"], lang), observed=fmt_value(s["kpi"], s["observed"], lang),
                     n=fmt_int(s["n"], lang) if s.get("n") is not None else MISSING))
    if len(sigs) > limit:
        out.append(t("inc.more_evidence", lang, n=fmt_int(len(sigs) - limit, lang)))
    return out


def kpis_text(inc: dict, lang: str) -> str:
    """'FCR, NPS, CES': the KPIs the incident moves, lead first."""
    return ", ".join(kpi_name(k, lang) for k in inc["kpis"])


def slices_text(inc: dict, lang: str, limit: int = 8) -> str:
    """'Channel ivr, Channel voice, Region Andalucía': the slices its signals are on."""
    found = sorted({(s["dimension"], s["value"]) for s in inc["signals"]}, key=lambda x: (x[0], x[1] or ""))
    names = [t("inc.all", lang) if d == "all" else f"{dimension_name(d, lang)} {v}" for d, v in found]
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" (+{fmt_int(more, lang)})" if more > 0 else "")


def href(inc: dict, lang: str, prefix: str = "./") -> str:
    """The incident's link to the filtered Channels page, relative to the app's own path."""
    return f"{prefix}{inc['link']}&lang={lang}"


def shown(incidents: list[dict]) -> list[dict]:
    """The incidents the review opens with: reported ones in the bad direction, ranked."""
    return [i for i in incidents if i["reported"] and i["bad"]][:SHOWN]


def summary(incidents: list[dict], n_alerts: int, lang: str, decomposition: str | None = None) -> str:
    """The one paragraph the review opens with."""
    top = shown(incidents)
    reported = [i for i in incidents if i["reported"] and i["bad"]]
    if not top:
        text = t("inc.summary.none", lang, alerts=fmt_int(n_alerts, lang))
    else:
        text = t("inc.summary.count", lang, n=fmt_int(len(reported), lang), alerts=fmt_int(n_alerts, lang))
        text += " " + t("inc.summary.first", lang, title=title(top[0], lang), size=size(top[0], lang))
        if len(top) > 1:
            text += " " + t("inc.summary.second", lang, title=title(top[1], lang))
        rest = len(reported) - 2
        if rest > 0:
            text += " " + t("inc.summary.rest", lang, n=fmt_int(rest, lang))
    improved = [i for i in incidents if i["reported"] and not i["bad"]]
    if improved:
        text += " " + t("inc.summary.improved", lang, n=fmt_int(len(improved), lang))
    if decomposition:
        text += " " + decomposition
    return text


def rows(incidents: list[dict], lang: str) -> list[dict[str, Any]]:
    """The incidents as table rows (rank, title, onset, size, KPIs, signals, link)."""
    return [{"rank": k + 1, "title": title(i, lang), "onset": i["onset"], "size": size(i, lang),
             "kpis": ", ".join(kpi_name(x, lang) for x in i["kpis"]), "signals": len(i["signals"]),
             "q_value": i["q_value"], "link": i["link"]} for k, i in enumerate(incidents)]


# --------------------------------------------------------------------------- comment themes


def voc_href(inc: dict, theme: str, lang: str, prefix: str = "./") -> str:
    """The Voice of the customer page on ``theme``, the incident's slice and its days (onset
    to end), on the survey the incident moves (its first survey KPI; NPS if none)."""
    survey = next((k for k in inc["kpis"] if k in SURVEY_KPIS), "nps")
    query = {"from": inc["onset"], "to": inc["until"], "survey": survey}
    if inc["dimension"] != "all" and inc["values"]:
        query[inc["dimension"]] = ",".join(inc["values"])
    query |= {"theme": theme, "lang": lang}
    return f"{prefix}voc?{urlencode(query, safe=',')}"


def _pp(diff: float, lang: str) -> str:
    text = fmt_number(diff, lang, 1)
    return f"{'' if text.startswith('-') else '+'}{text} {t('pack.unit.pp', lang)}"


def theme_parts(inc: dict, lang: str) -> list[dict[str, str]] | None:
    """The incident's comment themes (``themes``, from ``reports.voc.incident_themes``,
    largest rise first): ``theme``, ``label``, ``figures`` ('68.7% (▲ +51.9 pp)': the share
    of the incident's comments and its change against the baseline, ▲ when significant) and
    ``href`` (``voc_href``). None when the incident carries none (a review made before, or
    an incident whose figures the role may not see); [] when the comments are hidden from
    the role or no theme rose (``themes_note`` says which)."""
    found = inc.get("themes")
    if not found:
        return None
    if found.get("suppressed"):
        return []
    out = []
    for r in found["themes"]:
        mark = "▲ " if r["significant"] else ""
        out.append({
            "theme": r["theme"],
            "label": r["labels"].get(lang) or r["labels"]["en"],
            "figures": f"{fmt_pct(r['share'] / 100, lang, 1)} ({mark}{_pp(r['diff'], lang)})",
            "significant": r["significant"],
            "href": voc_href(inc, r["theme"], lang),
        })
    return out


def themes_note(inc: dict, lang: str) -> str | None:
    """What the card says besides the themes: hidden comments, no theme that rose, or how
    many themes the role may not see; None when nothing needs saying."""
    found = inc.get("themes")
    if not found:
        return None
    hidden = found.get("hidden_themes") or 0
    if found.get("suppressed") or (hidden and not found["themes"]):
        return t("inc.themes.hidden", lang)
    if not found["themes"]:
        return t("inc.themes.none", lang, days=fmt_int(BASELINE_DAYS, lang))
    if hidden:
        return t("inc.themes.some_hidden", lang, n=fmt_int(hidden, lang))
    return None


def themes_text(inc: dict, lang: str) -> str | None:
    """'Comments: Coverage and outages 68.7% (▲ +51.9 pp) · Billing 10.1% (+1.7 pp)', or
    the sentence for hidden comments or for no theme that rose; None without themes."""
    parts = theme_parts(inc, lang)
    if parts is None:
        return None
    note = themes_note(inc, lang)
    text = " · ".join(f"{p['label']} {p['figures']}" for p in parts)
    return " ".join(x for x in (t("inc.themes.label", lang), text, f"({note})" if parts and note else note) if x)


def themes_caption(lang: str) -> str:
    """What the comment themes of the incident cards are."""
    return t("inc.themes.caption", lang, days=fmt_int(BASELINE_DAYS, lang))
