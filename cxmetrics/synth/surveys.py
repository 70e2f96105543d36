"""Survey answers (nps, csat, ces) and their Spanish and English verbatims."""

from __future__ import annotations

import numpy as np

from cxmetrics.synth.customers import World
from cxmetrics.synth.tables import (
    _CTX_GENERIC,
    _CTX_OUTAGE,
    _VERB_LEN,
    _VERB_OFF,
    CES,
    CSAT,
    EMAIL,
    NPS,
    SURVEY,
    _part,
)


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


def _surveys(rng, *, ts, ch, cust, anon, jid, cid, q, ctx, type_p) -> list[dict]:
    """Survey answers of the given responders: one survey_response event per question."""
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
        group = np.where(rel < 0.45, ctx[m], np.where(rel < 0.75, 5, 6))
        has_verb = rng.random(k) < 0.30
        verb = _VERB_OFF[group] + (rng.random(k) * _VERB_LEN[group]).astype(np.int64)
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
            )
        )
    return parts




def relational_surveys(world: World, lo: int, hi: int, rng: np.random.Generator) -> list:
    """Relational NPS by e-mail: rates the company, not a contact or a journey."""
    w = world
    m = hi - lo
    idx = np.arange(lo, hi)
    parts = []
    s = idx[rng.random(m) < 0.3]
    span = (w.active_to[s] - w.active_from[s]).astype(float)
    ts = w.active_from[s] + (rng.random(len(s)) * span).astype(np.int64)
    outage = w.in_outage(s, ts, after_days=21)
    q = w.nps_mood[s] - 0.6 * outage + 0.1 * (w.segment[s] == 1) + 0.1
    parts += _surveys(
        rng,
        ts=ts,
        ch=np.full(len(s), EMAIL),
        cust=s,
        anon=np.full(len(s), -1),
        jid=np.full(len(s), -1),
        cid=np.full(len(s), -1),
        q=q,
        ctx=np.where(outage, _CTX_OUTAGE, _CTX_GENERIC),
        type_p=(1.0, 0.0, 0.0),
    )
    return parts
