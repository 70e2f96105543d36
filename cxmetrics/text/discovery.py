"""Emerging phrases: what customers talk about that the taxonomy does not (yet) name.

``emerging_phrases(texts, n_topics=6, top=8, seed=0)`` factorises a TF-IDF matrix of word
1-3-grams with NMF (``init="nndsvd"``) and returns, per topic, its strongest phrases with
their weights and the indices (into ``texts``) of its strongest documents. Feed it the
verbatims whose theme is ``other`` to see candidate new themes or missing patterns.

Text handling: markup removed (``normalize.clean``), lower case, accents folded for
counting (so "atención" and "atencion" are one feature) and shown in the spelling most
used in the input. N-grams do not cross a sentence end or a comma, and do not start or
end with a stopword (``stopwords.ES`` / ``stopwords.EN``, written for this package), so
"tiempo de espera" is kept but "de espera" is not; a negator ("no", "sin", "never" ...)
may start a phrase but is never one alone nor its last word ("no puedo entrar"). Numbers and one-letter tokens are
dropped. Small inputs: ``min_df`` is 2 from 20 documents on, else 1; the number of topics
is capped by the number of documents and of features; no text, or no feature, gives
``[]``. Deterministic: the same input and seed give the same output (weights rounded to
6 decimals; ties broken by phrase and by document index).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from cxmetrics.text.normalize import BOUNDARIES, clean, fold, tokens_of_folded
from cxmetrics.text.stopwords import EN, ES

STOPWORDS = ES | EN
# Negators carry meaning inside a phrase ("no puedo entrar") but not alone or at its end.
NOT_ALONE = frozenset({"no", "not", "nunca", "never", "sin", "ni", "nada", "nothing"})


@dataclass(frozen=True, slots=True)
class Topic:
    """One NMF topic: ``phrases`` as ``(phrase, weight)``, strongest first; ``documents``
    the indices of the input texts that load most on it, strongest first; ``weight`` the
    topic's share of the total document loading (topics are returned by this share)."""

    phrases: tuple[tuple[str, float], ...]
    documents: tuple[int, ...]
    weight: float


def _segments(text: str) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """Word runs between boundaries (folded), and (folded, surface) pairs for display."""
    lower = clean(text).lower()
    folded_toks = tokens_of_folded(fold(lower))
    surface_toks = tokens_of_folded(lower)
    pairs: list[tuple[str, str]] = []
    if len(folded_toks) == len(surface_toks):
        pairs = list(zip(folded_toks, surface_toks, strict=True))
    runs: list[list[str]] = [[]]
    for t in folded_toks:
        if t in BOUNDARIES:
            runs.append([])
        elif t[:1].isalpha() and len(t) > 1:
            runs[-1].append(t)
        else:  # numbers, emoji, one-letter tokens break a phrase
            runs.append([])
    return [r for r in runs if r], pairs


def _ngrams(runs: list[list[str]], n_max: int = 3) -> list[str]:
    out: list[str] = []
    for run in runs:
        for i in range(len(run)):
            if run[i] in STOPWORDS:
                continue
            for n in range(1, n_max + 1):
                j = i + n
                if j > len(run):
                    break
                if run[j - 1] in STOPWORDS or run[j - 1] in NOT_ALONE:
                    continue
                out.append(" ".join(run[i:j]))
    return out


def emerging_phrases(
    texts: Iterable[str | None],
    n_topics: int = 6,
    top: int = 8,
    seed: int = 0,
    *,
    docs_per_topic: int = 5,
) -> list[Topic]:
    """Topics of ``texts`` by TF-IDF (word 1-3-grams) + NMF; see the module docstring."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    items = [t if isinstance(t, str) else "" for t in texts]
    if n_topics < 1 or top < 1:
        return []
    docs: list[list[str]] = []
    keep: list[int] = []
    surface: dict[str, Counter] = {}
    for i, t in enumerate(items):
        if not t.strip():
            continue
        runs, pairs = _segments(t)
        grams = _ngrams(runs)
        if not grams:
            continue
        for f, s in pairs:
            surface.setdefault(f, Counter())[s] += 1
        docs.append(grams)
        keep.append(i)
    if not docs:
        return []
    n_docs = len(docs)
    vec = TfidfVectorizer(
        analyzer=lambda grams: grams,
        min_df=2 if n_docs >= 20 else 1,
        max_df=1.0,
        sublinear_tf=True,
        norm="l2",
        dtype=np.float64,
    )
    try:
        x = vec.fit_transform(docs)
    except ValueError:  # no feature survives min_df
        return []
    features = vec.get_feature_names_out()
    k = min(n_topics, n_docs, len(features))
    if k < 1 or x.nnz == 0:
        return []
    model = NMF(n_components=k, init="nndsvd", random_state=seed, max_iter=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        w = model.fit_transform(x)
    h = model.components_
    total = float(w.sum()) or 1.0

    def show(gram: str) -> str:
        return " ".join(
            surface[t].most_common(1)[0][0] if t in surface else t for t in gram.split()
        )

    topics: list[Topic] = []
    for c in range(k):
        row = np.round(h[c], 6)
        order = sorted(
            (i for i in range(len(features)) if row[i] > 0), key=lambda i: (-row[i], features[i])
        )
        phrases = tuple((show(features[i]), float(row[i])) for i in order[:top])
        col = np.round(w[:, c], 6)
        dorder = sorted((d for d in range(n_docs) if col[d] > 0), key=lambda d: (-col[d], d))
        documents = tuple(keep[d] for d in dorder[:docs_per_topic])
        if not phrases:
            continue
        topics.append(Topic(phrases, documents, round(float(w[:, c].sum()) / total, 6)))
    topics.sort(key=lambda t: (-t.weight, t.phrases[0][0]))
    return topics


def document_phrases(text: str | None) -> frozenset[str]:
    """The phrases (folded word 1-3-grams, as ``emerging_phrases`` counts them) of one text:
    with ``phrase_key`` it tells which texts hold a phrase a topic shows (for document and
    people counts beside the phrase)."""
    if not isinstance(text, str) or not text.strip():
        return frozenset()
    return frozenset(_ngrams(_segments(text)[0]))


def phrase_key(phrase: str) -> str:
    """A phrase as ``emerging_phrases`` shows it (in its most used spelling) back to the
    folded form ``document_phrases`` holds."""
    return " ".join(tokens_of_folded(fold(phrase.lower())))


def format_topics(topics: Sequence[Topic], texts: Sequence[str | None] | None = None) -> str:
    """A plain-text listing of topics (and, with ``texts``, their strongest documents)."""
    lines = []
    for n, t in enumerate(topics, start=1):
        lines.append(f"topic {n} ({t.weight:.0%}): " + ", ".join(p for p, _ in t.phrases))
        if texts is not None:
            for d in t.documents[:3]:
                lines.append(f"    [{d}] {clean(texts[d])[:100]}")
    return "\n".join(lines)


__all__ = ["STOPWORDS", "Topic", "document_phrases", "emerging_phrases", "format_topics", "phrase_key"]
