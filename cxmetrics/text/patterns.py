"""The pattern language shared by the theme taxonomy and the sentiment lexicons.

A pattern is one word or a short phrase, matched against accent-folded, lower-case tokens
(so case and accents never matter: ``atención`` = ``atencion`` = ``ATENCION``):

``factura``
    the word and its inflections: both the pattern word and the text word are reduced to
    their Snowball stem in the pattern's language (``factura`` matches ``facturas``,
    ``facturación``, ``facturado``; ``charge`` matches ``charges``, ``charged``).
``reembols*``
    any word that starts with ``reembols`` (at least three letters before the ``*``).
``=deco``
    exactly this word, no stemming (for short words whose stem is shared with unrelated
    words: the stem of ``deco`` is also the stem of ``decir``).
``no me entiende``
    a phrase: the words in this order, next to each other.
``no ... funciona``
    ``...`` between two words lets up to three other words stand between them
    ("no me funciona", "no nos funciona nada").

A hyphen separates words like a space (``wi-fi`` = ``wi fi``). An emoji is a one-token
pattern. Patterns never match across a sentence end or a comma. Anything else (a ``*``
inside a word, ``=`` and ``*`` together, ``...`` at either end, punctuation) is a syntax
error, reported by ``parse`` with a ``PatternError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cxmetrics.text.normalize import BOUNDARIES, fold, is_word, stem, tokens_of_folded

GAP = "..."
MAX_GAP = 3
MAX_WORDS = 8
_WORD = re.compile(r"^[^\W_]+(?:'[^\W_]+)*$")


class PatternError(ValueError):
    """A pattern that does not follow the syntax above."""


@dataclass(frozen=True, slots=True)
class Word:
    """One pattern word: ``kind`` is ``stem``, ``exact`` or ``prefix``; ``value`` folded."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class Pattern:
    """A parsed pattern: words, and per word the most tokens allowed before it (gap)."""

    text: str
    lang: str
    words: tuple[Word, ...]
    gaps: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.words)


def parse(text: str, lang: str) -> Pattern:
    """Parse one pattern written for language ``lang`` (``es`` or ``en``)."""
    if not isinstance(text, str):
        raise PatternError("a pattern must be a word or phrase, not a list or a mapping")
    raw = text.strip()
    if not raw:
        raise PatternError("a pattern is empty")
    parts = fold(raw).replace("-", " ").split()
    words: list[Word] = []
    gaps: list[int] = []
    pending_gap = 0
    for i, part in enumerate(parts):
        if part == GAP:
            if not words:
                raise PatternError(f"{raw!r}: '...' cannot start a pattern")
            if pending_gap:
                raise PatternError(f"{raw!r}: two '...' in a row")
            if i == len(parts) - 1:
                raise PatternError(f"{raw!r}: '...' cannot end a pattern")
            pending_gap = MAX_GAP
            continue
        words.append(_word(part, lang, raw))
        gaps.append(pending_gap)
        pending_gap = 0
    if len(words) > MAX_WORDS:
        raise PatternError(f"{raw!r}: more than {MAX_WORDS} words")
    return Pattern(raw, lang, tuple(words), tuple(gaps))


def _word(part: str, lang: str, raw: str) -> Word:
    exact = part.startswith("=")
    prefix = part.endswith("*")
    body = part[1 if exact else 0 : -1 if prefix else None]
    if exact and prefix:
        raise PatternError(f"{raw!r}: a word cannot have both '=' and '*'")
    if "*" in body or "=" in body:
        raise PatternError(f"{raw!r}: '*' may only end a word and '=' only start one")
    if _WORD.match(body) is None:
        toks = tokens_of_folded(body)
        if len(toks) == 1 and not is_word(toks[0]) and toks[0] not in BOUNDARIES:
            if prefix or exact:
                raise PatternError(f"{raw!r}: '=' and '*' only apply to words")
            return Word("exact", toks[0])  # an emoji
        raise PatternError(
            f"{raw!r}: {part!r} is not a word (letters, digits and apostrophes only)"
        )
    if prefix:
        if len(body) < 3:
            raise PatternError(f"{raw!r}: a '*' needs at least three letters before it")
        return Word("prefix", body)
    if exact:
        return Word("exact", body)
    return Word("stem", stem(body, lang))


class Matcher:
    """Patterns of one language compiled for fast matching over token lists.

    Each distinct pattern word becomes an *atom*; each distinct text token is mapped once
    (memoised) to the atoms it satisfies. ``find`` then only visits tokens that satisfy at
    least one atom.
    """

    def __init__(self, lang: str | None, patterns: list[Pattern]) -> None:
        """``lang``: the language of the stems; ``None``: each pattern's own ``lang``
        (one matcher for patterns of both languages)."""
        self.lang = lang
        self.patterns = patterns
        self._atom_ids: dict[tuple[str, Word], int] = {}
        self._stem: dict[str, dict[str, int]] = {}
        self._exact: dict[str, int] = {}
        self._prefix3: dict[str, list[tuple[str, int]]] = {}
        self._encoded: list[tuple[tuple[int, int], ...]] = []
        # index: one-word patterns by atom; phrases whose second word is adjacent by
        # (first atom, second atom); phrases with a gap after the first word by first atom
        self._single: dict[int, list[int]] = {}
        self._pair: dict[int, dict[int, list[int]]] = {}
        self._gapped: dict[int, list[int]] = {}
        for idx, pat in enumerate(patterns):
            plang = lang or pat.lang
            enc = tuple((self._atom(w, plang), g) for w, g in zip(pat.words, pat.gaps, strict=True))
            self._encoded.append(enc)
            first = enc[0][0]
            if len(enc) == 1:
                self._single.setdefault(first, []).append(idx)
            elif enc[1][1] == 0:
                self._pair.setdefault(first, {}).setdefault(enc[1][0], []).append(idx)
            else:
                self._gapped.setdefault(first, []).append(idx)
        self._memo: dict[str, tuple[int, ...]] = {}
        # one lookup per atom in find(): atom -> (one-word, adjacent-second, gapped)
        self._index: dict[int, tuple[list[int], dict[int, list[int]], list[int]]] = {
            a: (self._single.get(a, []), self._pair.get(a, {}), self._gapped.get(a, []))
            for a in set(self._single) | set(self._pair) | set(self._gapped)
        }

    def _atom(self, w: Word, lang: str) -> int:
        key = (lang if w.kind == "stem" else "", w)
        aid = self._atom_ids.get(key)
        if aid is None:
            aid = len(self._atom_ids)
            self._atom_ids[key] = aid
            if w.kind == "stem":
                self._stem.setdefault(lang, {})[w.value] = aid
            elif w.kind == "exact":
                self._exact[w.value] = aid
            else:
                self._prefix3.setdefault(w.value[:3], []).append((w.value, aid))
        return aid

    def atoms(self, tok: str) -> tuple[int, ...]:
        """The atom ids a folded token satisfies (memoised; empty for most tokens)."""
        got = self._memo.get(tok)
        if got is not None:
            return got
        found: list[int] = []
        a = self._exact.get(tok)
        if a is not None:
            found.append(a)
        if self._stem and not tok.isdigit():  # numbers only match "=exact" words
            for lg, stems in self._stem.items():
                a = stems.get(stem(tok, lg))
                if a is not None and a not in found:
                    found.append(a)
        for p, a in self._prefix3.get(tok[:3], ()):
            if tok.startswith(p) and a not in found:
                found.append(a)
        got = tuple(found)
        if len(self._memo) < 500_000:
            self._memo[tok] = got
        return got

    def find(self, toks: list[str]) -> list[tuple[int, int, int]]:
        """Every match as ``(start, end, pattern index)``, ``end`` exclusive, in text order."""
        memo = self._memo
        atoms = [memo[t] if t in memo else self.atoms(t) for t in toks]
        out: list[tuple[int, int, int]] = []
        n = len(toks)
        index, encoded = self._index, self._encoded
        for i, here in enumerate(atoms):
            if not here:
                continue
            nxt = atoms[i + 1] if i + 1 < n else ()
            for a in here:
                entry = index.get(a)
                if entry is None:
                    continue
                ones, seconds, gaps = entry
                for idx in ones:
                    out.append((i, i + 1, idx))
                if seconds and nxt:
                    for b in nxt:
                        more = seconds.get(b)
                        if more is None:
                            continue
                        for idx in more:
                            enc = encoded[idx]
                            if len(enc) == 2:
                                out.append((i, i + 2, idx))
                            else:
                                end = _extend(enc, atoms, toks, i + 2, 2, n)
                                if end:
                                    out.append((i, end, idx))
                for idx in gaps:
                    end = _extend(encoded[idx], atoms, toks, i + 1, 1, n)
                    if end:
                        out.append((i, end, idx))
        return out


def _extend(
    enc: tuple[tuple[int, int], ...],
    atoms: list[tuple[int, ...]],
    toks: list[str],
    pos: int,
    k: int,
    n: int,
) -> int:
    """End (exclusive) of the first way ``enc[k:]`` matches from ``pos``; 0 if none.

    A gap never skips a sentence end or a comma.
    """
    aid, gap = enc[k]
    last = pos + gap + 1
    if last > n:
        last = n
    for j in range(pos, last):
        here = atoms[j]
        if aid in here:
            if k + 1 == len(enc):
                return j + 1
            end = _extend(enc, atoms, toks, j + 1, k + 1, n)
            if end > 0:
                return end
        if toks[j] in BOUNDARIES:
            break
    return 0
