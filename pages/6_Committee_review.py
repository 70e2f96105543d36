"""Committee review: a closed review period vs the previous one — what changed (BH-ranked),
alerts, OKR status, decisions and actions; closing a review freezes its figures."""

from dataclasses import asdict
from datetime import timedelta

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core import privacy
from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import MISSING, fmt_datetime, fmt_int, fmt_number, t
from cxmetrics.metrics import okr
from cxmetrics.metrics.compare import closed_periods
from cxmetrics.metrics.registry import KPI_ORDER, KPIS
from cxmetrics.reports import committee as cu
from cxmetrics.reports import okrs as okr_view
from cxmetrics.reports import review
from cxmetrics.serving import app_state
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters

lang = ui.current_lang()
source = ui.require_source(lang)
settings = get_settings()
me = ui_auth.current_user()
user = me.id  # the logged-in email, or local-<role> in demo mode
st.title(t("rv.title", lang))

# ---------------------------------------------------------------- the review period (?review=YYYY-MM-DD)
periods = closed_periods(source, 26)
if not periods:
    ui.data_caption(source, lang)
    st.info(t("rv.no_period", lang))
    st.stop()
by_label = {p.label: p for p in periods}
asked = st.query_params.get("review")
if asked is not None and cu.parse_review_param(asked, periods) is None:
    st.warning(t("rv.bad_period", lang, value=asked[:30]))
elif asked is not None:
    st.session_state["rv_period"] = asked
if st.session_state.get("rv_period") not in by_label:
    st.session_state["rv_period"] = periods[0].label


def _follow_period() -> None:
    st.query_params["review"] = st.session_state["rv_period"]


label = st.selectbox(
    t("rv.period", lang),
    list(by_label),
    key="rv_period",
    format_func=lambda v: cu.period_text(by_label[v]),
    on_change=_follow_period,
)
period = by_label[label]
st.query_params["review"] = period.label
previous = period.previous()

# ---------------------------------------------------------------- data (figures cached; actions always fresh)
okr_error = None
path = okr_view.okr_path()
try:
    okr.load_okrs(path)
    path_key, mtime = okr_view.okr_file_key(path)
except UserError as exc:
    okr_error, path_key, mtime = str(exc), None, 0.0
# built for the viewer's role: cells with fewer than k people are suppressed for some roles
data = cu.with_fresh_actions(
    ui.cached(cu.review_figures, source, period, path_key, mtime, role=me.role), period, role=me.role
)
changes = data["changes"]
frozen = app_state.frozen_review(period.label)
restated_items = review.restatements(frozen["figures"], data) if frozen else []
restated = {f"{r['kpi']}|{r['dimension']}|{r['group']}": r for r in restated_items}

st.caption(
    t(
        "rv.caption",
        lang,
        current=cu.period_text(period),
        previous=cu.period_text(previous),
        ts=fmt_datetime(source.max_ts, lang),
    )
)
if frozen:
    st.info(
        t(
            "rv.frozen",
            lang,
            at=frozen["closed_at"].replace("T", " "),
            by=frozen["closed_by"],
            v=frozen["data_version"],
        )
    )

# ---------------------------------------------------------------- this period vs previous
st.header(t("rv.vs.header", lang))
significant = [r for r in changes if r["significant"]]
tiles = st.columns(5)
tiles[0].metric(t("rv.m.compared", lang), fmt_int(len(changes), lang), border=True)
tiles[1].metric(t("rv.m.significant", lang), fmt_int(len(significant), lang), border=True)
tiles[2].metric(
    t("rv.m.better", lang), fmt_int(sum(1 for r in significant if r["improved"]), lang), border=True
)
tiles[3].metric(
    t("rv.m.worse", lang),
    fmt_int(sum(1 for r in significant if r["improved"] is False), lang),
    border=True,
)
tiles[4].metric(t("rv.m.alerts", lang), fmt_int(len(data["alerts"]), lang), border=True)

st.subheader(t("rv.changes.header", lang))
st.caption(
    t(
        "rv.changes.caption",
        lang,
        n=fmt_int(len(changes), lang),
        alpha=fmt_number(settings.alpha, lang, 2),
        min_n=fmt_int(settings.min_n, lang),
    )
)
if any(r.get("suppressed") or r.get("previous_suppressed") for r in changes):
    st.caption(
        t("privacy.note", lang, k=fmt_int(settings.k_anonymity, lang), role=t(f"role.{me.role}", lang))
    )
show_all = st.toggle(t("rv.show_all", lang), key="rv_show_all")
rows = changes if show_all else significant
st.caption(t("rv.showing", lang, shown=fmt_int(len(rows), lang), total=fmt_int(len(changes), lang)))
if not rows:
    st.info(t("rv.no_significant", lang))
else:
    shown = cu.change_display(rows, lang, restated)
    columns = {
        "kpi": "rv.col.kpi",
        "dimension": "rv.col.dimension",
        "group": "rv.col.group",
        "previous_s": "rv.col.previous",
        "current_s": "rv.col.current",
        "diff_s": "rv.col.diff",
        "direction": "rv.col.direction",
        "q_value": "rv.col.q",
        "significant": "rv.col.significant",
        "current_n": "rv.col.n",
        "previous_n": "rv.col.previous_n",
        "diff_ci": "rv.col.diff_ci",
    }
    if restated:
        columns |= {"restated": "rv.col.restated", "as_reported": "rv.col.as_reported"}
    header = {c: t(k, lang) for c, k in columns.items()}
    # sized so that everything up to n fits beside the sidebar; the interval scrolls into view
    change_widths = {
        "kpi": 165,
        "dimension": 85,
        "group": 90,
        "previous_s": 75,
        "current_s": 85,
        "diff_s": 80,
        "direction": 85,
        "q_value": 70,
        "significant": 85,
        "current_n": 55,
        "previous_n": 85,
        "diff_ci": 170,
    }
    view = shown[list(columns)].rename(columns=header)
    sig_flags = [r["significant"] for r in rows]

    def _direction_colours(col):  # colour only significant changes, by the KPI's good direction
        return [
            ""
            if not sig or imp is None
            else f"background-color: {cu.BETTER_BG if imp else cu.WORSE_BG}; color: #000000"
            for sig, imp in zip(sig_flags, shown["improved"], strict=True)
        ]

    def _q(x):
        if x is None or x != x:
            return MISSING
        return "< " + fmt_number(0.001, lang, 3) if x < 0.001 else fmt_number(x, lang, 3)

    styler = view.style.format(
        {
            header["q_value"]: _q,
            header["current_n"]: lambda x: fmt_int(x, lang),
            header["previous_n"]: lambda x: fmt_int(x, lang),
        }
    ).apply(_direction_colours, subset=[header["diff_s"], header["direction"]])
    st.dataframe(
        styler,
        hide_index=True,
        height=ui.fit_height(len(view), 15),
        key="rv_changes",
        column_config={
            **{header[c]: st.column_config.Column(width=w) for c, w in change_widths.items()},
            **{
                header[c]: st.column_config.Column(width=change_widths.get(c), alignment="right")
                for c in ("previous_s", "current_s", "diff_s", "q_value", "current_n", "previous_n")
            },
        },
    )
ui.download_csv(cu.change_csv(changes), f"review_{period.label}_changes.csv", "dl_rv_changes", lang)

# ---------------------------------------------------------------- restatements of a closed review
if frozen:
    st.subheader(t("rv.restated.header", lang))
    if restated_items:
        st.warning(t("rv.restated.warning", lang, n=fmt_int(len(restated_items), lang)))
        st.caption(t("rv.restated.caption", lang))
        ui.show_table(
            cu.restatement_display(restated_items, lang),
            lang,
            columns={
                "kpi": "rv.col.kpi",
                "dimension": "rv.col.dimension",
                "group": "rv.col.group",
                "reported": "rv.col.reported",
                "restated": "rv.col.restated_value",
                "reported_n": "rv.col.reported_n",
                "restated_n": "rv.col.restated_n",
                "sig_change": "rv.col.sig_change",
            },
            formats={"reported_n": "int", "restated_n": "int"},
            key="rv_restated",
        )
        ui.download_csv(
            cu.restatement_csv(restated_items),
            f"review_{period.label}_restated.csv",
            "dl_rv_restated",
            lang,
        )
    else:
        st.caption(t("rv.restated.none", lang))

# ---------------------------------------------------------------- alerts
st.header(t("rv.alerts.header", lang))
st.caption(t("rv.alerts.caption", lang))
if not data["alerts"]:
    st.info(t("rv.alerts.none", lang))
else:
    alerts = cu.alerts_display(data["alerts"], lang)
    a_cols = {  # the link early: the table is wider than the page beside the sidebar
        "kpi": "rv.col.kpi",
        "what": "rv.col.what",
        "where": "rv.col.where",
        "link": "rv.col.link",
        "since": "rv.col.since",
        "last_day": "rv.col.last_day",
        "expected": "rv.col.expected",
        "observed": "rv.col.observed",
        "size": "rv.col.size",
        "n": "rv.col.n",
    }
    a_head = {c: t(k, lang) for c, k in a_cols.items()}
    st.dataframe(
        alerts[list(a_cols)]
        .rename(columns=a_head)
        .style.format({a_head["n"]: lambda x: fmt_int(x, lang)}),
        hide_index=True,
        height=ui.fit_height(len(alerts), 12),
        key="rv_alerts",
        column_config={
            a_head["kpi"]: st.column_config.Column(width=160),
            a_head["what"]: st.column_config.Column(width=190),
            a_head["link"]: st.column_config.LinkColumn(
                display_text=t("rv.link_text", lang), width=150
            ),
            **{
                a_head[c]: st.column_config.Column(alignment="right")
                for c in ("expected", "observed", "size", "n")
            },
        },
    )
ui.download_csv(
    pd.DataFrame(data["alerts"]), f"review_{period.label}_alerts.csv", "dl_rv_alerts", lang
)

# ---------------------------------------------------------------- OKR status strip
st.header(t("rv.okrs.header", lang))
if okr_error:
    st.warning(t("rv.bad_okrs", lang, error=okr_error))
elif data["okrs"]:
    st.caption(t("rv.okrs.caption", lang, day=data["okrs"]["as_of"]))
    objectives = data["okrs"]["objectives"]
    strip = st.columns(max(1, min(len(objectives), 4)))
    for i, objective in enumerate(objectives):
        with strip[i % len(strip)].container(border=True, key=f"rv_okr_{objective['id']}"):
            st.markdown(okr_view.objective_heading_html(objective, lang), unsafe_allow_html=True)
    strip_csv = pd.DataFrame(
        [{k: o[k] for k in ("id", "title", "owner", "status")} for o in objectives]
    )
    st.caption(t("rv.okrs.csv_caption", lang))
    ui.download_csv(strip_csv, f"review_{period.label}_okrs.csv", "dl_rv_okrs", lang)

# ---------------------------------------------------------------- decisions and actions (never cached)
if privacy.may_use_action_log(me.role):
    st.header(t("rv.actions.header", lang))
    action_columns = {
        "id": "rv.col.id",
        "what": "rv.form.what",
        "owner": "rv.col.owner",
        "due_date": "rv.col.due",
        "status_s": "rv.col.status",
        "kpi_s": "rv.col.linked_kpi",
        "filter_s": "rv.col.filter",
    }
    due_col, last_col = st.columns(2, gap="large")
    with due_col:
        st.subheader(t("rv.due.header", lang))
        due = data["actions_due"]
        if due:
            done, open_ = cu.due_summary(due)
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
            ui.show_table(
                cu.actions_display(due, lang), lang, columns=action_columns, key="rv_due_table"
            )
            ui.download_csv(
                cu.actions_csv(due), f"review_{period.label}_actions_due.csv", "dl_rv_due", lang
            )
        else:
            st.caption(t("rv.due.none", lang))
    with last_col:
        st.subheader(t("rv.last.header", lang))
        last = data["actions_decided_last_time"]
        if last:
            st.caption(t("rv.last.caption", lang, period=cu.period_text(previous)))
            ui.show_table(
                cu.actions_display(last, lang), lang, columns=action_columns, key="rv_last_table"
            )
            ui.download_csv(
                cu.actions_csv(last), f"review_{period.label}_actions_last.csv", "dl_rv_last", lang
            )
        else:
            st.caption(t("rv.last.none", lang))

    active = ui_filters.current()
    linked_dims = dict(active.spec.dims)


    def _add_action() -> None:
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
                user,
                kpi=s.get("rv_kpi") or None,
                filter_dims=linked_dims if s.get("rv_link_filter") else None,
                role=me.role,
            )
        except UserError as exc:
            s["rv_message"] = ("error", str(exc))
            return
        s["rv_message"] = (
            "success",
            t("rv.form.added", lang, id=action.id, user=user, period=period.label),
        )


    def _mark_done(action_id: int) -> None:
        app_state.mark_done(action_id, user, role=me.role)
        st.session_state["rv_message"] = ("success", t("rv.marked_done", lang, id=action_id, user=user))


    form_col, open_col = st.columns(2, gap="large")
    with form_col:
        st.subheader(t("rv.form.header", lang))
        with st.form("rv_add_action", clear_on_submit=True):
            st.text_input(t("rv.form.what", lang), key="rv_what", max_chars=500)
            owner_col, due_col2 = st.columns(2)
            owner_col.text_input(t("rv.form.owner", lang), key="rv_owner", max_chars=120)
            due_col2.date_input(
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
                    t("rv.form.link_filter", lang, filter=cu.describe_dims(linked_dims, lang)),
                    key="rv_link_filter",
                    value=True,
                )
            else:
                st.caption(t("rv.form.no_filter", lang))
            st.caption(t("rv.form.who", lang, user=user, period=period.label))
            st.form_submit_button(t("rv.form.submit", lang), on_click=_add_action, type="primary")
        message = st.session_state.pop("rv_message", None)
        if message:
            (st.error if message[0] == "error" else st.success)(message[1])

    every_action = [asdict(a) for a in app_state.actions(role=me.role)]
    with open_col:
        st.subheader(t("rv.open.header", lang))
        open_actions = [a for a in every_action if a["status"] == "open"]
        if not open_actions:
            st.caption(t("rv.open.none", lang))
        with st.container(height=420 if len(open_actions) > 6 else "content", border=False):
            for a in open_actions:
                text_col, button_col = st.columns([5, 2], vertical_alignment="center")
                # what and owner are free text typed by users: shown as plain text, never Markdown
                text_col.text(
                    f"#{a['id']} {a['what']} — {a['owner']} · {t('rv.col.due', lang)} {a['due_date']}"
                )
                button_col.button(
                    t("rv.mark_done", lang),
                    key=f"rv_done_{a['id']}",
                    on_click=_mark_done,
                    args=(a["id"],),
                    icon=":material/check:",
                )

    st.subheader(t("rv.log.header", lang))
    st.caption(t("rv.log.caption", lang))
    log_columns = {
        **action_columns,
        "period": "rv.col.decided_in",
        "created": "rv.col.created",
        "done": "rv.col.done_by",
    }
    ui.show_table(
        cu.actions_display(every_action, lang),
        lang,
        columns=log_columns,
        key="rv_log",
        max_rows=15,
        column_widths={
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
        },
    )
    ui.download_csv(cu.actions_csv(every_action), "actions.csv", "dl_rv_actions", lang)

else:  # the executive role sees aggregates only: no action log (privacy.ACTION_LOG_ROLES)
    st.header(t("rv.actions.header", lang))
    st.info(t("rv.actions.role", lang, role=t(f"role.{me.role}", lang)), icon=":material/lock:")

# ---------------------------------------------------------------- closing the review
st.header(t("rv.close.header", lang))


def _close_review() -> None:
    app_state.freeze_review(
        period.label, review.frozen_figures(data), data["data_version"], user, role=me.role
    )
    app_state.audit(user, me.role, "close_review", {"period": period.label}, len(changes))
    st.session_state["rv_closed_message"] = t("rv.close.done", lang, period=period.label, user=user)


closed_message = st.session_state.pop("rv_closed_message", None)
if closed_message:
    st.success(closed_message)
if frozen:
    st.caption(
        t(
            "rv.frozen",
            lang,
            at=frozen["closed_at"].replace("T", " "),
            by=frozen["closed_by"],
            v=frozen["data_version"],
        )
    )
elif me.role in privacy.CLOSE_REVIEW_ROLES:
    st.button(
        t("rv.close.button", lang),
        key="rv_close",
        on_click=_close_review,
        help=t("rv.close.help", lang),
        icon=":material/lock:",
    )
else:
    st.caption(t("rv.close.role", lang, role=t(f"role.{me.role}", lang)))

# ---------------------------------------------------------------- review pack export buttons
pack = st.container(key="rv_pack")
with pack:
    try:
        from cxmetrics.reports import pack as _report
    except ImportError:  # the review pack (cxmetrics.reports.pack) is not built yet
        _report = None
    if _report is not None and hasattr(_report, "render_pack"):
        st.header(t("rv.pack.header", lang))
        pack_cols = st.columns(3)
        for col, (fmt, mime) in zip(
            pack_cols,
            [
                ("html", "text/html"),
                ("pdf", "application/pdf"),
                ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ],
            strict=True,
        ):
            with col:
                st.download_button(
                    t(f"rv.pack.{fmt}", lang),
                    data=lambda fmt=fmt: _report.render_pack(data, fmt, lang),
                    file_name=f"review_{period.label}_{lang}.{fmt}",
                    mime=mime,
                    key=f"dl_rv_pack_{fmt}",
                    icon=":material/download:",
                    on_click="ignore",
                )
