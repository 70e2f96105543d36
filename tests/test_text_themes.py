"""Themes, primary theme, language and normalisation on literal verbatims.

Expected labels are decided by hand from the theme definitions in data/themes.yaml.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics.text import Analysis, analyze, analyze_many, explain
from cxmetrics.text.normalize import clean, detect_lang, fold, tokens
from cxmetrics.text.taxonomy import load_taxonomy

PRIMARY = [
    # (text, primary theme)
    ("Me han cobrado dos veces la factura de marzo", "billing"),
    ("Me cobraron de más en el recibo", "billing"),
    ("I was charged twice on my last bill", "billing"),
    ("The refund never arrived", "billing"),
    ("Llevo tres días sin internet", "coverage_outage"),
    ("No hay cobertura en mi casa", "coverage_outage"),
    ("no hay cobertura en mi casa", "coverage_outage"),
    ("No signal at all in the village", "coverage_outage"),
    ("El router llegó roto", "device"),
    ("The new phone arrived with a cracked screen", "device"),
    ("Me subieron la tarifa sin avisar", "contract_price"),
    ("Too expensive, I am going to cancel my contract", "contract_price"),
    ("La chica que me atendió fue muy borde", "agent_attitude"),
    ("The agent was rude and unhelpful", "agent_attitude"),
    ("Estuve 40 minutos en espera", "waiting_time"),
    ("I was on hold for an hour", "waiting_time"),
    ("El chatbot no me entendía y no había forma de hablar con una persona", "bot_understanding"),
    ("The bot didn't understand anything, I just wanted a real person", "bot_understanding"),
    ("He llamado cinco veces por lo mismo y sigue sin solución", "repeat_contact"),
    ("I had to call again because nobody called me back", "repeat_contact"),
    # accents and their absence, upper case
    ("ATENCIÓN PÉSIMA", "agent_attitude"),
    ("facturacion incorrecta", "billing"),
    ("Facturación incorrecta", "billing"),
    # markup is ignored; the example from the brief
    ("<b>Fatal</b> servicio &amp; atención", "agent_attitude"),
    ("<p>La <i>factura</i> viene mal</p>", "billing"),
    # mixed languages
    ("El router llegó roto, very disappointed", "device"),
    ("My factura is wrong again", "billing"),
    # no match, no text
    ("Todo bien, gracias", "other"),
    ("Thanks!", "other"),
    ("👍", "other"),
    ("<script>factura</script>", "none"),
    ("<b></b>", "none"),
    ("...", "none"),
    ("   ", "none"),
    ("", "none"),
    (None, "none"),
]


@pytest.mark.parametrize(("text", "expected"), PRIMARY)
def test_primary_theme(text: str | None, expected: str) -> None:
    assert analyze(text).theme == expected


def test_all_matched_themes_are_listed_by_strength() -> None:
    a = analyze("Me cobraron de más en la factura y el agente fue muy borde")
    assert a.theme == "billing"
    assert set(a.themes) == {"billing", "agent_attitude"}
    assert a.themes[0] == a.theme


def test_no_themes_for_other_and_none() -> None:
    assert analyze("Todo bien, gracias").themes == ()
    assert analyze(None).themes == ()


def test_primary_tie_goes_to_taxonomy_order(tmp_path: Path) -> None:
    text = """\
version: 1
themes:
  - key: first
    labels: {en: First, es: Primero}
    description: A.
    patterns: {es: [alfa], en: [alpha]}
  - key: second
    labels: {en: Second, es: Segundo}
    description: B.
    patterns: {es: [beta], en: [beta]}
"""
    p = tmp_path / "themes.yaml"
    p.write_text(text, encoding="utf-8")
    tax = load_taxonomy(p)
    # one match each, both in the first third of the text: a tie, broken by file order
    assert analyze("alfa beta y nada mas que decir", taxonomy=tax).theme == "first"
    assert analyze("beta alfa y nada mas que decir", taxonomy=tax).theme == "first"
    assert analyze("beta alfa y nada mas que decir", taxonomy=tax).themes == ("first", "second")
    # an earlier mention outweighs a later one (first third of the tokens: x1.25)
    assert analyze("beta y nada mas que decir de alfa", taxonomy=tax).theme == "second"
    # more matches win over order
    assert analyze("alfa beta y beta", taxonomy=tax).theme == "second"
    # the tie-break follows the file order, not the key
    swapped = text.replace("key: first", "key: tmp").replace("key: second", "key: first")
    p.write_text(swapped.replace("key: tmp", "key: second"), encoding="utf-8")
    tax2 = load_taxonomy(p)
    assert tax2.keys == ("second", "first")
    assert analyze("beta alfa y nada mas que decir", taxonomy=tax2).theme == "second"


def test_a_phrase_outweighs_a_word(tmp_path: Path) -> None:
    text = """\
version: 1
themes:
  - key: one
    labels: {en: One, es: Uno}
    description: A.
    patterns: {es: [alfa], en: [alpha]}
  - key: two
    labels: {en: Two, es: Dos}
    description: B.
    patterns: {es: [beta gamma], en: [beta gamma]}
"""
    p = tmp_path / "themes.yaml"
    p.write_text(text, encoding="utf-8")
    assert analyze("alfa beta gamma", taxonomy=load_taxonomy(p)).theme == "two"


CONTEXT_CASES = [
    # (text, a theme that must be listed, a theme that must not)
    # "~" context words (a shop, a technician, an agent) need another match of their
    # theme or an opinion word: an appointment or a no-show is waiting, not attitude
    ("El técnico no vino a la cita", "waiting_time", "agent_attitude"),
    ("The engineer never showed up", "waiting_time", "agent_attitude"),
    ("Fui a la tienda a recoger la SIM", "device", "agent_attitude"),
    ("I went to the shop to pick up a SIM", "device", "agent_attitude"),
    # ... with an opinion word, or another match of the theme, they count
    ("El técnico fue un encanto", "agent_attitude", None),
    ("The engineer was brilliant", "agent_attitude", None),
    ("En la tienda me atendieron fatal", "agent_attitude", None),
    ("The shop assistant was lovely", "agent_attitude", None),
    # repeat contact: contacting again, promised calls, the same fault again
    ("Me prometieron una llamada y nada", "repeat_contact", None),
    ("Ha vuelto a pasar lo mismo con la fibra", "repeat_contact", None),
    ("Abrí otra incidencia por el mismo fallo", "repeat_contact", None),
    ("Vino otro técnico y tampoco lo arregló", "repeat_contact", None),
    ("They promised a callback on Monday", "repeat_contact", None),
    ("The same fault is back for the third time", "repeat_contact", None),
    ("I reopened the ticket", "repeat_contact", None),
    ("A second engineer came and it is still broken", "repeat_contact", None),
    ("They said they would ring me back and the call never came", "repeat_contact", None),
    # ... but a repetition inside one conversation is not a repeat contact
    ("La app me pidió el DNI otra vez", None, "repeat_contact"),
    ("The bot asked for my account number again", None, "repeat_contact"),
    # stems that collided across languages or within one: English "lent" is not Spanish
    # "lentos", "installation" is not "instalments", "descodificador" is a device
    ("The signal booster you lent us works", None, "waiting_time"),
    ("It took a month to get an installation date", None, "device"),
    ("El descodificador no funciona", "device", None),
]


@pytest.mark.parametrize(("text", "present", "absent"), CONTEXT_CASES)
def test_context_words_and_repeat_contact(text: str, present: str | None, absent: str | None) -> None:
    themes = analyze(text).themes
    if present:
        assert present in themes, themes
    if absent:
        assert absent not in themes, themes


def test_explain_marks_context_patterns() -> None:
    names = [p for _, _, pats in explain("El técnico fue un encanto")["themes"] for p in pats]
    assert "~=tecnico" in names


def test_quoted_words_count_half() -> None:
    # the customer quotes the bot saying "agente": the theme is the bot, not an agent
    a = analyze('Le pido al robot "hablar con un agente" y me manda un enlace')
    assert a.theme == "bot_understanding"


def test_ignore_phrases_are_no_evidence() -> None:
    assert "device" not in analyze("The IVR asked for my phone number three times").themes


LANG = [
    ("La factura viene mal", "es"),
    ("The bill is wrong", "en"),
    ("atención pésima", "es"),
    ("ATENCION PESIMA", "es"),  # no markers: undecidable, default es
    ("I have been waiting for the technician", "en"),
    ("El técnico no vino a la cita, nobody called", "es"),
    ("👍", "es"),
    ("ok", "es"),
]


@pytest.mark.parametrize(("text", "expected"), LANG)
def test_language(text: str, expected: str) -> None:
    assert analyze(text).lang == expected
    assert detect_lang(text) == expected


def test_language_default_is_a_parameter() -> None:
    assert detect_lang("ok", default="en") == "en"
    assert detect_lang("ok") == "es"


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("<b>Fatal</b> servicio &amp; atención", "Fatal servicio & atención"),
        ("<script>alert(1)</script>Hola", "Hola"),
        ("&lt;b&gt;doble&lt;/b&gt; codificado", "doble codificado"),
        ("**muy** _mal_ ~~servicio~~", "muy mal servicio"),
        ("[la web](http://x.y) no va", "la web no va"),
        ("  mucho    espacio \n\n aquí ", "mucho espacio\naquí"),
        ("precio < 20 y > 10", "precio < 20 y > 10"),
    ],
)
def test_clean(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned


def test_fold_and_tokens() -> None:
    assert fold("Atención ÑOÑO Ü") == "atencion nono u"
    assert tokens("¡Qué mal! No va, ni el wifi 😡😡") == [
        "que", "mal", "|", "no", "va", ",", "ni", "el", "wifi", "😡", "😡"
    ]
    assert tokens("I don't know :)") == ["i", "don't", "know", "🙂"]
    assert tokens(None) == []


def test_determinism_and_analyze_many_equals_analyze() -> None:
    texts = [t for t, _ in PRIMARY] + [t for t, _ in LANG] + ["La factura viene mal"] * 3
    one_by_one = [analyze(t) for t in texts]
    many = analyze_many(texts)
    assert many == one_by_one
    assert analyze_many(texts) == many
    assert analyze_many(iter(texts)) == many
    assert all(isinstance(a, Analysis) for a in many)
    assert analyze_many([]) == []


def test_missing_values_from_pandas_are_blank() -> None:
    import pandas as pd

    for missing in (None, float("nan"), pd.NA):
        assert analyze(missing).theme == "none"  # type: ignore[arg-type]
    assert analyze_many(pd.Series(["la factura", None]).tolist())[1].theme == "none"


def test_analysis_is_frozen() -> None:
    a = analyze("la factura")
    with pytest.raises(AttributeError):
        a.theme = "x"  # type: ignore[misc]


def test_explain_names_the_evidence() -> None:
    e = explain("No me gustó nada la factura")
    assert e["analysis"] == analyze("No me gustó nada la factura")
    assert e["themes"][0][0] == "billing"
    assert any(name.startswith("NOT ") for name, _ in e["sentiment"])


def test_evaluate_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from cxmetrics.text.evaluate import main

    csv_path = tmp_path / "dev.csv"
    csv_path.write_text(
        "id,lang,text,themes,sentiment\n"
        "1,es,La factura viene mal,billing,negative\n"
        '2,es,"Todo bien, gracias",,positive\n'
        "3,en,The agent was rude,agent_attitude,negative\n"
        "4,en,Waited an hour on hold,waiting_time,neutral\n",
        encoding="utf-8",
    )
    assert main([str(csv_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"en", "es", "all"}
    assert out["es"]["primary_accuracy"] == 1.0  # row 2: no true theme, predicted "other"
    assert out["es"]["themes"]["billing"] == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1, "predicted": 1
    }
    assert out["en"]["sentiment_accuracy"] == 0.5
    assert out["en"]["sentiment_confusion"]["neutral"]["negative"] == 1
    assert main([str(csv_path)]) == 0
    assert "primary-theme accuracy" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lang,text,themes,sentiment\n1,es,x,nope,negative\n", encoding="utf-8")
    assert main([str(bad)]) == 2
    assert "unknown theme(s) nope" in capsys.readouterr().err
