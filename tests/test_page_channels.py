"""The Channels & cohorts page (AppTest) and its data module, on ``demo_db`` and ``empty_db``.

The heatmap's numbers are checked against ``metrics.kpi_stats`` and its significance marks
against an independent Benjamini–Hochberg (scipy); the drill-down's records against the
snapshot's Parquet files read directly with DuckDB (consent from the ``customers`` table).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from scipy.stats import false_discovery_control
from streamlit.testing.v1 import AppTest

from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_int, fmt_number
from cxmetrics.metrics.engine import kpi_stats, kpi_table
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import ALL_KPIS, KPIS
from cxmetrics.reports import channels as cr
from cxmetrics.reports.overview import value_decimals
from cxmetrics.serving import snapshot
from tests.apptest import open_page

PAGE = "pages/2_Channels_cohorts.py"
PSEUDONYM = re.compile(r"^p_[0-9a-f]{16}$")


@pytest.fixture
def demo(app_db_env, demo_db: Path) -> Path:
    return app_db_env(demo_db)


@pytest.fixture
def empty(app_db_env, empty_db: Path) -> Path:
    return app_db_env(empty_db)


def _run(lang: str | None = None, **params: str) -> AppTest:
    return open_page(PAGE, timeout=60, lang=lang, **params)


def _spec(at: AppTest) -> FilterSpec:
    """The filter the page used (the sidebar's, kept in session state by app.py)."""
    return at.session_state["active_filter"].spec


def _heatmap(at: AppTest) -> dict:
    """The heatmap's Plotly figure (the first chart of the page)."""
    charts = at.get("plotly_chart")
    assert charts, "no chart on the page"
    fig = json.loads(charts[0].proto.spec)
    assert [tr["type"] for tr in fig["data"]][:3] == ["heatmap", "heatmap", "scatter"]
    return fig


def _frame(at: AppTest, *headers: str) -> pd.DataFrame:
    for df in at.dataframe:
        if all(h in df.value.columns for h in headers):
            return df.value
    raise AssertionError(
        f"no table with {headers}: {[list(d.value.columns) for d in at.dataframe]}"
    )


def _snapshot_sql(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A connection with the snapshot's record and customer tables as views over its Parquet files."""
    root = snapshot.snapshot_dir(db_path)
    version = snapshot.current_version(root)
    con = duckdb.connect()
    for table in ("rec_survey", "rec_fcr", "rec_journey", "rec_handoff", "customers"):
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{root / version / table}.parquet')"
        )
    return con


def _cell_truth(con, kpi: str, cohort: str, channel: str, value: str, spec: FilterSpec) -> dict:
    """Records of one cell, independently: all of them and those of non-consenting customers."""
    table = KPIS[kpi].record_table
    where = [KPIS[kpi].where, "r.channel = ?", f"r.{cohort} = ?"]
    params: list = [channel, value]
    if spec.date_from:
        where.append("CAST(r.t AS DATE) BETWEEN ? AND ?")
        params += [spec.date_from, spec.date_to]
    rows = con.execute(
        f"""SELECT r.record_id, r.person, c.consent_analytics IS NOT DISTINCT FROM false AS refused
        FROM {table} r LEFT JOIN customers c ON c.customer_id = r.person
        WHERE {" AND ".join(where)}""",
        params,
    ).fetchall()
    return {
        "all": {r[0] for r in rows},
        "refused": {r[0] for r in rows if r[2]},
        "refused_persons": {r[1] for r in rows if r[2]},
    }


# --------------------------------------------------------------------------- smoke


def test_page_runs_on_demo_data(demo: Path) -> None:
    at = _run()
    assert at.title[0].value == "Channels & cohorts"
    assert [h.value for h in at.header] == [
        "NPS by channel and segment",
        "NPS: where the change came from",
        "Records behind a cell",
        "NPS by review period",
    ]
    assert len(at.get("plotly_chart")) == 3  # heatmap, change waterfall and trend
    assert len(at.get("download_button")) == 2  # heatmap and trend CSVs (no cell chosen yet)
    assert not at.warning
    assert at.query_params["kpi"] == "nps" and at.query_params["cohort"] == "segment"


def test_page_without_data_says_so(empty: Path) -> None:
    at = _run()
    assert at.info and "No data yet" in at.info[0].value
    assert not at.dataframe and not at.get("plotly_chart")
    assert not at.error


def test_filter_without_records_says_so(demo: Path) -> None:
    # journeys happen on app and web only: none in store
    at = _run(kpi="journey_completion", channel="store", period="all")
    assert [i.value for i in at.info] == [
        "No Journey completion records match this filter.",
        "No decomposition: neither period has records.",
        "No records in these review periods.",
    ]
    assert not at.get("plotly_chart")


# --------------------------------------------------------------------------- heatmap = engine


@pytest.mark.parametrize(
    ("kpi", "cohort", "period"),
    [
        ("nps", "segment", None),
        ("journey_completion", "value_tier", "all"),
        ("fcr", "region", "all"),
        ("ces", "identity_state", "all"),
        ("handoff_abandonment", "intent", "all"),
    ],
)
def test_heatmap_equals_the_engine(demo: Path, kpi: str, cohort: str, period: str | None) -> None:
    at = _run(kpi=kpi, cohort=cohort, **({"period": period} if period else {}))
    spec = _spec(at)
    source = snapshot.open_snapshot(demo)
    engine = kpi_stats(source, [kpi], ["channel", cohort], spec)
    assert engine, "the case should have data"
    expected = {(g.group["channel"], g.group[cohort]): g for g in engine}

    # the table under the heatmap: raw values and n
    table = _frame(at, "Channel", "Value", "n", "q")
    cohort_header = at.session_state["_ch_state"]["cohort"]
    assert cohort_header == cohort
    shown = {(r["Channel"], r.iloc[1]): (r["Value"], r["n"]) for _, r in table.iterrows()}
    assert set(shown) == set(expected)
    for cell, g in expected.items():
        assert shown[cell][1] == g.n
        assert shown[cell][0] == pytest.approx(g.estimate.value, abs=1e-9)

    # the figure: coloured cells carry the value, grey ones n < min_n, text shows n
    fig = _heatmap(at)
    grey, coloured = fig["data"][0], fig["data"][1]
    channels, values = coloured["y"], coloured["x"]
    assert channels == sorted(channels)
    assert values == cr.sort_categories(values, cohort)
    min_n = get_settings().min_n
    decimals = 2 if KPIS[kpi].kind == "mean" else 1
    for i, ch in enumerate(channels):
        for j, v in enumerate(values):
            g = expected.get((ch, v))
            if g is None:
                assert coloured["z"][i][j] is None and grey["z"][i][j] is None
            elif g.n >= min_n:
                assert coloured["z"][i][j] == pytest.approx(g.estimate.value)
                assert coloured["text"][i][j].startswith(
                    f"<b>{fmt_number(g.estimate.value, 'en', decimals)}"
                )
                assert f"n = {fmt_int(g.n)}" in coloured["text"][i][j]
            else:
                assert coloured["z"][i][j] is None and grey["z"][i][j] == 0
                assert f"n = {fmt_int(g.n)}" in grey["text"][i][j]

    # significance: each cell vs all other records, one BH family over the whole table (scipy)
    (total,) = kpi_stats(source, [kpi], [], spec)
    kspec = KPIS[kpi]
    diffs = [
        kspec.difference(g.triple, (total.n - g.n, total.s1 - g.s1, total.s2 - g.s2))
        for g in engine
    ]
    tested = [i for i, d in enumerate(diffs) if d.p_value is not None]
    q = dict(
        zip(
            tested,
            false_discovery_control([diffs[i].p_value for i in tested], method="bh"),
            strict=True,
        )
    )
    alpha = get_settings().alpha
    for i, g in enumerate(engine):
        significant = i in q and q[i] < alpha and g.n >= min_n and total.n - g.n >= min_n
        cell = (g.group["channel"], g.group[cohort])
        mark = table.loc[
            (table["Channel"] == cell[0]) & (table.iloc[:, 1] == cell[1]), "Significant"
        ].iloc[0]
        if significant:
            assert mark == ("▲ above the rest" if diffs[i].diff > 0 else "▼ below the rest"), cell
        else:
            assert mark == "", cell
        if i in q:
            row = table[(table["Channel"] == cell[0]) & (table.iloc[:, 1] == cell[1])].iloc[0]
            assert row["q"] == pytest.approx(q[i])


def test_heatmap_has_significant_cells_marked_in_the_figure(demo: Path) -> None:
    at = _run(kpi="journey_completion", cohort="value_tier", period="all")
    fig = _heatmap(at)
    texts = [x for row in fig["data"][1]["text"] for x in row]
    assert any("▲" in x for x in texts) and any("▼" in x for x in texts)
    colorbar = fig["data"][1]["colorbar"]["title"]["text"]
    assert colorbar == "Journey completion (%)"
    assert fig["layout"]["xaxis"]["title"]["text"] == "Value tier"
    assert fig["layout"]["yaxis"]["title"]["text"] == "Channel"


# --------------------------------------------------------------------------- drill-down


def _pick(at: AppTest, channel: str, value: str) -> AppTest:
    at.selectbox(key="ch_cell_channel").set_value(channel)
    at.selectbox(key="ch_cell_value").set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_drilldown_lists_only_consented_records(demo: Path) -> None:
    kpi, cohort = "journey_completion", "value_tier"
    at = _run(kpi=kpi, cohort=cohort, period="all")
    spec = _spec(at)
    con = _snapshot_sql(demo)
    source = snapshot.open_snapshot(demo)
    engine = kpi_stats(source, [kpi], ["channel", cohort], spec)
    # the cell with the most records of customers who refused analytics consent
    truths = {
        (g.group["channel"], g.group[cohort]): _cell_truth(
            con, kpi, cohort, g.group["channel"], g.group[cohort], spec
        )
        for g in engine
    }
    cell = max(truths, key=lambda c: (len(truths[c]["refused"]), c))
    truth = truths[cell]
    assert truth["refused"], "the demo data should have non-consenting customers"
    n_cell = next(g.n for g in engine if (g.group["channel"], g.group[cohort]) == cell)
    assert len(truth["all"]) == n_cell  # the independent count is the KPI's n

    _pick(at, *cell)
    consented = n_cell - len(truth["refused"])
    counts = cr.consent_counts(source, kpi, cr.cell_spec(spec, cohort, *cell))
    assert (counts.total, counts.consented, counts.hidden) == (
        n_cell,
        consented,
        len(truth["refused"]),
    )
    assert any(
        x.value == f"{cell[0]} · {cell[1]}: {fmt_int(n_cell)} Journey completion records; "
        f"{fmt_int(consented)} listed, {fmt_int(len(truth['refused']))} hidden because the customer "
        "did not consent to analytics."
        for x in at.text
    )
    pages = -(-consented // 50)
    seen: list[str] = []
    persons: set[str] = set()
    for page in range(1, pages + 1):
        if page > 1:
            at.number_input(key="ch_page").set_value(page).run()
            assert not at.exception
        records = _frame(at, "Record", "Person (pseudonym)")
        assert len(records) == min(50, consented - (page - 1) * 50)
        assert set(records["Channel"]) == {cell[0]} and set(records["Value tier"]) == {cell[1]}
        seen += list(records["Record"])
        persons |= set(records["Person (pseudonym)"])
    assert len(seen) == len(set(seen)) == consented
    assert set(seen) == truth["all"] - truth["refused"]
    assert not set(seen) & truth["refused"]
    assert all(PSEUDONYM.match(p) for p in persons)
    assert not persons & truth["refused_persons"]  # raw customer ids never shown
    assert at.query_params["cell"] == f"{cell[0]}|{cell[1]}"
    assert len(at.get("download_button")) == 3  # heatmap, records, trend


def test_drilldown_from_a_heatmap_click(demo: Path) -> None:
    at = _run(kpi="nps", cohort="segment", period="all")
    fig = _heatmap(at)
    overlay = fig["data"][2]
    index = 1
    channel = overlay["y"][index]
    value = overlay["x"][index]
    # no AppTest API to click a chart: set the selection state the chart would send
    at.session_state["ch_heatmap_nps_segment"] = {
        "selection": {
            "points": [{"curve_number": 2, "point_index": index, "x": value, "y": channel}],
            "point_indices": [index],
            "box": [],
            "lasso": [],
        }
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="ch_cell_channel").value == channel
    assert at.selectbox(key="ch_cell_value").value == value
    records = _frame(at, "Record", "Person (pseudonym)", "Verbatim")
    assert len(records) > 0 and set(records["Channel"]) == {channel}
    assert _frame(at, "Time (UTC)", "Score", "Verbatim") is not None  # latest verbatims
    shapes = _heatmap(at)["layout"]["shapes"]
    assert len(shapes) == 1  # the chosen cell is outlined


def test_cell_from_the_url(demo: Path) -> None:
    at = _run(kpi="nps", cohort="value_tier", period="all", cell="web|high")
    assert at.selectbox(key="ch_cell_channel").value == "web"
    assert at.selectbox(key="ch_cell_value").value == "high"
    records = _frame(at, "Record", "Person (pseudonym)")
    assert set(records["Value tier"]) == {"high"}


# --------------------------------------------------------------------------- url and language


@pytest.mark.parametrize(
    ("param", "value"),
    [("kpi", "bogus"), ("cohort", "channel"), ("cell", "web|nope"), ("cell", "nobar")],
)
def test_invalid_url_value_gives_a_notice(demo: Path, param: str, value: str) -> None:
    at = _run(**{param: value, "period": "all"})
    assert any(param in w.value and "not a valid value" in w.value for w in at.warning), [
        w.value for w in at.warning
    ]
    assert at.query_params["kpi"] == "nps" and at.query_params["cohort"] == "segment"
    assert "cell" not in at.query_params
    assert _heatmap(at)


def test_spanish(demo: Path) -> None:
    at = _run(lang="es", kpi="journey_completion", cohort="value_tier", period="all")
    assert at.title[0].value == "Canales y cohortes"
    assert at.header[0].value == "Journeys completados por canal y nivel de valor"
    assert at.header[1].value == "Journeys completados: de dónde vino el cambio"
    assert at.header[2].value == "Registros de una celda"
    fig = _heatmap(at)
    coloured = [x for row in fig["data"][1]["text"] for x in row if x]
    assert coloured and all(re.search(r"<b>\d+,\d", x) for x in coloured)  # decimal comma
    assert fig["layout"]["separators"] == ",."
    assert fig["data"][1]["colorbar"]["title"]["text"] == "Journeys completados (%)"
    assert at.selectbox(key="ch_kpi_es").value == "journey_completion"
    _pick(at, "web", "mid")
    assert any(x.value.startswith("web · mid: ") and "ocultos" in x.value for x in at.text)
    _frame(at, "Registro", "Persona (seudónimo)")


# --------------------------------------------------------------------------- plain text


def test_verbatims_are_prepared_as_plain_text() -> None:
    raw = pd.DataFrame(
        {
            "t": pd.to_datetime(["2026-02-01 10:00", "2026-02-02 11:00", "2026-02-03 12:00"]),
            "verbatim": ["<b>html</b>", "**md**", None],
            "score": [9, 3, 7],
            "resolved": [True, False, None],
            "hours_to_repeat": [1.5, None, 2.0],
        }
    )
    out = cr.plain_text_table(raw, "yes", "no", keep=("t",), lang="es")
    assert list(out["verbatim"]) == ["<b>html</b>", "**md**", ""]
    assert list(out["score"]) == ["9", "3", "7"]
    assert list(out["resolved"]) == ["yes", "no", ""]
    assert list(out["hours_to_repeat"]) == ["1,5", "", "2"]
    assert out["t"].dtype == raw["t"].dtype


def test_sort_categories_puts_unknown_last() -> None:
    assert cr.sort_categories(["unknown", "high", "low", "mid", "low"], "value_tier") == [
        "low",
        "mid",
        "high",
        "unknown",
    ]
    assert cr.sort_categories(["unknown", "Madrid", "Aragón", "Cataluña"], "region") == [
        "Aragón",
        "Cataluña",
        "Madrid",
        "unknown",
    ]


def test_trend_keeps_the_largest_series(demo: Path) -> None:
    source = snapshot.open_snapshot(demo)
    window = cr.trend_window(source, None)
    assert window is not None and window[1].isoformat() == "2026-03-01"
    trend, dropped = cr.kpi_trend(source, "nps", "region", FilterSpec(), *window, 30, max_series=3, role="analyst")
    assert trend["series"].nunique() == 3 and dropped
    by = kpi_stats(
        source, ["nps"], ["period", "region"], FilterSpec(date_from=window[0], date_to=window[1])
    )
    sizes: dict[str, int] = {}
    for g in by:
        sizes[g.group["region"]] = sizes.get(g.group["region"], 0) + g.n
    assert set(trend["series"]) == set(sorted(sizes, key=lambda s: (-sizes[s], s))[:3])
    for g in by:
        if g.group["region"] in set(trend["series"]):
            row = trend[
                (trend["series"] == g.group["region"]) & (trend["period"] == g.group["period"])
            ]
            assert row["n"].iloc[0] == g.n


@pytest.mark.parametrize("kpi", [k for k, spec in KPIS.items() if spec.in_cube])  # churn records have no channel
def test_consent_counts_total_is_the_kpi_n_in_every_cell(demo_db: Path, kpi: str) -> None:
    source = snapshot.open_snapshot(demo_db)
    spec = FilterSpec()
    cells = kpi_stats(source, [kpi], ["channel", "plan"], spec)
    assert cells
    for g in cells:
        cell_spec = cr.cell_spec(spec, "plan", g.group["channel"], g.group["plan"])
        counts = cr.consent_counts(source, kpi, cell_spec)
        assert counts.total == g.n, g.group
        assert 0 <= counts.hidden <= counts.total


# --------------------------------------------------------------------------- operations and churn KPIs


def test_the_selector_offers_every_kpi_by_group(demo: Path) -> None:
    at = _run(period="all")
    box = at.selectbox(key="ch_kpi_en")
    assert box.options == [cr.kpi_option(k, "en") for k in ALL_KPIS]
    assert box.options[0] == "Customer experience · NPS"
    assert "Operations · Time to answer" in box.options and "Churn · Churn rate" in box.options


@pytest.mark.parametrize(("kpi", "cohort"), [("containment", "segment"), ("time_to_answer", "intent"),
                                             ("contact_volume", "region"), ("survey_response_rate", "plan")])
def test_ops_kpi_heatmap_equals_the_engine(demo: Path, kpi: str, cohort: str) -> None:
    at = _run(kpi=kpi, cohort=cohort, period="all")
    assert not at.warning
    spec = _spec(at)
    source = snapshot.open_snapshot(demo)
    rows = kpi_table(source, [kpi], ["channel", cohort], spec)  # the `cxm kpis --json` rows
    assert rows
    kind = KPIS[kpi].kind
    table = _frame(at, "Channel", "Value")
    shown = {(r["Channel"], r.iloc[1]): r for _, r in table.iterrows()}
    assert set(shown) == {(r["channel"], r[cohort]) for r in rows}
    for r in rows:
        row = shown[(r["channel"], r[cohort])]
        assert row["Value"] == pytest.approx(r["value"], abs=1e-9)
        if kind == "count":  # its own n, exact: no interval, no test, no minimum n
            assert r["value"] == r["n"] and "n" not in table.columns and "95% low" not in table.columns
        else:
            assert row["n"] == r["n"]
            if r["ci_low"] is not None:
                assert row["95% low"] == pytest.approx(r["ci_low"], abs=1e-9)
        if kind == "median":
            assert row["p90"] == pytest.approx(r["p90"], abs=1e-9)
    fig = _heatmap(at)
    texts = [x for row in fig["data"][1]["text"] for x in row if x]
    decimals = value_decimals(kpi)
    if KPIS[kpi].tested:
        assert "q" in table.columns and "Significant" in table.columns
        assert [h.value for h in at.header][1] == f"{KPIS[kpi].label('en')}: where the change came from"
    else:  # no test: no marks, no q, and no waterfall (one line says why)
        assert "q" not in table.columns and "Significant" not in table.columns
        assert not any("▲" in x or "▼" in x for x in texts)
        assert any(c.value.startswith(f"No change decomposition for {KPIS[kpi].label('en')}") for c in at.caption)
        assert len(at.header) == 3
    if kind == "median":
        first = next(r for r in rows if r["n"] >= get_settings().min_n)
        assert any(x.startswith(f"<b>{fmt_number(first['value'], 'en', decimals)}")
                   and f"p90 = {fmt_number(first['p90'], 'en', decimals)}" in x for x in texts)
    if kind == "count":
        assert fig["data"][0]["z"] == [[None] * len(row) for row in fig["data"][0]["z"]]  # nothing greyed
        assert all(x.startswith("<b>") and "n =" not in x for x in texts)
    # the records behind a cell list this KPI's own fields
    channel, value = rows[0]["channel"], rows[0][cohort]
    _pick(at, channel, value)
    records = _frame(at, "Record", "Person (pseudonym)")
    assert set(records["Channel"]) == {channel} and len(records) > 0


@pytest.mark.parametrize("kpi", ["churn_rate", "churn_after_bad_experience"])
def test_churn_kpi_is_shown_by_customer_cohort_only(demo: Path, kpi: str) -> None:
    at = _run(kpi=kpi, cohort="value_tier", period="all")
    assert at.selectbox(key="ch_cohort_en").options == ["Segment", "Value tier", "Region", "Plan"]
    assert sum(c.value.startswith("Churn counts customers, not contacts") for c in at.caption) == 1
    label = KPIS[kpi].label("en")
    assert [h.value for h in at.header] == [f"{label} by value tier", f"{label}: where the change came from",
                                            "Records behind a cell", f"{label} by review period"]
    source = snapshot.open_snapshot(demo)
    engine = {g.group["value_tier"]: g for g in kpi_stats(source, [kpi], ["value_tier"], _spec(at))}
    table = _frame(at, "Value tier", "Value", "n", "q")
    assert "Channel" not in table.columns  # a customer has no channel
    assert list(table["Value tier"]) == cr.sort_categories(engine, "value_tier")
    assert list(table["n"]) == [engine[v].n for v in table["Value tier"]]
    assert list(table["Value"]) == pytest.approx([engine[v].estimate.value for v in table["Value tier"]])
    fig = _heatmap(at)
    assert fig["data"][1]["y"] == ["All customers"] and fig["layout"]["yaxis"]["title"]["text"] == ""
    # no record list (a record is a customer in a period) and no cell pickers
    assert any(i.value.startswith(f"The records of {label} are customers in a period") for i in at.info)
    assert not [s for s in at.selectbox if s.key in ("ch_cell_channel", "ch_cell_value")]
    assert not [r for r in at.radio if r.key and r.key.startswith("ch_why_by")]  # the waterfall: by cohort only
    assert not [r for r in at.radio if r.key == "ch_trend_by_en"]  # the trend: by cohort only


def test_churn_kpi_ignores_a_contact_dimension_from_the_link(demo: Path) -> None:
    at = _run(kpi="churn_rate", cohort="intent", period="all")
    assert any("cohort = 'intent'" in w.value for w in at.warning)
    assert at.selectbox(key="ch_cohort_en").value == "segment" and at.query_params["cohort"] == "segment"


def test_ops_kpis_in_spanish(demo: Path) -> None:
    at = _run(lang="es", kpi="time_to_answer", cohort="segment", period="all")
    assert at.header[0].value == "Tiempo de respuesta por canal y segmento"
    assert at.selectbox(key="ch_kpi_es").options[7] == "Operaciones · Tiempo de respuesta"
    texts = [x for row in _heatmap(at)["data"][1]["text"] for x in row if x]
    assert texts and all(re.search(r"<b>\d+,\d</b><br>p90 = \d+,\d", x) for x in texts)
    assert any(c.value.startswith("Sin descomposición del cambio para Tiempo de respuesta") for c in at.caption)
    _frame(at, "Canal", "Segmento", "Valor", "p90")
    at = _run(lang="es", kpi="churn_rate", cohort="region", period="all")
    assert at.header[0].value == "Tasa de bajas por región"
    assert any(c.value.startswith("Las bajas cuentan clientes") for c in at.caption)
