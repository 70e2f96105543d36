"""Overview (executives): KPI tiles with interval, delta vs the previous period and trend: the six
customer-experience KPIs, or (a toggle) the operations and churn ones."""

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import MISSING, fmt_int, fmt_number, t
from cxmetrics.metrics import suppression
from cxmetrics.metrics.registry import KPIS
from cxmetrics.reports import overview as ov
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters

lang = ui.current_lang()
source = ui.require_source(lang)
active = ui_filters.current()
ui_filters.page_header(t("overview.title", lang), source, lang, active)
settings = get_settings()
role = ui_auth.current_user().role  # aggregate cells with fewer than k people are suppressed for some roles

period = active.period
# Two rows of tiles: the customer-experience KPIs, or operations and churn (?kpis=ops)
kpi_set = st.segmented_control(
    t("ov.set.label", lang), list(ov.TILE_SETS), default=st.query_params.get("kpis", "cx")
    if st.query_params.get("kpis") in ov.TILE_SETS else "cx",
    format_func=lambda s: t(f"ov.set.{s}", lang), key="ov_kpi_set", label_visibility="collapsed",
) or "cx"
if kpi_set == "cx":  # the default stays out of the link
    st.query_params.pop("kpis", None)
else:
    st.query_params["kpis"] = kpi_set
kpis = ov.TILE_SETS[kpi_set]
tiles = ui.cached(ov.tiles, source, period, active.spec, role=role, kpis=kpis)
lines = ui.cached(ov.sparklines, source, period, active.spec, role=role, kpis=kpis)
if period is None and active.mode != ui_filters.ALL_MODE:
    st.info(t("ov.no_period", lang))


def definition(kpi: str) -> str:
    return KPIS[kpi].definition_es if lang == "es" else KPIS[kpi].definition_en


def interval(row: pd.Series) -> str:
    k = row["kpi"]
    if pd.isna(row["ci_low"]):
        return MISSING
    return f"{ov.format_value(k, row['ci_low'], lang)} – {ov.format_value(k, row['ci_high'], lang)}"


# ---------------------------------------------------------------- tiles
columns = [c for _ in range(0, len(kpis), 4 if len(kpis) > 6 else 3)
           for c in st.columns(4 if len(kpis) > 6 else 3)]
for col, row in zip(columns, tiles.to_dict("records"), strict=False):
    k = row["kpi"]
    enough = bool(row["enough_data"])
    hidden = row["suppressed"] if isinstance(row["suppressed"], str) else None
    prev_hidden = row["previous_suppressed"] if isinstance(row["previous_suppressed"], str) else None
    delta = ov.format_delta(k, row["delta"], lang) if enough and period is not None else None
    significant = bool(row["significant"])
    spark = ov.spark_values(lines, k, settings.min_n)
    with col.container(border=True, key=f"tile_{k}"):
        st.metric(
            t(f"ov.tile.{k}", lang),
            suppression.label(hidden, lang)
            if hidden
            else ov.format_value(k, row["value"], lang)
            if enough
            else t("not_enough_data", lang),
            delta=delta,
            delta_color=ov.delta_color(k, significant),
            delta_description=(
                t("ov.delta.significant" if significant else "ov.delta.not_significant", lang)
                if delta is not None
                else None
            ),
            help=definition(k),
            chart_data=spark if len(spark) > 1 else None,
            chart_type="line",
        )
        if enough and KPIS[k].kind == "count":
            note = t("ov.tile.count_note", lang, n=fmt_int(row["n"], lang))  # a count has no interval
        elif enough:
            note = t(
                "ov.tile.ci",
                lang,
                low=ov.format_value(k, row["ci_low"], lang),
                high=ov.format_value(k, row["ci_high"], lang),
                n=fmt_int(row["n"], lang),
            )
            if prev_hidden:
                note += " · " + t("ov.tile.previous_suppressed", lang, label=suppression.label(prev_hidden, lang))
            elif period is not None and delta is None:
                note += " · " + t("ov.tile.no_previous", lang)
        elif hidden:
            note = t("privacy.tile_note", lang, k=fmt_int(settings.k_anonymity, lang))
        else:
            note = t(
                "ov.tile.too_few",
                lang,
                n=fmt_int(row["n"], lang),
                min_n=fmt_int(settings.min_n, lang),
            )
        st.caption(note)

spark_n = len(lines["period"].unique()) if not lines.empty else 0
if period is not None:
    st.caption(
        t(
            "ov.tiles.caption_period" if kpi_set == "cx" else "ov.tiles.caption_period_ops",
            lang,
            current=ov.period_label(period.start, period.end),
            previous=ov.period_label(period.previous().start, period.previous().end),
            alpha=fmt_number(settings.alpha, lang, 2),
            min_n=fmt_int(settings.min_n, lang),
            spark=spark_n,
        )
    )
else:
    st.caption(t("ov.tiles.caption_all", lang, spark=spark_n, min_n=fmt_int(settings.min_n, lang)))

# ---------------------------------------------------------------- table
st.subheader(t("ov.table.header" if kpi_set == "cx" else "ov.table.header_ops", lang))
st.caption(t(("ov.table.caption" if kpi_set == "cx" else "ov.table.caption_ops") if period is not None
             else "ov.table.caption_all", lang))
shown = tiles.assign(
    label=[KPIS[k].label(lang) for k in tiles["kpi"]],
    value_s=[
        suppression.label(h, lang) if isinstance(h, str) else ov.format_value(k, v, lang)
        for k, v, h in zip(tiles["kpi"], tiles["value"], tiles["suppressed"], strict=True)
    ],
    ci=[interval(r) for _, r in tiles.iterrows()],
    previous_s=[
        suppression.label(h, lang) if isinstance(h, str) else ov.format_value(k, v, lang)
        for k, v, h in zip(tiles["kpi"], tiles["previous"], tiles["previous_suppressed"], strict=True)
    ],
    delta_s=[
        ov.format_delta(k, v, lang) or MISSING
        for k, v in zip(tiles["kpi"], tiles["delta"], strict=True)
    ],
    significant_s=[t("ov.yes" if s else "ov.no", lang) for s in tiles["significant"]],
    q_text=[fmt_number(q, lang, 3) for q in tiles["q_value"]],  # the grid shows NaN as "None"
)
table_columns = {"label": "col.kpi", "value_s": "col.value", "ci": "ov.col.ci", "n": "col.n"}
if period is not None:
    table_columns |= {
        "previous_s": "ov.col.previous",
        "previous_n": "ov.col.previous_n",
        "delta_s": "ov.col.delta",
        "q_text": "ov.col.q",
        "significant_s": "ov.col.significant",
    }
ui.show_table(
    shown,
    lang,
    columns=table_columns,
    formats={c: f for c, f in {"n": "int", "previous_n": "int"}.items() if c in table_columns},
    column_widths={"label": 200},
    right_align=("value_s", "ci", "previous_s", "delta_s", "q_text"),
)
export = (
    tiles
    if period is not None
    else tiles[["kpi", "value", "ci_low", "ci_high", "n", "enough_data", "unit"]]
)
period_tag = period.label if period is not None else "all"
ui.download_csv(
    export.assign(filter=active.spec.describe()),
    f"overview_kpis_{period_tag}.csv",
    "dl_overview_kpis",
    lang,
)
with st.expander(t("ov.definitions", lang)):
    st.markdown("\n".join(f"- **{KPIS[k].label(lang)}**: {definition(k)}" for k in tiles["kpi"]))
