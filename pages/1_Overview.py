"""Overview (placeholder): the six KPIs over all data. The real tiles come later."""

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.i18n import t
from cxmetrics.metrics import KPIS

lang = ui.current_lang()
st.title(t("overview.title", lang))
source = ui.require_source(lang)
ui.data_caption(source, lang)

rows = ui.kpi_table(source)
df = pd.DataFrame(rows, columns=["kpi", "value", "n", "ci_low", "ci_high"])
df["label"] = df["kpi"].map(lambda k: KPIS[k].label(lang))
df["unit"] = df["kpi"].map(lambda k: KPIS[k].unit)
df["definition"] = df["kpi"].map(
    lambda k: KPIS[k].definition_es if lang == "es" else KPIS[k].definition_en
)

st.caption(t("overview.caption", lang))
ui.show_table(
    df,
    lang,
    columns={
        "label": "col.kpi",
        "value": "col.value",
        "ci_low": "col.ci_low",
        "ci_high": "col.ci_high",
        "n": "col.n",
        "unit": "col.unit",
        "definition": "col.definition",
    },
    formats={"value": "number", "ci_low": "number", "ci_high": "number", "n": "int"},
    column_widths={"label": 190, "value": 80, "ci_low": 95, "ci_high": 95, "n": 70, "unit": 80},
)
ui.download_csv(df[["kpi", "value", "n", "ci_low", "ci_high", "unit"]], "kpis.csv", "dl_kpis", lang)
