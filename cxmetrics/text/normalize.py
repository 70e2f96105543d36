"""Normalisation, tokenisation, language detection and stemming of survey verbatims.

The text is data, never markup: HTML tags are removed (``<script>`` and ``<style>``
blocks with their content), entities decoded (then tags removed once more, so
double-encoded markup such as ``&lt;b&gt;`` is dropped too), markdown emphasis, code
ticks and link syntax stripped, whitespace collapsed. Nothing here renders or executes
anything.

``tokens(text)`` lower-cases and folds accents ("atención" -> "atencion", "ñ" -> "n") and
returns word tokens, emoji (one token per emoji; skin-tone modifiers and variation
selectors dropped), a few ASCII emoticons (``:)``, ``:(``, ``:D`` ...), the currency
signs ``€ $ £`` (amounts signal billing and price), and two boundary
tokens: ``"|"`` for a sentence end (``. ! ? ; :`` and line breaks) and ``","`` for a
comma. Patterns never match across a boundary; negation scopes end at one.

``detect_lang(text)`` scores Spanish against English by counting marker stopwords (see
``stopwords.ES_MARKERS`` / ``EN_MARKERS``) plus Spanish-only characters (ñ, accented
vowels, ¿, ¡); the higher score wins, a tie (including no evidence at all) gives the
default language. Deterministic.

``stem(token, lang)`` is the Snowball stem (Spanish or English) of an accent-folded token,
memoised.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

from cxmetrics.text.stopwords import EN_MARKERS, ES_MARKERS

LANGS = ("es", "en")
DEFAULT_LANG = "es"
SENTENCE = "|"
COMMA = ","
BOUNDARIES = frozenset({SENTENCE, COMMA})

# --------------------------------------------------------------------------- cleaning

_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<![^<>]*>")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*{1,3}|_{2,3}|~~|`+)")
_MD_UNDERSCORE = re.compile(r"(?<![^\W_])_([^_]+)_(?![^\W_])")
_MD_HEADING = re.compile(r"(?m)^\s{0,3}(#{1,6}|>+)\s+")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u3000]+")
_NEWLINES = re.compile(r"\s*\n\s*")


def _strip_markup(text: str) -> str:
    if "<" in text:
        text = _SCRIPT_STYLE.sub(" ", text)
        text = _COMMENT.sub(" ", text)
        text = _TAG.sub(" ", text)
    return text


def clean(text: str | None) -> str:
    """The verbatim without markup, entities decoded, whitespace collapsed (case kept).

    >>> clean("<b>Fatal</b> servicio &amp; **atención**")
    'Fatal servicio & atención'
    """
    if not text:
        return ""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = _strip_markup(text)
    if "&" in text:
        text = html.unescape(text)
        text = _strip_markup(text)  # double-encoded markup: &lt;b&gt; -> <b> -> dropped
    if "[" in text:
        text = _MD_LINK.sub(r"\1", text)
    if "#" in text or ">" in text:
        text = _MD_HEADING.sub("", text)
    if "_" in text:
        text = _MD_UNDERSCORE.sub(r"\1", text)
    if "*" in text or "~" in text or "`" in text or "_" in text:
        text = _MD_EMPH.sub("", text)
    if "\n" not in text:
        return " ".join(text.split())
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------- folding

_COMBINING = re.compile(r"[\u0300-\u036f]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00b4": "'", "`": "'"})


def fold(text: str) -> str:
    """Lower case without accents: "Atención ÑOÑO" -> "atencion nono"."""
    text = text.lower()
    if "`" in text:
        text = text.replace("`", "'")
    if text.isascii():
        return text
    if "\u2019" in text or "\u2018" in text or "\u00b4" in text:
        text = text.translate(_APOSTROPHES)
    text = unicodedata.normalize("NFKD", text)
    text = _COMBINING.sub("", text)
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- tokens

# Emoji: the pictographic blocks, dingbats and misc symbols; one token per code point.
_EMOJI = (
    "\U0001f300-\U0001f3fa\U0001f400-\U0001f64f\U0001f680-\U0001f6ff\U0001f900-\U0001f9ff"
    "\U0001fa70-\U0001faff\u231a\u231b\u23e9-\u23fa\u2600-\u27bf\u2b50\u2b55\u2764\u2b06\u2b07\u2b05\u27a1"
)
_DROP = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f\u200d\u20e3]")
_QUOTE_CHARS = re.compile('["\u201c\u201d\u00ab\u00bb\u201e]')
_EMOTICONS = {
    ":)": "🙂",
    ":-)": "🙂",
    "=)": "🙂",
    ";)": "😉",
    ";-)": "😉",
    ":d": "😀",
    ":-d": "😀",
    ":(": "🙁",
    ":-(": "🙁",
    "=(": "🙁",
    ":/": "😕",
    ":-/": "😕",
    ":\\": "😕",
    ":p": "😛",
    ":-p": "😛",
    ":|": "😐",
    ":-|": "😐",
    ":[": "🙁",
    ":]": "🙂",
}


_FAST_TOKEN = re.compile(
    r"[^\W_]+(?:'[^\W_]+)*"
    r"|(?<![^\W_])[:;=]'?-?[()dp/\\|\[\]](?![^\W_])"
    rf"|[{_EMOJI}]"
    r"|[\u20ac$\u00a3\"\u201c\u201d\u00ab\u00bb\u201e,]"
    r"|[.!?;:\n\u00a1\u00bf]+"
)
_QUOTE_SET = frozenset('"\u201c\u201d\u00ab\u00bb\u201e')
_SENT_START = frozenset(".!?;:\n\u00a1\u00bf")


def tokenize(folded: str) -> tuple[list[str], list[bool] | None]:
    """Tokens of cleaned, folded text, and which of them stand inside double quotes.

    The flags are ``None`` when the text has no (balanced) double quotes. Quotes are
    ``" “ ” « » „``; with an odd number of them the last one is ignored.
    """
    if "\u200d" in folded or "\ufe0f" in folded or not folded.isascii():
        folded = _DROP.sub("", folded)
    n_quotes = len(_QUOTE_CHARS.findall(folded)) if _QUOTE_CHARS.search(folded) else 0
    quotes_left = n_quotes - (n_quotes % 2)
    inside = False
    flags: list[bool] | None = [] if quotes_left else None
    out: list[str] = []
    append = out.append
    last = ""  # the last token appended ("" at the start)
    for tok in _FAST_TOKEN.findall(folded):
        c = tok[0]
        if c.isalnum():
            pass
        elif c in _SENT_START:
            emo = _EMOTICONS.get(tok) if len(tok) > 1 else None
            if emo is not None:
                tok = emo
            elif last == "" or last == SENTENCE:
                continue
            elif last == COMMA:
                out[-1] = SENTENCE
                last = SENTENCE
                continue
            else:
                tok = SENTENCE
        elif c == ",":
            if last == "" or last == SENTENCE or last == COMMA:
                continue
        elif c in _QUOTE_SET:
            if quotes_left:
                quotes_left -= 1
                inside = not inside
            continue
        elif c == "=" or (len(tok) > 1 and c in ":;"):
            emo = _EMOTICONS.get(tok)
            if emo is None:
                continue
            tok = emo
        append(tok)
        last = tok
        if flags is not None:
            flags.append(inside)
    if out and (last == SENTENCE or last == COMMA):
        out.pop()
        if flags:
            flags.pop()
    return out, flags


def tokens_of_folded(folded: str) -> list[str]:
    """Tokens of already cleaned and folded text (see the module docstring)."""
    return tokenize(folded)[0]


def tokens(text: str | None) -> list[str]:
    """Cleaned, folded tokens of a raw verbatim: words, emoji, ``|`` and ``,`` boundaries."""
    return tokens_of_folded(fold(clean(text)))


def is_word(tok: str) -> bool:
    """True for a word token (letters or digits), False for emoji and boundaries."""
    return tok[:1].isalnum()


# --------------------------------------------------------------------------- language

_ES_CHARS = re.compile(r"[ñáéíóúü¿¡]")


def detect_lang(text: str | None, default: str = DEFAULT_LANG) -> str:
    """``"es"`` or ``"en"`` by marker stopwords and Spanish characters; ties -> ``default``."""
    cleaned = clean(text)
    if not cleaned:
        return default
    lower = cleaned.lower()
    return lang_of(tokens_of_folded(fold(lower)), len(_ES_CHARS.findall(lower)), default)


def lang_scores(toks: list[str], es_chars: int) -> tuple[float, float]:
    """Spanish and English evidence: marker words, plus 0.75 per Spanish character (max 3)."""
    es = 0.0
    en = 0.0
    for t in toks:
        if t in ES_MARKERS:
            es += 1.0
        if t in EN_MARKERS:
            en += 1.0
    es += min(es_chars, 3) * 0.75
    return es, en


def lang_of(toks: list[str], es_chars: int, default: str = DEFAULT_LANG) -> str:
    """The language decision from folded tokens and the count of Spanish-only characters."""
    es, en = lang_scores(toks, es_chars)
    if es > en:
        return "es"
    if en > es:
        return "en"
    return default


def count_es_chars(lower: str) -> int:
    """Spanish-only characters (ñ, accented vowels, ¿ ¡) in lower-case, unfolded text."""
    if lower.isascii():
        return 0
    return len(_ES_CHARS.findall(lower))


# --------------------------------------------------------------------------- stemming

_STEMMERS = {"es": snowballstemmer.stemmer("spanish"), "en": snowballstemmer.stemmer("english")}


@lru_cache(maxsize=262_144)
def stem(token: str, lang: str) -> str:
    """Snowball stem of a folded word token (emoji and boundaries are returned unchanged)."""
    if not is_word(token) or lang not in _STEMMERS:
        return token
    return _STEMMERS[lang].stemWord(token)


__all__ = [
    "BOUNDARIES",
    "COMMA",
    "DEFAULT_LANG",
    "LANGS",
    "SENTENCE",
    "clean",
    "count_es_chars",
    "detect_lang",
    "fold",
    "is_word",
    "lang_of",
    "lang_scores",
    "stem",
    "tokenize",
    "tokens",
    "tokens_of_folded",
]
