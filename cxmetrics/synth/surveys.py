"""Survey answers (nps, csat, ces) and their Spanish and English verbatims.

A response's score follows its experience (``q``: better than usual > 0); about 30 % of
responses carry a verbatim about the response's ``theme`` (what the experience was
about, chosen by the story that produced it), in the tone of its score: low scores
complain, middle ones are neutral, high ones praise (``verbatims.BANK``).
"""

from __future__ import annotations

import numpy as np

from cxmetrics.synth import verbatims
from cxmetrics.synth.customers import World
from cxmetrics.synth.tables import CES, CSAT, EMAIL, NPS, SURVEY, _part

VERBATIM_SHARE = 0.30
T = verbatims.THEME_CODE


def _scores(rng: np.random.Generator, st: int, q: np.ndarray) -> np.ndarray:
    n = len(q)
    if st == NPS:
        s = 7.3 + 1.9 * q + rng.normal(0, 1.6, n)
        lo, hi = 0, 10
    elif st == CSAT:
        s = 3.9 + 0.85 * q + rng.normal(0, 0.75, n)
        lo, hi = 1, 5
    else:
        s = 5.1 + 1.1 * q + rng.normal(0, 1.0, n)
        lo, hi = 1, 7
    return np.clip(np.rint(s), lo, hi).astype(np.int16)


def _surveys(rng, *, ts, ch, cust, anon, jid, cid, q, theme, type_p, own) -> list[dict]:
    """Survey answers of the given responders: one survey_response event per question.
    ``theme`` (codes of ``verbatims.THEMES``) is what each responder's verbatim is about."""
    parts = []
    n = len(ts)
    if n == 0:
        return parts
    for st, p in zip((NPS, CSAT, CES), type_p, strict=True):
        m = rng.random(n) < p
        k = int(m.sum())
        if not k:
            continue
        score = _scores(rng, st, q[m])
        lo, hi = {NPS: (0, 10), CSAT: (1, 5), CES: (1, 7)}[st]
        rel = (score - lo) / (hi - lo)
        tone = np.where(rel < 0.45, 0, np.where(rel < 0.75, 1, 2))  # verbatims.SENTIMENTS order
        has_verb = rng.random(k) < VERBATIM_SHARE
        verb = verbatims.pick(rng, theme[m], tone)
        parts.append(
            _part(
                k,
                ts=ts[m] + st * rng.integers(5, 40, k),
                et=SURVEY,
                ch=ch[m],
                cust=cust[m],
                anon=anon[m],
                jid=jid[m],
                cid=cid[m],
                st=st,
                score=score,
                verb=np.where(has_verb, verb, -1),
                own=own[m],
            )
        )
    return parts


def themes_by(rng: np.random.Generator, options: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row i, a theme code drawn from ``options[i]`` with ``weights[i]`` (rows sum to 1)."""
    cum = np.cumsum(weights, axis=1)
    cum[:, -1] = 1.0
    pick = (rng.random(len(options))[:, None] > cum).sum(axis=1)
    return options[np.arange(len(options)), pick]


def relational_surveys(world: World, lo: int, hi: int, rng: np.random.Generator) -> list:
    """Relational NPS by e-mail: rates the company, not a contact or a journey. Customers
    in the outage region answering during or up to 3 weeks after it talk about it."""
    w = world
    m = hi - lo
    idx = np.arange(lo, hi)
    s = idx[rng.random(m) < 0.3]
    span = (w.active_to[s] - w.active_from[s]).astype(float)
    ts = w.active_from[s] + (rng.random(len(s)) * span).astype(np.int64)
    outage = w.in_outage(s, ts, after_days=21)
    q = w.nps_mood[s] - 0.6 * outage + 0.1 * (w.segment[s] == 1) + 0.1
    general = np.array([T["contract_price"], T["coverage_outage"], T["billing"], T["other"]])
    theme = np.where(outage, T["coverage_outage"],
                     general[rng.choice(4, size=len(s), p=[0.4, 0.2, 0.2, 0.2])])
    return _surveys(
        rng,
        ts=ts,
        ch=np.full(len(s), EMAIL),
        cust=s,
        anon=np.full(len(s), -1),
        jid=np.full(len(s), -1),
        cid=np.full(len(s), -1),
        q=q,
        theme=theme,
        type_p=(1.0, 0.0, 0.0),
        own=s,
    )
