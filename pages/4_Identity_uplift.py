"""Identity uplift: recognized vs anonymous on every KPI, raw and adjusted; the telco questions."""

import math

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import MISSING, fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics import suppression
from cxmetrics.metrics.registry import KPIS
from cxmetrics.reports import overview as ov
from cxmetrics.reports import uplift as up
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters

lang = ui.current_lang()
source = ui.require_source(lang)
active = ui_filters.current()
ui_filters.page_header(t("up.title", lang), source, lang, active)
st.info(t("observational", lang), icon=":material/info:")
st.caption(t("up.intro", lang))
if "identity_state" in active.spec.dims:
    st.caption(t("up.identity_filter_ignored", lang))
spec = active.spec
# aggregate cells with fewer than k people are suppressed for roles without record access
role = ui_auth.current_user().role
K = get_settings().k_anonymity
SHORT = t("privacy.suppressed.short", lang)
privacy_note = st.empty()  # the note, once, when anything on the page is suppressed
SEPARATORS = ui.plotly_separators(lang)
ESTIMATES = (("raw", "circle", ui.PALETTE[0], -0.14), ("adjusted", "diamond", ui.PALETTE[1], 0.14))


hidden = ui.SuppressionSeen()  # hidden(reason): the reason or None, remembered for the note
plain = ui.plotly_array


def kpi_title(kpi: str) -> str:
    return f"{KPIS[kpi].label(lang)} ({t(f'up.diff_unit.{KPIS[kpi].kind}', lang)})"


def with_ci(kpi: str, value: float | None, low: float | None, high: float | None) -> str:
    """'+8.96 (4.25 – 13.64)': a signed difference with its interval, decimals by KPI."""
    dec = ov.value_decimals(kpi)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = ("+" if value > 0 else "") + fmt_number(value, lang, dec)
    if low is None or pd.isna(low):
        return text
    return f"{text} ({fmt_number(low, lang, dec)} – {fmt_number(high, lang, dec)})"


def forest_figure(rows: pd.DataFrame, group_col: str | None, group_label, title: str):
    """One panel per KPI (its own unit), a zero line, raw and adjusted difference with 95% CI."""
    panels = list(dict.fromkeys(rows["kpi"]))
    groups = list(dict.fromkeys(rows[group_col])) if group_col else [None]
    domains = ui.stacked_axes(len(panels), min(0.5 / len(panels), 0.12))
    data: list[dict] = []
    layout: dict = {
        "title": {"text": title},
        "height": 90 + len(panels) * (70 + 45 * len(groups)),
        "margin": {"l": 10, "r": 20, "t": 80, "b": 30},
        "separators": SEPARATORS,
        "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        "annotations": [],
        "shapes": [],
    }
    for i, (kpi, (bottom, top)) in enumerate(zip(panels, domains, strict=True), start=1):
        axis = "" if i == 1 else str(i)
        part = rows[rows["kpi"] == kpi]
        why = {(g if group_col else None): hidden(r) for g, r in
               zip(part[group_col] if group_col else [None] * len(part), part["suppressed"], strict=True)}
        for est, symbol, color, offset in ESTIMATES:
            sub = part[part["estimate"] == est]
            ys = (
                [groups.index(g) + offset for g in sub[group_col]]
                if group_col
                else [offset] * len(sub)
            )
            diff = sub["diff"].astype(float)
            data.append(
                {
                    "type": "scatter",
                    "x": diff.tolist(),
                    "y": ys,
                    "xaxis": f"x{axis}",
                    "yaxis": f"y{axis}",
                    "mode": "markers",
                    "name": t(f"up.estimate.{est}", lang),
                    "legendgroup": est,
                    "showlegend": i == 1,
                    "marker": {"symbol": symbol, "size": 11, "color": color},
                    "error_x": {
                        "type": "data",
                        "symmetric": False,
                        "color": color,
                        "thickness": 2,
                        "array": (sub["ci_high"].astype(float) - diff).tolist(),
                        "arrayminus": (diff - sub["ci_low"].astype(float)).tolist(),
                    },
                    "customdata": [
                        [lo, hi] for lo, hi in zip(sub["ci_low"], sub["ci_high"], strict=True)
                    ],
                    "hovertemplate": "%{x:.2f} (%{customdata[0]:.2f} – %{customdata[1]:.2f})<extra>"
                    + t(f"up.estimate.{est}", lang)
                    + "</extra>",
                }
            )
        ends = pd.concat([part["ci_low"], part["ci_high"], part["diff"]]).astype(float).dropna()
        low, high = min(ends.min(), 0.0), max(ends.max(), 0.0)  # NaN-safe when all are missing
        pad = 0.06 * (high - low) or 1.0
        layout[f"xaxis{axis}"] = {
            "anchor": f"y{axis}",
            "domain": [0.0, 1.0],
            "range": [low - pad, high + pad],
            "zeroline": False,
        }
        layout[f"yaxis{axis}"] = {
            "anchor": f"x{axis}",
            "domain": [bottom, top],
            "tickvals": list(range(len(groups))),
            # a suppressed comparison has no marker: its name says why
            "ticktext": [f"{group_label(g)} ({SHORT})" if why.get(g) and group_col else group_label(g)
                         for g in groups],
            "range": [-0.6, len(groups) - 0.4],
        }
        layout["annotations"].append(  # the panel's title, as make_subplots places it
            {
                "text": kpi_title(kpi),
                "x": 0.5,
                "y": top,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 16},
            }
        )
        layout["shapes"].append(  # the zero line: no difference
            {
                "type": "line",
                "x0": 0,
                "x1": 0,
                "xref": f"x{axis}",
                "y0": 0,
                "y1": 1,
                "yref": f"y{axis} domain",
                "line": {"dash": "dash", "color": "#555555"},
            }
        )
        if part["diff"].isna().all():
            reasons = {r for r in why.values() if r}
            layout["annotations"].append(
                {
                    "text": suppression.label("k" if "k" in reasons else "complement", lang)
                    if reasons and all(why.values())
                    else t("up.no_difference", lang),
                    "showarrow": False,
                    "x": 0.5,
                    "y": 0.5,
                    "xref": f"x{axis} domain",
                    "yref": f"y{axis} domain",
                    "font": {"color": "#555555"},
                }
            )
    return ui.figure(data, layout)


# ---------------------------------------------------------------- every KPI
st.header(t("up.kpis.header", lang))
st.caption(t("up.kpis.caption", lang))
table = ui.cached(up.uplift_table, source, spec, role=role)
warned = [
    KPIS[k].label(lang) for k, w in zip(table["kpi"], table["overlap_warning"], strict=True) if w
]
if warned:
    st.warning(t("up.overlap", lang, kpis=", ".join(warned)))
forest = up.forest_rows(table)
st.plotly_chart(
    forest_figure(forest, None, lambda _: "", t("up.forest.title", lang)),
    config={"displayModeBar": False},
    key="forest_chart",
)
st.caption(t("up.forest.caption", lang))
ui.download_csv(forest, "uplift_forest.csv", "dl_uplift_forest", lang)


def side(kpi: str, value, n, reason) -> str:
    """'49.6% (643)', or the suppression label of a hidden side."""
    if hidden(reason):
        return suppression.label(reason, lang)
    return f"{ov.format_value(kpi, value, lang)} ({fmt_int(n, lang)})"


def uplift_view(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(
        # preformatted: the data grid shows a missing number as "None"
        p_text=[fmt_number(v, lang, 3) for v in df["p_value"]],
        coverage_text=[fmt_pct(v, lang) for v in df["coverage"]],
        label=[KPIS[k].label(lang) for k in df["kpi"]],
        recognized=[
            side(k, v, n, r)
            for k, v, n, r in zip(
                df["kpi"], df["recognized_value"], df["recognized_n"], df["recognized_suppressed"], strict=True
            )
        ],
        anonymous=[
            side(k, v, n, r)
            for k, v, n, r in zip(
                df["kpi"], df["anonymous_value"], df["anonymous_n"], df["anonymous_suppressed"], strict=True
            )
        ],
        raw=[with_ci(r.kpi, r.raw_diff, r.raw_ci_low, r.raw_ci_high) for r in df.itertuples()],
        adjusted=[
            with_ci(r.kpi, r.adjusted_diff, r.adjusted_ci_low, r.adjusted_ci_high)
            for r in df.itertuples()
        ],
        regression=[
            with_ci(r.kpi, r.regression_diff, r.regression_ci_low, r.regression_ci_high)
            for r in df.itertuples()
        ],
        strata=[
            MISSING if pd.isna(u) else f"{fmt_int(u, lang)} / {fmt_int(n, lang)}"
            for u, n in zip(df["strata_used"], df["strata_total"], strict=True)
        ],
    )


UPLIFT_COLUMNS = {
    "label": "col.kpi",
    "recognized": "up.col.recognized",
    "anonymous": "up.col.anonymous",
    "raw": "up.col.raw",
    "p_text": "up.col.p",
    "adjusted": "up.col.adjusted",
    "strata": "up.col.strata",
    "coverage_text": "up.col.coverage",
    "regression": "up.col.regression",
}  # thin overlap: named in the warning above the chart and in the CSV
UPLIFT_WIDTHS = {  # fits the main column of a 1440-px window beside the sidebar
    "label": 160,
    "recognized": 95,
    "anonymous": 95,
    "raw": 140,
    "p_text": 60,
    "adjusted": 145,
    "strata": 60,
    "coverage_text": 75,
    "regression": 140,
}
UPLIFT_RIGHT = (
    "recognized",
    "anonymous",
    "raw",
    "p_text",
    "adjusted",
    "strata",
    "coverage_text",
    "regression",
)
# a suppressed side shows the label: room for it
LABEL_WIDTHS = {"recognized": 215, "anonymous": 215}
ui.show_table(
    uplift_view(table),
    lang,
    columns=UPLIFT_COLUMNS,
    column_widths=UPLIFT_WIDTHS | (LABEL_WIDTHS if table["suppressed"].notna().any() else {}),
    right_align=UPLIFT_RIGHT,
)
st.caption(t("up.table.caption", lang))
ui.download_csv(table, "uplift_by_kpi.csv", "dl_uplift_table", lang)

# ---------------------------------------------------------------- telco questions
st.header(t("up.questions.header", lang))

def question_before_login() -> None:
    """(a) How many negative experiences start before login?"""
    st.subheader(t("up.before.header", lang))
    st.caption(t("up.before.caption", lang))
    before = ui.cached(up.negative_before_login, source, spec, role=role)
    before_why = [hidden(r) for r in before["suppressed"]]
    # a kind with a suppressed cell shows no total (it would give the hidden cell away)
    hidden_kinds = {k for k, r in zip(before["kind"], before_why, strict=True) if r}
    totals = before.groupby("kind", sort=False)["negatives"].sum()  # of the shown cells
    kinds = sorted(totals.index, key=lambda k: (-totals[k], k))  # largest first
    st.markdown("**" + t("up.before.tiles", lang) + "**")
    tiles = st.columns(len(kinds))
    for col, kind in zip(tiles, kinds, strict=True):
        anon = before[(before["kind"] == kind) & (before["identity_state"] == "anonymous")].iloc[0]
        if hidden(anon["suppressed"]):  # "suppressed" in the tile, the label under it
            col.metric(t(f"up.kind.{kind}", lang), SHORT, border=True)
            col.caption(suppression.label(anon["suppressed"], lang))
            continue
        if kind in hidden_kinds:
            col.metric(t(f"up.kind.{kind}", lang), fmt_pct(anon["share"], lang), border=True)
            continue
        col.metric(
            t(f"up.kind.{kind}", lang),
            fmt_pct(anon["share"], lang),
            help=t(
                "up.before.share_anonymous",
                lang,
                share=fmt_pct(anon["share"], lang),
                kind=t(f"up.kind.{kind}", lang).lower(),
                n=fmt_int(anon["negatives"], lang),
                total=fmt_int(totals[kind], lang),
            ),
            border=True,
        )
        col.caption(
            t(
                "up.before.of",
                lang,
                n=fmt_int(anon["negatives"], lang),
                total=fmt_int(totals[kind], lang),
            )
        )
    bars = []
    for state, color in (("anonymous", ui.PALETTE[1]), ("recognized", ui.PALETTE[0])):
        part = before[before["identity_state"] == state].set_index("kind").loc[kinds[::-1]]  # bottom-up
        bars.append(
            {
                "type": "bar",
                # a suppressed cell has no bar; its kind's name says so
                "y": [t(f"up.kind.{k}", lang) + (f" ({SHORT})" if k in hidden_kinds else "") for k in part.index],
                "x": plain(part["negatives"]),
                "orientation": "h",
                "name": t(f"up.state.{state}", lang),
                "marker": {"color": color},
                "text": [
                    "" if pd.isna(n) else f"{fmt_int(n, lang)} ({fmt_pct(s, lang)})"
                    for n, s in zip(part["negatives"], part["share"], strict=True)
                ],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{y}: %{x}<extra>" + t(f"up.state.{state}", lang) + "</extra>",
            }
        )
    fig = ui.figure(
        bars,
        {
            "title": {"text": t("up.before.chart_title", lang)},
            "barmode": "group",
            "height": 360,
            "xaxis": {"title": {"text": t("up.axis.count", lang)}},
            "yaxis": {"automargin": True},
            "separators": SEPARATORS,
            "margin": {"l": 10, "r": 80, "t": 60, "b": 40},
            "legend": {
                "orientation": "h",
                "y": 1.02,
                "yanchor": "bottom",
                "x": 1,
                "xanchor": "right",
                "traceorder": "normal",
            },
        },
    )
    st.plotly_chart(fig, config={"displayModeBar": False}, key="before_login_chart")
    ui.show_table(
        before.assign(
            # as text with the label where a cell is suppressed, else the count
            negatives=[
                suppression.label(r, lang) if r else fmt_int(n, lang)
                for n, r in zip(before["negatives"], before_why, strict=True)
            ]
            if hidden_kinds
            else before["negatives"],
            # as text too: the data grid would draw a hidden row's empty number as "None"
            records=[fmt_int(n, lang) for n in before["records"]] if hidden_kinds else before["records"],
            share_text=[fmt_pct(v, lang) for v in before["share"]],
            rate_text=[fmt_pct(v, lang) for v in before["rate"]],
            kind_label=[t(f"up.kind.{k}", lang) for k in before["kind"]],
            state_label=[t(f"up.state.{s}", lang) for s in before["identity_state"]],
        ).sort_values("kind", key=lambda c: c.map(kinds.index), kind="stable"),
        lang,
        columns={
            "kind_label": "up.col.kind",
            "state_label": "up.col.identity_state",
            "negatives": "up.col.negatives",
            "share_text": "up.col.share",
            "records": "up.col.records",
            "rate_text": "up.col.rate",
        },
        formats={} if hidden_kinds else {"negatives": "int", "records": "int"},
        right_align=("negatives", "records", "share_text", "rate_text"),
        column_widths={"kind_label": 230, "state_label": 240} | ({"negatives": 230} if hidden_kinds else {}),
    )
    ui.download_csv(before, "negative_before_login.csv", "dl_before_login", lang)


def question_churn_research() -> None:
    """(b) Did churned customers research contract termination first?"""
    st.subheader(t("up.churn.header", lang))
    churn = ui.cached(up.churn_research, source, spec, role=role)
    churn_hidden = hidden(churn["suppressed"])
    st.caption(t("up.churn.caption", lang, days=churn["window_days"]))
    if churn["churned"] == 0:
        st.info(t("up.churn.none", lang))
    c1, c2, c3 = st.columns([1, 1, 2])
    if churn_hidden:  # "suppressed" in the tiles (the label does not fit), the label under them
        c1.metric(t("up.churn.churned", lang), SHORT, border=True)
        c1.caption(suppression.label(churn_hidden, lang))
        c2.metric(t("up.churn.researched", lang), SHORT, border=True)
        c2.caption(t("privacy.tile_note", lang, k=fmt_int(K, lang)))
    else:
        c1.metric(t("up.churn.churned", lang), fmt_int(churn["churned"], lang), border=True)
        c2.metric(t("up.churn.researched", lang), ov.format_value("fcr", churn["share"], lang), border=True)
        c2.caption(
            t(
                "up.churn.researched_ci",
                lang,
                n=fmt_int(churn["researched"], lang),
                total=fmt_int(churn["churned"], lang),
                low=ov.format_value("fcr", churn["ci_low"], lang),
                high=ov.format_value("fcr", churn["ci_high"], lang),
            )
        )
    with c1:
        ui.download_csv(pd.DataFrame([churn]), "churn_research.csv", "dl_churn_summary", lang)
    lead = ui.cached(up.research_lead_distribution, source, spec, role=role)
    lead_why = [hidden(r) for r in lead["suppressed"]]
    with c3:
        fig = ui.figure(
            [
                {
                    "type": "bar",
                    # a suppressed bin has no bar; its name says so
                    "x": [f"{b} ({SHORT})" if r else b for b, r in zip(lead["bin"], lead_why, strict=True)],
                    "y": plain(lead["customers"]),
                    "marker": {"color": ui.PALETTE[2]},
                    "text": ["" if r else fmt_int(v, lang) for v, r in zip(lead["customers"], lead_why, strict=True)],
                    "textposition": "outside",
                    "cliponaxis": False,
                    "hovertemplate": "%{x}: %{y}<extra></extra>",
                }
            ],
            {
                "title": {"text": t("up.lead.chart_title", lang)},
                "height": 320,
                "separators": SEPARATORS,
                "xaxis": {"title": {"text": t("up.col.bin", lang)}, "type": "category"},
                "yaxis": {
                    "title": {"text": t("up.col.customers", lang)},
                    "rangemode": "tozero",
                    "tickformat": ",d",
                }
                | ({"dtick": 1} if not pd.isna(lead["customers"].max()) and lead["customers"].max() <= 8 else {}),
                "margin": {"l": 10, "r": 10, "t": 60, "b": 40},
            },
        )
        st.plotly_chart(fig, config={"displayModeBar": False}, key="lead_chart")
        with_contact = churn["with_contact"]
        st.caption(
            t("up.lead.caption", lang, n=SHORT if hidden(churn["with_contact_suppressed"]) else fmt_int(with_contact, lang))
        )
        ui.download_csv(lead, "research_lead_days.csv", "dl_churn_lead", lang)


def question_high_intent() -> None:
    """(c) Uplift for high-intent journeys when recognized in real time."""
    st.subheader(t("up.hi.header", lang))
    st.caption(t("up.hi.caption", lang))
    if not up.high_intent_intents(spec):
        st.info(t("up.hi.none", lang))
    else:
        high = ui.cached(up.high_intent_uplift, source, spec, role=role)

        def intent_label(intent: str) -> str:
            return t("up.hi.both", lang) if intent == "all_high_intent" else intent

        hwarn = [
            f"{KPIS[r.kpi].label(lang)} · {intent_label(r.intent)}"
            for r in high.itertuples()
            if r.overlap_warning
        ]
        if hwarn:
            st.warning(t("up.overlap", lang, kpis=", ".join(hwarn)))
        long = pd.concat(
            [
                up.forest_rows(high[high["intent"] == i]).assign(intent=i)
                for i in dict.fromkeys(high["intent"])
            ],
            ignore_index=True,
        )
        st.plotly_chart(
            forest_figure(long, "intent", intent_label, t("up.hi.chart_title", lang)),
            config={"displayModeBar": False},
            key="high_intent_chart",
        )
        ui.show_table(
            uplift_view(high).assign(intent_label=[intent_label(i) for i in high["intent"]]),
            lang,
            columns={
                "label": "col.kpi",
                "intent_label": "up.col.intent",
                **{k: v for k, v in UPLIFT_COLUMNS.items() if k not in ("label", "regression")},
            },
            column_widths={**UPLIFT_WIDTHS, "label": 140, "intent_label": 150}
            | (LABEL_WIDTHS if high["suppressed"].notna().any() else {}),
            right_align=UPLIFT_RIGHT,
        )
        ui.download_csv(high, "high_intent_uplift.csv", "dl_high_intent", lang)


# Lazy tabs: only the open question runs and is drawn (the three together were most of
# this page's render time in the browser); the open one is kept in the URL (?q=).
QUESTIONS = {
    "before_login": question_before_login,
    "churn": question_churn_research,
    "high_intent": question_high_intent,
}
wanted = st.query_params.get("q", "before_login")
if wanted not in QUESTIONS:
    st.warning(t("up.bad_question", lang, value=wanted[:30]))
    wanted = "before_login"
# The tabs' default must not change within a session (a new default is a new widget, which
# would drop the user's click): taken from the URL once, and again after a language switch.
if st.session_state.get("_up_question_lang") != lang:
    st.session_state["_up_question_lang"] = lang
    st.session_state["_up_question_seed"] = wanted
labels = [t(f"up.q.{q}", lang) for q in QUESTIONS]
tabs = st.tabs(
    labels,
    default=labels[list(QUESTIONS).index(st.session_state["_up_question_seed"])],
    key=f"up_question_{lang}",
    on_change="rerun",
)
for (name, draw), tab in zip(QUESTIONS.items(), tabs, strict=True):
    if tab.open:
        st.query_params["q"] = name
        with tab:
            draw()
if hidden.seen:
    privacy_note.caption(t("privacy.note", lang, k=fmt_int(K, lang), role=t(f"role.{role}", lang)))
