"""The Retention & churn page's record-level list: high-value customers at high churn risk.

For the roles with record access (``privacy.may_see_records``; the page checks, and
``reports.retention.high_risk_customers`` refuses the others). Consented customers only,
person ids pseudonymized for analysts (``reports.retention``). Viewing the list and
downloading its CSV are written to the audit log as drill-downs are
(``cxmetrics.ui.drilldown``).
"""

from __future__ import annotations

import streamlit as st

from cxmetrics import ui
from cxmetrics.i18n import fmt_int, t
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.source import Source
from cxmetrics.reports import retention as rr
from cxmetrics.reports import retention_tables as rt
from cxmetrics.serving import app_state
from cxmetrics.ui import auth as ui_auth

_AUDITED = "_audited_retention_lists"


def _details(spec: FilterSpec) -> dict:
    spec = rr.retention_spec(spec)
    return {"list": "high_value_high_risk", "dims": {k: list(v) for k, v in spec.dims.items()}}


def high_risk_list(source: Source, spec: FilterSpec, lang: str) -> None:
    me = ui_auth.current_user()
    role = me.role
    df = ui.cached(rr.high_risk_customers, source, spec, role=role)
    seen = st.session_state.setdefault(_AUDITED, set())
    key = (source.version, repr(rr.retention_spec(spec)), role)
    if key not in seen:
        app_state.audit(me.id, role, "retention_list", _details(spec), len(df))
        seen.add(key)
    st.caption(t("ret.list.caption", lang, n=fmt_int(len(df), lang)))
    if df.empty:
        st.info(t("ret.list.empty", lang))
        return
    ui.show_table(rt.high_risk_view(df, lang), lang, columns=rt.HIGH_RISK_TABLE, formats={"negatives": "int"},
                  max_rows=12, right_align=("score_text", "negatives"),
                  column_widths={"person": 170, "reasons_text": "large", "experiences_text": "large"},
                  key="ret_high_risk")

    def list_csv() -> bytes:
        """Runs when the user clicks: the download is audited like an export."""
        records = rr.high_risk_customers(source, spec, role=role)
        app_state.audit(me.id, role, "retention_list_csv", _details(spec), len(records))
        return ui.csv_bytes(records)

    ui.download_csv(list_csv, "high_value_high_risk.csv", "dl_ret_high_risk", lang)
    st.caption(t("ret.list.csv_caption", lang))
