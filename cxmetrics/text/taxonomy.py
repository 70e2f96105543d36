"""The theme taxonomy: ``data/themes.yaml``, loaded and validated.

``load_taxonomy(path=None)`` reads the file (default: ``<project root>/data/themes.yaml``,
the project root being the folder that holds the ``cxmetrics`` package) and returns a
``Taxonomy``. Anything wrong raises ``TaxonomyError`` (a ``ValueError``) with one sentence
that names the file, the line and the theme: an unknown key, a missing label, an empty
pattern list, a pattern with bad syntax (see ``cxmetrics.text.patterns``), a theme key
used twice, a wrong ``version``.

A theme pattern written with a leading ``~`` (``~tienda``) is a *context* pattern: a word
that names where or with whom something happened more often than what the comment is
about. It is evidence for its theme only alongside another match of the same theme or an
opinion word in the verbatim (rule in ``cxmetrics.text.themes``).

The file format is documented at the top of ``data/themes.yaml`` itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cxmetrics.text import _yaml
from cxmetrics.text.normalize import LANGS
from cxmetrics.text.patterns import Pattern, PatternError, parse

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_PATH = PROJECT_ROOT / "data" / "themes.yaml"
SUPPORTED_VERSIONS = (1,)
OTHER = "other"  # text that matches no theme
NONE = "none"  # no verbatim (missing or blank)
RESERVED = frozenset({OTHER, NONE})

_TOP_KEYS = ("version", "ignore", "themes")
_THEME_KEYS = ("key", "labels", "description", "patterns")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
CONTEXT = "~"  # leading mark of a context pattern


class TaxonomyError(ValueError):
    """The taxonomy file is wrong; the message says where (file, line, theme) and what."""


@dataclass(frozen=True, eq=False)
class Theme:
    """One theme: key, labels per language, description, parsed patterns per language.

    ``context[lang][i]`` is True when ``patterns[lang][i]`` was written ``~pattern``.
    """

    key: str
    labels: dict[str, str]
    description: str
    patterns: dict[str, tuple[Pattern, ...]]
    context: dict[str, tuple[bool, ...]] = field(default_factory=dict)

    def is_context(self, lang: str, i: int) -> bool:
        flags = self.context.get(lang, ())
        return i < len(flags) and flags[i]

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels["en"]


@dataclass(frozen=True, eq=False)
class Taxonomy:
    """The validated taxonomy; ``themes`` in file order (the primary-theme tie-break)."""

    version: int
    themes: tuple[Theme, ...]
    source: str
    ignore: dict[str, tuple[Pattern, ...]] = field(default_factory=dict)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.themes)

    def theme(self, key: str) -> Theme:
        for t in self.themes:
            if t.key == key:
                return t
        raise KeyError(key)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (default ``data/themes.yaml``)."""
    p = Path(path) if path is not None else DEFAULT_PATH
    name = p.name
    if not p.is_file():
        raise TaxonomyError(f"{p}: the taxonomy file does not exist")
    try:
        doc = _yaml.read(p)
    except _yaml.YamlShapeError as exc:
        raise TaxonomyError(f"{name} {exc}") from None

    def fail(line: int, msg: str) -> TaxonomyError:
        return TaxonomyError(f"{name} line {line}: {msg}" if line else f"{name}: {msg}")

    if not isinstance(doc, _yaml.Map):
        raise fail(_yaml.line_of(doc, 1), "the file must be a mapping with 'version' and 'themes'")
    for k in doc:
        if k not in _TOP_KEYS:
            raise fail(
                doc.key_lines[k],
                f"unknown top-level key {k!r} (expected {', '.join(_TOP_KEYS)})",
            )
    if "version" not in doc:
        raise fail(1, "'version' is missing (this loader reads version 1)")
    version_raw = doc["version"]
    if (
        not isinstance(version_raw, str)
        or not version_raw.strip().isdigit()
        or int(version_raw) not in SUPPORTED_VERSIONS
    ):
        raise fail(
            doc.key_lines["version"],
            f"version {str(version_raw)!r} is not supported (this loader reads version 1)",
        )
    themes_raw = doc.get("themes")
    if not isinstance(themes_raw, _yaml.Seq) or not themes_raw:
        raise fail(doc.key_lines.get("themes", 1), "'themes' must be a non-empty list of themes")

    ignore: dict[str, tuple[Pattern, ...]] = {}
    if "ignore" in doc:
        ig = doc["ignore"]
        iline = doc.key_lines["ignore"]
        if not isinstance(ig, _yaml.Map):
            raise fail(iline, "'ignore' must have an 'es' and/or an 'en' list of phrases")
        for k in ig:
            if k not in LANGS:
                raise fail(ig.key_lines[k], f"ignore: unknown language {k!r} (use es, en)")
            ignore[k] = _pattern_list(ig[k], k, ig.key_lines[k], "ignore", fail, allow_empty=True)

    themes: list[Theme] = []
    seen: dict[str, int] = {}
    for entry in themes_raw:
        line = _yaml.line_of(entry)
        if not isinstance(entry, _yaml.Map):
            raise fail(line, "each item of 'themes' must be a mapping starting with 'key:'")
        key = entry.get("key")
        if not isinstance(key, str) or not key.strip():
            raise fail(line, "a theme has no 'key'")
        key = key.strip()
        where = f"theme {key!r}"
        kline = entry.key_lines["key"]
        if not _KEY.match(key):
            raise fail(kline, f"{where}: a key is lower-case letters, digits and '_'")
        if key in RESERVED:
            raise fail(kline, f"{where}: {key!r} is reserved (no match / no verbatim)")
        if key in seen:
            raise fail(kline, f"{where} is defined twice (first on line {seen[key]})")
        seen[key] = kline
        for k in entry:
            if k not in _THEME_KEYS:
                raise fail(
                    entry.key_lines[k],
                    f"{where}: unknown key {k!r} (expected {', '.join(_THEME_KEYS)})",
                )
        themes.append(_theme(entry, key, where, fail))
    return Taxonomy(version=int(version_raw), themes=tuple(themes), source=str(p), ignore=ignore)


def _theme(entry: _yaml.Map, key: str, where: str, fail) -> Theme:
    line = entry.line
    labels_raw = entry.get("labels")
    if not isinstance(labels_raw, _yaml.Map):
        raise fail(
            entry.key_lines.get("labels", line), f"{where}: 'labels' with 'en' and 'es' is missing"
        )
    labels: dict[str, str] = {}
    for k in labels_raw:
        if k not in LANGS:
            raise fail(labels_raw.key_lines[k], f"{where}: unknown label language {k!r}")
    for lang in LANGS:
        v = labels_raw.get(lang)
        if not isinstance(v, str) or not v.strip():
            raise fail(labels_raw.line, f"{where}: the {lang!r} label is missing or empty")
        labels[lang] = v.strip()

    desc = entry.get("description")
    if not isinstance(desc, str) or not desc.strip():
        raise fail(entry.key_lines.get("description", line), f"{where}: 'description' is missing")
    if "\n" in desc.strip():
        raise fail(entry.key_lines["description"], f"{where}: 'description' must be one line")

    pats_raw = entry.get("patterns")
    pline = entry.key_lines.get("patterns", line)
    if not isinstance(pats_raw, _yaml.Map):
        raise fail(pline, f"{where}: 'patterns' with an 'es' and an 'en' list is missing")
    for k in pats_raw:
        if k not in LANGS:
            raise fail(
                pats_raw.key_lines[k], f"{where}: unknown pattern language {k!r} (use es, en)"
            )
    patterns: dict[str, tuple[Pattern, ...]] = {}
    context: dict[str, tuple[bool, ...]] = {}
    for lang in LANGS:
        lst = pats_raw.get(lang)
        lline = pats_raw.key_lines.get(lang, pline)
        if lst is None:
            raise fail(pline, f"{where}: the {lang!r} pattern list is missing")
        if not isinstance(lst, _yaml.Seq) or not lst:
            raise fail(lline, f"{where}: the {lang!r} pattern list is empty")
        flags: list[bool] = []
        patterns[lang] = _pattern_list(lst, lang, lline, where, fail, context=flags)
        if all(flags):
            raise fail(lline, f"{where}: the {lang!r} list has only '~' context patterns")
        context[lang] = tuple(flags)
    return Theme(
        key=key, labels=labels, description=desc.strip(), patterns=patterns, context=context
    )


def _pattern_list(
    lst,
    lang: str,
    lline: int,
    where: str,
    fail,
    allow_empty: bool = False,
    context: list[bool] | None = None,
):
    """Parsed patterns; with a ``context`` list, a leading '~' is allowed and recorded."""
    if lst is None or (isinstance(lst, str) and not lst.strip()):
        if allow_empty:
            return ()
        raise fail(lline, f"{where}: the {lang!r} pattern list is empty")
    if not isinstance(lst, _yaml.Seq):
        raise fail(lline, f"{where}: the {lang!r} patterns must be a list")
    parsed: list[Pattern] = []
    texts: dict[str, int] = {}
    for item in lst:
        iline = _yaml.line_of(item, lline)
        if not isinstance(item, str):
            raise fail(iline, f"{where}: a {lang!r} pattern must be a word or phrase")
        is_ctx = item.strip().startswith(CONTEXT)
        if is_ctx and context is None:
            raise fail(iline, f"{where}: '~' (context) is only for theme patterns")
        if is_ctx:
            item = item.strip()[1:]
        try:
            pat = parse(item, lang)
        except PatternError as exc:
            raise fail(iline, f"{where}: bad {lang!r} pattern {exc}") from None
        norm = " ".join(f"{w.kind}:{w.value}/{g}" for w, g in zip(pat.words, pat.gaps, strict=True))
        if norm in texts:
            raise fail(
                iline,
                f"{where}: the {lang!r} pattern {item.strip()!r} repeats line {texts[norm]}"
                " (same words after stemming)",
            )
        texts[norm] = iline
        parsed.append(pat)
        if context is not None:
            context.append(is_ctx)
    return tuple(parsed)


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """``data/themes.yaml``, loaded once per process."""
    return load_taxonomy(DEFAULT_PATH)


__all__ = [
    "CONTEXT",
    "DEFAULT_PATH",
    "NONE",
    "OTHER",
    "Taxonomy",
    "TaxonomyError",
    "Theme",
    "default_taxonomy",
    "load_taxonomy",
]
