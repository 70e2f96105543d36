"""Lexicon sentiment with negation, intensifiers and contrast (Spanish and English).

Lexicons: ``data/sentiment/es.yaml``, ``data/sentiment/en.yaml`` and the shared
``data/sentiment/emoji.yaml`` (format documented at the top of ``es.yaml``).

Rule, applied left to right over the tokens (``normalize.tokens``):

1. The tokens are cut into lexicon entries, longest entry first at each position, the
   detected language's lexicon first, the other language's where the first has nothing
   (only when the text has a marker word of that other language: customers mix
   languages). Emoji are entries of both.
2. A *sentiment word* contributes its weight, multiplied by any pending intensifier
   (one ending at most two tokens before it; consecutive intensifiers multiply, capped
   at 3).
3. A *negator* flips the next sentiment word starting within ``NEG_SCOPE`` (3) tokens
   after it: a positive
   weight becomes ``FLIP_POSITIVE`` (-0.8) x weight, a negative one ``FLIP_NEGATIVE``
   (-0.6) x weight, so "no me gustó" is negative and "not bad" mildly positive. Another
   negator inside the reach extends it without flipping back ("no está nada mal",
   Spanish negative concord). A comma or a sentence end closes the reach. A negation
   that reaches no sentiment word ("no tengo línea", "nobody tells us anything")
   counts ``DANGLING_NEGATION`` (-0.5): in survey comments an unqualified "no" mostly
   reports something missing; alone it stays inside the neutral band.
4. A *complaint cue* (the lexicon's ``complaints`` section: "no funciona", "nunca
   llegó", "me cobraron de más", "keeps dropping", "did not understand") reports a
   failure without any opinion word. It counts its (negative) weight like a sentiment
   word, intensifiers and contrast included, but a negator in reach **cancels** it
   instead of flipping it: "no me cobraron de más" is the absence of a problem, a plain
   fact (0), not praise. The negation is used up (no dangling -0.5).
5. A *conditional* ("si", "if", "en caso de"): the next sentiment word or complaint cue
   starting within ``NEG_SCOPE`` tokens after it counts 0, as does a negation inside its
   reach: "¿qué hago si el router se reinicia solo?", "if it keeps dropping" describe a
   possibility, not what happened. A comma or a sentence end closes the reach.
6. A *contrast word* with factor f ("pero" 2): the rest of its sentence counts f x, the
   part of the sentence before it 1/f x (the previous sentence when it opens one).
7. Words inside double quotes are ignored: the customer is quoting someone else
   ('me dice "perfecto, le envío un SMS"').
8. Score = s / sqrt(s^2 + 4), s the sum; in (-1, 1). Label: score >= ``POSITIVE_AT``
   (0.25) positive, <= -0.25 negative, otherwise neutral (the neutral band). No sentiment
   word at all: 0.0, neutral.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cxmetrics.text import _yaml
from cxmetrics.text.normalize import COMMA, LANGS, SENTENCE
from cxmetrics.text.patterns import Matcher, Pattern, PatternError, parse

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_DIR = PROJECT_ROOT / "data" / "sentiment"

NEG_SCOPE = 3
FLIP_POSITIVE = -0.8
FLIP_NEGATIVE = -0.6
DANGLING_NEGATION = -0.5
INTENSIFIER_REACH = 2
MAX_MULTIPLIER = 3.0
SQUASH_ALPHA = 4.0
POSITIVE_AT = 0.25
NEGATIVE_AT = -0.25
LABELS = ("negative", "neutral", "positive")

POLAR, NEGATOR, INTENSIFIER, CONTRAST = "polar", "negator", "intensifier", "contrast"
COMPLAINT, CONDITIONAL = "complaint", "conditional"
_SECTIONS = {
    "words": POLAR,
    "complaints": COMPLAINT,
    "negators": NEGATOR,
    "conditionals": CONDITIONAL,
    "intensifiers": INTENSIFIER,
    "contrast": CONTRAST,
}
_OPTIONAL = frozenset({"complaints", "conditionals"})  # older lexicons stay valid


class LexiconError(ValueError):
    """A lexicon file is wrong; the message names the file, the line and the entry."""


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    value: float
    text: str


class Lexicon:
    """One language's lexicon (emoji included), compiled into a ``Matcher``."""

    def __init__(self, lang: str, entries: list[tuple[Pattern, Entry]]) -> None:
        self.lang = lang
        self.entries = [e for _, e in entries]
        self.patterns = [p for p, _ in entries]
        self.matcher = Matcher(lang, self.patterns)
        self._size = [p.size for p, _ in entries]
        spec = {"exact": 2, "prefix": 1, "stem": 0}
        self._specific = [sum(spec[w.kind] for w in p.words) for p, _ in entries]

    def segments(
        self, toks: list[str], found: list[tuple[int, int, int]] | None = None
    ) -> dict[int, tuple[int, Entry]]:
        """Best entry starting at each position: ``start -> (end, entry)``.

        Longest span first, then more pattern words, then the more specific pattern
        (``=exact`` over ``prefix*`` over a stemmed word), then file order.
        """
        best: dict[int, tuple] = {}
        for start, end, idx in found if found is not None else self.matcher.find(toks):
            key = (end - start, self._size[idx], self._specific[idx], -idx)
            cur = best.get(start)
            if cur is None or key > cur[0]:
                best[start] = (key, end, idx)
        return {s: (v[1], self.entries[v[2]]) for s, v in best.items()}


def _number(raw: object, where: str, fail) -> float:
    try:
        value = float(str(raw))
    except ValueError:
        raise fail(_yaml.line_of(raw), f"{where}: {str(raw)!r} is not a number") from None
    if not math.isfinite(value):
        raise fail(_yaml.line_of(raw), f"{where}: {str(raw)!r} is not a finite number")
    return value


def load_lexicon(path: str | Path, lang: str, emoji_path: str | Path | None = None) -> Lexicon:
    """Read and validate a language lexicon (plus the shared emoji file)."""
    p = Path(path)
    entries: list[tuple[Pattern, Entry]] = []
    seen: dict[tuple, tuple[str, int]] = {}

    def fail_for(name: str):
        def fail(line: int, msg: str) -> LexiconError:
            return LexiconError(f"{name} line {line}: {msg}" if line else f"{name}: {msg}")

        return fail

    def add(text: object, entry_kind: str, value: float, fail, line: int) -> None:
        if not isinstance(text, str):
            raise fail(line, f"a {entry_kind} entry must be a word or phrase")
        try:
            pat = parse(text, lang)
        except PatternError as exc:
            raise fail(line, f"bad {entry_kind} entry {exc}") from None
        key = tuple((w.kind, w.value, g) for w, g in zip(pat.words, pat.gaps, strict=True))
        if key in seen:
            other, oline = seen[key]
            raise fail(line, f"{text.strip()!r} is already listed on line {oline} ({other})")
        seen[key] = (entry_kind, line)
        entries.append((pat, Entry(entry_kind, value, text.strip())))

    for file, sections in ((p, tuple(_SECTIONS)), (emoji_path, ("emoji",))):
        if file is None:
            continue
        file = Path(file)
        fail = fail_for(file.name)
        if not file.is_file():
            raise LexiconError(f"{file}: the lexicon file does not exist")
        try:
            doc = _yaml.read(file)
        except _yaml.YamlShapeError as exc:
            raise LexiconError(f"{file.name} {exc}") from None
        if not isinstance(doc, _yaml.Map):
            raise fail(1, "the file must be a mapping")
        allowed = ("version", "language", *sections)
        for k in doc:
            if k not in allowed:
                raise fail(doc.key_lines[k], f"unknown key {k!r} (expected {', '.join(allowed)})")
        if str(doc.get("version", "")).strip() != "1":
            raise fail(doc.key_lines.get("version", 1), "'version: 1' is missing or different")
        if "language" in doc and str(doc["language"]).strip() != lang:
            raise fail(doc.key_lines["language"], f"this is not the {lang!r} lexicon")
        for section in sections:
            kind = _SECTIONS.get(section, POLAR)
            if section in _OPTIONAL and section not in doc:
                continue
            body = doc.get(section)
            sline = doc.key_lines.get(section, 1)
            if body is None or (isinstance(body, str) and not body.strip()):
                raise fail(sline, f"the {section!r} section is missing or empty")
            if kind in (NEGATOR, CONDITIONAL):
                if not isinstance(body, _yaml.Seq) or not body:
                    raise fail(sline, f"{section!r} must be a non-empty list of words")
                for item in body:
                    add(item, kind, -1.0, fail, _yaml.line_of(item, sline))
                continue
            if not isinstance(body, _yaml.Map) or not body:
                raise fail(sline, f"{section!r} must be a mapping of entry: number")
            for k, raw in body.items():
                line = body.key_lines[k]
                value = _number(raw, f"{section} entry {k!r}", fail)
                if kind == POLAR and not -3.0 <= value <= 3.0:
                    raise fail(line, f"{section} entry {k!r}: the weight must be within -3..3")
                if kind == COMPLAINT and not -3.0 <= value < 0.0:
                    raise fail(
                        line, f"{section} entry {k!r}: a complaint weighs from -3 to below 0"
                    )
                if kind in (INTENSIFIER, CONTRAST) and not 0.0 < value <= 3.0:
                    raise fail(line, f"{section} entry {k!r}: the factor must be in (0, 3]")
                add(k, kind, value, fail, line)
    return Lexicon(lang, entries)


@lru_cache(maxsize=4)
def default_lexicons(directory: str | None = None) -> dict[str, Lexicon]:
    """The ``es`` and ``en`` lexicons from ``data/sentiment/`` (loaded once per process)."""
    d = Path(directory) if directory else DEFAULT_DIR
    emoji = d / "emoji.yaml"
    return {lang: load_lexicon(d / f"{lang}.yaml", lang, emoji) for lang in LANGS}


def score_tokens(
    toks: list[str],
    langs: tuple[str, ...] | str,
    lexicons: dict[str, Lexicon],
    quoted: list[bool] | None = None,
    trace: list[tuple[str, float]] | None = None,
    found: dict[str, list[tuple[int, int, int]]] | None = None,
    opinion: list[bool] | None = None,
) -> float:
    """The raw weighted sum ``s`` of a token list (rule in the module docstring).

    ``quoted``: per token, True inside double quotes (ignored: someone else's words).
    ``trace``: if a list, receives ``(entry, contribution)`` pairs, for explanations.
    ``found``: per language, the lexicon's matches already computed by the caller.
    ``opinion``: if a list, ``opinion[0]`` is set True when the walk met an opinion word
    (a sentiment word with a non-zero weight; complaint cues are not opinions).
    """
    if not toks:
        return 0.0
    if isinstance(langs, str):
        langs = (langs,) + tuple(x for x in LANGS if x != langs)
    order = [lg for lg in langs if lg in lexicons]
    segs = [lexicons[lg].segments(toks, found[lg] if found is not None else None) for lg in order]
    # The best entry at each position, detected language first.
    best: dict[int, tuple[int, Entry]] = {}
    for seg in reversed(segs):
        best.update(seg)
    if quoted is not None:
        best = {p: v for p, v in best.items() if not quoted[p]}
    # Walk the events only: entries and boundaries, in text order. Reaches (negation,
    # intensifier) are measured in token positions from the end of the modifier.
    events = sorted(set(best) | {i for i, t in enumerate(toks) if t == SENTENCE or t == COMMA})
    contrib: list[list] = []  # [value, sentence index, label]
    sent = 0
    sent_start = 0
    neg_until = -1  # a sentiment word starting before this position is negated
    neg_pending = False
    neg_hypo = False  # the pending negation is inside a conditional's reach
    cond_until = -1  # a sentiment word starting before this position is hypothetical
    mult = 1.0
    mult_until = -1
    after = 1.0
    cursor = 0
    for p in events:
        if p < cursor:
            continue  # inside the previous entry
        if neg_pending and p >= neg_until:
            contrib.append(_dangling(after, sent, neg_hypo))
            neg_pending = False
        tok = toks[p]
        if tok == SENTENCE or tok == COMMA:
            if neg_pending:
                contrib.append(_dangling(after, sent, neg_hypo))
                neg_pending = False
            neg_until = mult_until = cond_until = -1
            mult = 1.0
            if tok == SENTENCE:
                sent += 1
                after = 1.0
                sent_start = len(contrib)
            cursor = p + 1
            continue
        end, entry = best[p]
        cursor = end
        kind = entry.kind
        if kind == NEGATOR:
            neg_until = end + NEG_SCOPE
            neg_pending = True
            neg_hypo = p < cond_until
            if neg_hypo:  # "si no me llaman": the conditional reaches over the negation
                cond_until = max(cond_until, neg_until)
        elif kind == CONDITIONAL:
            cond_until = end + NEG_SCOPE
        elif kind == INTENSIFIER:
            mult = min(MAX_MULTIPLIER, mult * entry.value) if p < mult_until else entry.value
            mult_until = end + INTENSIFIER_REACH
        elif kind == CONTRAST:
            if neg_pending:
                contrib.append(_dangling(after, sent, neg_hypo))
                neg_pending = False
            neg_until = mult_until = cond_until = -1
            mult = 1.0
            before = 1.0 / entry.value
            if len(contrib) > sent_start:
                for c in contrib[sent_start:]:
                    c[0] *= before
            else:
                for c in contrib:
                    if c[1] == sent - 1:
                        c[0] *= before
            after = entry.value
        elif entry.value != 0.0:  # weight 0: an "ignore" phrase, like plain tokens
            v = entry.value * (mult if p < mult_until else 1.0)
            text = entry.text
            if p < cond_until:  # "si se corta", "if it keeps dropping": not a fact
                v = 0.0
                text = "IF " + text
                cond_until = -1
                if p < neg_until:
                    neg_until = -1
                    neg_pending = False
            elif p < neg_until:
                if kind == COMPLAINT:
                    v = 0.0  # a negated complaint is no problem, not praise
                else:
                    v *= FLIP_POSITIVE if v > 0 else FLIP_NEGATIVE
                neg_until = -1
                neg_pending = False
                text = "NOT " + text
            contrib.append([v * after, sent, text])
            mult, mult_until = 1.0, -1
            if opinion is not None and kind == POLAR:
                opinion[0] = True
    if neg_pending:
        contrib.append(_dangling(after, sent, neg_hypo))
    if trace is not None:
        trace.extend((c[2], round(c[0], 4)) for c in contrib)
    return sum(c[0] for c in contrib)


def _dangling(after: float, sent: int, hypothetical: bool) -> list:
    """The contribution of a negation that reached no sentiment word."""
    if hypothetical:  # "si no me llaman ...": a condition, not a fact
        return [0.0, sent, "IF (negation)"]
    return [DANGLING_NEGATION * after, sent, "(negation)"]


def squash(raw: float) -> float:
    """``raw / sqrt(raw^2 + 4)``: the score in (-1, 1), rounded to 6 decimals."""
    return round(raw / math.sqrt(raw * raw + SQUASH_ALPHA), 6)


def label(score: float) -> str:
    """``negative`` / ``neutral`` / ``positive`` with the neutral band (-0.25, 0.25)."""
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


__all__ = [
    "COMPLAINT",
    "CONDITIONAL",
    "LABELS",
    "Lexicon",
    "LexiconError",
    "default_lexicons",
    "label",
    "load_lexicon",
    "score_tokens",
    "squash",
]
