"""The Committee review's "Operations and churn" section: the operations and churn KPIs
(``review_data``'s ``operations``, built by ``reports.ops_review``) this period vs the
previous one, as a table with its CSV."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_int, fmt_number, t
from cxmetrics.reports import committee as cu
from cxmetrics.reports import ops_review

# sized so that the figures, the change and its test fit beside the sidebar; n and the
# intervals scroll into view
WIDTHS = {"kpi": 215, "previous_s": 150, "current_s": 150, "diff_s": 90, "direction": 85, "q": 80, "significant": 85,
          "current_n": 65, "previous_n": 85, "current_ci": 150, "previous_ci": 150, "diff_ci": 170}


def section(data: dict[str, Any], period_label: str, lang: str, role: str) -> None:
    """The header, the caption, the table and its CSV (nothing for review data made before
    the section existed)."""
    rows = data.get("operations")
    if rows is None:
        return
    settings = get_settings()
    st.header(t("ops.rv.header", lang))
    st.caption(ops_review.caption(rows, lang, fmt_number(settings.alpha, lang, 2), fmt_int(settings.min_n, lang)))
    if ops_review.any_suppressed(rows):
        st.caption(t("privacy.note", lang, k=fmt_int(settings.k_anonymity, lang), role=t(f"role.{role}", lang)))
    if not any(r["current_n"] or r["previous_n"] for r in rows):
        st.info(t("ops.rv.empty", lang))
        return
    header = {c: t(k, lang) for c, k in ops_review.TABLE_COLUMNS.items()}
    view = pd.DataFrame(ops_review.display_rows(rows, lang))[list(header)].rename(columns=header)
    styles = cu.direction_styles(rows)  # a significant change tinted by the KPI's good direction
    st.dataframe(
        view.style.apply(lambda _column: styles, subset=[header["diff_s"], header["direction"]]),
        hide_index=True,
        height=ui.fit_height(len(view), len(view)),
        key="rv_ops",
        column_config={
            header[c]: st.column_config.Column(width=w, alignment="right" if c in ops_review.NUMERIC else None)
            for c, w in WIDTHS.items()
        },
    )
    ui.download_csv(ops_review.csv_frame(rows), f"review_{period_label}_operations.csv", "dl_rv_ops", lang)
