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
from cxmetrics.reports import ops_review


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
    ui.show_table(
        pd.DataFrame(ops_review.display_rows(rows, lang)),
        lang,
        columns=ops_review.TABLE_COLUMNS,
        right_align=ops_review.NUMERIC,
        column_widths={"kpi": 185, "previous_s": 135, "current_s": 135, "previous_ci": 135, "current_ci": 135,
                       "diff_ci": 150},
        max_rows=len(rows),
        key="rv_ops",
    )
    ui.download_csv(ops_review.csv_frame(rows), f"review_{period_label}_operations.csv", "dl_rv_ops", lang)
