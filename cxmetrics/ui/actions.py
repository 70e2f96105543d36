"""The committee's decisions and actions on the review page: what was due in the period,
what was decided last time, the form to record an action, the open actions with a
"mark done" button each, and the whole log.

Never cached: every run reads the action log again (``serving.app_state``), so a
recorded or closed action shows at once. For the roles that may use the log
(``privacy.may_use_action_log``; the page checks).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

import streamlit as st

from cxmetrics import ui
from cxmetrics.core.auth import CurrentUser
from cxmetrics.core.errors import UserError
from cxmetrics.i18n import fmt_int, t
from cxmetrics.metrics.compare import Period
from cxmetrics.metrics.registry import KPI_ORDER, KPIS
from cxmetrics.reports import actions as ar
from cxmetrics.reports import committee as cu
from cxmetrics.serving import app_state

_MESSAGE = "rv_message"  # the outcome of the last add / mark-done, shown once after the rerun
ACTION_COLUMNS = {
    "id": "rv.col.id",
    "what": "rv.form.what",
    "owner": "rv.col.owner",
    "due_date": "rv.col.due",
    "status_s": "rv.col.status",
    "kpi_s": "rv.col.linked_kpi",
    "filter_s": "rv.col.filter",
}
LOG_COLUMNS = {
    **ACTION_COLUMNS,
    "period": "rv.col.decided_in",
    "created": "rv.col.created",
    "done": "rv.col.done_by",
}
LOG_WIDTHS = {
    "id": 50,
    "what": 260,
    "owner": 150,
    "due_date": 100,
    "status_s": 90,
    "kpi_s": 120,
    "filter_s": 140,
    "period": 100,
    "created": 250,
    "done": 250,
}


def decisions_and_actions(
    data: dict[str, Any], period: Period, linked_dims: dict, me: CurrentUser, lang: str
) -> None:
    """The whole section for ``period`` as ``me`` uses it (``data``: ``with_fresh_actions``'
    review data); a new action may be linked to ``linked_dims``, the sidebar's filter."""
    st.header(t("rv.actions.header", lang))
    _due_and_last(data, period, lang)
    form_col, open_col = st.columns(2, gap="large")
    with form_col:
        _add_form(period, linked_dims, me, lang)
    every_action = [asdict(a) for a in app_state.actions(role=me.role)]
    with open_col:
        _open_actions(ar.open_actions(every_action), me, lang)
    st.subheader(t("rv.log.header", lang))
    st.caption(t("rv.log.caption", lang))
    ui.show_table(
        ar.actions_display(every_action, lang),
        lang,
        columns=LOG_COLUMNS,
        key="rv_log",
        max_rows=15,
        column_widths=LOG_WIDTHS,
    )
    ui.download_csv(ar.actions_csv(every_action), "actions.csv", "dl_rv_actions", lang)


def _due_and_last(data: dict[str, Any], period: Period, lang: str) -> None:
    """Side by side: the actions due in the period and those decided in the previous one."""
    due_col, last_col = st.columns(2, gap="large")
    with due_col:
        st.subheader(t("rv.due.header", lang))
        due = data["actions_due"]
        if due:
            done, open_ = ar.due_summary(due)
            st.markdown(
                t(
                    "rv.due.summary",
                    lang,
                    done=fmt_int(done, lang),
                    open=fmt_int(open_, lang),
                    n=fmt_int(len(due), lang),
                    period=cu.period_text(period),
                )
            )
            st.caption(t("rv.due.caption", lang))
            ui.show_table(ar.actions_display(due, lang), lang, columns=ACTION_COLUMNS, key="rv_due_table")
            ui.download_csv(ar.actions_csv(due), f"review_{period.label}_actions_due.csv", "dl_rv_due", lang)
        else:
            st.caption(t("rv.due.none", lang))
    with last_col:
        st.subheader(t("rv.last.header", lang))
        last = data["actions_decided_last_time"]
        if last:
            st.caption(t("rv.last.caption", lang, period=cu.period_text(period.previous())))
            ui.show_table(ar.actions_display(last, lang), lang, columns=ACTION_COLUMNS, key="rv_last_table")
            ui.download_csv(ar.actions_csv(last), f"review_{period.label}_actions_last.csv", "dl_rv_last", lang)
        else:
            st.caption(t("rv.last.none", lang))


def _add_action(period: Period, linked_dims: dict, me: CurrentUser, lang: str) -> None:
    """The form's submit callback: the action from the form's widgets, or why not."""
    s = st.session_state
    due_date = s.get("rv_due")
    try:
        if due_date is None:
            raise UserError(t("rv.form.due", lang))
        action = app_state.add_action(
            s.get("rv_what", ""),
            s.get("rv_owner", ""),
            due_date,
            period.label,
            me.id,
            kpi=s.get("rv_kpi") or None,
            filter_dims=linked_dims if s.get("rv_link_filter") else None,
            role=me.role,
        )
    except UserError as exc:
        s[_MESSAGE] = ("error", str(exc))
        return
    s[_MESSAGE] = ("success", t("rv.form.added", lang, id=action.id, user=me.id, period=period.label))


def _mark_done(action_id: int, me: CurrentUser, lang: str) -> None:
    app_state.mark_done(action_id, me.id, role=me.role)
    st.session_state[_MESSAGE] = ("success", t("rv.marked_done", lang, id=action_id, user=me.id))


def _add_form(period: Period, linked_dims: dict, me: CurrentUser, lang: str) -> None:
    """The form to record an action decided in ``period`` (due two weeks after it by default),
    then the outcome of the last submission."""
    st.subheader(t("rv.form.header", lang))
    with st.form("rv_add_action", clear_on_submit=True):
        st.text_input(t("rv.form.what", lang), key="rv_what", max_chars=500)
        owner_col, due_col = st.columns(2)
        owner_col.text_input(t("rv.form.owner", lang), key="rv_owner", max_chars=120)
        due_col.date_input(
            t("rv.form.due", lang),
            value=period.end + timedelta(days=14),
            key="rv_due",
            format="YYYY-MM-DD",
        )
        st.selectbox(
            t("rv.form.kpi", lang),
            ["", *KPI_ORDER],
            key="rv_kpi",
            format_func=lambda k: KPIS[k].label(lang) if k else t("rv.form.no_kpi", lang),
        )
        if linked_dims:
            st.checkbox(
                t("rv.form.link_filter", lang, filter=ar.describe_dims(linked_dims, lang)),
                key="rv_link_filter",
                value=True,
            )
        else:
            st.caption(t("rv.form.no_filter", lang))
        st.caption(t("rv.form.who", lang, user=me.id, period=period.label))
        st.form_submit_button(
            t("rv.form.submit", lang), on_click=_add_action, args=(period, linked_dims, me, lang), type="primary"
        )
    message = st.session_state.pop(_MESSAGE, None)
    if message:
        (st.error if message[0] == "error" else st.success)(message[1])


def _open_actions(open_actions: list[dict], me: CurrentUser, lang: str) -> None:
    """The open actions, one line each with its "mark done" button (scrolling past six)."""
    st.subheader(t("rv.open.header", lang))
    if not open_actions:
        st.caption(t("rv.open.none", lang))
    with st.container(height=420 if len(open_actions) > 6 else "content", border=False):
        for a in open_actions:
            text_col, button_col = st.columns([5, 2], vertical_alignment="center")
            # what and owner are free text typed by users: shown as plain text, never Markdown
            text_col.text(ar.action_line(a, lang))
            button_col.button(
                t("rv.mark_done", lang),
                key=f"rv_done_{a['id']}",
                on_click=_mark_done,
                args=(a["id"], me, lang),
                icon=":material/check:",
            )
