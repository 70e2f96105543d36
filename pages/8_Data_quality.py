"""Data quality (data owners): ingest log, quarantine by reason, freshness, identity health."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.core import privacy
from cxmetrics.i18n import fmt_datetime, fmt_int, t
from cxmetrics.reports import quality as dq
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui.charts import quality as charts

ROWS_PER_PAGE = 20

lang = ui.current_lang()
st.title(t("dq.title", lang))
source = ui.require_source(lang)
role = ui_auth.current_user().role
ui.data_caption(source, lang)
st.caption(t("dq.intro", lang))

# ---------------------------------------------------------------- ingest log
st.header(t("dq.ingest.header", lang))
st.caption(t("dq.ingest.caption", lang))
log = ui.cached(dq.ingest_log, source)
if log.empty:
    st.info(t("dq.ingest.empty", lang))
else:
    ui.show_table(
        log.assign(file=log["file"].map(ui.file_name)),
        lang,
        columns={
            "ingest_id": "col.ingest_id",
            "file": "col.file",
            "kind": "col.kind",
            "rows_read": "col.rows_read",
            "loaded": "col.loaded",
            "duplicates": "col.duplicates",
            "quarantined": "col.quarantined",
            "finished_at": "col.finished_at",
            "seconds": "col.seconds",
            "sha256": "col.sha256",
        },
        formats={
            "ingest_id": "int",
            "rows_read": "int",
            "loaded": "int",
            "duplicates": "int",
            "quarantined": "int",
            "finished_at": "datetime",
            "seconds": "number",
        },
    )
ui.download_csv(log, "ingest_log.csv", "dl_ingest_log", lang)

# ---------------------------------------------------------------- quarantine
st.header(t("dq.quarantine.header", lang))
n_quarantined = ui.cached(dq.quarantine_count, source, None)
st.caption(t("dq.quarantine.caption", lang, n=fmt_int(n_quarantined, lang)))
by_reason = ui.cached(dq.quarantine_by_reason, source)
if by_reason.empty:
    st.info(t("dq.quarantine.empty", lang))
else:
    chart_col, table_col = st.columns([1, 1], gap="large")
    with chart_col:
        st.plotly_chart(charts.quarantine_figure(by_reason, lang), config={"displayModeBar": False})
    with table_col:
        # the kind column only when customer rows were quarantined too (it says 'event' otherwise)
        kind_column = {"kind": "col.kind"} if by_reason["kind"].nunique() > 1 else {}
        ui.show_table(
            by_reason,
            lang,
            columns={
                "reason_code": "col.reason_code",
                **kind_column,
                "rows": "col.rows",
                "share": "col.share",
            },
            formats={"rows": "int", "share": "pct"},
            max_rows=30,
            column_widths={"reason_code": 290},
        )
        ui.download_csv(by_reason, "quarantine_by_reason.csv", "dl_quarantine_by_reason", lang)

    # ------------------------------------------------------------ quarantined rows
    st.subheader(t("dq.rows.header", lang))
    st.caption(t("dq.rows.caption", lang))
    if privacy.may_see_raw_ids(role):  # raw input rows may hold anything: admins only
        codes = sorted(by_reason["reason_code"].unique())
        filter_col, page_col = st.columns([3, 1])
        with filter_col:
            code = st.selectbox(
                t("dq.rows.reason_filter", lang),
                [None, *codes],
                format_func=lambda c: t("dq.rows.all_reasons", lang) if c is None else c,
                key=f"dq_reason_{lang}",  # per language: option labels are fixed per widget key
                on_change=lambda: st.session_state.update(dq_page=1),
            )
        n_rows = n_quarantined if code is None else ui.cached(dq.quarantine_count, source, code)
        page, pages = ui.page_number(page_col, t("dq.rows.page", lang), n_rows, ROWS_PER_PAGE, "dq_page")
        offset = (page - 1) * ROWS_PER_PAGE
        rows = ui.cached(dq.quarantine_rows, source, code, ROWS_PER_PAGE, offset, role=role)
        st.caption(
            t(
                "dq.rows.page_of",
                lang,
                page=fmt_int(page, lang),
                pages=fmt_int(pages, lang),
                first=fmt_int(offset + 1 if n_rows else 0, lang),
                last=fmt_int(min(offset + ROWS_PER_PAGE, n_rows), lang),
                n=fmt_int(n_rows, lang),
            )
        )
        st.caption(t("dq.rows.pick", lang))
        picked = ui.show_table(
            rows.assign(file=rows["file"].map(ui.file_name)),
            lang,
            columns={
                "file": "col.file",
                "row_no": "col.row_no",
                "reason": "col.reason",
                "raw": "col.raw",
            },
            formats={"row_no": "int"},
            max_rows=ROWS_PER_PAGE,
            column_widths={"file": 140, "row_no": 70, "reason": 340},
            key=f"dq_rows_{code}_{page}",
            select_row=True,
        )
        selected = picked.selection.rows if picked is not None else []
        if selected and selected[0] < len(rows):
            row = rows.iloc[selected[0]]
            # File names, reasons and raw values come from the input files: shown as text only.
            st.text(
                t(
                    "dq.rows.detail",
                    lang,
                    row=fmt_int(row["row_no"], lang),
                    file=ui.file_name(row["file"]),
                )
            )
            st.text(row["reason"])
            st.code(ui.pretty_json(row["raw"]), language="json", wrap_lines=True)

        def quarantine_csv() -> bytes:
            # Every row of the chosen reason, generated only when the button is clicked.
            return ui.csv_bytes(dq.quarantine_rows(source, code, dq.MAX_EXPORT_ROWS, 0, role=role))

        ui.download_csv(quarantine_csv, f"quarantine_{code or 'all'}.csv", "dl_quarantine_rows", lang)
    else:
        st.info(t("dq.rows.admin_only", lang, role=t(f"role.{role}", lang)), icon=":material/lock:")

# ---------------------------------------------------------------- freshness
st.header(t("dq.freshness.header", lang))
st.caption(t("dq.freshness.caption", lang, ts=fmt_datetime(source.max_ts, lang)))
fresh = ui.cached(dq.freshness, source)
stale = dq.stale_channels(fresh)
if stale:
    st.warning(t("dq.freshness.stale", lang, hours=dq.STALE_HOURS, channels=", ".join(stale)))
ui.show_table(
    fresh,
    lang,
    columns={
        "channel": "col.channel",
        "events": "col.events",
        "first_ts": "col.first_ts",
        "last_ts": "col.last_ts",
        "lag_hours": "col.lag_hours",
    },
    formats={"events": "int", "first_ts": "datetime", "last_ts": "datetime", "lag_hours": "number"},
)
ui.download_csv(fresh, "freshness.csv", "dl_freshness", lang)

# ---------------------------------------------------------------- identity stitching
st.header(t("dq.identity.header", lang))
st.caption(t("dq.identity.caption", lang))
idn = ui.cached(dq.identity, source)
for col, key in zip(st.columns(len(dq.IDENTITY_TILES)), dq.IDENTITY_TILES, strict=True):
    col.metric(
        t(f"tile.{key}", lang),
        dq.identity_value_text(key, idn[key], lang),
        help=t(f"idn.def.{key}", lang),
        border=True,
    )

figures = dq.identity_table(idn, lang)
ui.show_table(
    figures,
    lang,
    columns={"label": "col.figure", "value_text": "col.value", "definition": "col.definition"},
    column_widths={"label": 320, "value_text": 110},
    right_align=("value_text",),
)
ui.download_csv(figures[["figure", "value"]], "identity_health.csv", "dl_identity", lang)

st.subheader(t("dq.shared.header", lang))
st.caption(t("dq.shared.caption", lang))
shared = ui.cached(dq.shared_components, source)
if shared.empty:
    st.info(t("dq.shared.empty", lang))
else:
    ui.show_table(
        shared,
        lang,
        columns={"component": "col.component", "n_owners": "col.n_owners", "owners": "col.owners"},
        formats={"n_owners": "int"},
        column_widths={"owners": "large"},
    )
ui.download_csv(shared, "shared_components.csv", "dl_shared_components", lang)

st.subheader(t("dq.dissolved.header", lang))
limits = ui.cached(dq.identity_limits, source)
cap = fmt_int(limits["max_component_size"], lang)
st.caption(t("dq.dissolved.caption", lang, cap=cap, passes=fmt_int(limits["stitch_max_passes"], lang)))
dissolved = ui.cached(dq.dissolved_components, source)
if dissolved.empty:
    st.info(t("dq.dissolved.empty", lang, cap=cap))
else:
    ui.show_table(
        dq.dissolved_table(dissolved, lang),
        lang,
        columns={
            "component": "col.component",
            "reason": "col.reason",
            "identifiers": "col.identifiers",
            "customers": "col.n_owners",
            "events": "col.events",
            "top_bridges": "col.top_bridges",
        },
        formats={"identifiers": "int", "customers": "int", "events": "int"},
        column_widths={"top_bridges": "large"},
        key="dq_dissolved",
    )
ui.download_csv(dissolved, "dissolved_components.csv", "dl_dissolved_components", lang)
