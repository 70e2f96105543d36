"""The records behind one heatmap cell: consented records only, a page at a time, audited.

For the roles with record access (``privacy.may_see_records``; the page checks). Person ids
are pseudonymized by ``metrics.records``; every page viewed and every CSV downloaded is
written to the audit log with the filter that selected it.
"""

from __future__ import annotations

import streamlit as st

from cxmetrics import ui
from cxmetrics.i18n import fmt_int, t
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.source import Source
from cxmetrics.reports import channels as cr
from cxmetrics.serving import app_state
from cxmetrics.ui import auth as ui_auth

PAGE_SIZE = 50
VERBATIM_LIMIT = 20
_AUDITED = "_audited_drilldowns"


def _audit_details(kpi: str, spec: FilterSpec) -> dict:
    return {"kpi": kpi, "dims": {k: list(v) for k, v in spec.dims.items()}, "from": spec.date_from, "to": spec.date_to}


def cell_records(
    source: Source, kpi: str, spec: FilterSpec, cell: tuple[str, str], cohort: str, lang: str
) -> None:
    """How many records of ``kpi`` the cell (``spec``: the filter narrowed to it) holds and
    how many may be listed, then one page of them with a page number, their CSV and, for
    survey KPIs, the latest verbatims."""
    me = ui_auth.current_user()
    role = me.role
    counts = ui.cached(cr.consent_counts, source, kpi, spec)
    # channel and cohort values are data: plain text, never Markdown
    st.text(
        t(
            "ch.drill.counts",
            lang,
            channel=cell[0],
            cohort=cell[1],
            kpi=KPIS[kpi].label(lang),
            total=fmt_int(counts.total, lang),
            shown=fmt_int(counts.consented, lang),
            hidden=fmt_int(counts.hidden, lang),
        )
    )
    if counts.consented == 0:
        st.info(t("ch.drill.none", lang))
        return
    page_col, _ = st.columns([1, 4])
    page, pages = ui.page_number(page_col, t("ch.drill.page", lang), counts.consented, PAGE_SIZE, "ch_page")
    rows, _total = ui.cached(cr.cell_records, source, kpi, spec, role, page, PAGE_SIZE)
    # Audit every drill-down view (once per cell, page and data version in a session).
    seen = st.session_state.setdefault(_AUDITED, set())
    audit_key = (source.version, kpi, repr(spec), page)
    if audit_key not in seen:
        app_state.audit(me.id, role, "drilldown", _audit_details(kpi, spec) | {"page": page}, len(rows))
        seen.add(audit_key)
    first = (page - 1) * PAGE_SIZE + 1
    st.caption(
        t(
            "ch.drill.page_of",
            lang,
            page=fmt_int(page, lang),
            pages=fmt_int(pages, lang),
            first=fmt_int(first, lang),
            last=fmt_int(first + len(rows) - 1, lang),
            n=fmt_int(counts.consented, lang),
        )
    )
    columns = cr.record_columns(kpi)
    ui.show_table(
        cr.plain_text_table(rows[list(columns)], t("ch.yes", lang), t("ch.no", lang), keep=("t",), lang=lang),
        lang,
        columns={c: f"ch.col.{c}" for c in columns},
        formats={"t": "datetime"},
        max_rows=15,
        column_widths={"verbatim": "large", "t": 150},
        key="ch_records",
    )

    def records_csv() -> bytes:
        """Runs when the user clicks: the download is audited like an export."""
        records = cr.all_cell_records(source, kpi, spec, role)
        app_state.audit(me.id, role, "drilldown_csv", _audit_details(kpi, spec), len(records))
        return ui.csv_bytes(records)

    ui.download_csv(records_csv, f"records_{kpi}_{cell[0]}_{cohort}.csv", "dl_ch_records", lang)
    st.caption(t("ch.drill.csv_caption", lang))
    if KPIS[kpi].record_table == "rec_survey":
        _verbatims(source, kpi, spec, role, lang)


def _verbatims(source: Source, kpi: str, spec: FilterSpec, role: str, lang: str) -> None:
    st.subheader(t("ch.verbatims.header", lang))
    st.caption(t("ch.verbatims.caption", lang, limit=VERBATIM_LIMIT))
    verbatims = ui.cached(cr.cell_verbatims, source, kpi, spec, role, VERBATIM_LIMIT)
    if verbatims.empty:
        st.info(t("ch.verbatims.empty", lang))
        return
    ui.show_table(
        cr.plain_text_table(verbatims, keep=("t",), lang=lang),
        lang,
        columns={
            "t": "ch.col.t",
            "channel": "ch.col.channel",
            "score": "ch.col.score",
            "verbatim": "ch.col.verbatim",
        },
        formats={"t": "datetime"},
        column_widths={"verbatim": "large", "t": 150},
        key="ch_verbatims",
    )
    ui.download_csv(verbatims, f"verbatims_{kpi}.csv", "dl_ch_verbatims", lang)
