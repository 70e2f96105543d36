"""Format checks for the hand-labelled survey-verbatim corpus (tests/fixtures/voc/).

The corpus measures a theme and sentiment classifier; these tests only check that the
files are well formed and keep the shape the labelling guide (docs/voc-labelling.md)
promises. They do not judge the labels themselves.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

VOC_DIR = Path(__file__).resolve().parent / "fixtures" / "voc"
COLUMNS = ["id", "lang", "text", "themes", "sentiment"]
THEMES = {
    "billing",
    "coverage_outage",
    "device",
    "contract_price",
    "agent_attitude",
    "waiting_time",
    "bot_understanding",
    "repeat_contact",
}
SENTIMENTS = {"negative", "neutral", "positive"}

# file name -> (lang, split letter in the id, minimum rows, minimum rows per theme)
FILES = {
    "labelled_es.csv": ("es", "t", 330, 20),
    "labelled_en.csv": ("en", "t", 330, 20),
    "dev_es.csv": ("es", "d", 75, 5),
    "dev_en.csv": ("en", "d", 75, 5),
}
TEST_FILES = [name for name, spec in FILES.items() if spec[1] == "t"]
MIN_PER_SENTIMENT_TEST = 60


def load(name: str) -> tuple[list[str] | None, list[dict[str, str]]]:
    raw = (VOC_DIR / name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{name} starts with a BOM"
    with open(VOC_DIR / name, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return reader.fieldnames, rows


def themes_of(row: dict[str, str]) -> list[str]:
    return row["themes"].split(";") if row["themes"] else []


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@pytest.mark.parametrize("name", list(FILES))
def test_columns_and_values(name: str) -> None:
    lang, split, min_rows, _ = FILES[name]
    fieldnames, rows = load(name)
    assert fieldnames == COLUMNS
    assert len(rows) >= min_rows, f"{name}: {len(rows)} rows, want at least {min_rows}"
    id_pattern = re.compile(rf"^{lang}-{split}-\d{{3}}$")
    for row in rows:
        where = f"{name} {row['id']!r}"
        assert None not in row and all(v is not None for v in row.values()), f"{where}: ragged"
        assert id_pattern.match(row["id"]), f"{where}: bad id"
        assert row["lang"] == lang, f"{where}: lang {row['lang']!r}"
        assert row["text"].strip(), f"{where}: empty text"
        assert row["sentiment"] in SENTIMENTS, f"{where}: sentiment {row['sentiment']!r}"
        themes = themes_of(row)
        assert all(t in THEMES for t in themes), f"{where}: themes {row['themes']!r}"
        assert len(themes) == len(set(themes)), f"{where}: repeated theme"


@pytest.mark.parametrize("name", list(FILES))
def test_ids_unique(name: str) -> None:
    _, rows = load(name)
    ids = Counter(row["id"] for row in rows)
    assert [i for i, n in ids.items() if n > 1] == []


def test_no_duplicate_text_across_files() -> None:
    seen: dict[str, str] = {}
    duplicates = []
    for name in FILES:
        for row in load(name)[1]:
            key = normalise(row["text"])
            if key in seen:
                duplicates.append((row["id"], seen[key], row["text"]))
            seen[key] = row["id"]
    assert duplicates == []


@pytest.mark.parametrize("name", list(FILES))
def test_every_theme_has_enough_rows(name: str) -> None:
    _, _, _, min_per_theme = FILES[name]
    _, rows = load(name)
    counts = Counter(t for row in rows for t in themes_of(row))
    short = {t: counts[t] for t in THEMES if counts[t] < min_per_theme}
    assert short == {}, f"{name}: themes under {min_per_theme} rows"


@pytest.mark.parametrize("name", TEST_FILES)
def test_every_sentiment_has_enough_rows(name: str) -> None:
    _, rows = load(name)
    counts = Counter(row["sentiment"] for row in rows)
    short = {s: counts[s] for s in SENTIMENTS if counts[s] < MIN_PER_SENTIMENT_TEST}
    assert short == {}


@pytest.mark.parametrize("name", TEST_FILES)
def test_every_theme_is_both_praised_and_criticised(name: str) -> None:
    _, rows = load(name)
    for sentiment in ("positive", "negative"):
        present = {t for row in rows if row["sentiment"] == sentiment for t in themes_of(row)}
        assert THEMES - present == set(), f"{name}: no {sentiment} rows for these themes"


@pytest.mark.parametrize("name", list(FILES))
def test_rows_without_a_theme_exist(name: str) -> None:
    _, rows = load(name)
    assert any(not row["themes"] for row in rows)
