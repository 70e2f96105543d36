"""Cohort export (analysts): the sidebar's cohort, record by record, with its manifest."""

import json
import tempfile
from pathlib import Path

import streamlit as st

from cxmetrics import ui
from cxmetrics.core.errors import UserError
from cxmetrics.core.privacy import may_see_raw_ids, may_see_records
from cxmetrics.i18n import fmt_int, t
from cxmetrics.reports.export import excluded_without_consent, export_cohort, preview
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters

lang = ui.current_lang()
source = ui.require_source(lang)
active = ui_filters.current()
ui_filters.page_header(t("export.title", lang), source, lang, active)
st.caption(t("export.intro", lang))
me = ui_auth.current_user()
role = me.role
if not may_see_records(role):
    st.info(t("export.no_access", lang, role=t(f"role.{role}", lang)))
    st.stop()

left, right = st.columns(2)
kind = left.radio(t("export.kind", lang), ["records", "persons"], format_func=lambda k: t(f"export.kind.{k}", lang))
fmt = right.radio(t("export.format", lang), ["csv", "parquet", "xlsx"], horizontal=True)
total, head = ui.cached(preview, source, active.spec, kind, role)
excluded = ui.cached(excluded_without_consent, source, active.spec)
st.metric(t("export.rows", lang, n=""), fmt_int(total, lang))
if excluded:
    st.caption(t("export.excluded", lang, n=fmt_int(excluded, lang)))
if not may_see_raw_ids(role):
    st.caption(t("export.pseudonymized", lang))
st.subheader(t("export.preview", lang))
st.dataframe(head, hide_index=True)  # plain text cells, never markdown

if st.button(t("export.prepare", lang), type="primary"):
    name = f"cxm_cohort_{kind}.{fmt}"
    bar = st.progress(0.0)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            res = export_cohort(
                source, active.spec, Path(tmp) / name, kind=kind, role=role, user=me.id,
                progress=lambda done, all_rows: bar.progress(min(1.0, done / max(all_rows, 1))),
            )
        except UserError as exc:
            st.error(str(exc))
            st.stop()
        st.session_state["export_file"] = (name, res.path.read_bytes(), json.dumps(res.manifest, indent=2,
                                                                                   default=str, ensure_ascii=False))
    bar.progress(1.0)
if "export_file" in st.session_state:
    name, data, manifest = st.session_state["export_file"]
    st.success(t("export.ready", lang, n=fmt_int(json.loads(manifest)["rows"], lang)))
    c1, c2 = st.columns(2)
    c1.download_button(t("export.download", lang, name=name), data, file_name=name, on_click="ignore")
    c2.download_button(t("export.manifest", lang), manifest.encode(), file_name=name + ".manifest.json",
                       mime="application/json", on_click="ignore")
