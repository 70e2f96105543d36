"""English and Spanish texts, and number/date formatting by language.

Every user-facing text lives in one catalog per language, ``locales/en.yaml`` and
``locales/es.yaml`` (key -> text with ``{placeholders}``); ``t`` looks a key up and fills
it. Numbers and percentages are formatted by Babel with the language's symbols (es:
``1.234,5`` and ``73,0 %``; en: ``1,234.5`` and ``73.0%``); a missing value is an em dash.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from babel.dates import format_datetime
from babel.numbers import format_decimal

Lang = Literal["en", "es"]
LANGUAGES: tuple[str, ...] = ("en", "es")
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "es": "Español"}
LOCALES: dict[str, str] = {"en": "en_US", "es": "es_ES"}
MISSING = "—"
CATALOG_DIR = Path(__file__).resolve().parent / "locales"
# Babel patterns: grouping always (CLDR's Spanish would leave 4-digit numbers ungrouped,
# which would make a column of figures ragged); a space before % in Spanish (RAE, CLDR).
_PCT_SUFFIX = {"en": "%", "es": " %"}


@cache
def catalog(lang: str) -> dict[str, str]:
    """The catalog of ``lang`` (key -> text), read once per process."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(CATALOG_DIR / f"{lang}.yaml", encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=loader)  # noqa: S506 - a safe loader
    if not isinstance(data, dict):
        raise ValueError(f"{CATALOG_DIR / f'{lang}.yaml'} is not a mapping of keys to texts")
    return {str(k): str(v) for k, v in data.items()}


def has_key(key: str) -> bool:
    return key in catalog("en")


def t(key: str, lang: str = "en", **fmt: object) -> str:
    """The text for ``key`` in ``lang`` (English if missing; the key itself if unknown),
    with ``{placeholders}`` filled."""
    text = catalog(lang if lang in LANGUAGES else "en").get(key) or catalog("en").get(key)
    if text is None:
        return key
    return text.format(**fmt) if fmt else text


def _is_missing(x: object) -> bool:
    """None, NaN, NaT or pandas' NA."""
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN and NaT are the only values unequal to themselves
    except TypeError:  # pandas.NA refuses to be a bool
        return True


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["en"])


def fmt_number(x: float | int | None, lang: str = "en", decimals: int = 1) -> str:
    """``1234.5`` -> en ``1,234.5``, es ``1.234,5``; None/NaN -> ``—``."""
    if _is_missing(x):
        return MISSING
    value = round(float(x), decimals) + 0.0  # rounded first; + 0.0 turns -0.0 into 0.0
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=_locale(lang))


def fmt_int(x: float | int | None, lang: str = "en") -> str:
    """``12345`` -> en ``12,345``, es ``12.345``; None/NaN -> ``—``."""
    if _is_missing(x):
        return MISSING
    return format_decimal(round(float(x)), format="#,##0", locale=_locale(lang))


def fmt_pct(x: float | None, lang: str = "en", decimals: int = 1) -> str:
    """A share in 0..1 as a percentage: ``0.7304`` -> en ``73.0%``, es ``73,0 %``."""
    if _is_missing(x):
        return MISSING
    return fmt_number(float(x) * 100, lang, decimals) + _PCT_SUFFIX.get(lang, "%")


def fmt_datetime(dt: datetime | date | str | None, lang: str = "en") -> str:
    """A UTC timestamp to the minute, the same in both languages: ``2026-04-19 23:58 UTC``."""
    if _is_missing(dt) or (isinstance(dt, str) and not dt):
        return MISSING
    if isinstance(dt, str):
        dt = datetime.fromisoformat(dt)
    if not isinstance(dt, datetime):
        return dt.isoformat()
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return format_datetime(dt, "yyyy-MM-dd HH:mm", tzinfo=UTC, locale=_locale(lang)) + " UTC"


def dimension_name(dim: str, lang: str = "en") -> str:
    """A dimension's name for people: ``value_tier`` -> 'Value tier' / 'Nivel de valor'."""
    key = f"dim.{dim}"
    return t(key, lang) if has_key(key) else dim
