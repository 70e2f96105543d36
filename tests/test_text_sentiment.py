"""Sentiment of literal verbatims (labels decided by hand), and the lexicon loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics.text import analyze, explain
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

# Complaint cues (the lexicons' "complaints" section): a failure said as a fact, with no
# opinion word, is negative on its own.
COMPLAINTS = [
    ("El decodificador se reinicia solo cada dos por tres", "negative"),
    ("Tengo cargos en el recibo que no reconozco", "negative"),
    ("Quedaron en llamarme y la llamada nunca llegó", "negative"),
    ("Me cobraron dos veces la cuota de junio", "negative"),
    ("Desde el lunes no tengo internet", "negative"),
    ("La app se queda colgada al pagar", "negative"),
    ("Es la cuarta vez que escribo por lo mismo", "negative"),
    ("El asistente me hace dar vueltas por el menú y no hay manera de hablar con nadie", "negative"),
    ("El técnico no vino a la cita", "negative"),
    ("El router no funciona bien", "negative"),  # "bien" belongs to the cue
    ("The router keeps restarting every evening", "negative"),
    ("There is a charge on my bill I never agreed to", "negative"),
    ("They said they would ring me back and the call never came", "negative"),
    ("The app did not understand what I typed", "negative"),
    ("Switching plans shouldn't be this complicated", "negative"),
    ("Still waiting for the engineer", "negative"),
    ("I was charged twice for the same month", "negative"),
    ("The router doesn't work properly", "negative"),
    # a negator before a cue cancels it: no problem is a fact, not praise
    ("No me cobraron de más", "neutral"),
    ("Esta vez no se ha cortado", "neutral"),
    ("They did not charge me twice", "neutral"),
    ("The connection never drops out now", "neutral"),
    ("La fibra nunca se corta, genial", "positive"),
    ("Sin cortes desde el cambio de router, perfecto", "positive"),
    # the positive side, written as opinion phrases under "words"
    ("No tuve que volver a llamar", "positive"),
    ("I didn't have to call again", "positive"),
    ("They called me back when they said they would", "positive"),
    ("Llevo diez años con vosotros y nunca he tenido un problema", "positive"),
    # contrast holds for cues as for words
    ("Me atendieron muy bien, pero la factura sigue sin corregirse", "negative"),
    ("Se cortaba a menudo, pero desde el cambio de router va perfecto", "positive"),
    ("Friendly staff, but the refund never arrived", "negative"),
    ("The line kept dropping out, but since the new router it works fine", "positive"),
    # conditionals: a possibility is not what happened
    ("¿Qué hago si el router se reinicia solo?", "neutral"),
    ("What should I do if my router keeps restarting?", "neutral"),
    ("¿Si me doy de baja del fijo, me cobráis algo?", "neutral"),
    ("Is there a fee in case I cancel?", "neutral"),
    ("If it breaks again I'm leaving", "negative"),  # the reach ends: "leaving" counts
    ("Si no me lo arreglan esta semana me doy de baja", "negative"),
    ("Sí que me cobraron de más", "negative"),  # "sí que" is emphasis, not "if"
    # a planned cut is information, not a complaint
    ("¿Hay algún corte programado esta noche?", "neutral"),
    ("Is there any planned maintenance tonight?", "neutral"),
]


@pytest.mark.parametrize(("text", "expected"), COMPLAINTS)
def test_complaint_cues(text: str, expected: str) -> None:
    assert analyze(text).sentiment == expected


def test_a_negated_complaint_counts_zero_and_uses_up_the_negation() -> None:
    assert analyze("No me cobraron de más").sentiment_score == 0.0
    assert analyze("They did not charge me twice").sentiment_score == 0.0
    e = explain("no me cobraron de más")
    assert e["sentiment"] == [("NOT cobrado de mas", 0.0)]  # no dangling "(negation)"
    # a negative *word* still flips to mildly positive: "not bad"
    assert analyze("not bad").sentiment_score > 0


def test_a_complaint_is_weighed_like_a_word_by_contrast() -> None:
    alone = analyze("la factura sigue sin corregirse").sentiment_score
    after_pero = analyze("muy amables, pero la factura sigue sin corregirse").sentiment_score
    before_pero = analyze("la factura sigue sin corregirse, pero muy amables").sentiment_score
    assert after_pero < 0 < before_pero
    assert alone < 0


def test_a_conditional_cancels_only_the_next_entry_in_reach() -> None:
    e = explain("si se corta la fibra")
    assert e["sentiment"] == [("IF se corta", 0.0)]
    assert explain("si no lo tengo mañana")["sentiment"] == [("IF (negation)", 0.0)]
    # a comma ends the reach
    assert analyze("Si, se corta todos los días").sentiment == "negative"


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


def test_complaints_and_conditionals_sections(tmp_path: Path) -> None:
    body = GOOD + "complaints:\n  no funciona: -2\n  otra vez: -1\nconditionals: [si]\n"
    lex = load_lexicon(_lex(tmp_path, body), "es")
    kinds = {e.text: e.kind for e in lex.entries}
    assert kinds["no funciona"] == "complaint" and kinds["si"] == "conditional"
    for bad, needle in (("no funciona: 1", "below 0"), ("no funciona: 0", "below 0"),
                        ("no funciona: -4", "below 0"), ("bien: -1", "'bien' is already listed")):
        text = GOOD + f"complaints:\n  {bad}\n"
        with pytest.raises(LexiconError, match=needle) as info:
            load_lexicon(_lex(tmp_path, text), "es")
        assert "line 12" in str(info.value)
    with pytest.raises(LexiconError, match="'complaints'"):
        load_lexicon(_lex(tmp_path, GOOD + "complaints: {}\n"), "es")
    with pytest.raises(LexiconError, match="'conditionals' must be a non-empty list"):
        load_lexicon(_lex(tmp_path, GOOD + "conditionals: {si: 1}\n"), "es")


def test_the_shipped_lexicons_have_complaints_and_conditionals() -> None:
    from cxmetrics.text.sentiment import default_lexicons

    for lang, lex in default_lexicons().items():
        kinds = {e.kind for e in lex.entries}
        assert {"complaint", "conditional"} <= kinds, lang
        assert all(e.value < 0 for e in lex.entries if e.kind == "complaint"), lang


def test_a_valid_lexicon_loads_and_no_stays_a_word(tmp_path: Path) -> None:
    lex = load_lexicon(_lex(tmp_path, GOOD), "es")
    kinds = {e.text: e.kind for e in lex.entries}
    assert kinds == {"bien": "polar", "mal": "polar", "no": "negator", "nunca": "negator",
                     "muy": "intensifier", "pero": "contrast"}
