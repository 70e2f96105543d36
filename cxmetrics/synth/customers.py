"""The world: customers, households, cohorts, calendar and per-customer behaviour rates."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from cxmetrics.ingest.schema import CUSTOMER_COLUMNS, SEGMENTS, VALUE_TIERS
from cxmetrics.synth.incidents import OUTAGE_DAYS, OUTAGE_REGION, bot_break_day, outage_start_day
from cxmetrics.synth.output import _fmt_ids
from cxmetrics.synth.tables import (
    _CHUNK_CUSTOMERS,
    _DAY,
    _HAS_LINE,
    _PLAN_P,
    _REGION_P,
    _TIER_P,
    PLANS,
    REGIONS,
    _cat,
)


class World:
    """Customers, calendar and the global story parameters (all seeded by ``seed``)."""

    def __init__(self, seed: int, n: int, days: int, start: date, incidents: bool = True):
        rng = np.random.default_rng([seed, 0])
        self.n, self.days, self.start = n, days, start
        self.t0 = (start - date(1970, 1, 1)).days * _DAY
        self.t_end = self.t0 + days * _DAY  # exclusive

        # calendar
        dow = np.array([(start + timedelta(days=i)).weekday() for i in range(days)])
        weekend = dow >= 5
        self.w_digital = np.where(weekend, 1.18, 1.0)
        self.w_contact = np.where(dow == 6, 0.45, np.where(dow == 5, 0.7, 1.0))
        # the planted incidents (incidents.py); without them the data is a stable world
        self.incidents = incidents
        self.outage_day = outage_start_day(start, days)
        self.outage_lo = self.t0 + self.outage_day * _DAY
        self.outage_hi = self.outage_lo + (OUTAGE_DAYS * _DAY if incidents else 0)
        self.outage_rate = 1.0 if incidents else 0.0  # scales the outage's extra contacts and checks
        # the chatbot handoff breaks here (never, without the incidents)
        self.bot_break_lo = self.t0 + bot_break_day(start, days) * _DAY if incidents else np.iinfo(np.int64).max

        # households (members are consecutive customers and share a region)
        sizes = rng.choice([1, 2, 3, 4], size=n, p=[0.58, 0.26, 0.11, 0.05])
        hh = np.repeat(np.arange(n), sizes)[:n]
        hh_size = np.bincount(hh)[hh]
        first_member = np.r_[True, hh[1:] != hh[:-1]]
        hh_first = np.maximum.accumulate(np.where(first_member, np.arange(n), 0))
        self.household = hh

        single = hh_size == 1
        self.segment = np.where(single & (rng.random(n) < 0.33), 1, 0)  # 1 = business
        self.tier = _cat(rng, _TIER_P, self.segment)
        hh_region = rng.choice(len(REGIONS), size=n, p=_REGION_P)
        self.region = hh_region[hh]
        plan_row = np.where(self.segment == 1, 3, self.tier)
        self.plan = _cat(rng, _PLAN_P, plan_row)
        self.has_line = _HAS_LINE[self.plan]
        self.app_user = rng.random(n) < np.where(self.tier == 2, 0.75, 0.6)
        self.two_web = rng.random(n) < 0.4
        self.consent = rng.random(n) >= 0.03

        # activity window: new customers sign up during the period; churners leave
        new = rng.random(n) < 0.04
        signup_day = rng.integers(0, max(days - 1, 1), n)
        self.active_from = np.where(
            new, self.t0 + signup_day * _DAY + rng.integers(8, 20, n) * 3600, self.t0
        )
        old_days = rng.integers(30, 3650, n)
        self.signup = np.where(new, signup_day, -old_days)  # day offset from start

        # Churn for reasons the data does not show (moving, a better offer elsewhere): a
        # base rate by value tier and segment, at a uniform time. Churn caused by bad
        # experiences is added per chunk once its contacts are known (churn.decide).
        p_base = 0.016 * np.array([1.35, 1.0, 0.7])[self.tier] * np.where(self.segment == 1, 0.8, 1.0)
        base = (rng.random(n) < p_base) & ~new
        lo = self.t0 + min(7, days // 4) * _DAY
        self.base_churn_ts = np.where(base, rng.integers(lo, self.t_end, n), np.iinfo(np.int64).max)
        self.new = new
        self.churn = np.zeros(n, bool)
        self.active_to = np.full(n, self.t_end)  # exclusive for starts; churners' is set per chunk

        # behaviour
        dig = np.exp(rng.normal(-0.28, 0.75, n))
        self.dig_rate = (
            0.07 * dig * np.where(self.app_user, 1.15, 1.0) * np.where(self.segment == 1, 0.75, 1.0)
        )
        cont = np.exp(rng.normal(-0.125, 0.5, n))
        self.contact_rate = (
            0.019
            * cont
            * np.array([0.85, 1.0, 1.3])[self.tier]
            * np.where(self.segment == 1, 1.2, 1.0)
        )
        self.nps_mood = rng.normal(0, 0.4, n) + np.array([-0.1, 0.0, 0.1])[self.tier]

        # cookies: slot 0 = app device, 1-2 = web cookies; canonical number 4*i + slot.
        self.cookie = np.arange(n, dtype=np.int64)[:, None] * 4 + np.arange(3)
        # a handful of households share one web cookie between two members
        second = (~first_member) & (hh_first == np.arange(n) - 1) & (rng.random(n) < 0.008)
        self.cookie[second, 1] = self.cookie[hh_first[second], 1]
        self.n_shared_cookies = int(second.sum())

        # chunks aligned on households (shared cookies never cross a chunk)
        starts = np.flatnonzero(first_member)
        cuts = starts[
            np.minimum(
                np.searchsorted(starts, np.arange(_CHUNK_CUSTOMERS, n, _CHUNK_CUSTOMERS)),
                len(starts) - 1,
            )
        ]
        bounds = sorted(set([0, *cuts.tolist(), n]))
        self.chunks = list(zip(bounds[:-1], bounds[1:], strict=True))

    def draw_ts(self, rng: np.random.Generator, day: np.ndarray, hours: np.ndarray) -> np.ndarray:
        hour = rng.choice(24, size=len(day), p=hours / hours.sum())
        return self.t0 + day * _DAY + hour * 3600 + rng.integers(0, 3600, len(day))

    def draw_days(self, rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
        return rng.choice(self.days, size=n, p=weights / weights.sum())

    def in_outage(self, owner: np.ndarray, ts: np.ndarray, after_days: int = 0) -> np.ndarray:
        hit = (owner >= 0) & (self.region[np.maximum(owner, 0)] == REGIONS.index(OUTAGE_REGION)) & self.incidents
        return hit & (ts >= self.outage_lo) & (ts < self.outage_hi + after_days * _DAY)

    def customers_table(self) -> pa.Table:
        signup = np.datetime64(self.start) + self.signup.astype("timedelta64[D]")
        return pa.table(
            {
                "customer_id": _fmt_ids(b"C", np.arange(1, self.n + 1), 7),
                "household_id": _fmt_ids(b"H", self.household + 1, 7),
                "segment": pa.array(np.array(SEGMENTS)[self.segment]),
                "value_tier": pa.array(np.array(VALUE_TIERS)[self.tier]),
                "region": pa.array(np.array(REGIONS)[self.region]),
                "plan": pa.array(np.array(PLANS)[self.plan]),
                "signup_date": pa.array(signup.astype("datetime64[D]")),
                "consent_analytics": pa.array(np.where(self.consent, "true", "false")),
            }
        ).select(list(CUSTOMER_COLUMNS))




class Counters:
    def __init__(self) -> None:
        self.journey = 0
        self.contact = 0
        self.fresh = 0
        self.event = 0

    def take(self, name: str, k: int) -> np.ndarray:
        v = getattr(self, name)
        setattr(self, name, v + k)
        return np.arange(v, v + k, dtype=np.int64)


