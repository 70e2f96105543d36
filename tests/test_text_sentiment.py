"""Sentiment of literal verbatims (labels decided by hand), and the lexicon loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics.text import analyze
from cxmetrics.text.sentiment import LexiconError, label, load_lexicon, squash

CASES = [
    # negation
    ("no estoy contento", "negative"),
    ("No estoy nada contento con el servicio", "negative"),
    ("no está nada mal", "positive"),
    ("no me gustó", "negative"),
    ("No me gustó nada la atención", "negative"),
    ("nada contento", "negative"),
    ("ni una queja", "positive"),
    ("sin problemas", "positive"),
    ("no tuve que esperar nada", "positive"),
    ("no lo recomiendo", "negative"),
    ("not bad", "positive"),
    ("never again", "negative"),
    ("Never again!!", "negative"),
    ("Not happy at all", "negative"),
    ("I would not recommend them", "negative"),
    ("no complaints", "positive"),
    # plain polarity, accents and their absence, upper case
    ("Atención pésima", "negative"),
    ("atencion pesima", "negative"),
    ("ATENCIÓN PÉSIMA", "negative"),
    ("FATAL SERVICIO", "negative"),
    ("Muy amable y rápida, gracias", "positive"),
    ("muy amable y rapida, gracias", "positive"),
    ("Great service, thanks", "positive"),
    ("Terrible service", "negative"),
    ("I waited 40 minutes on hold", "negative"),
    # contrast: the clause after "pero"/"but" weighs more
    ("El agente fue amable pero no me solucionaron nada", "negative"),
    ("Tardaron un poco, pero me lo solucionaron todo", "positive"),
    ("The agent was very helpful but the bill is still wrong", "negative"),
    # intensifiers and diminishers
    ("muy muy mal", "negative"),
    ("un poco lento", "negative"),
    # neutral: questions, greetings, no opinion
    ("Buenas", "neutral"),
    ("buenas tardes", "neutral"),
    ("¿Cuándo llega el router?", "neutral"),
    ("When does the new phone arrive?", "neutral"),
    ("hola", "neutral"),
    # emoji only, emoticons
    ("👍", "positive"),
    ("😡😡", "negative"),
    ("👍🏽", "positive"),
    ("❤️", "positive"),
    (":(", "negative"),
    (":)", "positive"),
    # markup is data, never markup
    ("<b>Fatal</b> servicio &amp; atención", "negative"),
    ("<script>alert('genial')</script>", "neutral"),
    ("**Excelente** atención", "positive"),
    # quoted words are someone else's
    ('El bot me dijo "perfecto, le paso con un agente" y me colgó', "negative"),
    # mixed languages
    ("El servicio es top, very good", "positive"),
    ("The router es una basura", "negative"),
    # blank
    (None, "neutral"),
    ("", "neutral"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_sentiment_label(text: str | None, expected: str) -> None:
    assert analyze(text).sentiment == expected


def test_negation_flips_the_sign() -> None:
    assert analyze("estoy contento").sentiment_score > 0
    assert analyze("no estoy contento").sentiment_score < 0
    assert analyze("malo").sentiment_score < 0
    assert analyze("no es malo").sentiment_score > 0


def test_negation_does_not_cross_a_comma() -> None:
    # "No," answers a question; "bien" after the comma is not negated.
    assert analyze("No, todo bien").sentiment == "positive"


def test_double_negation_in_spanish_is_one_negation() -> None:
    one = analyze("no está mal").sentiment_score
    concord = analyze("no está nada mal").sentiment_score
    assert one > 0 and concord > 0


def test_intensifier_strengthens() -> None:
    assert analyze("muy malo").sentiment_score < analyze("malo").sentiment_score < 0
    assert analyze("very good").sentiment_score > analyze("good").sentiment_score > 0


def test_score_rule_and_band() -> None:
    assert squash(0.0) == 0.0
    assert -1 < squash(-50) < -0.99
    assert label(0.25) == "positive"
    assert label(0.2499) == "neutral"
    assert label(-0.2499) == "neutral"
    assert label(-0.25) == "negative"


def test_score_is_in_range_and_deterministic() -> None:
    texts = [t for t, _ in CASES]
    first = [analyze(t) for t in texts]
    again = [analyze(t) for t in texts]
    assert first == again
    assert all(-1.0 < a.sentiment_score < 1.0 for a in first)


def _lex(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "es.yaml"
    p.write_text(body, encoding="utf-8")
    return p


GOOD = """\
version: 1
language: es
words:
  bien: 1
  mal: -2
negators: [no, nunca]
intensifiers:
  muy: 1.5
contrast:
  pero: 2
"""

BAD_LEXICONS = [
    ("unknown key", GOOD + "extras: {}\n", ["line 11", "unknown key 'extras'"]),
    ("weight not a number", GOOD.replace("bien: 1", "bien: mucho"), ["line 4", "not a number"]),
    ("weight out of range", GOOD.replace("mal: -2", "mal: -7"), ["line 5", "-3..3"]),
    ("bad pattern", GOOD.replace("bien: 1", "bi*en: 1"), ["line 4", "bad polar entry"]),
    ("same word twice", GOOD.replace("negators: [no, nunca]", "negators: [no, bien]"),
     ["line 6", "'bien' is already listed on line 4"]),
    ("empty section", GOOD.replace("negators: [no, nunca]", "negators: []"),
     ["line 6", "'negators'"]),
    ("wrong language", GOOD.replace("language: es", "language: en"), ["line 2", "not the 'es'"]),
    ("bad factor", GOOD.replace("muy: 1.5", "muy: 0"), ["line 8", "factor"]),
]


@pytest.mark.parametrize(
    ("body", "needles"), [b[1:] for b in BAD_LEXICONS], ids=[b[0] for b in BAD_LEXICONS]
)
def test_lexicon_errors(tmp_path: Path, body: str, needles: list[str]) -> None:
    with pytest.raises(LexiconError) as info:
        load_lexicon(_lex(tmp_path, body), "es")
    msg = str(info.value)
    assert msg.startswith("es.yaml") and "\n" not in msg
    for needle in needles:
        assert needle in msg, (needle, msg)


def test_a_valid_lexicon_loads_and_no_stays_a_word(tmp_path: Path) -> None:
    lex = load_lexicon(_lex(tmp_path, GOOD), "es")
    kinds = {e.text: e.kind for e in lex.entries}
    assert kinds == {"bien": "polar", "mal": "polar", "no": "negator", "nunca": "negator",
                     "muy": "intensifier", "pero": "contrast"}
