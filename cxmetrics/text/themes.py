"""Theme matching: every theme a verbatim mentions, scored, and one primary theme.

Rule (also written at the top of ``data/themes.yaml``):

- Both languages' patterns are tried on every verbatim (customers mix languages:
  "my factura is wrong"), the detected language's first. Within one theme a
  token is counted once: matches are claimed longest pattern first (detected language
  first on equal length) and a match overlapping one already claimed for the same theme
  is skipped. Different themes may share tokens.
- A match scores the number of words in its pattern (a two-word phrase = 2), times
  ``EARLY_BONUS`` (1.25) when it starts in the first third of the verbatim's tokens
  (customers tend to open with what the comment is about).
- A match inside double quotes (the customer quoting someone: '"hablar con un agente"')
  counts ``QUOTED_WEIGHT`` (half).
- Tokens covered by a phrase of the taxonomy's ``ignore`` lists ("número de teléfono",
  "a veces") are evidence for no theme.
- A *context* pattern (written ``~tienda`` in the file: a word that says where or with
  whom something happened, such as a shop, a technician, an agent) is evidence only
  alongside another match of the same theme or an opinion word anywhere in the verbatim
  (``opinion``: a sentiment word of the lexicon, not a complaint cue). "El técnico no
  vino" is about waiting, not the technician's attitude; "el técnico, un encanto" is.
- A theme's score is the sum of its matches; ``themes`` are ordered by score (descending),
  ties by taxonomy order; the **primary theme** is the first.
- No match: ``other``; no text (``None``, blank, only markup or punctuation): ``none``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxmetrics.text.normalize import LANGS
from cxmetrics.text.patterns import Matcher
from cxmetrics.text.taxonomy import NONE, OTHER, Taxonomy

EARLY_BONUS = 1.25
EARLY_SHARE = 1 / 3
QUOTED_WEIGHT = 0.5
IGNORED = -1


@dataclass(frozen=True, slots=True)
class ThemeMatch:
    """One matched theme: score, number of matches, first token position, patterns hit."""

    key: str
    score: float
    count: int
    first: int
    patterns: tuple[str, ...]


class ThemeMatcher:
    """A taxonomy compiled once: one ``Matcher`` per language over all themes' patterns."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.keys = taxonomy.keys
        self._order = {k: i for i, k in enumerate(self.keys)}
        self._matchers: dict[str, Matcher] = {}
        self.patterns: dict[str, list] = {}  # per language, in owner order
        self._owner: dict[str, list[tuple[int, int, str, bool]]] = {}
        for lang in LANGS:
            pats = []
            owner: list[tuple[int, int, str, bool]] = []
            for ti, theme in enumerate(taxonomy.themes):
                for i, p in enumerate(theme.patterns.get(lang, ())):
                    ctx = theme.is_context(lang, i)
                    pats.append(p)
                    owner.append((ti, p.size, "~" + p.text if ctx else p.text, ctx))
            for p in taxonomy.ignore.get(lang, ()):
                pats.append(p)
                owner.append((IGNORED, p.size, p.text, False))
            self.patterns[lang] = pats
            self._matchers[lang] = Matcher(lang, pats)
            self._owner[lang] = owner

    def match(
        self,
        toks: list[str],
        langs: tuple[str, ...] | str,
        quoted: list[bool] | None = None,
        found: dict[str, list[tuple[int, int, int]]] | None = None,
        opinion: bool = False,
    ) -> list[ThemeMatch]:
        """Matched themes of a token list, strongest first (ties: taxonomy order).

        ``langs``: the languages whose patterns are tried, in order (a single language
        code means that language first, then the other). ``quoted``: per token, True
        inside double quotes (such matches count half). ``found``: per language, the
        matches of ``self.patterns[lang]`` already computed by the caller (the engine
        runs one combined matcher for themes and sentiment). ``opinion``: the verbatim
        has an opinion word (then context patterns count on their own).
        """
        if not toks:
            return []
        if isinstance(langs, str):
            langs = (langs,) + tuple(x for x in LANGS if x != langs)
        cands: list[tuple[int, int, int, int, int, str, bool]] = []
        for li, lg in enumerate(langs):
            owner = self._owner[lg]
            hits = found[lg] if found is not None else self._matchers[lg].find(toks)
            for start, end, idx in hits:
                ti, size, text, ctx = owner[idx]
                cands.append((ti, -size, li, start, end, text, ctx))
        if not cands:
            return []
        blocked = 0  # bit i set: token i is covered by an ignore phrase
        for ti, _neg, _li, start, end, _text, _ctx in cands:
            if ti == IGNORED:
                blocked |= ((1 << (end - start)) - 1) << start
        cands.sort()
        n_early = max(1, int(len(toks) * EARLY_SHARE + 0.999999))
        per: dict[int, list] = {}
        for ti, negsize, _li, start, end, text, ctx in cands:
            if ti == IGNORED:
                continue
            mask = ((1 << (end - start)) - 1) << start
            if blocked & mask:
                continue
            acc = per.get(ti)
            if acc is None:
                # score, count, first, claimed, texts, has a non-context match
                acc = per[ti] = [0.0, 0, start, 0, [], False]
            elif acc[3] & mask:
                continue  # overlaps a longer match already counted for this theme
            acc[3] |= mask
            if not ctx:
                acc[5] = True
            w = -negsize * (EARLY_BONUS if start < n_early else 1.0)
            if quoted is not None and quoted[start]:
                w *= QUOTED_WEIGHT
            acc[0] += w
            acc[1] += 1
            if start < acc[2]:
                acc[2] = start
            if text not in acc[4]:
                acc[4].append(text)
        out = [
            ThemeMatch(self.keys[ti], round(a[0], 6), a[1], a[2], tuple(a[4]))
            for ti, a in per.items()
            if a[5] or opinion
        ]
        out.sort(key=lambda m: (-m.score, self._order[m.key]))
        return out


def primary(matches: list[ThemeMatch], has_text: bool) -> str:
    """The primary theme: the strongest match, ``other`` without one, ``none`` without text."""
    if not has_text:
        return NONE
    return matches[0].key if matches else OTHER


__all__ = ["EARLY_BONUS", "ThemeMatch", "ThemeMatcher", "primary"]
