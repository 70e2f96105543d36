"""Journeys & handoffs: completion and step drop-off, the bot→agent funnel, FCR, repeat paths."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_datetime, fmt_int, t
from cxmetrics.metrics import suppression
from cxmetrics.reports import journeys as jr
from cxmetrics.reports import journeys_tables as jt
from cxmetrics.reports.small_cells import reasons
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters
from cxmetrics.ui.charts import journeys as charts

lang = ui.current_lang()
source = ui.require_source(lang)
active = ui_filters.current()
spec = active.spec
ui_filters.page_header(t("jr.title", lang), source, lang, active)
st.caption(t("jr.intro", lang))
# aggregate cells with fewer than k people are suppressed for roles without record access
role = ui_auth.current_user().role
K = get_settings().k_anonymity
privacy_note = st.empty()  # the note, once, when anything on the page is suppressed
hidden = ui.SuppressionSeen()

CHART_CONFIG = {"displayModeBar": False}
KPI_COLUMNS = {"ci_low": "col.ci_low", "ci_high": "col.ci_high"}
NUMBER_WIDTHS = {"value": 115, "ci_low": 85, "ci_high": 85, "n": 95}

# ---------------------------------------------------------------- 1. journey completion
st.header(t("jr.completion.header", lang))
st.caption(t("jr.completion.caption", lang))
completion = ui.cached(jr.journey_completion, source, spec, role=role)
hidden.note(completion)
if completion.empty:
    st.info(t("jr.empty", lang))
else:
    # chart and table one above the other: side by side the table's columns get cut
    st.plotly_chart(charts.completion_figure(completion, lang), config=CHART_CONFIG, key="jr_completion_chart")
    shown, formats, right = jt.kpi_table(completion, lang)
    ui.show_table(
        shown,
        lang,
        columns={
            "journey_type": "dim.journey_type",
            "channel": "dim.channel",
            "value": "jr.col.completion",
            **KPI_COLUMNS,
            "n": "jr.col.journeys_n",
        },
        formats=formats,
        column_widths=NUMBER_WIDTHS | {"journey_type": 180, "channel": 90} | ({"value": 230} if right else {}),
        right_align=right,
    )
ui.download_csv(completion, "journey_completion.csv", "dl_journey_completion", lang)

# ---------------------------------------------------------------- 2. step drop-off
st.header(t("jr.steps.header", lang))
st.caption(t("jr.steps.caption", lang))
types = ui.cached(jr.journey_types, source, spec)
if not types:
    st.info(t("jr.empty", lang))
else:
    if st.session_state.get("jr_journey_type") not in types:
        st.session_state["jr_journey_type"] = types[0]
    journey_type = st.selectbox(t("jr.steps.select", lang), types, key="jr_journey_type")
    funnel = ui.cached(jr.step_funnel, source, spec, journey_type, role=role)
    hidden.note(funnel)
    if pd.isna(funnel["journeys_started"].iloc[0]):  # fewer than k people started one: all hidden
        st.info(t("jr.steps.suppressed", lang, k=fmt_int(K, lang), type=journey_type))
    else:
        chart_col, table_col = st.columns([1, 1], gap="large")
        with chart_col:
            st.plotly_chart(
                charts.step_funnel_figure(funnel, journey_type, lang), config=CHART_CONFIG, key="jr_step_funnel"
            )
        with table_col:
            shown, formats, right = jt.step_table(funnel, lang)
            ui.show_table(
                shown,
                lang,
                columns={
                    "stage": "jr.col.stage",
                    "journeys": "jr.col.journeys",
                    "share": "jr.col.share_started",
                    "median_seconds": "jr.col.median_seconds",
                },
                formats=formats,
                right_align=("median_seconds", *right),
            )
    ui.download_csv(
        funnel.assign(journey_type=journey_type), f"step_funnel_{journey_type}.csv", "dl_step_funnel", lang
    )

# ---------------------------------------------------------------- 3. bot → agent
st.header(t("jr.handoff.header", lang))
bots = ui.cached(jr.bot_channels, source)
if not bots:
    st.info(t("jr.handoff.none", lang))
else:
    st.caption(t("jr.handoff.caption", lang, channels=", ".join(bots)))
    total = ui.cached(jr.handoff_funnel, source, spec, None, role=role)
    if total.empty:
        st.info(t("jr.empty", lang))
    else:
        hidden.note(total, "suppressed", "handoff_suppressed")
        for col, tile in zip(st.columns(5), jt.handoff_tiles(total.iloc[0], lang), strict=True):
            ui.tile(col, tile)
        mismatch = jt.handoff_mismatch(total.iloc[0], lang)
        if mismatch:
            st.caption(mismatch)

        for tab, dim in zip(
            st.tabs([t("jr.handoff.by_channel", lang), t("jr.handoff.by_intent", lang)]),
            jr.FUNNEL_DIMS,
            strict=True,
        ):
            with tab:
                df = ui.cached(jr.handoff_funnel, source, spec, dim, role=role)
                hidden.note(df, "suppressed", "handoff_suppressed")
                st.plotly_chart(charts.handoff_figure(df, dim, lang), config=CHART_CONFIG, key=f"jr_handoff_{dim}")
                shown, formats, right = jt.handoff_table(df, lang)
                ui.show_table(
                    shown,
                    lang,
                    columns={
                        dim: f"dim.{dim}",
                        "contacts": "jr.col.contacts",
                        "handed_off": "jr.col.handed_off",
                        "handoff_share": "jr.col.handoff_share",
                        "connected": "jr.col.connected",
                        "abandoned": "jr.col.abandoned",
                        "value": "jr.col.abandonment",
                        **KPI_COLUMNS,
                        "n": "jr.col.kpi_n",
                    },
                    formats=formats,
                    right_align=right,
                    # room for the suppression label where a row says it
                    column_widths=({"contacts": 230} if any(reasons(df)) else {})
                    | ({"value": 230} if any(reasons(df, "handoff_suppressed")) else {})
                    or None,
                )
                ui.download_csv(df, f"handoff_funnel_by_{dim}.csv", f"dl_handoff_{dim}", lang)

# ---------------------------------------------------------------- 4. FCR
st.header(t("jr.fcr.header", lang))
as_of = spec.as_of or source.default_as_of()
st.caption(t("jr.fcr.caption", lang, as_of=fmt_datetime(as_of, lang)))
fcr_cols = st.columns(2, gap="large")
for col, dim, color in zip(fcr_cols, ("channel", "intent"), (ui.PALETTE[0], ui.PALETTE[1]), strict=True):
    with col:
        df = ui.cached(jr.fcr_by, source, spec, dim, role=role)
        hidden.note(df)
        if df.empty:
            st.info(t("jr.empty", lang))
        else:
            st.plotly_chart(charts.fcr_figure(df, dim, color, lang), config=CHART_CONFIG, key=f"jr_fcr_{dim}")
            shown, formats, right = jt.kpi_table(df, lang)
            ui.show_table(
                shown,
                lang,
                columns={dim: f"dim.{dim}", "value": "jr.col.fcr", **KPI_COLUMNS, "n": "jr.col.episodes_n"},
                formats=formats,
                right_align=right,
                # half the page wide: room for the label, the rest narrow
                column_widths={"value": 215, "ci_low": 65, "ci_high": 65, "n": 75} if right else None,
            )
        ui.download_csv(df, f"fcr_by_{dim}.csv", f"dl_fcr_{dim}", lang)

# ---------------------------------------------------------------- 5. repeat paths
st.header(t("jr.paths.header", lang))
overall = ui.cached(jr.fcr_overall, source, spec, role=role)
if hidden(overall.get("suppressed")):
    st.caption(t("jr.paths.caption_suppressed", lang, label=suppression.label(overall["suppressed"], lang)))
else:
    st.caption(
        t("jr.paths.caption", lang, n=fmt_int(overall["n"], lang), repeats=fmt_int(overall["repeated"], lang))
    )
paths = ui.cached(jr.repeat_paths, source, spec, role=role)
hidden.note(paths)
visible = jt.visible_paths(paths)  # suppressed paths: in the table, not in the chart
if paths.empty:
    st.info(t("jr.paths.none", lang))
elif visible.empty:
    st.info(t("jr.paths.all_suppressed", lang, k=fmt_int(K, lang)))
else:
    chart_col, table_col = st.columns([2, 3], gap="large")
    with chart_col:
        st.plotly_chart(charts.paths_figure(visible, lang), config=CHART_CONFIG, key="jr_paths_chart")
if not paths.empty:
    shown, formats, right = jt.paths_table(paths, lang)
    with table_col if not visible.empty else st.container():
        ui.show_table(
            shown,
            lang,
            columns={
                "path": "jr.col.path",
                "episodes": "jr.col.episodes",
                "share_of_episodes": "jr.col.share_of_episodes",
                "share_of_repeats": "jr.col.share_of_repeats",
                "median_hours_to_repeat": "jr.col.median_hours",
            },
            formats=formats,
            right_align=right,
            column_widths={
                "path": 150,
                "episodes": 230 if right else 80,
                "share_of_episodes": 100,
                "share_of_repeats": 105,
                "median_hours_to_repeat": 110,
            },
            max_rows=12,
        )
ui.download_csv(paths, "repeat_paths.csv", "dl_repeat_paths", lang)

if hidden.seen:
    privacy_note.caption(t("privacy.note", lang, k=fmt_int(K, lang), role=t(f"role.{role}", lang)))
