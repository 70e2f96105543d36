"""The closed loop (docs/metrics.md, "Cases"): the queues, one case with its customer's
recent timeline, and the figures for the Cases page, the Committee review and the pack.

Pure functions, no Streamlit. Cases come from ``serving.cases`` (which enforces the role:
committee, analysts and admins work cases; person ids are pseudonymized unless admin);
the timeline reads the customer's own records from the served model.

**Figures** (``figures``): over the cases whose response's local date (``tz``) is in
[``date_from``, ``date_to``], overall and by owner, channel and intent: cases, open,
overdue (open past due at ``now``), closed, closed within SLA, ``closed_loop_rate`` =
100 × closed within SLA / cases with its Wilson interval, and the median hours from the
response to the first close over the closed cases. For a role that does not work cases
(executive) a group of fewer than k people is suppressed, and in a breakdown with a
single suppressed group the smallest other group too (its total is shown elsewhere).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from cxmetrics.core import privacy
from cxmetrics.core.auth import ROLES
from cxmetrics.core.errors import UserError
from cxmetrics.i18n import MISSING, fmt_datetime, fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics.source import Source
from cxmetrics.metrics.stats import rate_estimate
from cxmetrics.metrics.timezones import check_tz, local_date
from cxmetrics.reports.tiles import Tile
from cxmetrics.serving import cases as store
from cxmetrics.serving.routing import Routing

BREAKDOWNS = ("owner", "channel", "intent")
TIMELINE_DAYS = 30
TIMELINE_LIMIT = 200
DEFAULT_RANGE_DAYS = 30
SURVEY_LABELS = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}


# --------------------------------------------------------------------------- queues


def me_names(user_id: str, name: str) -> list[str]:
    """The owner values that mean the user: their id (email) and name."""
    return [v for v in dict.fromkeys([user_id, name]) if v]


MY_STATUSES = ("open", "contacted", "not_reachable")


def my_cases(path: Path | None = None, *, role: str, me: Sequence[str], now: datetime | None = None,
             limit: int | None = None, offset: int = 0) -> list[store.Case]:
    """"My queue": the cases owned by any of ``me`` (the user's id and name, compared
    without case) that are not resolved yet, overdue first."""
    return store.list_cases(path, role=role, owners=me, status=MY_STATUSES, now=now, limit=limit, offset=offset)


def count_my_cases(path: Path | None = None, *, role: str, me: Sequence[str], now: datetime | None = None) -> int:
    return store.count_cases(path, role=role, owners=me, status=MY_STATUSES, now=now)


def open_cases(path: Path | None = None, *, role: str, owner: str | None = None, now: datetime | None = None,
               limit: int | None = None, offset: int = 0) -> list[store.Case]:
    """The open cases (of ``owner`` when given), overdue first."""
    return store.list_cases(path, role=role, status="open", owners=[owner] if owner else None, now=now,
                            limit=limit, offset=offset)


def count_open_cases(path: Path | None = None, *, role: str, owner: str | None = None,
                     now: datetime | None = None) -> int:
    return store.count_cases(path, role=role, status="open", owners=[owner] if owner else None, now=now)


def owner_summary(path: Path | None = None, *, role: str, now: datetime | None = None) -> pd.DataFrame:
    """Open cases per owner: how many, how many overdue, the earliest due time; most
    overdue owners first."""
    return pd.DataFrame(store.owner_counts(path, role=role, now=now), columns=["owner", "open", "overdue", "next_due"])


def duration_text(hours: float, lang: str) -> str:
    """'3 d 4 h' / '5 h' / '40 min' for a non-negative number of hours."""
    minutes = int(round(abs(hours) * 60))
    d, rem = divmod(minutes, 24 * 60)
    h, m = divmod(rem, 60)
    if d:
        return t("cases.dur.days", lang, d=fmt_int(d, lang), h=fmt_int(h, lang))
    if h:
        return t("cases.dur.hours", lang, h=fmt_int(h, lang))
    return t("cases.dur.minutes", lang, m=fmt_int(m, lang))


def due_text(case: store.Case, now: datetime, lang: str) -> str:
    """'overdue by 2 d 3 h' / 'due in 5 h' / 'closed in SLA' / 'closed late'."""
    if case.closed:
        return t("cases.due.closed_in_sla" if case.closed_in_sla else "cases.due.closed_late", lang)
    left = case.hours_left(now)
    if left < 0:
        return t("cases.due.overdue", lang, d=duration_text(-left, lang))
    return t("cases.due.in", lang, d=duration_text(left, lang))


def status_text(status: str, lang: str) -> str:
    return t(f"cases.status.{status}", lang)


def survey_text(case: store.Case) -> str:
    return f"{SURVEY_LABELS.get(case.survey_type, case.survey_type)} {case.score}"


def customer_text(case: store.Case, lang: str) -> str:
    return t("cases.hidden_person", lang) if case.hidden else str(case.person)


QUEUE_COLUMNS = ("case_id", "response_ts", "age", "due_at", "due", "status", "owner", "survey", "channel", "intent",
                 "segment", "customer")


def queue_table(cases: Sequence[store.Case], now: datetime, lang: str) -> pd.DataFrame:
    """Cases as the page's tables show them (texts in ``lang``; times as datetimes)."""
    return pd.DataFrame(
        [
            {
                "case_id": c.case_id,
                "response_ts": c.response_ts,
                "age": duration_text(c.age_hours(now), lang),
                "due_at": c.due_at,
                "due": due_text(c, now, lang),
                "status": status_text(c.status, lang),
                "owner": c.owner,
                "survey": survey_text(c),
                "channel": c.channel,
                "intent": c.intent,
                "segment": c.segment,
                "customer": customer_text(c, lang),
            }
            for c in cases
        ],
        columns=list(QUEUE_COLUMNS),
    )


def queue_csv(cases: Sequence[store.Case], now: datetime) -> pd.DataFrame:
    """Cases with their stored fields and stable column names (the CSV download)."""
    rows = [c.to_json(now) for c in cases]
    cols = ["case_id", "status", "owner", "rule", "response_ts", "due_at", "overdue", "closed_at", "closed_in_sla",
            "hours_to_close", "survey_type", "score", "channel", "intent", "segment", "person", "hidden",
            "contact_id", "journey_id", "opened_at", "updated_at"]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- one case


def timeline(source: Source | None, case_id: str, path: Path | None = None, *, role: str,
             days_before: int = TIMELINE_DAYS, limit: int = TIMELINE_LIMIT) -> pd.DataFrame:
    """The customer's journeys, contacts and survey responses from ``days_before`` days
    before the case's response to the end of the data, newest first (at most ``limit``),
    from the served record tables. Empty when the customer withdrew consent (or there is
    no model to read)."""
    cols = ["t", "kind", "record_id", "channel", "intent", "journey_type", "completed", "handed_off",
            "connected", "survey_type", "score", "verbatim", "this_case"]
    person = store.case_person(case_id, path, role=role)
    if person is None or source is None:
        return pd.DataFrame(columns=cols)
    case = store.get_case(case_id, path, role=role)
    since = case.response_ts - timedelta(days=days_before)
    null = "CAST(NULL AS VARCHAR)"
    sql = f"""
        SELECT t, 'journey' AS kind, record_id, channel, intent, journey_type, completed,
               CAST(NULL AS BOOLEAN) AS handed_off, CAST(NULL AS BOOLEAN) AS connected,
               {null} AS survey_type, CAST(NULL AS INTEGER) AS score, {null} AS verbatim
        FROM rec_journey WHERE person = $p AND consent AND t >= $since
        UNION ALL
        SELECT t, 'contact', record_id, channel, intent, journey_type, CAST(NULL AS BOOLEAN), handed_off,
               connected, {null}, CAST(NULL AS INTEGER), {null}
        FROM rec_contact WHERE person = $p AND consent AND t >= $since
        UNION ALL
        SELECT t, 'survey', record_id, channel, intent, journey_type, CAST(NULL AS BOOLEAN),
               CAST(NULL AS BOOLEAN), CAST(NULL AS BOOLEAN), survey_type, score, verbatim
        FROM rec_survey WHERE person = $p AND consent AND t >= $since
        ORDER BY t DESC, record_id LIMIT {int(limit)}"""
    df = source.con.execute(sql, {"p": person, "since": since}).df()
    df["this_case"] = df["record_id"] == case_id
    return df[cols]


def timeline_display(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The timeline as the page shows it: time, what (in ``lang``), channel, intent, details."""
    out = []
    for r in df.to_dict("records"):
        kind = r["kind"]
        if kind == "journey":
            detail = t("cases.tl.completed" if r["completed"] else "cases.tl.not_completed", lang)
            what = t("cases.tl.journey", lang, type=r["journey_type"])
        elif kind == "contact":
            detail = t("cases.tl.handed_off" if r["handed_off"] else "cases.tl.not_handed_off", lang)
            if r["handed_off"]:
                detail += " · " + t("cases.tl.connected" if r["connected"] else "cases.tl.abandoned", lang)
            what = t("cases.tl.contact", lang)
        else:
            what = f"{SURVEY_LABELS.get(r['survey_type'], r['survey_type'])} {r['score']}"
            detail = r["verbatim"] if isinstance(r["verbatim"], str) else MISSING
        if r["this_case"]:
            what = "▶ " + what + " " + t("cases.tl.this_case", lang)
        out.append({"t": r["t"], "what": what, "channel": r["channel"], "intent": r["intent"], "detail": detail})
    return pd.DataFrame(out, columns=["t", "what", "channel", "intent", "detail"])


def history_display(events: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    """The case's history: when, who (role), what, the change and the note."""
    out = []
    for e in events:
        change = []
        if e["old_status"] != e["new_status"] and e["new_status"]:
            old = status_text(e["old_status"], lang) if e["old_status"] else ""
            change.append(f"{old} → {status_text(e['new_status'], lang)}".strip())
        if e["old_owner"] != e["new_owner"] and e["new_owner"]:
            change.append(f"{e['old_owner'] or ''} → {e['new_owner']}".strip())
        role = t(f"role.{e['role']}", lang) if e["role"] in ROLES else e["role"]
        out.append({
            "at": datetime.fromisoformat(e["at"]),
            "who": f"{e['who']} ({role})",
            "action": t(f"cases.action.{e['action']}", lang),
            "change": " · ".join(change) or MISSING,
            "note": e["note"] or MISSING,
        })
    return pd.DataFrame(out, columns=["at", "who", "action", "change", "note"])


@dataclass(frozen=True)
class CaseDetail:
    case: store.Case
    playbook: str
    route_rule: str  # the rule of the current routing file for the case's dimensions
    history: list[dict[str, Any]]
    timeline: pd.DataFrame


def case_detail(source: Source | None, case_id: str, path: Path | None = None, *, role: str, lang: str,
                routing: Routing | None) -> CaseDetail:
    """One case for ``role``: the case, its playbook (the current routing file's for its
    channel, intent and segment; empty without a valid file), its history and timeline."""
    case = store.get_case(case_id, path, role=role)
    route = routing.route(case.channel, case.intent, case.segment) if routing else None
    return CaseDetail(
        case=case,
        playbook=route.playbook.text(lang) if route else "",
        route_rule=route.rule if route else "",
        history=store.history(case_id, path, role=role),
        timeline=timeline(source, case_id, path, role=role),
    )


def show_json(source: Source | None, case_id: str, path: Path | None = None, *, role: str,
              routing: Routing | None, now: datetime | None = None) -> dict[str, Any]:
    """``cxm cases show --json``: the case, its playbook (both languages), history, timeline."""
    detail = case_detail(source, case_id, path, role=role, lang="en", routing=routing)
    route = routing.route(detail.case.channel, detail.case.intent, detail.case.segment) if routing else None
    tl = detail.timeline.astype(object).where(detail.timeline.notna(), None)
    return {
        "case": detail.case.to_json(now),
        "playbook": route.playbook.model_dump() if route else None,
        "history": detail.history,
        "timeline": [{**r, "t": r["t"].isoformat() if r["t"] is not None else None} for r in tl.to_dict("records")],
    }


# --------------------------------------------------------------------------- figures


def _stats(facts: Sequence[store.CaseFact], now: datetime) -> dict[str, Any]:
    n = len(facts)
    open_ = [f for f in facts if f.status == "open"]
    closed = [f for f in facts if f.status in store.CLOSED_STATUSES]
    in_sla = sum(1 for f in closed if f.closed_at is not None and f.closed_at <= f.due_at)
    hours = [(f.closed_at - f.response_ts).total_seconds() / 3600 for f in closed if f.closed_at is not None]
    est = rate_estimate(in_sla, n)
    return {
        "cases": n,
        "open": len(open_),
        "overdue": sum(1 for f in open_ if now > f.due_at),
        "closed": len(closed),
        "closed_in_sla": in_sla,
        "closed_loop_rate": est.value,
        "ci_low": est.ci_low,
        "ci_high": est.ci_high,
        "median_hours_to_close": statistics.median(hours) if hours else None,
        "people": len({f.person_key for f in facts}),
        "suppressed": None,
    }


_WITHHELD = ("cases", "open", "overdue", "closed", "closed_in_sla", "closed_loop_rate", "ci_low", "ci_high",
             "median_hours_to_close")


def _suppress(row: dict[str, Any], reason: str) -> None:
    for key in _WITHHELD:
        row[key] = None
    row["suppressed"] = reason


def _protect(rows: list[dict[str, Any]], k: int) -> None:
    """Suppress the groups of fewer than k people, and one more when only one is."""
    for r in rows:
        if r["people"] < k:
            _suppress(r, "k")
    hidden = [r for r in rows if r["suppressed"]]
    shown = [r for r in rows if not r["suppressed"]]
    if len(hidden) == 1 and shown:
        _suppress(min(shown, key=lambda r: (r["cases"], str(r["group"]))), "complement")


def figures(
    path: Path | None = None,
    *,
    role: str,
    date_from: date | None = None,
    date_to: date | None = None,
    tz: str = "UTC",
    now: datetime | None = None,
    k: int | None = None,
) -> dict[str, Any]:
    """The closed-loop figures for the cases whose response's local date (in ``tz``) is in
    [``date_from``, ``date_to``] (either end open when None), as ``role`` may see them.

    Returns ``{"from", "to", "tz", "now", "k", "overall": row, "by_owner": [row],
    "by_channel": [row], "by_intent": [row]}``; a row holds ``group`` (None overall),
    ``cases``, ``open``, ``overdue``, ``closed``, ``closed_in_sla``, ``closed_loop_rate``
    (percent, None without cases), ``ci_low``, ``ci_high`` (Wilson, 95 %),
    ``median_hours_to_close`` (None without closed cases), ``people`` and ``suppressed``
    (None, ``"k"`` or ``"complement"``; a suppressed row's figures are None). Rows of a
    breakdown are sorted by cases, most first. JSON-serializable.
    """
    tz = check_tz(tz)
    now = now or store.utcnow()
    if date_from and date_to and date_from > date_to:
        raise UserError(f"the range starts ({date_from}) after it ends ({date_to})")
    facts = [
        f for f in store.case_facts(path)
        if (date_from is None or local_date(f.response_ts, tz) >= date_from)
        and (date_to is None or local_date(f.response_ts, tz) <= date_to)
    ]
    threshold = privacy.case_k_threshold(role, k)
    overall = {"group": None, **_stats(facts, now)}
    out: dict[str, Any] = {
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "tz": tz,
        "now": store._iso(now),
        "k": threshold,
        "overall": overall,
    }
    for dim in BREAKDOWNS:
        groups: dict[str, list[store.CaseFact]] = {}
        for f in facts:
            groups.setdefault(getattr(f, dim), []).append(f)
        rows = [{"group": g, **_stats(fs, now)} for g, fs in groups.items()]
        rows.sort(key=lambda r: (-r["cases"], str(r["group"])))
        if threshold is not None:
            _protect(rows, threshold)
        out[f"by_{dim}"] = rows
    if threshold is not None and overall["people"] < threshold:
        _suppress(overall, "k")
        for dim in BREAKDOWNS:
            for r in out[f"by_{dim}"]:
                if not r["suppressed"]:
                    _suppress(r, "complement")
    if threshold is not None:  # people counts are for the threshold, not for showing
        for row in [overall, *(r for dim in BREAKDOWNS for r in out[f"by_{dim}"])]:
            row["people"] = None
    return out


def default_range(path: Path | None = None, *, tz: str = "UTC", days: int = DEFAULT_RANGE_DAYS,
                  today: date | None = None) -> tuple[date, date]:
    """The figures' default range: the ``days`` local days ending on the latest case's
    response date (or ``today`` when there is no case)."""
    latest = store.latest_response_ts(path)  # one query, not every case (90,000 at 10M events: 0.6 s)
    end = (local_date(latest, tz) if latest is not None else None) or today or store.utcnow().date()
    return end - timedelta(days=days - 1), end


def rate_text(row: dict[str, Any], lang: str) -> str:
    """'12.5%' or the suppression/no-case text."""
    if row["suppressed"]:
        return t(f"cases.fig.suppressed.{row['suppressed']}", lang)
    if row["closed_loop_rate"] is None:
        return MISSING
    return fmt_pct(row["closed_loop_rate"] / 100, lang, 1)


def interval_text(row: dict[str, Any], lang: str) -> str:
    if row["suppressed"] or row["ci_low"] is None:
        return MISSING
    sep = "; " if lang == "es" else ", "  # '[3,6; 62,4]': the Spanish decimal comma is not the separator
    return f"[{fmt_number(row['ci_low'], lang, 1)}{sep}{fmt_number(row['ci_high'], lang, 1)}]"


def median_text(row: dict[str, Any], lang: str) -> str:
    if row["suppressed"] or row["median_hours_to_close"] is None:
        return MISSING
    return duration_text(row["median_hours_to_close"], lang)


def count_text(row: dict[str, Any], key: str, lang: str) -> str:
    """A count of a figures row ('1,234'), or 'suppressed'."""
    return t("cases.fig.suppressed_short", lang) if row["suppressed"] else fmt_int(row[key], lang)


def figure_tiles(row: dict[str, Any], lang: str) -> list[Tile]:
    """The five tiles of a figures row (cases, open, overdue, closed-loop rate with its
    interval, median time to close), as the Cases page, the Committee review and the pack
    show them."""
    return [
        Tile(t("cases.fig.cases", lang), count_text(row, "cases", lang), t("cases.fig.cases_help", lang)),
        Tile(t("cases.fig.open", lang), count_text(row, "open", lang), t("cases.fig.open_help", lang)),
        Tile(t("cases.fig.overdue", lang), count_text(row, "overdue", lang), t("cases.fig.overdue_help", lang)),
        Tile(t("cases.fig.rate", lang), rate_text(row, lang), t("cases.fig.rate_help", lang),
             t("cases.fig.rate_caption", lang, ci=interval_text(row, lang), closed=count_text(row, "closed_in_sla", lang),
               n=count_text(row, "cases", lang))),
        Tile(t("cases.fig.median", lang), median_text(row, lang), t("cases.fig.median_help", lang),
             t("cases.fig.median_caption", lang, n=count_text(row, "closed", lang))),
    ]


def figures_table(fig: dict[str, Any], breakdown: str, lang: str) -> pd.DataFrame:
    """One breakdown (``owner``, ``channel`` or ``intent``) of ``figures`` as a table:
    counts as numbers (None when suppressed), rate, interval and median as texts."""
    rows = []
    for r in fig[f"by_{breakdown}"]:
        rows.append({
            "group": r["group"],
            "cases": r["cases"],
            "open": r["open"],
            "overdue": r["overdue"],
            "closed": r["closed"],
            "closed_in_sla": r["closed_in_sla"],
            "rate": rate_text(r, lang),
            "ci": interval_text(r, lang),
            "median": median_text(r, lang),
        })
    return pd.DataFrame(rows, columns=["group", "cases", "open", "overdue", "closed", "closed_in_sla", "rate", "ci",
                                       "median"])


def figures_csv(fig: dict[str, Any]) -> pd.DataFrame:
    """Every row of ``figures`` (overall first) with stable column names and raw values."""
    rows = [{"breakdown": "all", **fig["overall"]}]
    rows += [{"breakdown": dim, **r} for dim in BREAKDOWNS for r in fig[f"by_{dim}"]]
    cols = ["breakdown", "group", "cases", "open", "overdue", "closed", "closed_in_sla", "closed_loop_rate",
            "ci_low", "ci_high", "median_hours_to_close", "suppressed"]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(0, "to", fig["to"])
    df.insert(0, "from", fig["from"])
    return df


# --------------------------------------------------------------------------- the Committee review


def review_section(
    path: Path | None,
    start: date,
    end: date,
    *,
    role: str,
    tz: str = "UTC",
    now: datetime | None = None,
    k: int | None = None,
) -> dict[str, Any]:
    """The Committee review's "Closed loop" section (``review_data``'s ``closed_loop``):
    ``figures`` for the cases of the review period's responses (local dates in ``tz``, the
    review's reporting zone, from ``start`` to ``end``), as ``role`` may see them, plus
    ``available: True``.

    ``now`` is the wall clock (``store.utcnow``), as on the Cases page: cases are worked in
    real time, so "open" and "overdue" are as of now, not as of the period's end, and the
    closed-loop rate of a recent period rises as its cases are worked (an open case counts
    as not closed). Without case data (``path`` None, no such file, or an app state in
    which no case was ever opened: e.g. ``cxm review`` over a copy of the data without its
    app state) the result is only ``{"available": False, "from", "to", "tz"}`` and the
    section says there is no case data; nothing is created."""
    if path is None or not store.has_cases(path):
        return {"available": False, "from": start.isoformat(), "to": end.isoformat(), "tz": check_tz(tz)}
    return {**figures(path, role=role, date_from=start, date_to=end, tz=tz, now=now, k=k), "available": True}


def review_caption(section: dict[str, Any], lang: str) -> str:
    """What the review's section counts: 'Cases of the responses from … to … (UTC); open and
    overdue as of … (cases are worked in real time). …' or the no-case-data sentence."""
    if not section.get("available"):
        return t("cl.none", lang)
    return t("cl.caption", lang, start=section["from"], end=section["to"], zone=section["tz"],
             now=fmt_datetime(section["now"], lang))

