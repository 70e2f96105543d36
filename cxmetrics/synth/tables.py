"""Vocabulary, probability tables and the internal event columns of the generator.

Every table here is a documented assumption about the telco (channel mix by value tier,
handoff and resolution rates by channel, journey steps and continuation chances...).
Events are built as numeric columns (``_COLS``, -1 = missing) and formatted at the end.
"""

from __future__ import annotations

import numpy as np

from cxmetrics.ingest.schema import CHANNELS, EVENT_TYPES, INTENTS, JOURNEY_TYPES, SURVEY_TYPES

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


_HANDOFF_P = _by_channel({CHATBOT: 0.55, IVR: 0.50, WHATSAPP: 0.15})
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
    "own": np.int64,  # the customer index behind the event (-1: a prospect); never written
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


