"""Emerging phrases (TF-IDF + NMF): determinism, tiny inputs, readable phrases."""

from __future__ import annotations

import pytest

from cxmetrics.text.discovery import STOPWORDS, Topic, emerging_phrases, format_topics

TEXTS = [
    "La app de Mi Cuenta no me deja entrar",
    "No puedo entrar en la app desde ayer",
    "La app se cierra sola al abrir la sección de consumo",
    "La app no carga, se queda en blanco",
    "The app keeps crashing when I open it",
    "El técnico de instalación no vino a la cita",
    "El técnico no se presentó a la cita de instalación",
    "Cita de instalación cancelada dos veces, el técnico nunca llegó",
    "The installation technician never showed up",
    "Me llegó un SMS de phishing haciéndose pasar por vosotros",
    "SMS de phishing con un enlace falso",
    "Recibí un SMS raro pidiendo mis datos, parece phishing",
    None,
    "",
    "👍",
]


def test_topics_are_deterministic() -> None:
    a = emerging_phrases(TEXTS, n_topics=3, top=5, seed=0)
    b = emerging_phrases(list(TEXTS), n_topics=3, top=5, seed=0)
    assert a == b
    assert len(a) == 3
    assert all(isinstance(t, Topic) for t in a)


def test_topics_find_the_three_subjects() -> None:
    topics = emerging_phrases(TEXTS, n_topics=3, top=5, seed=0)

    def topic_with(word: str) -> Topic:
        found = [t for t in topics if any(word in p for p, _ in t.phrases)]
        assert len(found) == 1, (word, topics)
        return found[0]

    assert set(topic_with("app").documents[:3]) <= {0, 1, 2, 3, 4}
    assert set(topic_with("phishing").documents[:3]) == {9, 10, 11}
    assert set(topic_with("cita").documents[:3]) <= {5, 6, 7, 8}


def test_phrases_are_shown_with_accents_and_weights_sorted() -> None:
    topics = emerging_phrases(TEXTS, n_topics=3, top=8, seed=0)
    for t in topics:
        weights = [w for _, w in t.phrases]
        assert weights == sorted(weights, reverse=True)
        assert len(t.phrases) <= 8
        for phrase, _ in t.phrases:
            words = phrase.split()
            assert 1 <= len(words) <= 3
            assert words[0] not in STOPWORDS and words[-1] not in STOPWORDS
    phrases = {p for t in topics for p, _ in t.phrases}
    assert "técnico" in phrases  # the most used spelling, not the folded "tecnico"
    assert abs(sum(t.weight for t in topics) - 1.0) < 1e-5


def test_documents_are_indices_into_the_input() -> None:
    topics = emerging_phrases(TEXTS, n_topics=3, top=5, seed=0, docs_per_topic=2)
    for t in topics:
        assert 1 <= len(t.documents) <= 2
        for d in t.documents:
            assert isinstance(TEXTS[d], str) and TEXTS[d]


@pytest.mark.parametrize(
    "texts",
    [[], [None], [""], ["   "], ["👍", "..."], ["de la que el"], ["123 456"]],
)
def test_no_usable_text_gives_no_topics(texts: list) -> None:
    assert emerging_phrases(texts) == []


def test_fewer_texts_than_topics() -> None:
    topics = emerging_phrases(["la factura viene mal", "el router no funciona"], n_topics=6)
    assert 1 <= len(topics) <= 2
    assert emerging_phrases(["la factura viene mal"], n_topics=6) == emerging_phrases(
        ["la factura viene mal"], n_topics=6
    )
    one = emerging_phrases(["la factura viene mal"], n_topics=6)
    assert len(one) == 1 and one[0].documents == (0,)


def test_degenerate_parameters() -> None:
    assert emerging_phrases(TEXTS, n_topics=0) == []
    assert emerging_phrases(TEXTS, top=0) == []


def test_format_topics_lists_phrases() -> None:
    topics = emerging_phrases(TEXTS, n_topics=3, top=3, seed=0)
    out = format_topics(topics, TEXTS)
    assert out.count("topic ") == 3
    assert "phishing" in out
