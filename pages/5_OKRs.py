"""OKRs: objectives and key results bound to live KPIs — progress, pace, status, owners, trend."""

from datetime import date

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_datetime, fmt_int, fmt_pct, t
from cxmetrics.metrics import okr
from cxmetrics.reports import okrs as okr_view
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui.charts import okrs as charts

lang = ui.current_lang()
source = ui.require_source(lang)
settings = get_settings()
st.title(t("okr.title", lang))

path = okr_view.okr_path()
try:
    okrs = okr.load_okrs(path)
except UserError as exc:
    ui.data_caption(source, lang)
    st.error(t("okr.bad_file", lang, error=str(exc)))
    st.stop()
path_key, mtime = okr_view.okr_file_key(path)

latest = source.max_ts.date() if source.max_ts else date.today()
if st.session_state.get("okr_as_of") is None or st.session_state["okr_as_of"] > latest:
    st.session_state["okr_as_of"] = latest
as_of = st.date_input(
    t("okr.as_of", lang),
    key="okr_as_of",
    max_value=latest,
    help=t("okr.as_of_help", lang),
    format="YYYY-MM-DD",
)
role = ui_auth.current_user().role  # key results with fewer than k people are suppressed for some roles
evaluation = ui.cached(okr_view.okr_evaluation, source, path_key, mtime, as_of, settings.min_n, role=role)
histories = ui.cached(okr_view.okr_histories, source, path_key, mtime, okr_view.TREND_PERIODS, role=role)
st.caption(
    t("okr.caption", lang, cycle=okrs.cycle, as_of=evaluation["as_of"], file=ui.file_name(path_key))
    + " · "
    + t("data_to", lang, ts=fmt_datetime(source.max_ts, lang))
)
windows = sorted({kr.window_days for o in okrs.objectives for kr in o.key_results})
st.caption(t("okr.intro", lang, days="/".join(str(w) for w in windows)))
cycle_start = min(kr.start for o in okrs.objectives for kr in o.key_results)
if as_of < cycle_start:
    st.info(t("okr.before_start", lang, as_of=as_of.isoformat(), start=cycle_start.isoformat()))

# ---------------------------------------------------------------- legend
st.markdown(
    f"**{t('okr.legend', lang)}:** " + " ".join(okr_view.status_badge_html(s, lang) for s in okr_view.STATUSES),
    unsafe_allow_html=True,
)
st.caption(t("okr.status_rules", lang, min_n=fmt_int(settings.min_n, lang)))

rows = okr_view.kr_rows(evaluation, histories)
shown = okr_view.kr_display(rows, lang, settings.min_n)
columns = {
    "kr_id": "okr.col.kr",
    "title": "okr.col.title",
    "owner": "okr.col.owner",
    "status": "okr.col.status",
    "current_s": "okr.col.current",
    "ci": "okr.col.ci",
    "n": "okr.col.n",
    "trend": "okr.col.trend",
    "baseline_target": "okr.col.baseline_target",
    "progress": "okr.col.progress",
    "expected": "okr.col.expected",
    "window": "okr.col.window",
}
header = {c: t(k, lang) for c, k in columns.items()}
widths = {
    "kr_id": 60,
    "title": 270,
    "owner": 180,
    "status": 150,
    "current_s": 140,
    "ci": 140,
    "n": 70,
    "trend": 150,
    "baseline_target": 140,
    "progress": 80,
    "expected": 80,
    "window": 190,
}


def kr_table(frame: pd.DataFrame, cols: list[str], key: str) -> None:
    """Key results as a table: texts formatted in ``lang``, numbers kept raw for sorting."""
    view = frame[cols].rename(columns={c: header[c] for c in cols})
    formats = {
        "n": lambda x: fmt_int(x, lang),
        "progress": lambda x: fmt_pct(x, lang, 0),
        "expected": lambda x: fmt_pct(x, lang, 0),
        "trend": lambda x: "",
    }
    styler = view.style.format({header[c]: f for c, f in formats.items() if c in cols})
    config = {header[c]: st.column_config.Column(width=widths[c]) for c in cols}
    config |= {
        header[c]: st.column_config.Column(width=widths[c], alignment="right")
        for c in ("current_s", "n", "progress", "expected")
        if c in cols
    }
    if "trend" in cols:
        config[header["trend"]] = st.column_config.LineChartColumn(width=widths["trend"])
    st.dataframe(
        styler, hide_index=True, height=ui.fit_height(len(view)), key=key, column_config=config
    )


# ---------------------------------------------------------------- objectives
for objective in evaluation["objectives"]:
    with st.container(border=True, key=f"okr_obj_{objective['id']}"):
        # objective and owner texts come from the OKR file: escaped inside the helper
        st.markdown(okr_view.objective_heading_html(objective, lang), unsafe_allow_html=True)
        st.plotly_chart(
            charts.progress_figure(objective, lang),
            config={"displayModeBar": False},
            key=f"okr_chart_{objective['id']}",
        )
        kr_table(
            shown[shown["objective_id"] == objective["id"]],
            ["kr_id", "owner", "current_s", "ci", "n", "baseline_target", "trend"],
            f"okr_card_{objective['id']}",
        )
        hidden = [kr["id"] for kr in objective["key_results"] if kr.get("suppressed")]
        no_data = [
            kr["id"] for kr in objective["key_results"] if kr["status"] == "no_data" and not kr.get("suppressed")
        ]
        if hidden:
            st.caption(
                t("okr.suppressed_krs", lang, krs=", ".join(hidden), k=fmt_int(settings.k_anonymity, lang))
            )
        if no_data:
            st.caption(
                t(
                    "okr.no_data_krs",
                    lang,
                    krs=", ".join(no_data),
                    min_n=fmt_int(settings.min_n, lang),
                )
            )

# ---------------------------------------------------------------- key-result table
st.subheader(t("okr.table.header", lang))
st.caption(t("okr.table.caption", lang, periods=okr_view.TREND_PERIODS))
kr_table(shown, list(columns), "okr_table")
ui.download_csv(okr_view.kr_csv(rows), f"okrs_{evaluation['as_of']}.csv", "dl_okrs", lang)
