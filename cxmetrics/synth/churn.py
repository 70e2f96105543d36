"""Who churns, when, and because of what.

A customer churns for a reason the data does not show (``World.base_churn_ts``: a base
rate by value tier and segment), or because of a bad experience: each abandoned handoff
(6 % chance), unresolved contact (2.5 %) and, for customers of the outage region, the
outage itself (5 %) may make them leave 2-30 days later; the earliest reason wins. So
churn after a bad experience is several times the rate without one, and the outage and
the broken chatbot handoff show up in churn a few weeks later.
"""

from __future__ import annotations

import numpy as np

from cxmetrics.synth.customers import World
from cxmetrics.synth.incidents import OUTAGE_DAYS, OUTAGE_REGION
from cxmetrics.synth.tables import _DAY, APP, CHURN, REGIONS, STORE, VOICE, WEB, _part


def churn_events(world: World, lo: int, hi: int, rng: np.random.Generator) -> list:
    """One ``churn`` event per churner whose leaving day is inside the data."""
    w = world
    idx = np.arange(lo, hi)
    parts = []
    s = idx[w.churn[idx] & (w.active_to[idx] < w.t_end)]
    ch = np.array([VOICE, STORE, WEB, APP])[rng.choice(4, size=len(s), p=[0.4, 0.25, 0.25, 0.1])]
    parts.append(_part(len(s), ts=w.active_to[s], et=CHURN, ch=ch, cust=s, own=s))
    return parts




# Chance that one bad experience makes the customer churn, by kind.
HAZARD = {"abandoned_handoff": 0.06, "unresolved_contact": 0.025, "outage": 0.05}
LAG_DAYS = (2, 30)


def decide(world: World, lo: int, hi: int, rng: np.random.Generator, experiences: dict) -> None:
    """Set ``churn`` and ``active_to`` of the chunk's customers from the base churn and
    their bad experiences (``contacts``' ``experiences``: owner index, ts, kind 0/1)."""
    w = world
    idx = np.arange(lo, hi)
    exposed = idx[(w.region[idx] == REGIONS.index(OUTAGE_REGION)) & w.incidents]
    out_ts = w.outage_lo + (rng.random(len(exposed)) * OUTAGE_DAYS * _DAY).astype(np.int64)
    own = np.concatenate([experiences["own"], exposed])
    ts = np.concatenate([experiences["ts"], out_ts])
    hazard = np.concatenate([
        np.where(experiences["kind"] == 0, HAZARD["abandoned_handoff"], HAZARD["unresolved_contact"]),
        np.full(len(exposed), HAZARD["outage"]),
    ])
    active = (ts >= w.active_from[own]) & (ts >= w.t0)
    hit = active & (rng.random(len(own)) < hazard)
    lag = ((LAG_DAYS[0] + rng.random(len(own)) * (LAG_DAYS[1] - LAG_DAYS[0])) * _DAY).astype(np.int64)
    churn_ts = w.base_churn_ts[lo:hi].copy()
    np.minimum.at(churn_ts, own[hit] - lo, ts[hit] + lag[hit])
    churned = churn_ts < w.t_end
    w.churn[lo:hi] = churned
    w.active_to[lo:hi] = np.where(churned, churn_ts, w.t_end)


def before_churn(parts: list[dict], world: World) -> list[dict]:
    """The event parts without what a churned customer would have done after leaving."""
    out = []
    for p in parts:
        own = p["own"]
        keep = (own < 0) | (p["ts"] < world.active_to[np.maximum(own, 0)])
        out.append({k: v[keep] for k, v in p.items()})
    return out
