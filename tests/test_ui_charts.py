"""The pages' figure builders (cxmetrics.ui.charts) on small hand-made frames: the traces
they draw, and how a suppressed group shows (no bar, its label says why). Figures built
with ``ui.figure`` are validated here too (tests/conftest.py sets CXM_VALIDATE_FIGURES)."""

from __future__ import annotations

import pandas as pd
import pytest

from cxmetrics.i18n import t
from cxmetrics.reports import channels as cr
from cxmetrics.reports import journeys as jr
from cxmetrics.reports import uplift as up
from cxmetrics.ui.charts import channels, count_axis, journeys, quality, uplift


def _cell(channel: str, value: str, v: float | None, n: int | None, *, enough: bool = True,
          suppressed: str | None = None) -> dict:
    return dict.fromkeys(cr.HEATMAP_COLUMNS) | {
        "kpi": "nps", "channel": channel, "cohort_dim": "segment", "cohort_value": value, "value": v,
        "ci_low": None if v is None else v - 5, "ci_high": None if v is None else v + 5, "n": n,
        "direction": "", "enough_data": enough, "suppressed": suppressed,
    }  # fmt: skip


@pytest.fixture
def cells() -> pd.DataFrame:
    return pd.DataFrame(
        [
            _cell("app", "consumer", 20.0, 40),
            _cell("app", "business", 5.0, 8, enough=False),
            _cell("web", "consumer", None, None, enough=False, suppressed="k"),
        ],
        columns=list(cr.HEATMAP_COLUMNS),
    )


def test_heatmap_grey_coloured_and_clickable_cells(cells: pd.DataFrame) -> None:
    fig = channels.heatmap_figure(
        cells, ["app", "web"], ["consumer", "business"], ("app", "business"),
        kpi="nps", cohort="segment", overall=10.0, min_n=30, lang="en",
    )
    grey, coloured, overlay, legend = fig.data
    assert coloured.z[0][0] == 20.0 and coloured.z[0][1] is None  # too few: grey, not coloured
    assert grey.z[0][1] == 0 and grey.z[1][0] == 0
    assert "suppressed" in grey.text[1][0] and "20.0" not in str(grey.text)
    # one invisible marker per cell, in the frame's order: a click's point index is its row
    assert fig.data.index(overlay) == channels.OVERLAY_TRACE
    assert list(zip(overlay.y, overlay.x, strict=True)) == [("app", "consumer"), ("app", "business"), ("web", "consumer")]
    assert legend.showlegend  # some cells are grey
    (outline,) = fig.layout.shapes
    assert (outline.x0, outline.y0) == (0.5, -0.5)  # column 1, row 0


def test_trend_one_line_per_series_hollow_where_too_few() -> None:
    trend = pd.DataFrame(
        [
            {"kpi": "nps", "period": "2026-01-05", "series_dim": "channel", "series": "app", "value": 10.0,
             "ci_low": 5.0, "ci_high": 15.0, "n": 40, "enough_data": True, "suppressed": None},
            {"kpi": "nps", "period": "2026-01-19", "series_dim": "channel", "series": "app", "value": 12.0,
             "ci_low": 2.0, "ci_high": 22.0, "n": 10, "enough_data": False, "suppressed": None},
            {"kpi": "nps", "period": "2026-01-19", "series_dim": "channel", "series": "web", "value": 3.0,
             "ci_low": 0.0, "ci_high": 6.0, "n": 90, "enough_data": True, "suppressed": None},
        ]
    )  # fmt: skip
    fig = channels.trend_figure(trend, "nps", "channel", "en")
    app, web = fig.data
    assert (app.name, web.name) == ("app", "web")
    assert list(app.marker.symbol) == ["circle", "circle-open"]
    assert pd.isna(web.y[0])  # no point in the first period: a gap
    assert web.line.color == channels.TREND_COLOURS[0]  # the largest series gets the first colour


def test_quarantine_bars_largest_on_top_kind_in_label() -> None:
    by_reason = pd.DataFrame(
        {"kind": ["event", "customer"], "reason_code": ["unparseable_ts", "bad_tier"], "rows": [7, 2], "share": [0.7, 0.2]}
    )
    (bar,) = quality.quarantine_figure(by_reason, "en").data
    assert list(bar.y) == ["bad_tier (customer)", "unparseable_ts"]  # drawn bottom-up
    assert list(bar.text) == ["2", "7"]


def test_count_axis_whole_ticks_for_small_counts() -> None:
    assert count_axis(3, "n")["dtick"] == 1
    assert "dtick" not in count_axis(50, "n")
    assert "dtick" not in count_axis(float("nan"), "n")


def test_step_funnel_suppressed_stage_keeps_its_place() -> None:
    funnel = pd.DataFrame(
        {
            "stage": ["landing", jr.GOAL_STAGE],
            "is_goal": [False, True],
            "journeys": pd.array([None, 12], dtype="Int64"),
            "share": [None, 0.4],
            "median_seconds": [30.0, float("nan")],
            "journeys_started": [30, 30],
            "suppressed": ["k", None],
        }
    )
    (stages,) = journeys.step_funnel_figure(funnel, "billing", "en").to_dict()["data"]
    assert stages["y"] == ["landing (suppressed)", t("jr.steps.goal", "en")]
    assert stages["x"] == [None, 12] and stages["text"][0] == ""


def test_handoff_grey_bar_only_where_handoffs_are_hidden() -> None:
    def funnel(handoff_hidden: str | None) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "channel": ["chatbot"], "contacts": [20], "handed_off": pd.array([None if handoff_hidden else 8], dtype="Int64"),
                "connected": [None if handoff_hidden else 6], "abandoned": [None if handoff_hidden else 2],
                "handoff_share": [None], "value": [None], "ci_low": [None], "ci_high": [None], "n": [None],
                "suppressed": [None], "handoff_suppressed": [handoff_hidden],
            }
        )  # fmt: skip

    shown = journeys.handoff_figure(funnel(None), "channel", "en").to_dict()["data"]
    assert [b["name"] for b in shown] == [t(f"jr.seg.{s}", "en") for s in ("contained", "connected", "abandoned")]
    hidden = journeys.handoff_figure(funnel("k"), "channel", "en").to_dict()["data"]
    assert len(hidden) == 4 and hidden[-1]["x"] == [20]  # the contacts, as one grey bar


def test_forest_one_panel_per_kpi_and_a_label_for_a_hidden_comparison() -> None:
    table = pd.DataFrame(
        [
            dict.fromkeys(up.UPLIFT_COLUMNS) | {"kpi": "nps", "unit": "points", "raw_diff": 8.0, "raw_ci_low": 2.0,
                                                "raw_ci_high": 14.0, "adjusted_diff": 6.0, "adjusted_ci_low": 1.0,
                                                "adjusted_ci_high": 11.0},
            dict.fromkeys(up.UPLIFT_COLUMNS) | {"kpi": "csat", "unit": "%", "suppressed": "k"},
        ]
    )  # fmt: skip
    fig = uplift.forest_figure(up.forest_rows(table), None, lambda _: "", "Uplift", "en").to_dict()
    assert len(fig["data"]) == 4  # raw and adjusted, per KPI
    assert {t["yaxis"] for t in fig["data"]} == {"y", "y2"}
    assert fig["data"][0]["x"] == [8.0]
    assert "suppressed (fewer than" in fig["layout"]["annotations"][-1]["text"]
