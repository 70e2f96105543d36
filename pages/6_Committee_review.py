"""Committee review: a closed review period vs the previous one — first why (the summary,
the top incidents, the change decomposition, the key drivers), then what changed (BH-ranked),
operations and churn, alerts (folded), OKR status, decisions and actions; closing a review
freezes its figures."""

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core import privacy
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_datetime, fmt_int, fmt_number, t
from cxmetrics.metrics.compare import closed_periods
from cxmetrics.reports import committee as cu
from cxmetrics.reports import okrs as okr_view
from cxmetrics.reports import review
from cxmetrics.serving import app_state
from cxmetrics.ui import actions as actions_ui
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters
from cxmetrics.ui import ops_review as ops_ui
from cxmetrics.ui import review as review_ui
from cxmetrics.ui import why as why_ui

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
period = review_ui.review_period(periods, lang)
previous = period.previous()

# ---------------------------------------------------------------- data (figures cached; actions always fresh)
okr_error, path_key, mtime = okr_view.checked_okr_file(okr_view.okr_path())
# built for the viewer's role: cells with fewer than k people are suppressed for some roles
data = cu.with_fresh_actions(
    ui.cached(cu.review_figures, source, period, path_key, mtime, role=me.role), period, role=me.role
)
data = cu.with_fresh_cases(data, period, source.tz, role=me.role)  # cases are worked in real time
changes = data["changes"]
frozen = app_state.frozen_review(period.label)
restated_items = review.restatements(frozen["figures"], data) if frozen else []
restated = cu.by_change_key(restated_items)

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
    st.info(cu.frozen_text(frozen, lang))

# ---------------------------------------------------------------- why: incidents, decomposition, drivers
why_ui.opening(data, lang, me.role)
st.header(t("why.dec.header", lang))
why_ui.decomposition(source, period, lang, me.role, key="rv_why")
why_ui.drivers(source, period, lang, me.role, key="rv_drv", nps=data["drivers"])

# ---------------------------------------------------------------- this period vs previous
st.header(t("rv.vs.header", lang))
for col, tile in zip(st.columns(5), cu.change_tiles(changes, data["alerts"], lang), strict=True):
    ui.tile(col, tile)

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
rows = changes if show_all else [r for r in changes if r["significant"]]
st.caption(t("rv.showing", lang, shown=fmt_int(len(rows), lang), total=fmt_int(len(changes), lang)))
if not rows:
    st.info(t("rv.no_significant", lang))
else:
    review_ui.change_table(rows, restated, lang)
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
            cu.restatement_csv(restated_items), f"review_{period.label}_restated.csv", "dl_rv_restated", lang
        )
    else:
        st.caption(t("rv.restated.none", lang))

# ---------------------------------------------------------------- operations and churn, this period vs previous
ops_ui.section(data, period.label, lang, me.role)

# ---------------------------------------------------------------- alerts
st.header(t("rv.alerts.header", lang))
st.caption(t("rv.alerts.caption", lang))
if not data["alerts"]:
    st.info(t("rv.alerts.none", lang))
else:
    with why_ui.alerts_folded(len(data["alerts"]), lang):
        review_ui.alerts_table(data["alerts"], lang)
ui.download_csv(pd.DataFrame(data["alerts"]), f"review_{period.label}_alerts.csv", "dl_rv_alerts", lang)

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
    st.caption(t("rv.okrs.csv_caption", lang))
    ui.download_csv(cu.okr_strip_csv(objectives), f"review_{period.label}_okrs.csv", "dl_rv_okrs", lang)

# ---------------------------------------------------------------- the closed loop: the period's cases, as of now
review_ui.closed_loop(data["closed_loop"], period.label, lang, me.role)

# ---------------------------------------------------------------- decisions and actions (never cached)
if privacy.may_use_action_log(me.role):
    actions_ui.decisions_and_actions(data, period, dict(ui_filters.current().spec.dims), me, lang)
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
    st.caption(cu.frozen_text(frozen, lang))
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
