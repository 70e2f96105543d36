"""The classifier on the demo generator's verbatims (cxmetrics.synth.verbatims.BANK).

The bank's labels are the generator's intent (the story each text was written for), not
a hand-labelled evaluation set: 82 short texts, tuned on openly while writing the
complaint cues. These floors only catch a regression; the honest figures are the
held-out ones (docs/voc-method.md). Bank theme "other" means none of the eight themes.

Measured when the floors were set: theme 72/82 (0.878), sentiment 69/82 (0.841); before
the complaint cues and context words: theme 66/82 (0.805), sentiment 51/82 (0.622).
"""

from __future__ import annotations

from cxmetrics.synth.verbatims import BANK
from cxmetrics.text import analyze

THEME_FLOOR = 0.87
SENTIMENT_FLOOR = 0.84


def _rows() -> list[tuple[str, str, str, str]]:
    return [
        (text, theme, sentiment, lang)
        for theme, by_sentiment in BANK.items()
        for sentiment, by_lang in by_sentiment.items()
        for lang, texts in by_lang.items()
        for text in texts
    ]


def test_bank_accuracy_floors() -> None:
    rows = _rows()
    theme_miss = [(t, want, analyze(t).theme) for t, want, _, _ in rows if analyze(t).theme != want]
    sent_miss = [
        (t, want, analyze(t).sentiment) for t, _, want, _ in rows if analyze(t).sentiment != want
    ]
    n = len(rows)
    assert n >= 80
    assert 1 - len(theme_miss) / n >= THEME_FLOOR, theme_miss
    assert 1 - len(sent_miss) / n >= SENTIMENT_FLOOR, sent_miss


def test_bank_negatives_are_not_read_as_positive() -> None:
    # the complaint cues' purpose: no negative story of the demo reads as praise
    wrong = [t for t, _, s, _ in _rows() if s == "negative" and analyze(t).sentiment == "positive"]
    assert wrong == []
