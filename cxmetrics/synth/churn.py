"""Churn events (who churns and when is decided with the world, in ``customers.py``)."""

from __future__ import annotations

import numpy as np

from cxmetrics.synth.customers import World
from cxmetrics.synth.tables import APP, CHURN, STORE, VOICE, WEB, _part


def churn_events(world: World, lo: int, hi: int, rng: np.random.Generator) -> list:
    """One ``churn`` event per churner whose leaving day is inside the data."""
    w = world
    idx = np.arange(lo, hi)
    parts = []
    s = idx[w.churn[idx] & (w.active_to[idx] < w.t_end)]
    ch = np.array([VOICE, STORE, WEB, APP])[rng.choice(4, size=len(s), p=[0.4, 0.25, 0.25, 0.1])]
    parts.append(_part(len(s), ts=w.active_to[s], et=CHURN, ch=ch, cust=s))
    return parts


