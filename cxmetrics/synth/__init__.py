"""Seeded synthetic telco demo data (``cxm generate``).

The generator tells one believable story about a Spanish telco, so that every page of
the dashboard has something true to show:

* **Digital journeys** on web and app (``page_view`` steps such as ``landing``,
  ``plan_compare``, ``checkout``, ``form``, ``confirm``; ``journey_goal`` when
  completed) for the six journey types, pre-login with a cookie (``anonymous_id``) and
  often the mobile line (``network_id``); ``customer_id`` only from the ``login`` event
  on (or from the first event on app journeys that start logged in). Prospects (never
  customers) browse too, a few without any identifier.
* **Recognition**: ``identify`` events (network recognition, CRM match) link a line to a
  customer, standalone or at the very start of a journey; logins link cookies. A
  journey is *recognized* when its first event already knows the person
  (CONTRACT section 2); the generator computes exactly that rule while generating, and
  recognized journeys get a modest true advantage (more completions after the login
  wall, slightly better survey scores).
* **Households** share a region; a handful share a web cookie (the 'shared component'
  rule of section 2).
* **Service contacts** on chatbot, ivr, voice, whatsapp, email and store, with repeats
  within 7 days (often escalated to another channel), bot/IVR handoffs to a live agent
  that connect or are abandoned, and surveys (nps, csat, ces, Spanish and English
  verbatims) whose scores depend on the experience.
* **Churn** for ~3% of customers, often preceded by contract-termination research.
* **Weekly and daily seasonality**; **one outage** (4 days in Andalucía, inside the last
  closed review period of the data, so the committee's default review shows it) with a spike of outage checks and technical-support contacts, more repeats
  and lower scores; and a **worsening chatbot handoff** in the last 4 weeks
  (abandonment rising from ~12% to ~35%).

Everything is vectorized with numpy per chunk of customers (one loop per chunk and per
event kind, never per event) and streamed to the output file, so 10 million events fit
in a small, constant amount of memory. The same arguments always give the same rows
(and, for CSV and JSON Lines, the same bytes).
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cxmetrics.ingest.schema import (
    CHANNELS,
    CUSTOMER_COLUMNS,
    EVENT_COLUMNS,
    EVENT_TYPES,
    INTENTS,
    JOURNEY_TYPES,
    SEGMENTS,
    SURVEY_TYPES,
    VALUE_TIERS,
)

__all__ = ["GenerateResult", "generate", "write_dirty_events", "DIRTY_EXPECTED", "FORMATS"]

FORMATS: tuple[str, ...] = ("parquet", "csv", "jsonl")
_EXT = {"parquet": "events.parquet", "csv": "events.csv", "jsonl": "events.jsonl"}


@dataclass(frozen=True)
class GenerateResult:
    events_path: Path
    customers_path: Path
    dirty_path: Path
    n_events: int
    n_customers: int


# --------------------------------------------------------------------------- vocabulary

_DAY = 86_400
_BIG = np.iinfo(np.int64).max
_CHUNK_CUSTOMERS = 10_000  # fixed: part of what makes a seed reproducible

_CH = {c: i for i, c in enumerate(CHANNELS)}
WEB, APP, CHATBOT, IVR, VOICE, WHATSAPP, EMAIL, STORE = (
    _CH[c] for c in ("web", "app", "chatbot", "ivr", "voice", "whatsapp", "email", "store")
)
_ET = {e: i for i, e in enumerate(EVENT_TYPES)}
PAGE_VIEW, GOAL, LOGIN, IDENTIFY, CONTACT, HANDOFF, AGENT, SURVEY, CHURN = (
    _ET[e]
    for e in (
        "page_view",
        "journey_goal",
        "login",
        "identify",
        "contact",
        "handoff_requested",
        "agent_connected",
        "survey_response",
        "churn",
    )
)
_JT = {j: i for i, j in enumerate(JOURNEY_TYPES)}
_IN = {x: i for i, x in enumerate(INTENTS)}
_ST = {s: i for i, s in enumerate(SURVEY_TYPES)}
NPS, CSAT, CES = _ST["nps"], _ST["csat"], _ST["ces"]

REGIONS: tuple[str, ...] = (
    "Madrid",
    "Cataluña",
    "Andalucía",
    "Valencia",
    "País Vasco",
    "Galicia",
    "Castilla y León",
    "Canarias",
    "Aragón",
)
_REGION_P = np.array([0.22, 0.19, 0.18, 0.12, 0.07, 0.07, 0.06, 0.05, 0.04])
OUTAGE_REGION = "Andalucía"
OUTAGE_DAYS = 4

PLANS: tuple[str, ...] = (
    "fiber_300mb",
    "fiber_1gb",
    "mobile_basic",
    "mobile_pro",
    "convergent_plus",
)
_HAS_LINE = np.array([False, False, True, True, True])  # mobile line -> network_id
_PLAN_P = np.array(  # rows: low, mid, high, business
    [
        [0.28, 0.04, 0.38, 0.08, 0.22],
        [0.18, 0.10, 0.17, 0.18, 0.37],
        [0.06, 0.22, 0.04, 0.20, 0.48],
        [0.10, 0.15, 0.05, 0.35, 0.35],
    ]
)
_TIER_P = np.array([[0.40, 0.40, 0.20], [0.20, 0.40, 0.40]])  # consumer, business

# Journey steps, login wall (login happens between step wall-1 and step wall) and the
# chance of logging in there (1 = mandatory), and step-to-step continuation chances.
_STEPS: dict[str, tuple[str, ...]] = {
    "device_upgrade": (
        "landing",
        "device_catalog",
        "device_detail",
        "plan_compare",
        "checkout",
        "confirm",
    ),
    "contract_termination": ("landing", "contract_info", "retention_offer", "form", "confirm"),
    "fiber_availability": ("landing", "coverage_check", "plan_compare", "form", "confirm"),
    "outage_check": ("landing", "status_map", "incident_detail"),
    "billing": ("landing", "invoice_list", "invoice_detail", "payment", "confirm"),
    "plan_change": ("landing", "plan_compare", "plan_detail", "checkout", "form", "confirm"),
}
_WALL = {
    "device_upgrade": 3,
    "contract_termination": 2,
    "fiber_availability": 3,
    "outage_check": 1,
    "billing": 1,
    "plan_change": 2,
}
_LOGIN_P = {
    "device_upgrade": 1.0,
    "contract_termination": 1.0,
    "fiber_availability": 0.5,
    "outage_check": 0.25,
    "billing": 1.0,
    "plan_change": 1.0,
}
_CONT = {
    "device_upgrade": (0.80, 0.75, 0.72, 0.70, 0.85),
    "contract_termination": (0.85, 0.75, 0.72, 0.85),
    "fiber_availability": (0.90, 0.80, 0.62, 0.85),
    "outage_check": (0.85, 0.90),
    "billing": (0.92, 0.85, 0.80, 0.90),
    "plan_change": (0.80, 0.75, 0.75, 0.72, 0.85),
}
_GOAL_P = 0.95
# Recognized journeys: after the login wall, a share of the drop-outs is avoided
# (pre-filled forms, personalised offers), and the goal is a little more likely.
_REC_KEEP = 0.18
_REC_GOAL_P = 0.96

STEP_NAMES: tuple[str, ...] = tuple(dict.fromkeys(s for steps in _STEPS.values() for s in steps))
_MAXL = max(len(s) for s in _STEPS.values())
_NJT = len(JOURNEY_TYPES)
_STEP_TAB = np.full((_NJT, _MAXL), -1, np.int16)
_CONT_TAB = np.zeros((_NJT, _MAXL - 1))
_LEN = np.zeros(_NJT, np.int64)
_WALL_TAB = np.zeros(_NJT, np.int64)
_LOGIN_P_TAB = np.zeros(_NJT)
for _name, _steps in _STEPS.items():
    _j = _JT[_name]
    _LEN[_j] = len(_steps)
    _STEP_TAB[_j, : len(_steps)] = [STEP_NAMES.index(s) for s in _steps]
    _CONT_TAB[_j, : len(_steps) - 1] = _CONT[_name]
    _WALL_TAB[_j] = _WALL[_name]
    _LOGIN_P_TAB[_j] = _LOGIN_P[_name]


def _p(names: tuple[str, ...], weights: dict[str, float]) -> np.ndarray:
    p = np.array([weights.get(n, 0.0) for n in names], float)
    return p / p.sum()


_JT_CUSTOMER_P = _p(
    JOURNEY_TYPES,
    {
        "billing": 0.27,
        "device_upgrade": 0.19,
        "plan_change": 0.17,
        "fiber_availability": 0.10,
        "outage_check": 0.15,
        "contract_termination": 0.12,
    },
)
_JT_PROSPECT_P = _p(
    JOURNEY_TYPES, {"fiber_availability": 0.5, "plan_change": 0.25, "device_upgrade": 0.25}
)
_INTENT_P = _p(
    INTENTS,
    {
        "device_upgrade": 0.08,
        "contract_termination": 0.05,
        "fiber_availability": 0.05,
        "outage_check": 0.06,
        "billing": 0.24,
        "plan_change": 0.10,
        "technical_support": 0.30,
        "other": 0.12,
    },
)

# Service channels, in this order in the tables below.
_SVC = np.array([CHATBOT, IVR, VOICE, WHATSAPP, EMAIL, STORE])
_SVC_P = np.array(  # by value tier
    [
        [0.27, 0.28, 0.10, 0.13, 0.09, 0.13],
        [0.24, 0.25, 0.13, 0.15, 0.08, 0.15],
        [0.16, 0.18, 0.20, 0.22, 0.08, 0.16],
    ]
)
_NEXT_SVC_P = np.array(  # channel of a repeat contact, by channel of the previous one
    [
        [0.25, 0.10, 0.40, 0.15, 0.00, 0.10],
        [0.05, 0.40, 0.35, 0.05, 0.00, 0.15],
        [0.05, 0.15, 0.55, 0.05, 0.00, 0.20],
        [0.05, 0.05, 0.30, 0.50, 0.00, 0.10],
        [0.05, 0.05, 0.40, 0.10, 0.30, 0.10],
        [0.00, 0.10, 0.35, 0.05, 0.00, 0.50],
    ]
)
_NCH = len(CHANNELS)


def _by_channel(values: dict[int, float]) -> np.ndarray:
    out = np.zeros(_NCH)
    for k, v in values.items():
        out[k] = v
    return out


_HANDOFF_P = _by_channel({CHATBOT: 0.42, IVR: 0.50, WHATSAPP: 0.15})
_UNRESOLVED_P = _by_channel(
    {CHATBOT: 0.30, IVR: 0.24, VOICE: 0.14, WHATSAPP: 0.17, EMAIL: 0.28, STORE: 0.11}
)
_RESPOND_P = _by_channel(
    {CHATBOT: 0.28, IVR: 0.30, VOICE: 0.33, WHATSAPP: 0.33, EMAIL: 0.25, STORE: 0.30}
)
_CH_Q = _by_channel(
    {
        CHATBOT: -0.15,
        IVR: -0.25,
        VOICE: 0.15,
        WHATSAPP: 0.15,
        EMAIL: -0.10,
        STORE: 0.25,
        WEB: 0.0,
        APP: 0.10,
    }
)
_INTENT_UNRES = np.zeros(len(INTENTS))
_INTENT_UNRES[_IN["technical_support"]] = 0.08
_INTENT_UNRES[_IN["outage_check"]] = 0.05
_INTENT_UNRES[_IN["contract_termination"]] = 0.05
_INTENT_Q = np.zeros(len(INTENTS))
_INTENT_Q[_IN["technical_support"]] = -0.10
_INTENT_Q[_IN["contract_termination"]] = -0.30
_INTENT_Q[_IN["billing"]] = -0.05
_JT_Q = np.zeros(_NJT)
_JT_Q[_JT["contract_termination"]] = -0.35
_JT_Q[_JT["outage_check"]] = -0.25
_JT_Q[_JT["billing"]] = -0.05

# fmt: off
# Hour-of-day profiles (UTC; Spain is UTC+1/+2).
_H_DIGITAL = np.array([1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 3.8, 4.5, 4.8, 5.4,
                       5.6, 5.0, 4.6, 4.6, 4.8, 5.4, 6.4, 7.2, 7.4, 6.0, 4.0, 2.2])
_H_SERVICE = np.array([0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.4, 3.0, 6.0, 7.2, 7.4, 7.2,
                       6.6, 5.8, 6.0, 6.6, 6.8, 6.4, 5.4, 3.8, 1.4, 0.6, 0.3, 0.2])
_H_CHAT = np.array([1.0, 0.6, 0.3, 0.2, 0.2, 0.4, 1.0, 2.8, 4.6, 5.6, 5.8, 5.8,
                    5.4, 5.0, 5.0, 5.2, 5.4, 5.6, 5.8, 5.8, 5.2, 4.2, 2.8, 1.8])
# fmt: on

# Verbatims: (sentiment, context) -> texts. Contexts of negative comments: 0 generic,
# 1 abandoned handoff, 2 outage, 3 repeat contact, 4 digital journey.
_VERBATIM_GROUPS: tuple[tuple[str, ...], ...] = (
    (  # 0 negative, generic
        "Muy mal servicio, nadie me soluciona nada.",
        "La atención fue lenta y poco clara.",
        "Demasiado caro para lo que ofrecen.",
        "No me dieron ninguna solución, solo excusas.",
        "Terrible experience, nobody could help me.",
        "Prices keep going up and the service does not improve.",
    ),
    (  # 1 negative, abandoned handoff
        "El chatbot no me entendía y nunca me pasó con una persona.",
        "Pedí hablar con un agente, esperé veinte minutos y se cortó.",
        "El asistente virtual me hacía dar vueltas sin salida.",
        "The bot kept looping and I never reached an agent.",
        "I asked for a human and waited forever.",
    ),
    (  # 2 negative, outage
        "Me quedé sin internet varios días y nadie avisó.",
        "Sin fibra durante la avería y sin información clara.",
        "La avería duró días y no hubo ninguna compensación.",
        "Outage for days, no updates, no compensation.",
        "The outage map said everything was fine when it was not.",
    ),
    (  # 3 negative, repeat contact
        "Tuve que llamar otra vez porque no lo resolvieron.",
        "Es la tercera vez que contacto por lo mismo.",
        "Me prometieron una llamada que nunca llegó.",
        "Had to call back because the first agent did not fix it.",
        "They promised a callback that never came.",
    ),
    (  # 4 negative, digital journey
        "La web se quedó colgada en el formulario.",
        "No encontraba dónde darme de baja.",
        "Demasiados pasos solo para ver la factura.",
        "The checkout kept failing on my phone.",
        "Too many steps just to compare plans.",
    ),
    (  # 5 neutral
        "Correcto, aunque tardó un poco.",
        "Bien, pero la web podría ser más clara.",
        "Resolvieron el problema, pero me costó encontrar la opción.",
        "Normal, ni bien ni mal.",
        "Ok, nothing special.",
        "It worked in the end, took a while.",
    ),
    (  # 6 positive
        "Muy buena atención, me lo resolvieron a la primera.",
        "Rápido y sencillo, gracias.",
        "El agente fue muy amable y resolutivo.",
        "Me reconocieron sin tener que identificarme, genial.",
        "Todo perfecto con la nueva tarifa.",
        "Great service, solved on the first call.",
        "The app made it really easy.",
        "Fast and friendly, thanks!",
    ),
)
VERBATIMS: tuple[str, ...] = tuple(v for g in _VERBATIM_GROUPS for v in g)
_VERB_LEN = np.array([len(g) for g in _VERBATIM_GROUPS])
_VERB_OFF = np.concatenate([[0], np.cumsum(_VERB_LEN)[:-1]])
_CTX_GENERIC, _CTX_HANDOFF, _CTX_OUTAGE, _CTX_REPEAT, _CTX_DIGITAL = range(5)

# Internal event columns: numeric codes, -1 = missing.
_COLS: dict[str, type] = {
    "ts": np.int64,
    "et": np.int8,
    "ch": np.int8,
    "anon": np.int64,
    "net": np.int64,
    "cust": np.int64,
    "jid": np.int64,
    "jt": np.int8,
    "intent": np.int8,
    "cid": np.int64,
    "step": np.int16,
    "st": np.int8,
    "score": np.int16,
    "verb": np.int16,
}
_FRESH_BASE = (
    1 << 40
)  # anonymous-id numbers of one-off cookies (customer cookies: 4 * index + slot)


def _part(n: int, **cols) -> dict[str, np.ndarray]:
    out = {}
    for name, dtype in _COLS.items():
        v = cols.get(name, -1)
        out[name] = (
            np.broadcast_to(np.asarray(v, dtype=dtype), (n,))
            if np.ndim(v) == 0
            else np.asarray(v, dtype)
        )
    return out


def _cat(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Per-row categorical draw: row i uses probabilities table[row[i]]."""
    cum = np.cumsum(table, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(len(row))
    return (u[:, None] > cum[row]).sum(axis=1)


# --------------------------------------------------------------------------- the world


def outage_start_day(start: date, days: int, anchor: date = date(2026, 1, 5), period_days: int = 14) -> int:
    """Day index of the outage: 4 days into the last closed review period of the data, so
    the committee's default review shows it (40 % into the data when that is too short)."""
    end = start + timedelta(days=days - 1)
    period_start = anchor + timedelta(days=((end - anchor).days // period_days) * period_days)
    if end < period_start + timedelta(days=period_days - 1):
        period_start -= timedelta(days=period_days)  # the current period is still open
    day = (period_start - start).days + 4
    if days < 3 * period_days or day < 0:
        day = int(round(0.4 * days))
    return min(day, max(days - OUTAGE_DAYS, 0))


class _World:
    """Customers, calendar and the global story parameters (all seeded by ``seed``)."""

    def __init__(self, seed: int, n: int, days: int, start: date):
        rng = np.random.default_rng([seed, 0])
        self.n, self.days, self.start = n, days, start
        self.t0 = (start - date(1970, 1, 1)).days * _DAY
        self.t_end = self.t0 + days * _DAY  # exclusive

        # calendar
        dow = np.array([(start + timedelta(days=i)).weekday() for i in range(days)])
        weekend = dow >= 5
        self.w_digital = np.where(weekend, 1.18, 1.0)
        self.w_contact = np.where(dow == 6, 0.45, np.where(dow == 5, 0.7, 1.0))
        self.outage_day = outage_start_day(start, days)
        self.outage_lo = self.t0 + self.outage_day * _DAY
        self.outage_hi = self.outage_lo + OUTAGE_DAYS * _DAY
        self.trend_lo = self.t0 + max(days - 28, 0) * _DAY  # chatbot handoff degrades from here

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

        region_out = self.region == REGIONS.index(OUTAGE_REGION)
        p_churn = (
            0.022 * np.array([1.35, 1.0, 0.7])[self.tier] * np.where(self.segment == 1, 0.8, 1.0)
        )
        p_churn = p_churn * np.where(region_out, 1.5, 1.0)
        churn = (rng.random(n) < p_churn) & ~new
        lo = self.t0 + min(7, days // 4) * _DAY
        churn_ts = rng.integers(lo, self.t_end, n)
        after_outage = self.outage_hi + (3 * _DAY + rng.random(n) * 27 * _DAY).astype(np.int64)
        use_after = region_out & (rng.random(n) < 0.55) & (after_outage < self.t_end)
        churn_ts = np.where(use_after, after_outage, churn_ts)
        self.churn = churn
        self.active_to = np.where(churn, churn_ts, self.t_end)  # exclusive for starts

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
        second = (~first_member) & (hh_first == np.arange(n) - 1) & (rng.random(n) < 0.004)
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
        hit = (owner >= 0) & (self.region[np.maximum(owner, 0)] == REGIONS.index(OUTAGE_REGION))
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


# --------------------------------------------------------------------------- one chunk


class _Counters:
    def __init__(self) -> None:
        self.journey = 0
        self.contact = 0
        self.fresh = 0
        self.event = 0

    def take(self, name: str, k: int) -> np.ndarray:
        v = getattr(self, name)
        setattr(self, name, v + k)
        return np.arange(v, v + k, dtype=np.int64)


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


def _journeys(world: _World, lo: int, hi: int, rng: np.random.Generator, ctr: _Counters) -> list:
    w = world
    m = hi - lo
    idx = np.arange(lo, hi)
    D = w.days

    # --- entities: customer journeys, outage checks, churn research, prospects
    nj = rng.poisson(w.dig_rate[idx] * w.w_digital.sum())
    own_a = np.repeat(idx, nj)
    start_a = w.draw_ts(rng, w.draw_days(rng, len(own_a), w.w_digital), _H_DIGITAL)
    jt_a = rng.choice(_NJT, size=len(own_a), p=_JT_CUSTOMER_P)

    reg = w.region[idx] == REGIONS.index(OUTAGE_REGION)
    no = rng.poisson(np.where(reg, 0.12 * OUTAGE_DAYS, 0.0))
    own_b = np.repeat(idx, no)
    od = rng.choice(OUTAGE_DAYS, size=len(own_b), p=[0.4, 0.3, 0.2, 0.1])
    day_b = np.minimum(w.outage_day + od, D - 1)
    start_b = w.draw_ts(rng, day_b, _H_DIGITAL)
    jt_b = np.full(len(own_b), _JT["outage_check"])

    ch_idx = idx[w.churn[idx] & (rng.random(m) < 0.7)]
    start_c = w.active_to[ch_idx] - (3 * _DAY + rng.random(len(ch_idx)) * 27 * _DAY).astype(
        np.int64
    )
    own_c = ch_idx
    jt_c = np.full(len(own_c), _JT["contract_termination"])

    owner = np.concatenate([own_a, own_b, own_c])
    start = np.concatenate([start_a, start_b, start_c])
    jt = np.concatenate([jt_a, jt_b, jt_c])
    keep = (start >= w.active_from[owner]) & (start < w.active_to[owner]) & (start >= w.t0)
    owner, start, jt = owner[keep], start[keep], jt[keep]
    nc = len(owner)

    npros = rng.poisson(0.03 * m * D)
    p_start = w.draw_ts(rng, w.draw_days(rng, npros, w.w_digital), _H_DIGITAL)
    p_jt = rng.choice(_NJT, size=npros, p=_JT_PROSPECT_P)

    # --- identifiers of customer journeys
    app = w.app_user[owner] & (rng.random(nc) < 0.55)
    slot = np.where(app, 0, np.where(w.two_web[owner] & (rng.random(nc) < 0.5), 2, 1))
    fresh = rng.random(nc) < np.where(app, 0.10, 0.30)
    canon = w.cookie[owner, slot]
    anon_c = np.where(fresh, _FRESH_BASE + ctr.take("fresh", nc), canon)
    aslot = np.where(fresh, -1, canon - 4 * lo)
    net_c = np.where(w.has_line[owner] & (rng.random(nc) < np.where(app, 0.5, 0.2)), owner, -1)
    auth = rng.random(nc) < np.where(app, 0.25, 0.05)
    ident0 = (net_c >= 0) & ~auth & (rng.random(nc) < 0.08)

    n_all = nc + npros
    own_all = np.concatenate([owner, np.full(npros, -1)])
    start_all = np.concatenate([start, p_start])
    jt_all = np.concatenate([jt, p_jt]).astype(np.int64)
    ch_all = np.concatenate([np.where(app, APP, WEB), np.full(npros, WEB)])
    p_anon = np.where(rng.random(npros) < 0.8, _FRESH_BASE + ctr.take("fresh", npros), -1)
    anon_all = np.concatenate([anon_c, p_anon])
    net_all = np.concatenate([net_c, np.full(npros, -1)])
    aslot_all = np.concatenate([aslot, np.full(npros, -1)])
    auth_all = np.concatenate([auth, np.zeros(npros, bool)])
    ident0_all = np.concatenate([ident0, np.zeros(npros, bool)])
    jid = ctr.take("journey", n_all)

    # --- step timing and the pre-wall walk (independent of recognition)
    L = _LEN[jt_all]
    wall = _WALL_TAB[jt_all]
    U = rng.random((n_all, _MAXL - 1))
    P = _CONT_TAB[jt_all]
    S_base = U < P
    reach = np.cumprod(S_base, axis=1)
    reach_wall = reach[np.arange(n_all), wall - 1].astype(bool)
    gaps = (np.exp(rng.normal(np.log(45), 0.7, (n_all, _MAXL))) + 5).astype(np.int64)
    pv_ts = start_all[:, None] + np.concatenate(
        [np.zeros((n_all, 1), np.int64), np.cumsum(gaps[:, :-1], 1)], 1
    )
    r = np.arange(n_all)
    login = (own_all >= 0) & ~auth_all & reach_wall & (rng.random(n_all) < _LOGIN_P_TAB[jt_all])
    login_ts = pv_ts[r, wall - 1] + (gaps[r, wall - 1] * 0.6).astype(np.int64)

    # --- standalone identify events (network recognition)
    idl = idx[w.has_line[idx] & (rng.random(m) < 0.30)]
    span = (w.active_to[idl] - w.active_from[idl]).astype(float)
    id_ts = w.active_from[idl] + (rng.beta(1.3, 2.2, len(idl)) * span).astype(np.int64)
    id_app = w.app_user[idl] & (rng.random(len(idl)) < 0.5)
    id_anon = np.where(rng.random(len(idl)) < 0.3, w.cookie[idl, np.where(id_app, 0, 1)], -1)

    # --- links (CONTRACT section 2) and recognition of each journey's first event
    link_a = np.full(4 * m, _BIG, np.int64)
    link_n = np.full(m, _BIG, np.int64)

    def add(arr, keys, tss, sel):
        np.minimum.at(arr, keys[sel], tss[sel])

    add(link_a, aslot_all, login_ts, login & (aslot_all >= 0))
    add(link_n, net_all - lo, login_ts, login & (net_all >= 0))
    add(link_a, aslot_all, start_all, auth_all & (aslot_all >= 0))
    add(link_n, net_all - lo, start_all, (auth_all | ident0_all) & (net_all >= 0))
    add(link_n, idl - lo, id_ts, np.ones(len(idl), bool))
    add(link_a, id_anon - 4 * lo, id_ts, id_anon >= 0)
    rec = (
        auth_all
        | ((aslot_all >= 0) & (link_a[np.maximum(aslot_all, 0)] <= start_all))
        | ((net_all >= 0) & (link_n[np.clip(net_all - lo, 0, m - 1)] <= start_all))
    )

    # --- post-wall walk: recognized journeys avoid some drop-outs
    post = np.arange(_MAXL - 1)[None, :] >= wall[:, None]
    P_eff = np.where(rec[:, None] & post & (P > 0), P + (1 - P) * _REC_KEEP, P)
    S = U < P_eff
    npv = 1 + np.cumprod(S, axis=1).sum(1)
    done = (npv == L) & (rng.random(n_all) < np.where(rec, _REC_GOAL_P, _GOAL_P))
    last_ts = pv_ts[r, npv - 1]
    cust_all = np.where(own_all >= 0, own_all, -1)
    delayed = (rng.random(n_all) < 0.12) & (npv >= 2)

    parts = []
    # page views
    rep = np.repeat(r, npv)
    first = np.cumsum(npv) - npv
    pos = np.arange(len(rep)) - first[rep]
    with_cust = auth_all[rep] | (login[rep] & (pos >= wall[rep]))
    typed = np.where(delayed[rep], pos == 1, pos == 0)
    parts.append(
        _part(
            len(rep),
            ts=pv_ts[rep, pos],
            et=PAGE_VIEW,
            ch=ch_all[rep],
            anon=anon_all[rep],
            net=net_all[rep],
            cust=np.where(with_cust, cust_all[rep], -1),
            jid=jid[rep],
            jt=np.where(typed, jt_all[rep], -1),
            step=_STEP_TAB[jt_all[rep], pos],
        )
    )
    # logins
    s = np.flatnonzero(login)
    parts.append(
        _part(
            len(s),
            ts=login_ts[s],
            et=LOGIN,
            ch=ch_all[s],
            anon=anon_all[s],
            net=net_all[s],
            cust=cust_all[s],
            jid=jid[s],
        )
    )
    # identify at the start of a journey (same ts as its first page view)
    s = np.flatnonzero(ident0_all)
    parts.append(
        _part(
            len(s),
            ts=start_all[s],
            et=IDENTIFY,
            ch=ch_all[s],
            net=net_all[s],
            cust=cust_all[s],
            jid=jid[s],
        )
    )
    # standalone identify
    parts.append(
        _part(
            len(idl),
            ts=id_ts,
            et=IDENTIFY,
            ch=np.where(id_app, APP, WEB),
            net=idl,
            anon=id_anon,
            cust=idl,
        )
    )
    # goals
    s = np.flatnonzero(done)
    goal_ts = last_ts[s] + rng.integers(3, 40, len(s))
    known = auth_all | login
    parts.append(
        _part(
            len(s),
            ts=goal_ts,
            et=GOAL,
            ch=ch_all[s],
            anon=anon_all[s],
            net=net_all[s],
            cust=np.where(known[s], cust_all[s], -1),
            jid=jid[s],
        )
    )

    # journey surveys (in-page intercept or e-mail); one identifier only (no new links)
    p_surv = np.where(done, 0.10, 0.05)
    identifiable = (own_all >= 0) & (known | rec)
    sv = (rng.random(n_all) < p_surv) & (identifiable | (anon_all >= 0))
    s = np.flatnonzero(sv)
    by_email = identifiable[s] & (rng.random(len(s)) < 0.3)
    end_ts = last_ts[s] + 40 * done[s]
    sts = end_ts + np.where(
        by_email, rng.integers(3600, 2 * _DAY, len(s)), rng.integers(20, 600, len(s))
    )
    outage = w.in_outage(own_all[s], start_all[s], after_days=7)
    q = (
        np.where(done[s], 0.3, -0.3)
        + 0.12 * rec[s]
        + _JT_Q[jt_all[s]]
        + _CH_Q[ch_all[s]]
        - 0.7 * outage
        + np.where(own_all[s] >= 0, w.nps_mood[np.maximum(own_all[s], 0)], 0.0)
    )
    ctx = np.where(outage, _CTX_OUTAGE, _CTX_DIGITAL)
    parts += _surveys(
        rng,
        ts=sts,
        ch=np.where(by_email, EMAIL, ch_all[s]),
        cust=np.where(identifiable[s], cust_all[s], -1),
        anon=np.where(identifiable[s], -1, anon_all[s]),
        jid=jid[s],
        cid=np.full(len(s), -1),
        q=q,
        ctx=ctx,
        type_p=(0.7, 0.4, 0.55),
    )

    return parts


def _contacts(world: _World, lo: int, hi: int, rng: np.random.Generator, ctr: _Counters) -> list:
    w = world
    m = hi - lo
    idx = np.arange(lo, hi)
    reg = w.region[idx] == REGIONS.index(OUTAGE_REGION)

    # base contacts
    n_b = rng.poisson(w.contact_rate[idx] * w.w_contact.sum())
    own_b = np.repeat(idx, n_b)
    day_b = w.draw_days(rng, len(own_b), w.w_contact)
    svc_b = _cat(rng, _SVC_P, w.tier[own_b])
    int_b = rng.choice(len(INTENTS), size=len(own_b), p=_INTENT_P)
    # outage contacts
    n_o = rng.poisson(np.where(reg, 0.07 * OUTAGE_DAYS, 0.0))
    own_o = np.repeat(idx, n_o)
    day_o = np.minimum(
        w.outage_day + rng.choice(OUTAGE_DAYS, size=len(own_o), p=[0.4, 0.3, 0.2, 0.1]), w.days - 1
    )
    svc_o = _cat(
        rng, np.array([[0.15, 0.45, 0.15, 0.10, 0.05, 0.10]]), np.zeros(len(own_o), np.int64)
    )
    int_o = np.where(rng.random(len(own_o)) < 0.55, _IN["technical_support"], _IN["outage_check"])
    # churners asking to leave
    own_c = idx[w.churn[idx] & (rng.random(m) < 0.35)]
    lead = (1 * _DAY + rng.random(len(own_c)) * 19 * _DAY).astype(np.int64)
    t_c = w.active_to[own_c] - lead
    svc_c = _cat(
        rng, np.array([[0.15, 0.0, 0.40, 0.15, 0.0, 0.30]]), np.zeros(len(own_c), np.int64)
    )

    own = np.concatenate([own_b, own_o])
    svc = np.concatenate([svc_b, svc_o])
    ch = _SVC[svc]
    day = np.concatenate([day_b, day_o])
    service_hours = (ch == IVR) | (ch == VOICE) | (ch == STORE)
    ts = np.empty(len(own), np.int64)
    ts[service_hours] = w.draw_ts(rng, day[service_hours], _H_SERVICE)
    ts[~service_hours] = w.draw_ts(rng, day[~service_hours], _H_CHAT)
    own = np.concatenate([own, own_c])
    svc = np.concatenate([svc, svc_c])
    ts = np.concatenate([ts, t_c])
    intent = np.concatenate([int_b, int_o, np.full(len(own_c), _IN["contract_termination"])])
    keep = (ts >= w.active_from[own]) & (ts < w.active_to[own]) & (ts >= w.t0)
    own, svc, ts, intent = own[keep], svc[keep], ts[keep], intent[keep]
    repeat = np.zeros(len(own), bool)

    parts = []
    for gen in range(4):
        n = len(own)
        if n == 0:
            break
        ch = _SVC[svc]
        cid = ctr.take("contact", n)
        # identifiers: authenticated channels carry customer_id; the chatbot often only a cookie
        cust = own.copy()
        anon = np.full(n, -1, np.int64)
        bot_anon = (ch == CHATBOT) & (rng.random(n) < 0.45)
        slot = np.where(w.app_user[own] & (rng.random(n) < 0.35), 0, 1)
        anon[bot_anon] = w.cookie[own[bot_anon], slot[bot_anon]]
        cust[bot_anon] = -1
        cust[(ch == IVR) & (rng.random(n) < 0.06)] = -1  # unidentified caller

        outage = w.in_outage(own, ts)
        hand = rng.random(n) < _HANDOFF_P[ch]
        frac = np.clip((ts - w.trend_lo) / max(w.t_end - w.trend_lo, 1), 0.0, 1.0)
        p_ab = np.select(
            [ch == CHATBOT, ch == IVR, ch == WHATSAPP],
            [0.12 + 0.26 * frac, 0.14 + 0.25 * outage, np.full(n, 0.10)],
            0.0,
        )
        aband = hand & (rng.random(n) < p_ab)
        outage_issue = outage & (
            (intent == _IN["technical_support"]) | (intent == _IN["outage_check"])
        )
        p_unres = (
            _UNRESOLVED_P[ch] + _INTENT_UNRES[intent] + 0.35 * aband + 0.25 * outage_issue
        ) * 0.8**gen
        unres = rng.random(n) < p_unres

        parts.append(
            _part(n, ts=ts, et=CONTACT, ch=ch, cust=cust, anon=anon, cid=cid, intent=intent)
        )
        s = np.flatnonzero(hand)
        h_ts = ts[s] + rng.integers(60, 300, len(s))
        parts.append(
            _part(len(s), ts=h_ts, et=HANDOFF, ch=ch[s], cust=cust[s], anon=anon[s], cid=cid[s])
        )
        conn = hand & ~aband
        s2 = np.flatnonzero(conn)
        wait = (np.exp(rng.normal(np.log(90), 0.8, len(s2))) * np.where(outage[s2], 4, 1)).astype(
            np.int64
        ) + 10
        a_ts = ts[s2] + 300 + wait
        a_ch = np.select(
            [ch[s2] == IVR, ch[s2] == CHATBOT],
            [np.full(len(s2), VOICE), np.where(rng.random(len(s2)) < 0.15, WHATSAPP, CHATBOT)],
            ch[s2],
        )
        parts.append(
            _part(len(s2), ts=a_ts, et=AGENT, ch=a_ch, cust=cust[s2], anon=anon[s2], cid=cid[s2])
        )

        # surveys about this contact
        resp = rng.random(n) < _RESPOND_P[ch] + 0.05 * aband
        s = np.flatnonzero(resp)
        handle = (np.exp(rng.normal(np.log(480), 0.6, len(s))) + 60).astype(np.int64) + 300 * hand[
            s
        ]
        by_email = rng.random(len(s)) < np.where(ch[s] == STORE, 0.7, 0.45)
        s_ch = np.where(by_email, EMAIL, np.where(ch[s] == STORE, APP, ch[s]))
        s_ts = (
            ts[s]
            + handle
            + np.where(
                by_email, rng.integers(1800, 2 * _DAY, len(s)), rng.integers(30, 300, len(s))
            )
        )
        q = (
            _CH_Q[ch[s]]
            + np.where(unres[s], -0.75, 0.35)
            - 0.25 * repeat[s]
            + 0.15 * conn[s]
            - 1.2 * aband[s]
            - 0.6 * outage[s]
            + _INTENT_Q[intent[s]]
            - 0.1 * (w.tier[own[s]] == 2)
            + 0.5 * w.nps_mood[own[s]]
        )
        ctx = np.select(
            [aband[s], outage[s], unres[s] | repeat[s]],
            [_CTX_HANDOFF, _CTX_OUTAGE, _CTX_REPEAT],
            _CTX_GENERIC,
        )
        parts += _surveys(
            rng,
            ts=s_ts,
            ch=s_ch,
            cust=cust[s],
            anon=anon[s],
            jid=np.full(len(s), -1),
            cid=cid[s],
            q=q,
            ctx=ctx,
            type_p=(0.75, 0.85, 0.6),
        )

        # repeats: same person and intent within 7 days, often escalated to another channel
        s = np.flatnonzero(unres)
        gap = np.clip(np.exp(rng.normal(np.log(1.2 * _DAY), 0.9, len(s))), 0.02 * _DAY, 6.9 * _DAY)
        nts = ts[s] + gap.astype(np.int64)
        nsvc = _cat(rng, _NEXT_SVC_P, svc[s])
        ok = (nts < w.active_to[own[s]]) & (nts < w.t_end)
        own, svc, ts, intent = own[s][ok], nsvc[ok], nts[ok], intent[s][ok]
        repeat = np.ones(len(own), bool)
    return parts


def _relational_and_churn(world: _World, lo: int, hi: int, rng: np.random.Generator) -> list:
    w = world
    m = hi - lo
    idx = np.arange(lo, hi)
    parts = []
    # relational NPS by e-mail (rates the company, no contact or journey)
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
    # churn
    s = idx[w.churn[idx] & (w.active_to[idx] < w.t_end)]
    ch = np.array([VOICE, STORE, WEB, APP])[rng.choice(4, size=len(s), p=[0.4, 0.25, 0.25, 0.1])]
    parts.append(_part(len(s), ts=w.active_to[s], et=CHURN, ch=ch, cust=s))
    return parts


def _chunk(
    world: _World, lo: int, hi: int, rng: np.random.Generator, ctr: _Counters
) -> dict[str, np.ndarray]:
    parts = _journeys(world, lo, hi, rng, ctr)
    parts += _contacts(world, lo, hi, rng, ctr)
    parts += _relational_and_churn(world, lo, hi, rng)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in _COLS}
    keep = (cols["ts"] >= world.t0) & (cols["ts"] < world.t_end)
    order = np.argsort(cols["ts"][keep], kind="stable")
    return {k: v[keep][order] for k, v in cols.items()}


# --------------------------------------------------------------------------- output


_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


def _fmt_ids(prefix: bytes, nums: np.ndarray, width: int, base: int = 10) -> pa.Array:
    """Fixed-width ids ``prefix + digits`` as an arrow string array; negative = null."""
    nums = np.asarray(nums, np.int64)
    valid = nums >= 0
    v = nums[valid].astype(np.uint64)
    k = len(v)
    w = len(prefix) + width
    buf = np.empty((k, w), np.uint8)
    buf[:, : len(prefix)] = np.frombuffer(prefix, np.uint8)
    b = np.uint64(base)
    for i in range(w - 1, len(prefix) - 1, -1):
        buf[:, i] = _HEX[(v % b).astype(np.intp)]
        v //= b
    offsets = np.zeros(len(nums) + 1, np.int32)
    offsets[1:] = np.cumsum(valid * w, dtype=np.int32)
    nulls = len(nums) - k
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    return pa.Array.from_buffers(
        pa.string(), len(nums), [bitmap, pa.py_buffer(offsets), pa.py_buffer(buf)], null_count=nulls
    )


def _fmt_vocab(vocab: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    codes = np.asarray(codes, np.int32)
    return pc.take(pa.array(vocab, pa.string()), pa.array(codes, mask=codes < 0))


def _scramble_anon(nums: np.ndarray) -> np.ndarray:
    """Mix anonymous-id numbers (< 2**48) into random-looking 48-bit values, bijectively.

    Odd multipliers and additions mod 2**48 and an xor-shift within 48 bits are each invertible, so
    distinct inputs always give distinct cookies.
    """
    mask = np.uint64((1 << 48) - 1)
    v = (nums.astype(np.uint64) * np.uint64(0x5DEECE66D) + np.uint64(0xB0A7C0DE)) & mask
    v ^= v >> np.uint64(24)
    v = (v * np.uint64(0x9E3779B97F4B)) & mask
    return np.where(nums >= 0, v.astype(np.int64), -1)


def _to_table(cols: dict[str, np.ndarray], first_event: int, ts_text: bool) -> pa.Table:
    n = len(cols["ts"])
    ts = pa.array(cols["ts"].astype("datetime64[s]"))
    if ts_text:
        ts = pc.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ")
    else:
        ts = ts.cast(pa.timestamp("ms")).cast(pa.timestamp("ms", tz="UTC"))
    net = cols["net"]
    score = cols["score"].astype(np.int64)
    data = {
        "event_id": _fmt_ids(b"evt-", np.arange(first_event, first_event + n), 10),
        "ts": ts,
        "event_type": _fmt_vocab(EVENT_TYPES, cols["et"]),
        "channel": _fmt_vocab(CHANNELS, cols["ch"]),
        "anonymous_id": _fmt_ids(b"ck-", _scramble_anon(cols["anon"]), 12, 16),
        "network_id": _fmt_ids(
            b"tel-346", np.where(net >= 0, (net * 7919 + 1_234_567) % 100_000_000, -1), 8
        ),
        "customer_id": _fmt_ids(b"C", np.where(cols["cust"] >= 0, cols["cust"] + 1, -1), 7),
        "journey_id": _fmt_ids(b"jrn-", cols["jid"], 9),
        "journey_type": _fmt_vocab(JOURNEY_TYPES, cols["jt"]),
        "intent": _fmt_vocab(INTENTS, cols["intent"]),
        "contact_id": _fmt_ids(b"ct-", cols["cid"], 9),
        "step": _fmt_vocab(STEP_NAMES, cols["step"]),
        "survey_type": _fmt_vocab(SURVEY_TYPES, cols["st"]),
        "score": pa.array(score, mask=score < 0),
        "verbatim": _fmt_vocab(VERBATIMS, cols["verb"]),
    }
    return pa.table({c: data[c] for c in EVENT_COLUMNS})


class _Writer:
    """Streams chunk tables to one events file (Parquet row groups, CSV or JSON Lines)."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt = path, fmt
        self._pq: pq.ParquetWriter | None = None
        self._csv: pacsv.CSVWriter | None = None
        self._fh = None
        self._con = None
        if fmt == "jsonl":
            import duckdb

            self._fh = open(path, "wb")  # noqa: SIM115
            self._con = duckdb.connect()
            self._part = path.with_name(f".{path.name}.part")

    def write(self, table: pa.Table) -> None:
        if self.fmt == "parquet":
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.path, table.schema, compression="snappy")
            self._pq.write_table(table)
        elif self.fmt == "csv":
            if self._csv is None:
                self._csv = pacsv.CSVWriter(
                    self.path,
                    table.schema,
                    write_options=pacsv.WriteOptions(quoting_style="needed"),
                )
            self._csv.write_table(table)
        elif table.num_rows:
            # DuckDB's JSON writer is ~7x faster than pandas; one object per line, in order.
            self._con.register("chunk", table)
            target = str(self._part).replace("'", "''")
            self._con.execute(f"COPY chunk TO '{target}' (FORMAT JSON)")
            self._con.unregister("chunk")
            with open(self._part, "rb") as part:
                shutil.copyfileobj(part, self._fh)
            self._part.unlink()

    def close(self, schema: pa.Schema | None) -> None:
        if self.fmt == "parquet":
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.path, schema)
            self._pq.close()
        elif self.fmt == "csv":
            if self._csv is None:
                self._csv = pacsv.CSVWriter(
                    self.path, schema, write_options=pacsv.WriteOptions(quoting_style="needed")
                )
            self._csv.close()
        else:
            self._fh.close()
            self._con.close()


def generate(
    out_dir: Path,
    *,
    seed: int = 42,
    customers: int = 20_000,
    days: int = 120,
    end: date | None = None,
    fmt: str = "parquet",
    progress: Callable[[int, int], None] | None = None,
) -> GenerateResult:
    """Write ``events.<fmt>``, ``customers.csv`` and ``dirty_events.csv`` into ``out_dir``.

    ``end`` is the last UTC day of data (inclusive; default yesterday); the data covers
    ``days`` days ending on it. Same arguments, same data.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    if not 1 <= customers <= 9_999_999:
        raise ValueError("customers must be between 1 and 9,999,999")
    if days < 1:
        raise ValueError("days must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    if end is None:
        end = date.today() - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    world = _World(seed, customers, days, start)
    customers_path = out_dir / "customers.csv"
    pacsv.write_csv(
        world.customers_table(),
        customers_path,
        write_options=pacsv.WriteOptions(quoting_style="needed"),
    )

    events_path = out_dir / _EXT[fmt]
    writer = _Writer(events_path, fmt)
    ctr = _Counters()
    schema = None
    for k, (lo, hi) in enumerate(world.chunks):
        rng = np.random.default_rng([seed, 1, k])
        cols = _chunk(world, lo, hi, rng, ctr)
        table = _to_table(cols, ctr.event + 1, ts_text=fmt != "parquet")
        ctr.event += table.num_rows
        schema = table.schema
        writer.write(table)
        if progress is not None:
            progress(hi, customers)
    writer.close(schema)

    dirty_path = write_dirty_events(out_dir / "dirty_events.csv", end=end)
    return GenerateResult(
        events_path=events_path,
        customers_path=customers_path,
        dirty_path=dirty_path,
        n_events=ctr.event,
        n_customers=customers,
    )


# --------------------------------------------------------------------------- dirty file

# Counts for dirty_events.csv, by hand (see _dirty_rows): valid = loaded + duplicates,
# rows_read = valid + quarantined.
DIRTY_EXPECTED: dict[str, int] = {
    "rows_read": 44,
    "valid": 19,
    "quarantined": 25,
    "duplicates_within_file": 1,
}


def _dirty_rows(end: date) -> list[dict[str, str]]:
    d = end - timedelta(days=3)
    day = d.isoformat()

    def at(hh_mm: str, suffix: str = "Z", sep: str = "T") -> str:
        return f"{day}{sep}{hh_mm}:00{suffix}"

    def row(**kw: str) -> dict[str, str]:
        return {c: kw.get(c, "") for c in EVENT_COLUMNS}

    jr, ck, cu, ct = "jrn-dirty-01", "ck-dirty-000001", "C0000001", "ct-dirty-01"
    # fmt: off
    rows = [
        # ---- valid rows (19, one of which is a duplicate event_id)
        row(event_id="dirty-001", ts=at("09:00"), event_type="page_view", channel="web", anonymous_id=ck,
            journey_id=jr, journey_type="billing", step="landing"),                                # 1 V
        row(event_id="dirty-002", ts=at("10:01", "+01:00"), event_type="page_view", channel="web",
            anonymous_id=ck, journey_id=jr, step="invoice_list"),                                  # 2 V offset
        row(event_id="dirty-003", ts=at("09:02", "", " "), event_type="login", channel="web",
            anonymous_id=ck, customer_id=cu, journey_id=jr),                                       # 3 V space, naive
        row(event_id="dirty-004", ts=f"{day}T09:03:30.250Z", event_type="journey_goal", channel="web",
            anonymous_id=ck, customer_id=cu, journey_id=jr),                                       # 4 V fraction
        row(event_id="dirty-005", ts=at("11:00", ""), event_type="contact", channel="ivr", customer_id=cu,
            contact_id=ct, intent="billing"),                                                      # 5 V
        row(event_id="dirty-006", ts=at("12:02", "+0100"), event_type="handoff_requested", channel="ivr",
            customer_id=cu, contact_id=ct),                                                        # 6 V ±hhmm
        row(event_id="dirty-007", ts=at("11:05"), event_type="agent_connected", channel="voice",
            customer_id=cu, contact_id=ct),                                                        # 7 V
        row(event_id="dirty-008", ts=at("15:00"), event_type="survey_response", channel="email",
            customer_id=cu, contact_id=ct, survey_type="nps", score="9",
            verbatim="Todo bien, gracias, muy rápido"),                                            # 8 V
        row(event_id="dirty-009", ts=at("15:01"), event_type="survey_response", channel="email",
            customer_id=cu, contact_id=ct, survey_type="csat", score="+4"),                        # 9 V signed
        row(event_id="dirty-010", ts=at("15:02"), event_type="survey_response", channel="email",
            customer_id=cu, contact_id=ct, survey_type="ces", score="7"),                          # 10 V
        row(event_id="dirty-011", ts=at("08:00"), event_type="identify", channel="app",
            network_id="tel-dirty-01", customer_id=cu),                                         # 11 V
        row(event_id="dirty-012", ts=at("18:00"), event_type="churn", channel="store",
            customer_id="C0000002"),                                                               # 12 V
        row(event_id=" dirty-013 ", ts=f" {at('13:00')} ", event_type="page_view ", channel=" web ",
            anonymous_id=" ck-dirty-000002 "),                                                     # 13 V trimmed
        row(event_id="dirty-014", ts=at("13:05"), event_type="page_view", channel="app",
            anonymous_id="ck-dirty-000002", survey_type="bogus", score="abc"),                      # 14 V ignored survey cols
        row(event_id="dirty-015", ts=at("13:10"), event_type="page_view", channel="web"),          # 15 V no identifier
        row(event_id="dirty-016", ts=at("14:00"), event_type="survey_response", channel="web",
            anonymous_id="ck-dirty-000002", survey_type="nps", score="0",
            verbatim="The bot kept looping and I never reached an agent."),                        # 16 V score 0
        row(event_id="dirty-017", ts=at("14:10"), event_type="login", channel="app",
            network_id="tel-dirty-01", customer_id=cu),                                         # 17 V network only
        row(event_id="dirty-018", ts=at("16:00"), event_type="contact", channel="whatsapp",
            customer_id=cu, contact_id="ct-dirty-02", intent="technical_support"),                  # 18 V
        row(event_id="dirty-001", ts=at("09:00"), event_type="page_view", channel="web", anonymous_id=ck,
            journey_id=jr, journey_type="billing", step="landing"),                                # 19 D duplicate of row 1
        # ---- quarantined rows (25)
        row(event_id="", ts=at("09:10"), event_type="page_view", channel="web"),                   # 20 Q missing event_id
        row(event_id="   ", ts=at("09:11"), event_type="page_view", channel="web"),                # 21 Q blank event_id
        row(event_id="dirty-q03", ts="", event_type="page_view", channel="web"),                    # 22 Q blank ts
        row(event_id="dirty-q04", ts="   ", event_type="page_view", channel="web"),                 # 23 Q blank ts (spaces)
        row(event_id="dirty-q05", ts="2026-02-30T10:00:00", event_type="page_view", channel="web"),  # 24 Q no such day
        row(event_id="dirty-q06", ts="03/02/2026 10:00", event_type="page_view", channel="web"),    # 25 Q not ISO
        row(event_id="dirty-q07", ts="2026-02-03", event_type="page_view", channel="web"),          # 26 Q date only
        row(event_id="dirty-q08", ts=at("09:20"), event_type="pageview", channel="web"),            # 27 Q unknown type
        row(event_id="dirty-q09", ts=at("09:21"), event_type="", channel="web"),                    # 28 Q blank type
        row(event_id="dirty-q10", ts=at("09:22"), event_type="page_view", channel="Web"),           # 29 Q 'Web'
        row(event_id="dirty-q11", ts=at("09:23"), event_type="page_view", channel="fax"),           # 30 Q 'fax'
        row(event_id="dirty-q12", ts=at("09:24"), event_type="contact", channel="voice", customer_id=cu,
            intent="billing"),                                                                     # 31 Q no contact_id
        row(event_id="dirty-q13", ts=at("09:25"), event_type="contact", channel="store", customer_id=cu,
            contact_id="ct-dirty-03"),                                                             # 32 Q no intent
        row(event_id="dirty-q14", ts=at("09:26"), event_type="login", channel="web", customer_id=cu),  # 33 Q no anon/net
        row(event_id="dirty-q15", ts=at("09:27"), event_type="login", channel="web", anonymous_id=ck),  # 34 Q no customer
        row(event_id="dirty-q16", ts=at("09:28"), event_type="survey_response", channel="email",
            customer_id=cu, survey_type="csat", score="4.5"),                                      # 35 Q 4.5
        row(event_id="dirty-q17", ts=at("09:29"), event_type="survey_response", channel="email",
            customer_id=cu, survey_type="nps", score="9.0"),                                       # 36 Q 9.0
        row(event_id="dirty-q18", ts=at("09:30"), event_type="survey_response", channel="email",
            customer_id=cu, survey_type="nps", score="11"),                                        # 37 Q 11 > 10
        row(event_id="dirty-q19", ts=at("09:31"), event_type="survey_response", channel="email",
            customer_id=cu, survey_type="csat", score="0"),                                        # 38 Q 0 < 1
        row(event_id="dirty-q20", ts=at("09:32"), event_type="survey_response", channel="email",
            customer_id=cu, survey_type="ces", score=""),                                          # 39 Q blank score
        row(event_id="dirty-q21", ts=at("09:33"), event_type="survey_response", channel="email",
            customer_id=cu, survey_type="nsp", score="8"),                                         # 40 Q unknown survey
        row(event_id="dirty-q22", ts=at("09:34"), event_type="churn", channel="voice",
            anonymous_id=ck),                                                                      # 41 Q churn, no customer
        row(event_id="dirty-q23", ts=at("09:35"), event_type="handoff_requested", channel="chatbot",
            anonymous_id=ck),                                                                      # 42 Q no contact_id
        row(event_id="dirty-q24", ts=at("09:36"), event_type="journey_goal", channel="app",
            anonymous_id=ck),                                                                      # 43 Q no journey_id
        row(event_id="", ts="yesterday", event_type="contact", channel="fax"),                     # 44 Q many rules at once
    ]
    # fmt: on
    return rows


def write_dirty_events(path: Path, *, end: date) -> Path:
    """A small CSV mixing valid rows and every kind of bad row (see ``DIRTY_EXPECTED``)."""
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(EVENT_COLUMNS), lineterminator="\n")
        wr.writeheader()
        wr.writerows(_dirty_rows(end))
    return path
