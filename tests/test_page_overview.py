"""The Overview page (AppTest): six KPI tiles and their table equal the metrics engine's
numbers for the active filter, in English and Spanish, with and without data.

Expected numbers are computed here straight from the engine (``compare_periods`` /
``kpi_stats``) and formatted with ``cxmetrics.i18n``, not through the page's helpers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_int, fmt_number
from cxmetrics.metrics.compare import Period, closed_periods, compare_periods, last_closed_period
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER, KPIS
from cxmetrics.reports import overview as ov
from cxmetrics.serving import snapshot
from cxmetrics.ui import filters as ui_filters
from tests.apptest import open_page

OVERVIEW = "pages/1_Overview.py"
TILE_LABELS_EN = [
    "NPS (points)",
    "CSAT (%)",
    "CES (score 1–7)",
    "First-contact resolution (%)",
    "Journey completion (%)",
    "Handoff abandonment (%)",
]


def _run(**query: str) -> AppTest:
    return open_page(None, timeout=60, **query)


def _value(kpi: str, value: float | None, lang: str = "en") -> str:
    """The engine's value as the tile should print it (independent of the page's helpers)."""
    decimals = 2 if kpi == "ces" else 1
    text = fmt_number(value, lang, decimals)
    if KPIS[kpi].kind == "rate":
        text += " %" if lang == "es" else "%"
    return text


def _tiles(at: AppTest) -> dict[str, object]:
    return {m.label: m for m in at.metric}


def _table(at: AppTest, *headers: str):
    for df in at.dataframe:
        if all(h in df.value.columns for h in headers):
            return df.value
    raise AssertionError([list(d.value.columns) for d in at.dataframe])


@pytest.fixture
def demo(app_db_env, demo_db: Path):
    app_db_env(demo_db)
    return snapshot.open_snapshot(demo_db)


@pytest.fixture
def empty(app_db_env, empty_db: Path) -> Path:
    return app_db_env(empty_db)


def test_default_is_the_last_closed_period_and_tiles_equal_the_engine(demo) -> None:
    at = _run()
    period = last_closed_period(demo)
    assert period == Period(date(2026, 2, 16), date(2026, 3, 1))
    assert at.title[0].value == "Overview"
    assert at.caption[0].value.startswith("Showing: 2026-02-16 → 2026-03-01")
    tiles = _tiles(at)
    assert list(tiles) == TILE_LABELS_EN
    min_n = get_settings().min_n
    comparisons = {c.kpi: c for c in compare_periods(demo, period, None, [], FilterSpec())}
    for label, kpi in zip(TILE_LABELS_EN, KPI_ORDER, strict=True):
        c, tile = comparisons[kpi], tiles[label]
        assert c.current.n >= min_n  # every KPI has enough data over the whole last period
        assert tile.value == _value(kpi, c.current.value), kpi
        decimals = 2 if kpi == "ces" else 1
        assert fmt_number(abs(c.difference.diff), "en", decimals) in tile.delta
        assert tile.delta.startswith("-" if c.difference.diff < 0 else "+")
        if not c.significant:
            assert tile.proto.color == 2  # grey
        assert tile.proto.delta_description.endswith(
            "· significant" if c.significant else "· not significant"
        )
        assert tile.proto.help == KPIS[kpi].definition_en
    # the interval and n under each tile
    captions = [c.value for c in at.caption]
    for kpi in KPI_ORDER:
        cur = comparisons[kpi].current
        line = (
            f"95% CI {_value(kpi, cur.ci_low)} – {_value(kpi, cur.ci_high)} · n = {fmt_int(cur.n)}"
        )
        assert line in captions, line


def test_sparklines_are_the_kpi_by_review_period(demo) -> None:
    at = _run()
    min_n = get_settings().min_n
    by_period = kpi_stats(
        demo,
        ["journey_completion"],
        ["period"],
        FilterSpec(date_from=date(2025, 11, 10), date_to=date(2026, 3, 1)),  # 8 periods
    )
    expected = [g.estimate.value for g in by_period if g.n >= min_n]
    assert len(expected) >= 3
    spark = list(_tiles(at)["Journey completion (%)"].proto.chart_data)
    assert spark == pytest.approx(expected)


def test_table_lists_the_six_kpis_with_the_engines_numbers(demo) -> None:
    at = _run()
    table = _table(at, "KPI", "Value", "95% CI", "n", "Previous", "Delta", "q", "Significant")
    assert list(table["KPI"]) == [KPIS[k].label_en for k in KPI_ORDER]
    period = last_closed_period(demo)
    comparisons = compare_periods(demo, period, None, [], FilterSpec())
    assert list(table["n"]) == [c.current.n for c in comparisons]
    assert list(table["Previous n"]) == [c.previous.n for c in comparisons]
    assert list(table["Value"]) == [_value(c.kpi, c.current.value) for c in comparisons]
    assert list(table["Previous"]) == [_value(c.kpi, c.previous.value) for c in comparisons]
    assert list(table["q"]) == [fmt_number(c.q_value, "en", 3) for c in comparisons]
    assert list(table["Significant"]) == ["yes" if c.significant else "no" for c in comparisons]
    assert len(at.get("download_button")) == 1
    assert any(c.value.startswith("Value with its 95% interval") for c in at.caption)


def test_a_channel_filter_changes_the_tiles_and_flags_thin_data(demo) -> None:
    at = _run(channel="web")
    assert at.caption[0].value.startswith("Showing: Channel: web · 2026-02-16 → 2026-03-01")
    period = last_closed_period(demo)
    spec = FilterSpec(dims={"channel": ["web"]})
    comparisons = {c.kpi: c for c in compare_periods(demo, period, None, [], spec)}
    tiles = _tiles(at)
    min_n = get_settings().min_n
    thin = 0
    for label, kpi in zip(TILE_LABELS_EN, KPI_ORDER, strict=True):
        c = comparisons.get(kpi)
        n = c.current.n if c else 0
        if n < min_n:
            thin += 1
            assert tiles[label].value == "not enough data"
            assert not tiles[label].delta
            assert f"n = {fmt_int(n)}, fewer than {min_n} records" in [x.value for x in at.caption]
        else:
            assert tiles[label].value == _value(kpi, c.current.value)
    assert thin > 0  # web has no handoffs: at least that tile has too few records
    unfiltered = compare_periods(demo, period, ["journey_completion"], [], FilterSpec())[0]
    assert tiles["Journey completion (%)"].value != _value(
        "journey_completion", unfiltered.current.value
    )


def _significant_views(source) -> list[tuple[Period, dict[str, str]]]:
    """Closed periods and one-value filters under which the engine finds a significant change
    (the demo data is generated, so the test looks them up instead of hard-coding one)."""
    found = []
    for period in closed_periods(source, 3):
        for dim in (None, "channel", "segment", "value_tier"):
            values = [None] if dim is None else ui_filters.dimension_values(source, dim)
            for value in values:
                spec = FilterSpec(dims={dim: [value]}) if dim else FilterSpec()
                if any(c.significant for c in compare_periods(source, period, None, [], spec)):
                    found.append((period, {dim: value} if dim else {}))
    return found


def test_significant_change_is_coloured_by_the_kpis_direction(demo) -> None:
    views = _significant_views(demo)
    assert views, "the demo data has at least one significant period-over-period change"
    # prefer a view with a significant lower-is-better KPI (its fall is the good way)
    views.sort(
        key=lambda v: (
            not any(
                c.significant and c.kpi == "handoff_abandonment"
                for c in compare_periods(
                    demo, v[0], None, [], FilterSpec(dims={k: [x] for k, x in v[1].items()})
                )
            )
        )
    )
    period, dims = views[0]
    at = _run(period=period.label, **dims)
    spec = FilterSpec(dims={k: [v] for k, v in dims.items()})
    comparisons = {c.kpi: c for c in compare_periods(demo, period, None, [], spec)}
    tiles = _tiles(at)
    checked = 0
    for label, kpi in zip(TILE_LABELS_EN, KPI_ORDER, strict=True):
        c = comparisons.get(kpi)
        tile = tiles[label]
        if c is None or c.current.n < get_settings().min_n:
            continue
        if c.significant:
            # proto colours: RED 0, GREEN 1, GRAY 2; green when the change goes the good way
            assert tile.proto.color == (1 if c.improved else 0), kpi
            assert tile.proto.delta_description == "vs previous · significant"
            checked += 1
        else:
            assert tile.proto.color == 2, kpi
    assert checked >= 1
    table = _table(at, "KPI", "Significant")
    shown = dict(zip(table["KPI"], table["Significant"], strict=True))
    assert shown == {
        KPIS[k].label_en: "yes" if comparisons[k].significant else "no" for k in comparisons
    }


@pytest.mark.parametrize(
    ("kpi", "significant", "color"),
    [
        ("nps", True, "normal"),
        ("journey_completion", True, "normal"),
        ("handoff_abandonment", True, "inverse"),  # down is good
        ("handoff_abandonment", False, "off"),
        ("csat", False, "off"),
    ],
)
def test_delta_colour_rule(kpi: str, significant: bool, color: str) -> None:
    assert ov.delta_color(kpi, significant) == color


def test_all_dates_shows_values_without_deltas(demo) -> None:
    at = _run(period="all")
    assert at.caption[0].value.startswith("Showing: all dates")
    stats = {g.kpi: g.estimate for g in kpi_stats(demo, None, [], FilterSpec())}
    tiles = _tiles(at)
    for label, kpi in zip(TILE_LABELS_EN, KPI_ORDER, strict=True):
        assert tiles[label].value == _value(kpi, stats[kpi].value)
        assert not tiles[label].delta
    table = _table(at, "KPI", "Value", "n")
    assert "Delta" not in table.columns
    assert list(table["n"]) == [stats[k].n for k in KPI_ORDER]


def test_spanish_numbers_and_labels(demo) -> None:
    at = _run(lang="es")
    assert at.title[0].value == "Resumen"
    period = last_closed_period(demo)
    comparisons = {c.kpi: c for c in compare_periods(demo, period, None, [], FilterSpec())}
    tiles = _tiles(at)
    assert tiles["CSAT (%)"].value == _value("csat", comparisons["csat"].current.value, "es")
    assert "," in tiles["CSAT (%)"].value and tiles["CSAT (%)"].value.endswith(" %")
    assert tiles["CES (puntuación 1–7)"].value == _value(
        "ces", comparisons["ces"].current.value, "es"
    )
    assert tiles["NPS (puntos)"].delta.endswith(" ptos")
    assert tiles["Journeys completados (%)"].delta.endswith(" p. p.")
    table = _table(at, "KPI", "Valor", "IC 95 %", "n", "Anterior", "Cambio", "Significativo")
    assert set(table["Significativo"]) <= {"sí", "no"}
    assert any(c.value.startswith("Valor con su intervalo del 95 %") for c in at.caption)


def test_without_data_the_page_says_so(empty: Path) -> None:
    at = _run()
    assert at.info and "No data yet" in at.info[0].value
    assert not at.metric
    assert not at.dataframe
    assert not at.error


OPS_LABELS = {"containment": "Containment (%)", "time_to_answer": "Time to answer (median)",
              "contact_volume": "Contacts", "repeat_contact_rate": "Repeat on another channel (%)",
              "survey_response_rate": "Survey response rate (%)", "churn_rate": "Churn rate (%)",
              "churn_after_bad_experience": "Churn after a bad experience (%)"}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_operations_and_churn_tiles_equal_the_engine(demo, lang: str) -> None:
    """?kpis=ops shows the seven section-8 KPIs of the last closed period, each as
    kpi_stats computes it (median in minutes, contacts as a count, rates in %)."""
    at = _run(kpis="ops", lang=lang)
    period = last_closed_period(demo)
    spec = FilterSpec(date_from=period.start, date_to=period.end)
    found = {g.kpi: g.estimate for g in kpi_stats(demo, list(OPS_LABELS), [], spec)}
    tiles = _tiles(at)
    assert len(tiles) == 7
    if lang == "en":
        assert list(tiles) == list(OPS_LABELS.values())
    values = [m.value for m in at.metric]
    for (kpi, _), shown in zip(OPS_LABELS.items(), values, strict=True):
        est = found[kpi]
        if KPIS[kpi].kind == "count":
            assert shown == fmt_int(est.value, lang)
        elif KPIS[kpi].kind == "median":
            assert shown == f"{fmt_number(est.value, lang, 1)} min"
        else:
            assert shown == fmt_number(est.value, lang, 1) + (" %" if lang == "es" else "%")
    assert at.query_params["kpis"] in ("ops", ["ops"])
    assert not at.exception
