"""Journeys & handoffs: completion and step drop-off, the bot→agent funnel, FCR, repeat paths."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_datetime, fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics import suppression
from cxmetrics.reports import journeys as jr
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters

lang = ui.current_lang()
source = ui.require_source(lang)
active = ui_filters.current()
spec = active.spec
ui_filters.page_header(t("jr.title", lang), source, lang, active)
st.caption(t("jr.intro", lang))
# aggregate cells with fewer than k people are suppressed for roles without record access
role = ui_auth.current_user().role
K = get_settings().k_anonymity
SHORT = t("privacy.suppressed.short", lang)
privacy_note = st.empty()  # the note, once, when anything on the page is suppressed

CHART_CONFIG = {"displayModeBar": False}
KPI_COLUMNS = {"ci_low": "col.ci_low", "ci_high": "col.ci_high"}
NUMBER_WIDTHS = {"value": 115, "ci_low": 85, "ci_high": 85, "n": 95}


def chart(
    traces: list[dict], title: str, units: str, height: int, legend: bool = False, **layout
):
    """A figure (built without Plotly's validation: ``ui.figure``) with a title over a
    subtitle with the units, language separators, and a legend under them if any."""
    return ui.figure(
        traces,
        {
            "title": {"text": title, "font": {"size": 16}, "subtitle": {"text": units}},
            "height": height,
            "margin": {"l": 10, "r": 30, "t": 115 if legend else 80, "b": 40},
            "separators": ui.plotly_separators(lang),
            "showlegend": legend,
            "legend": {
                "orientation": "h",
                "yanchor": "bottom",
                "y": 1.02,
                "xanchor": "left",
                "x": 0,
                "traceorder": "normal",
            },
            **layout,
        },
    )


hidden = ui.SuppressionSeen()  # hidden(reason): the reason or None, remembered for the note
plain = ui.plotly_array


def reasons(df: pd.DataFrame, col: str = "suppressed") -> list[str | None]:
    return [hidden(r) for r in df[col]] if col in df else [None] * len(df)


FORMATTERS = {
    "number": lambda v: fmt_number(v, lang),
    "int": lambda v: fmt_int(v, lang),
    "pct": lambda v: fmt_pct(v, lang),
}


def labelled(
    df: pd.DataFrame, formats: dict[str, str], cols: dict[str, list[str | None]]
) -> tuple[pd.DataFrame, dict[str, str], tuple[str, ...]]:
    """For a table with a suppressed row: each column of ``cols`` (column -> the rows'
    reasons) shows the label where its row is hidden, and every formatted column becomes
    text (the data grid would draw the hidden rows' empty numbers as "None"). Returns the
    frame, the formats left and the columns to right-align; unchanged without one."""
    if not any(r for why in cols.values() for r in why):
        return df, formats, ()
    out = df.copy()
    for col, kind in formats.items():
        out[col] = [FORMATTERS[kind](v) for v in df[col]]
    for col, why in cols.items():
        out[col] = [suppression.label(r, lang) if r else v for v, r in zip(out[col], why, strict=True)]
    return out, {}, tuple(formats)


def count_axis(max_count: int, title: str) -> dict:
    """An axis of counts: whole-number ticks (never 0.5 episodes) when counts are small."""
    return {"title": {"text": title}, "rangemode": "tozero", "tickformat": ",d"} | (
        {"dtick": 1} if not pd.isna(max_count) and max_count <= 8 else {}
    )


def ci_text(row: pd.Series) -> str:
    return f"{fmt_number(row['ci_low'], lang)}–{fmt_number(row['ci_high'], lang)}"


def whiskers(df: pd.DataFrame) -> dict:
    """Asymmetric 95 % interval whiskers around each row's value."""
    return {
        "type": "data",
        "symmetric": False,
        "array": (df["ci_high"] - df["value"]).tolist(),
        "arrayminus": (df["value"] - df["ci_low"]).tolist(),
        "color": "#444",
        "thickness": 1.2,
    }


def rate_bars(df: pd.DataFrame, dim: str, title: str, units: str, axis: str, color: str):
    """Horizontal bars of a rate (%) per category with 95 % whiskers, best at the top."""
    ordered = df.iloc[::-1]  # plotly draws horizontal bars bottom-up
    why = reasons(ordered)
    bar = {
        "type": "bar",
        "x": ordered["value"].tolist(),
        # n on the category label: the value inside the bar stays short enough to fit; a
        # suppressed group has no bar, its label says why
        "y": [
            f"{c} ({SHORT})" if r else f"{c} (n={fmt_int(n, lang)})"
            for c, n, r in zip(ordered[dim], ordered["n"], why, strict=True)
        ],
        "orientation": "h",
        "marker": {"color": color},
        "error_x": whiskers(ordered),
        "text": ["" if r else fmt_number(v, lang) for v, r in zip(ordered["value"], why, strict=True)],
        "textposition": "inside",
        "insidetextanchor": "start",
        "textfont": {"color": "white"},
        "customdata": [[ci_text(r), fmt_int(r["n"], lang)] for _, r in ordered.iterrows()],
        "hovertemplate": f"%{{y}}: %{{x:.1f}} %<br>{t('jr.hover.ci', lang)} %{{customdata[0]}}<br>"
        "n = %{customdata[1]}<extra></extra>",
    }
    return chart(
        [bar],
        title,
        units,
        max(260, 130 + 34 * len(df)),
        xaxis={"title": {"text": axis}, "range": [0, 100]},
        yaxis={"automargin": True},
    )


# ---------------------------------------------------------------- 1. journey completion
st.header(t("jr.completion.header", lang))
st.caption(t("jr.completion.caption", lang))
completion = ui.cached(jr.journey_completion, source, spec, role=role)
if completion.empty:
    st.info(t("jr.empty", lang))
else:
    bars = []
    # a suppressed cell has no value: its bar is left out (the table below gives the label)
    for i, channel in enumerate(sorted(completion["channel"].unique())):
        part = completion[completion["channel"] == channel]
        bars.append(
            {
                "type": "bar",
                "name": channel,
                "x": part["journey_type"].tolist(),
                "y": part["value"].tolist(),
                "marker": {"color": ui.PALETTE[i % len(ui.PALETTE)]},
                "error_y": whiskers(part),
                "customdata": [[ci_text(r), fmt_int(r["n"], lang)] for _, r in part.iterrows()],
                "hovertemplate": f"%{{x}} · {channel}: %{{y:.1f}} %<br>{t('jr.hover.ci', lang)} "
                "%{customdata[0]}<br>n = %{customdata[1]}<extra></extra>",
            }
        )
    types = sorted(completion["journey_type"].unique())
    fig = chart(
        bars,
        t("jr.completion.chart_title", lang),
        t("jr.completion.chart_units", lang),
        430,
        legend=True,
        barmode="group",
        yaxis={"title": {"text": t("jr.completion.axis", lang)}, "range": [0, 100]},
        xaxis={"categoryorder": "array", "categoryarray": types},
    )
    # chart and table one above the other: side by side the table's columns get cut
    st.plotly_chart(fig, config=CHART_CONFIG, key="jr_completion_chart")
    shown, formats, right = labelled(
        completion,
        {"value": "number", "ci_low": "number", "ci_high": "number", "n": "int"},
        {"value": reasons(completion)},
    )
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
    labels = [
        t("jr.steps.goal", lang) if g else s
        for s, g in zip(funnel["stage"], funnel["is_goal"], strict=True)
    ]
    why = reasons(funnel)
    started = funnel["journeys_started"].iloc[0]
    stages = {
        "type": "funnel",
        # a suppressed stage keeps its place with no bar, its name says why
        "y": [f"{s} ({SHORT})" if r else s for s, r in zip(labels, why, strict=True)],
        "x": plain(funnel["journeys"]),
        "text": [
            "" if r else f"{fmt_int(n, lang)} · {fmt_pct(s, lang)}"
            for n, s, r in zip(funnel["journeys"], funnel["share"], why, strict=True)
        ],
        "textinfo": "text",
        "textposition": "inside",
        "marker": {"color": [ui.PALETTE[2] if g else ui.PALETTE[0] for g in funnel["is_goal"]]},
        "connector": {"fillcolor": "#dfe6ee"},
        "hovertemplate": "%{y}: %{text}<extra></extra>",
    }
    fig = chart(
        [stages],
        t("jr.steps.chart_title", lang, type=journey_type),
        t("jr.steps.chart_units", lang, n=fmt_int(started, lang)),
        max(320, 130 + 48 * len(funnel)),
        yaxis={"automargin": True},
    )
    if pd.isna(started):  # fewer than k people started such a journey: every stage is hidden
        st.info(t("jr.steps.suppressed", lang, k=fmt_int(K, lang), type=journey_type))
    else:
        chart_col, table_col = st.columns([1, 1], gap="large")
        with chart_col:
            st.plotly_chart(fig, config=CHART_CONFIG, key="jr_step_funnel")
        with table_col:
            shown, formats, right = labelled(
                # as text: the data grid draws a missing number as "None" whatever the formatter
                funnel.assign(
                    stage=labels,
                    median_seconds=[fmt_number(v, lang, 0) for v in funnel["median_seconds"]],
                ),
                {"journeys": "int", "share": "pct"},
                {"journeys": why},
            )
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
        funnel.assign(journey_type=journey_type),
        f"step_funnel_{journey_type}.csv",
        "dl_step_funnel",
        lang,
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
        row = total.iloc[0]
        all_hidden, handoff_hidden = hidden(row["suppressed"]), hidden(row["handoff_suppressed"])
        tiles = st.columns(5)
        # a suppressed tile: "suppressed" (the full label does not fit a fifth of the page)
        # and the label under it
        tiles[0].metric(
            t("jr.tile.contacts", lang),
            SHORT if all_hidden else fmt_int(row["contacts"], lang),
            help=t("jr.tile.help.contacts", lang),
            border=True,
        )
        if all_hidden:
            tiles[0].caption(suppression.label(all_hidden, lang))
        for col, key, of in (
            (tiles[1], "handed_off", "contacts"),
            (tiles[2], "connected", "handed_off"),
            (tiles[3], "abandoned", "handed_off"),
        ):
            if handoff_hidden:
                col.metric(t(f"jr.tile.{key}", lang), SHORT, border=True)
                col.caption(suppression.label(handoff_hidden, lang))
                continue
            col.metric(t(f"jr.tile.{key}", lang), fmt_int(row[key], lang), border=True)
            share = row[key] / row[of] if row[of] else None
            col.caption(
                t(
                    "jr.tile.share_of",
                    lang,
                    share=fmt_pct(share, lang),
                    what=t(f"jr.col.{of}", lang).lower(),
                )
            )
        tiles[4].metric(
            t("jr.tile.abandonment", lang),
            SHORT if handoff_hidden else fmt_pct(row["value"] / 100 if row["n"] else None, lang),
            border=True,  # no help icon: it would cut the label; the caption below says it
        )
        if handoff_hidden:
            tiles[4].caption(suppression.label(handoff_hidden, lang))
        else:
            tiles[4].caption(
                t(
                    "jr.tile.ci",
                    lang,
                    low=fmt_number(row["ci_low"], lang),
                    high=fmt_number(row["ci_high"], lang),
                    n=fmt_int(row["n"], lang),
                )
            )
        if not handoff_hidden and int(row["n"]) != int(row["handed_off"]):
            st.caption(
                t(
                    "jr.handoff.note_mismatch",
                    lang,
                    n=fmt_int(abs(int(row["n"]) - int(row["handed_off"])), lang),
                )
            )

        segments = (
            ("contained", ui.PALETTE[4]),
            ("connected", ui.PALETTE[2]),
            ("abandoned", ui.PALETTE[5]),
        )
        for tab, dim in zip(
            st.tabs([t("jr.handoff.by_channel", lang), t("jr.handoff.by_intent", lang)]),
            jr.FUNNEL_DIMS,
            strict=True,
        ):
            with tab:
                df = ui.cached(jr.handoff_funnel, source, spec, dim, role=role)
                df = df.assign(contained=df["contacts"] - df["handed_off"])
                ordered = df.iloc[::-1]
                row_why, handoff_why = reasons(ordered), reasons(ordered, "handoff_suppressed")
                # a suppressed row has no bar (its name says why); a row whose handoffs are
                # suppressed shows its contacts as one grey bar, the label in its hover
                y = [f"{v} ({SHORT})" if r else v for v, r in zip(ordered[dim], row_why, strict=True)]
                bars = [
                    {
                        "type": "bar",
                        "name": t(f"jr.seg.{seg}", lang),
                        "x": plain(ordered[seg]),
                        "y": y,
                        "orientation": "h",
                        "marker": {"color": color},
                        "text": ["" if pd.isna(v) or not v else fmt_int(v, lang) for v in ordered[seg]],
                        "textposition": "inside",
                        "insidetextanchor": "middle",
                        "hovertemplate": f"%{{y}} · {t(f'jr.seg.{seg}', lang)}: %{{x}}<extra></extra>",
                    }
                    for seg, color in segments
                ]
                if any(handoff_why):
                    only_handoffs = [h if not r else None for h, r in zip(handoff_why, row_why, strict=True)]
                    bars.append(
                        {
                            "type": "bar",
                            "name": t("jr.seg.suppressed", lang),
                            "x": [c if h else None for c, h in zip(ordered["contacts"], only_handoffs, strict=True)],
                            "y": y,
                            "orientation": "h",
                            "marker": {"color": "#c9ced6"},
                            "customdata": [suppression.label(h, lang) if h else "" for h in only_handoffs],
                            "hovertemplate": f"%{{y}} · {t('jr.col.contacts', lang)}: %{{x}}<br>"
                            f"{t('jr.col.handed_off', lang)}: %{{customdata}}<extra></extra>",
                        }
                    )
                fig = chart(
                    bars,
                    t("jr.handoff.chart_title", lang, dim=t(f"dim.{dim}", lang).lower()),
                    t("jr.handoff.chart_units", lang),
                    max(280, 150 + 34 * len(df)),
                    legend=True,
                    barmode="stack",
                    xaxis=count_axis(df["contacts"].max(), t("jr.axis.contacts", lang)),
                    yaxis={"automargin": True},
                )
                st.plotly_chart(fig, config=CHART_CONFIG, key=f"jr_handoff_{dim}")
                row_why, handoff_why = reasons(df), reasons(df, "handoff_suppressed")
                shown, formats, right = labelled(
                    df,
                    {
                        "contacts": "int",
                        "handed_off": "int",
                        "handoff_share": "pct",
                        "connected": "int",
                        "abandoned": "int",
                        "value": "number",
                        "ci_low": "number",
                        "ci_high": "number",
                        "n": "int",
                    },
                    {"contacts": row_why, "value": handoff_why},
                )
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
                    column_widths=({"contacts": 230} if any(row_why) else {})
                    | ({"value": 230} if any(handoff_why) else {})
                    or None,
                )
                ui.download_csv(
                    df.drop(columns="contained"),
                    f"handoff_funnel_by_{dim}.csv",
                    f"dl_handoff_{dim}",
                    lang,
                )

# ---------------------------------------------------------------- 4. FCR
st.header(t("jr.fcr.header", lang))
as_of = spec.as_of or source.default_as_of()
st.caption(t("jr.fcr.caption", lang, as_of=fmt_datetime(as_of, lang)))
fcr_cols = st.columns(2, gap="large")
for col, dim, color in zip(
    fcr_cols, ("channel", "intent"), (ui.PALETTE[0], ui.PALETTE[1]), strict=True
):
    with col:
        df = ui.cached(jr.fcr_by, source, spec, dim, role=role)
        if df.empty:
            st.info(t("jr.empty", lang))
        else:
            dim_label = t(f"dim.{dim}", lang).lower()
            st.plotly_chart(
                rate_bars(
                    df,
                    dim,
                    t("jr.fcr.chart_title", lang, dim=dim_label),
                    t("jr.fcr.chart_units", lang),
                    t("jr.fcr.axis", lang),
                    color,
                ),
                config=CHART_CONFIG,
                key=f"jr_fcr_{dim}",
            )
            shown, formats, right = labelled(
                df,
                {"value": "number", "ci_low": "number", "ci_high": "number", "n": "int"},
                {"value": reasons(df)},
            )
            ui.show_table(
                shown,
                lang,
                columns={
                    dim: f"dim.{dim}",
                    "value": "jr.col.fcr",
                    **KPI_COLUMNS,
                    "n": "jr.col.episodes_n",
                },
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
        t(
            "jr.paths.caption",
            lang,
            n=fmt_int(overall["n"], lang),
            repeats=fmt_int(overall["repeated"], lang),
        )
    )
paths = ui.cached(jr.repeat_paths, source, spec, role=role)
path_why = reasons(paths)
visible = paths[[not r for r in path_why]]  # suppressed paths: in the table, not in the chart
if paths.empty:
    st.info(t("jr.paths.none", lang))
elif visible.empty:
    st.info(t("jr.paths.all_suppressed", lang, k=fmt_int(K, lang)))
else:
    top = visible.head(jr.TOP_PATHS).iloc[::-1]
    bar = {
        "type": "bar",
        "x": top["episodes"].tolist(),
        "y": top["path"].tolist(),
        "orientation": "h",
        "marker": {"color": ui.PALETTE[0]},
        "text": [
            f"{fmt_int(n, lang)} · {fmt_pct(s, lang)}"
            for n, s in zip(top["episodes"], top["share_of_episodes"], strict=True)
        ],
        "textposition": "outside",
        "cliponaxis": False,
        "customdata": [fmt_number(h, lang) for h in top["median_hours_to_repeat"]],
        "hovertemplate": f"%{{y}}: %{{text}}<br>{t('jr.col.median_hours', lang)}: %{{customdata}}<extra></extra>",
    }
    fig = chart(
        [bar],
        t("jr.paths.chart_title", lang, k=min(jr.TOP_PATHS, len(visible))),
        t("jr.paths.chart_units", lang),
        max(300, 130 + 32 * len(top)),
        # room on the right for the "n · share" labels outside the longest bar
        xaxis=count_axis(int(top["episodes"].max()), t("jr.paths.axis", lang))
        | {"range": [0, top["episodes"].max() * 1.4]},
        yaxis={"automargin": True},
    )
    chart_col, table_col = st.columns([2, 3], gap="large")
    with chart_col:
        st.plotly_chart(fig, config=CHART_CONFIG, key="jr_paths_chart")
if not paths.empty:
    shown, formats, right = labelled(
        paths,
        {
            "episodes": "int",
            "share_of_episodes": "pct",
            "share_of_repeats": "pct",
            "median_hours_to_repeat": "number",
        },
        {"episodes": path_why},
    )
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
