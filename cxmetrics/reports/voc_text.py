"""Voice of the customer, the texts: example verbatims of a theme and emerging phrases.

Example verbatims are record-level data: analysts and admins only
(``privacy.require_record_access``), customers with analytics consent only, person ids
pseudonymized unless the role sees raw ids (``metrics.records.verbatim_records``).

Emerging phrases (``text.discovery.emerging_phrases``) are an aggregate of the texts of
every survey's responses whose theme is ``other`` (the ones the taxonomy does not name),
all customers counted. A role without record access gets phrases only, and only those
written by at least k distinct people (a phrase of one customer is their words); roles
with record access also get a few example texts per topic, from consented customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxmetrics.core.privacy import k_threshold, may_see_records
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.records import verbatim_records
from cxmetrics.metrics.source import Source, record_filter, records_relation
from cxmetrics.reports.channels import ConsentCounts, consent_counts
from cxmetrics.reports.voc import SURVEY_KPIS, check_survey_kpi
from cxmetrics.text.discovery import document_phrases, emerging_phrases, phrase_key
from cxmetrics.text.taxonomy import OTHER

EXAMPLES = 20
MAX_TEXTS = 3000  # the latest 'other' texts the topics are found in
TOPICS = 5
PHRASES = 6
TOPIC_EXAMPLES = 3


def example_spec(spec: FilterSpec, theme: str, sentiment: str | None) -> FilterSpec:
    """The page's filter narrowed to one theme (and one sentiment; None keeps the sidebar's)."""
    return spec.with_dims(theme=(theme,), **({"sentiment": (sentiment,)} if sentiment else {}))


def theme_examples(
    source: Source, kpi: str, spec: FilterSpec, theme: str, sentiment: str | None, limit: int = EXAMPLES,
    *, role: str,
) -> pd.DataFrame:
    """The latest ``limit`` verbatims of the survey's responses on ``theme`` (and
    ``sentiment``), newest first: consented customers only, ids pseudonymized for analysts.
    Raises ``UserError`` for a role without record access."""
    check_survey_kpi(kpi)
    return verbatim_records(source, kpi, example_spec(spec, theme, sentiment), role=role, limit=limit)


def example_counts(source: Source, kpi: str, spec: FilterSpec, theme: str, sentiment: str | None) -> ConsentCounts:
    """How many responses the examples' filter selects and how many of them may be listed."""
    return consent_counts(source, check_survey_kpi(kpi), example_spec(spec, theme, sentiment))



# --------------------------------------------------------------------------- emerging phrases


@dataclass(frozen=True)
class EmergingTopic:
    phrases: tuple[tuple[str, int], ...]  # (phrase, people who wrote it), strongest first
    weight: float  # the topic's share of the texts' loading, 0..1
    examples: tuple[str, ...]  # consented texts (roles with record access only)


@dataclass(frozen=True)
class EmergingPhrases:
    topics: tuple[EmergingTopic, ...]
    texts: int  # 'other' texts read
    people: int  # distinct people who wrote them
    dropped: int  # phrases left out for the role (fewer than k people)


def emerging_topics(
    source: Source, spec: FilterSpec, *, role: str, n_topics: int = TOPICS, top: int = PHRASES,
    max_texts: int = MAX_TEXTS,
) -> EmergingPhrases:
    """Topics of the latest ``max_texts`` verbatims with theme 'other' of every survey
    under ``spec`` (its theme filter replaced), with the people behind each phrase."""
    other = spec.with_dims(theme=(OTHER,))
    where, params = record_filter(source, other)
    surveys = ", ".join(f"'{k}'" for k in SURVEY_KPIS)  # fixed names
    rows = source.con.execute(
        f"""SELECT verbatim, person, consent FROM {records_relation("rec_survey")}
        WHERE {" AND ".join(where)} AND survey_type IN ({surveys}) AND verbatim IS NOT NULL
        ORDER BY t DESC, record_id LIMIT ?""",
        [*params, int(max_texts)],
    ).fetchall()
    texts = [r[0] for r in rows]
    people = {r[1] for r in rows if r[1] is not None}
    k = k_threshold(role)
    records = may_see_records(role)
    grams = [document_phrases(x) for x in texts]
    topics, dropped = [], 0
    for topic in emerging_phrases(texts, n_topics=n_topics, top=top):
        phrases = []
        for phrase, _weight in topic.phrases:
            key = phrase_key(phrase)
            writers = len({rows[i][1] for i, g in enumerate(grams) if key in g and rows[i][1] is not None})
            if k is not None and writers < k:
                dropped += 1
                continue
            phrases.append((phrase, writers))
        if not phrases:
            continue
        examples = tuple(texts[i] for i in topic.documents if rows[i][2])[:TOPIC_EXAMPLES] if records else ()
        topics.append(EmergingTopic(tuple(phrases), topic.weight, examples))
    return EmergingPhrases(tuple(topics), len(texts), len(people), dropped)
