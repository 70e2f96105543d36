"""The translation catalogs (cxmetrics/i18n/locales/*.yaml) and Babel formatting.

Every key exists in both languages with the same placeholders; every key the code uses
exists; numbers, percentages and dates come out as the committee reads them.
"""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cxmetrics import i18n
from cxmetrics.i18n import catalog, fmt_datetime, fmt_int, fmt_number, fmt_pct, t

ROOT = Path(__file__).resolve().parent.parent
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
FILE_SUFFIXES = (".py", ".yaml", ".csv", ".json", ".html", ".pdf", ".xlsx", ".parquet", ".duckdb", ".md")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogs_hold_the_same_keys() -> None:
    en, es = catalog("en"), catalog("es")
    assert set(en) == set(es), {"only en": sorted(set(en) - set(es)), "only es": sorted(set(es) - set(en))}
    assert len(en) > 500


def test_a_text_is_empty_in_both_languages_or_in_neither() -> None:
    """A few texts are deliberately empty (CES differences have no unit); never only one."""
    en, es = catalog("en"), catalog("es")
    assert [k for k in en if bool(en[k].strip()) != bool(es[k].strip())] == []


def test_placeholders_agree_between_languages() -> None:
    en, es = catalog("en"), catalog("es")
    wrong = {k: (placeholders(en[k]), placeholders(es[k])) for k in en if placeholders(en[k]) != placeholders(es[k])}
    assert wrong == {}


def _code_strings() -> tuple[set[str], set[str]]:
    """String literals of the app that look like catalog keys, and the constant
    prefixes of f-strings that do (``f"okr.status.{s}"`` -> ``okr.status.``)."""
    literals: set[str] = set()
    prefixes: set[str] = set()
    files = [*ROOT.joinpath("cxmetrics").rglob("*.py"), *ROOT.joinpath("pages").glob("*.py"), ROOT / "app.py"]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.match(node.value)
                    and not node.value.endswith(FILE_SUFFIXES)):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                head = str(node.values[0].value)
                if re.match(r"^[a-z][a-z0-9_]*\.([a-z0-9_]+\.)*$", head):
                    prefixes.add(head)
    return literals, prefixes


def test_every_key_used_in_code_exists() -> None:
    keys = set(catalog("en"))
    namespaces = {k.split(".")[0] for k in keys} - {"cxmetrics"}
    literals, prefixes = _code_strings()
    # a literal in a catalog namespace must be a key (module paths and file names are not)
    missing = sorted(s for s in literals if s.split(".")[0] in namespaces and s not in keys
                     and not any(k.startswith(s + ".") for k in keys))
    assert missing == []
    dangling = sorted(p for p in prefixes if p.split(".")[0] in namespaces and not any(k.startswith(p) for k in keys))
    assert dangling == []


def test_unknown_keys_and_languages_fall_back() -> None:
    assert t("no.such.key", "es") == "no.such.key"
    assert t("nav.overview", "fr") == t("nav.overview", "en") == "Overview"
    assert t("nav.overview", "es") == "Resumen"
    assert t("data_to", "es", ts="2026-03-01") == "datos hasta 2026-03-01"


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1234.5, "en", 1, "1,234.5"),
        (1234.5, "es", 1, "1.234,5"),
        (1234567.891, "es", 2, "1.234.567,89"),
        (-0.04, "es", 1, "0,0"),  # no negative zero
        (-12.25, "en", 0, "-12"),
        (None, "en", 1, "—"),
        (float("nan"), "es", 1, "—"),
    ],
)
def test_numbers(value: float | None, lang: str, decimals: int, expected: str) -> None:
    assert fmt_number(value, lang, decimals) == expected


@pytest.mark.parametrize(("value", "lang", "expected"), [(12345, "en", "12,345"), (12345, "es", "12.345"),
                                                          (999, "es", "999"), (None, "es", "—")])
def test_integers(value: int | None, lang: str, expected: str) -> None:
    assert fmt_int(value, lang) == expected


@pytest.mark.parametrize(("value", "lang", "expected"), [(0.7304, "en", "73.0%"), (0.7304, "es", "73,0 %"),
                                                          (1, "es", "100,0 %"), (None, "en", "—")])
def test_percentages(value: float | None, lang: str, expected: str) -> None:
    assert fmt_pct(value, lang) == expected


def test_dates() -> None:
    assert fmt_datetime(datetime(2026, 4, 19, 23, 58, 30), "es") == "2026-04-19 23:58 UTC"
    assert fmt_datetime(datetime(2026, 4, 20, 1, 58, tzinfo=UTC), "en") == "2026-04-20 01:58 UTC"
    assert fmt_datetime("2026-04-19T23:58:00", "en") == "2026-04-19 23:58 UTC"
    assert fmt_datetime(date(2026, 4, 19)) == "2026-04-19"
    assert fmt_datetime(None) == "—"


def test_dimension_names() -> None:
    assert i18n.dimension_name("value_tier", "es") == "Nivel de valor"
    assert i18n.dimension_name("not_a_dim", "es") == "not_a_dim"
