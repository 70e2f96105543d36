"""theme and sentiment as dimensions (CONTRACT.md section 8): derived per survey response
from its verbatim, then grouped and filtered like any dimension; a response without a
verbatim has theme 'none' (and sentiment 'unknown'); other records have 'unknown'."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cxmetrics.core.errors import UserError
from cxmetrics.metrics.engine import kpi_table
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.serving.pipeline import ingest_and_build
from cxmetrics.serving.snapshot import open_database_source
from cxmetrics.text import analyze

COLUMNS = ["event_id", "ts", "event_type", "channel", "customer_id", "contact_id", "intent", "survey_type",
           "score", "verbatim"]
# (event_id, score, verbatim): NPS answers of one day
ANSWERS = [
    ("n1", 0, "Me quedé sin internet tres días y nadie avisó, fatal."),
    ("n2", 2, "Sin cobertura en casa desde la avería, un desastre."),
    ("n3", 10, "El agente fue muy amable y me lo resolvió, gracias."),
    ("n4", 9, None),
    ("n5", 3, None),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("voc_dims")
    path = root / "events.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerow(["c1", "2026-03-02T09:00:00Z", "contact", "voice", "C1", "k1", "billing", "", "", ""])
        for eid, score, text in ANSWERS:
            w.writerow([eid, "2026-03-02T10:00:00Z", "survey_response", "email", "C1", "", "", "nps", score,
                        text or ""])
    out = root / "cxm.duckdb"
    ingest_and_build([path], None, out)
    return out


def _expected_by(field: str) -> dict[str, tuple[int, float]]:
    groups: dict[str, list[int]] = {}
    for _, score, text in ANSWERS:
        if text is None:
            key = "none" if field == "theme" else "unknown"
        else:
            key = getattr(analyze(text), field)
        groups.setdefault(key, []).append(score)
    return {k: (len(v), 100 * (sum(s >= 9 for s in v) - sum(s <= 6 for s in v)) / len(v)) for k, v in groups.items()}


def test_the_verbatims_read_as_written() -> None:
    # the classifier's reading of these three texts (its own tests pin many more)
    assert [analyze(t).theme for _, _, t in ANSWERS[:3]] == ["coverage_outage", "coverage_outage", "agent_attitude"]
    assert [analyze(t).sentiment for _, _, t in ANSWERS[:3]] == ["negative", "negative", "positive"]


@pytest.mark.parametrize("field", ["theme", "sentiment"])
def test_nps_by_theme_and_sentiment(db: Path, field: str) -> None:
    rows = kpi_table(open_database_source(db), ["nps"], [field])
    assert {r[field]: (r["n"], r["value"]) for r in rows} == _expected_by(field)


def test_filter_on_sentiment_and_theme(db: Path) -> None:
    src = open_database_source(db)
    (row,) = kpi_table(src, ["nps"], [], FilterSpec(dims={"sentiment": ("negative",)}))
    assert (row["n"], row["value"]) == (2, -100.0)  # n1 and n2: two detractors
    (row,) = kpi_table(src, ["nps"], [], FilterSpec(dims={"theme": ("none",)}))
    assert (row["n"], row["value"]) == (2, 0.0)  # n4 promoter, n5 detractor
    assert kpi_table(src, ["nps"], [], FilterSpec(dims={"theme": ("billing",)})) == []  # open vocabulary: no match


def test_other_records_have_unknown_theme_and_sentiment(db: Path) -> None:
    rows = kpi_table(open_database_source(db), ["contact_volume"], ["theme", "sentiment"])
    assert [(r["theme"], r["sentiment"], r["n"]) for r in rows] == [("unknown", "unknown", 1)]


def test_sentiment_is_a_closed_vocabulary() -> None:
    with pytest.raises(UserError, match="unknown sentiment 'angry'"):
        FilterSpec(dims={"sentiment": ("angry",)})
