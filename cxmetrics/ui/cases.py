"""The Cases page's sections: my queue, all open cases by owner, one case (response,
playbook, the customer's timeline, history, the action form) and the figures.

Never cached: every run reads the application state again, so an action shows at once
(the timeline, which reads the model, is cached per snapshot version). Roles are
enforced by ``serving.cases`` (committee, analysts, admins); the page shows executives
the figures only. Viewing a case is audited once per session and case.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

import streamlit as st

from cxmetrics import ui
from cxmetrics.core.auth import CurrentUser
from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_datetime, fmt_int, t
from cxmetrics.metrics.source import Source
from cxmetrics.reports import cases as rc
from cxmetrics.serving import app_state
from cxmetrics.serving import cases as store
from cxmetrics.serving.routing import Routing, load_routing
from cxmetrics.ui.auth import md_escape

CASE_KEY = "cs_case_id"  # the case shown (a text input; table selections set it)
_MESSAGE = "cs_message"
_AUDITED = "_audited_cases"
PAGE_SIZE = 50
QUEUE_COLUMNS = {
    "case_id": "cases.col.id",
    "due": "cases.col.due_state",
    "due_at": "cases.col.due_at",
    "age": "cases.col.age",
    "status": "cases.col.status",
    "owner": "cases.col.owner",
    "survey": "cases.col.survey",
    "channel": "dim.channel",
    "intent": "dim.intent",
    "segment": "dim.segment",
    "customer": "cases.col.customer",
}
QUEUE_WIDTHS = {"case_id": 125, "due": 135, "due_at": 135, "age": 85, "status": 90, "owner": 150, "survey": 65,
                "channel": 75, "intent": 130, "segment": 80, "customer": 150}


def now() -> datetime:
    """The operational clock (``serving.cases.utcnow``)."""
    return store.utcnow()


def routing_or_error(lang: str) -> Routing | None:
    """The routing file, or None after showing why it cannot be used."""
    try:
        return load_routing()
    except UserError as exc:
        st.error(t("cases.routing_error", lang))
        st.code(str(exc), language=None, wrap_lines=True)
        return None


def init_from_url() -> None:
    """``?case=ID`` opens that case (a shared link), once per session."""
    if "_cs_init" not in st.session_state:
        st.session_state["_cs_init"] = True
        asked = st.query_params.get("case")
        if asked:
            st.session_state[CASE_KEY] = asked[:200]


def _choose(table_key: str, ids: list[str]) -> None:
    """A table's selection callback: show the selected case."""
    rows = st.session_state[table_key].selection.rows
    if rows:
        st.session_state[CASE_KEY] = ids[rows[0]]


def _case_table(cases: list[store.Case], when: datetime, lang: str, key: str) -> None:
    ui.show_table(
        rc.queue_table(cases, when, lang),
        lang,
        columns=QUEUE_COLUMNS,
        formats={"due_at": "datetime"},
        column_widths=QUEUE_WIDTHS,
        key=key,
        select_row=True,
        on_select=partial(_choose, key, [c.case_id for c in cases]),
        max_rows=15,
    )


def my_queue(me: CurrentUser, when: datetime, lang: str) -> None:
    names = rc.me_names(me.id, me.name)
    total = rc.count_my_cases(role=me.role, me=names, now=when)
    st.caption(t("cases.queue.caption", lang, user=md_escape(" / ".join(names))))
    if not total:
        st.info(t("cases.queue.empty", lang, user=md_escape(me.id)))
        return
    page, pages = ui.page_number(st, t("cases.page", lang), total, PAGE_SIZE, "cs_queue_page")
    cases = rc.my_cases(role=me.role, me=names, now=when, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    st.caption(t("cases.showing", lang, shown=fmt_int(len(cases), lang), total=fmt_int(total, lang),
                 page=fmt_int(page, lang), pages=fmt_int(pages, lang)))
    _case_table(cases, when, lang, "cs_queue_table")


def all_open(me: CurrentUser, when: datetime, lang: str) -> None:
    summary = rc.owner_summary(role=me.role, now=when)
    if summary.empty:
        st.info(t("cases.open.none", lang))
        return
    st.subheader(t("cases.open.by_owner", lang))
    ui.show_table(summary, lang, columns={"owner": "cases.col.owner", "open": "cases.col.open",
                                          "overdue": "cases.col.overdue", "next_due": "cases.col.next_due"},
                  formats={"open": "int", "overdue": "int", "next_due": "datetime"}, key="cs_owner_summary",
                  right_align=("open", "overdue"), max_rows=10)
    st.subheader(t("cases.open.list", lang))
    left, right = st.columns([2, 1])
    owner = left.selectbox(t("cases.open.owner", lang), ["", *summary["owner"]], key="cs_owner_filter",
                           format_func=lambda o: o or t("cases.open.all_owners", lang))
    total = rc.count_open_cases(role=me.role, owner=owner or None, now=when)
    page, pages = ui.page_number(right, t("cases.page", lang), total, PAGE_SIZE, "cs_open_page")
    cases = rc.open_cases(role=me.role, owner=owner or None, now=when, limit=PAGE_SIZE,
                          offset=(page - 1) * PAGE_SIZE)
    st.caption(t("cases.showing", lang, shown=fmt_int(len(cases), lang), total=fmt_int(total, lang),
                 page=fmt_int(page, lang), pages=fmt_int(pages, lang)))
    _case_table(cases, when, lang, "cs_open_table")
    ui.download_csv(lambda: ui.csv_bytes(rc.queue_csv(rc.open_cases(role=me.role, owner=owner or None, now=when),
                                                      when)),
                    "open_cases.csv", "dl_cs_open", lang)


# --------------------------------------------------------------------------- figures


def figures(me: CurrentUser, when: datetime, lang: str) -> None:
    """The closed-loop figures for a range of response dates (default: the 30 days up to
    the latest response), overall and by owner, channel or intent."""
    zone = get_settings().timezone
    if "cs_fig_range" not in st.session_state:
        st.session_state["cs_fig_range"] = rc.default_range(tz=zone)
    rng = st.date_input(t("cases.fig.range", lang, zone=zone), key="cs_fig_range")
    if not (isinstance(rng, tuple) and len(rng) == 2):
        st.caption(t("cases.fig.pick_end", lang))
        return
    start, end = rng
    fig = rc.figures(role=me.role, date_from=start, date_to=end, tz=zone, now=when)
    figure_tiles(fig["overall"], lang)
    st.caption(t("cases.fig.caption", lang, start=date.isoformat(start), end=date.isoformat(end), zone=zone,
                 now=fmt_datetime(when, lang)))
    if fig["k"] is not None:
        st.caption(t("cases.fig.k_note", lang, k=fmt_int(fig["k"], lang), role=t(f"role.{me.role}", lang)))
    by = st.radio(t("cases.fig.by", lang), list(rc.BREAKDOWNS), horizontal=True, key="cs_fig_by",
                  format_func=lambda d: t(f"cases.fig.by.{d}", lang))
    breakdown_table(fig, by, lang, key="cs_fig_table")
    ui.download_csv(rc.figures_csv(fig), f"case_figures_{start}_{end}.csv", "dl_cs_figures", lang)


def figure_tiles(row: dict[str, Any], lang: str) -> None:
    """The five tiles of a figures row (``reports.cases.figure_tiles``) side by side."""
    for col, tile in zip(st.columns(5), rc.figure_tiles(row, lang), strict=True):
        ui.tile(col, tile)


def breakdown_table(fig: dict[str, Any], by: str, lang: str, *, key: str) -> None:
    """One breakdown (owner, channel or intent) of ``reports.cases.figures`` as a table."""
    ui.show_table(
        rc.figures_table(fig, by, lang),
        lang,
        columns={"group": f"cases.fig.by.{by}", "cases": "cases.fig.cases", "open": "cases.fig.open",
                 "overdue": "cases.fig.overdue", "closed": "cases.col.closed", "closed_in_sla": "cases.col.in_sla",
                 "rate": "cases.fig.rate", "ci": "cases.col.ci", "median": "cases.fig.median"},
        formats={c: "int" for c in ("cases", "open", "overdue", "closed", "closed_in_sla")},
        right_align=("cases", "open", "overdue", "closed", "closed_in_sla", "rate", "ci", "median"),
        key=key,
    )


# --------------------------------------------------------------------------- one case


def case_section(source: Source | None, me: CurrentUser, when: datetime, routing: Routing | None, lang: str) -> None:
    """The case chosen in a table (or typed, or from ``?case=``): everything about it."""
    st.header(t("cases.case.header", lang))
    st.text_input(t("cases.case.pick", lang), key=CASE_KEY, placeholder=t("cases.case.pick_hint", lang))
    case_id = (st.session_state.get(CASE_KEY) or "").strip()
    if not case_id:
        st.caption(t("cases.case.none", lang))
        return
    try:  # the case and its history change with every action: always read fresh
        case = store.get_case(case_id, role=me.role)
        history = store.history(case_id, role=me.role)
    except UserError as exc:
        st.error(str(exc))
        return
    st.query_params["case"] = case_id
    timeline = None
    if source is not None and not case.hidden:
        timeline = ui.cached(rc.timeline, source, case_id, role=me.role)
    seen = st.session_state.setdefault(_AUDITED, set())
    if case_id not in seen:
        app_state.audit(me.id, me.role, "case_view", {"case": case_id}, 0 if timeline is None else len(timeline))
        seen.add(case_id)
    _facts(case, when, lang)
    _response(case, lang)
    if routing is not None:
        st.subheader(t("cases.case.playbook", lang))
        route = routing.route(case.channel, case.intent, case.segment)
        st.info(md_escape(route.playbook.text(lang)), icon=":material/menu_book:")
    form_col, history_col = st.columns([2, 3], gap="large")
    with form_col:
        st.subheader(t("cases.case.actions", lang))
        _action_form(case, me, routing, lang)
    with history_col:
        st.subheader(t("cases.case.history", lang))
        ui.show_table(rc.history_display(history, lang), lang,
                      columns={"at": "cases.col.when", "who": "cases.col.who", "action": "cases.col.action",
                               "change": "cases.col.change", "note": "cases.col.note"},
                      formats={"at": "datetime"}, key="cs_history", max_rows=10,
                      column_widths={"at": 140, "who": 200, "action": 100, "change": 200, "note": "large"})
    st.subheader(t("cases.case.timeline", lang))
    if case.hidden:
        st.caption(t("cases.case.timeline_hidden", lang))
    elif timeline is None:
        st.caption(t("no_data", lang))
    else:
        st.caption(t("cases.case.timeline_caption", lang, days=fmt_int(rc.TIMELINE_DAYS, lang)))
        ui.show_table(rc.timeline_display(timeline, lang), lang,
                      columns={"t": "cases.col.when", "what": "cases.col.what", "channel": "dim.channel",
                               "intent": "dim.intent", "detail": "cases.col.detail"},
                      formats={"t": "datetime"}, key="cs_timeline", max_rows=12,
                      column_widths={"t": 140, "what": 220, "channel": 90, "intent": 160, "detail": "large"})


def _facts(case: store.Case, when: datetime, lang: str) -> None:
    """Status, owner, due time and age, each a labelled value that wraps (never cut off)."""
    facts = [
        ("cases.col.status", rc.status_text(case.status, lang), ""),
        ("cases.col.owner", case.owner, ""),
        ("cases.col.due_at", fmt_datetime(case.due_at, lang), rc.due_text(case, when, lang)),
        ("cases.col.age", rc.duration_text(case.age_hours(when), lang),
         t("cases.case.responded", lang, ts=fmt_datetime(case.response_ts, lang))),
    ]
    for col, (label, value, caption) in zip(st.columns(4), facts, strict=True):
        with col.container(border=True):
            st.caption(t(label, lang))
            st.markdown(f"**{md_escape(value)}**")
            if caption:
                st.caption(caption)


def _response(case: store.Case, lang: str) -> None:
    st.markdown(t("cases.case.response", lang, survey=rc.survey_text(case), channel=md_escape(case.channel),
                  intent=md_escape(case.intent), segment=md_escape(case.segment), rule=md_escape(case.rule),
                  sla=fmt_int(case.sla_hours, lang)))
    if case.hidden:
        st.warning(t("cases.case.hidden", lang), icon=":material/visibility_off:")
        return
    st.caption(t("cases.case.customer", lang, person=case.person))
    st.text(case.verbatim if case.verbatim else t("cases.case.no_verbatim", lang))  # plain text, never Markdown


def _act(case_id: str, me: CurrentUser, lang: str, action_key: str) -> None:
    """The action form's submit callback."""
    s = st.session_state
    action = s.get(action_key)
    owner = (s.get("cs_owner_typed") or "").strip() or s.get("cs_owner_pick") or ""
    try:
        case = store.update_case(case_id, action, user=me.id, role=me.role, note=s.get("cs_note"), owner=owner,
                                 now=store.utcnow())
    except UserError as exc:
        s[_MESSAGE] = ("error", str(exc))
        return
    s[_MESSAGE] = ("success", t("cases.form.done", lang, id=case_id, action=t(f"cases.action.{action}", lang),
                                user=me.id, status=rc.status_text(case.status, lang), owner=case.owner))


def _action_form(case: store.Case, me: CurrentUser, routing: Routing | None, lang: str) -> None:
    actions = [a for a in store.STATUS_ACTIONS if case.status not in ("resolved", a)] + ["note", "reassign"]
    owners = list(dict.fromkeys([me.id, *(routing.owners() if routing else [])]))
    owners = [o for o in owners if o != case.owner]
    # the choice of actions depends on the status: a widget per status and language, so a
    # value chosen before an action (no longer offered) is never submitted again
    action_key = f"cs_action_{case.status}_{lang}"
    with st.form("cs_action_form", clear_on_submit=True):
        st.radio(t("cases.form.action", lang), actions, key=action_key, horizontal=True,
                 format_func=lambda a: t(f"cases.action.{a}", lang))
        st.text_area(t("cases.form.note", lang), key="cs_note", max_chars=store.MAX_NOTE, height=80)
        pick, typed = st.columns(2)
        pick.selectbox(t("cases.form.owner", lang), owners, key="cs_owner_pick")
        typed.text_input(t("cases.form.owner_typed", lang), key="cs_owner_typed", max_chars=200)
        st.caption(t("cases.form.who", lang, user=md_escape(me.id)))
        st.form_submit_button(t("cases.form.submit", lang), on_click=_act, args=(case.case_id, me, lang, action_key),
                              type="primary")
    message = st.session_state.pop(_MESSAGE, None)
    if message:
        (st.error if message[0] == "error" else st.success)(message[1])
