"""Service contacts: bot/IVR handoffs, agent connections, repeats within 7 days and
contact surveys; the outage and the chatbot-handoff stories act here."""

from __future__ import annotations

import numpy as np

from cxmetrics.ingest.schema import INTENTS
from cxmetrics.synth.customers import Counters, World
from cxmetrics.synth.incidents import (
    BOT_ABANDON_AFTER,
    BOT_ABANDON_BEFORE,
    OUTAGE_DAYS,
    OUTAGE_REGION,
)
from cxmetrics.synth.surveys import T, _surveys, themes_by
from cxmetrics.synth.tables import (
    _CH_Q,
    _DAY,
    _H_CHAT,
    _H_SERVICE,
    _HANDOFF_P,
    _IN,
    _INTENT_P,
    _INTENT_Q,
    _INTENT_UNRES,
    _NEXT_SVC_P,
    _RESPOND_P,
    _SVC,
    _SVC_P,
    _UNRESOLVED_P,
    AGENT,
    APP,
    CHATBOT,
    CONTACT,
    EMAIL,
    HANDOFF,
    IVR,
    REGIONS,
    STORE,
    VOICE,
    WHATSAPP,
    _cat,
    _part,
)


def contacts(world: World, lo: int, hi: int, rng: np.random.Generator, ctr: Counters) -> tuple[list, dict]:
    """The chunk's everyday and outage contacts, with all their consequences (handoffs,
    agents, surveys, repeats), as if nobody churned; and the bad experiences they gave
    (``churn.decide`` turns those into churn, and drops what comes after it)."""
    w = world
    idx = np.arange(lo, hi)
    reg = w.region[idx] == REGIONS.index(OUTAGE_REGION)

    # base contacts
    n_b = rng.poisson(w.contact_rate[idx] * w.w_contact.sum())
    own_b = np.repeat(idx, n_b)
    day_b = w.draw_days(rng, len(own_b), w.w_contact)
    svc_b = _cat(rng, _SVC_P, w.tier[own_b])
    int_b = rng.choice(len(INTENTS), size=len(own_b), p=_INTENT_P)
    # outage contacts
    n_o = rng.poisson(np.where(reg, 0.07 * OUTAGE_DAYS * w.outage_rate, 0.0))
    own_o = np.repeat(idx, n_o)
    day_o = np.minimum(
        w.outage_day + rng.choice(OUTAGE_DAYS, size=len(own_o), p=[0.4, 0.3, 0.2, 0.1]), w.days - 1
    )
    svc_o = _cat(
        rng, np.array([[0.15, 0.45, 0.15, 0.10, 0.05, 0.10]]), np.zeros(len(own_o), np.int64)
    )
    int_o = np.where(rng.random(len(own_o)) < 0.55, _IN["technical_support"], _IN["outage_check"])

    own = np.concatenate([own_b, own_o])
    svc = np.concatenate([svc_b, svc_o])
    ch = _SVC[svc]
    day = np.concatenate([day_b, day_o])
    service_hours = (ch == IVR) | (ch == VOICE) | (ch == STORE)
    ts = np.empty(len(own), np.int64)
    ts[service_hours] = w.draw_ts(rng, day[service_hours], _H_SERVICE)
    ts[~service_hours] = w.draw_ts(rng, day[~service_hours], _H_CHAT)
    intent = np.concatenate([int_b, int_o])
    return _chains(w, own, svc, ts, intent, rng, ctr)


def leaving_contacts(world: World, lo: int, hi: int, rng: np.random.Generator, ctr: Counters) -> list:
    """Churners asking to leave: a contract-termination contact 1-20 days before churning."""
    w = world
    idx = np.arange(lo, hi)
    own = idx[w.churn[idx] & (rng.random(hi - lo) < 0.35)]
    lead = (1 * _DAY + rng.random(len(own)) * 19 * _DAY).astype(np.int64)
    ts = w.active_to[own] - lead
    svc = _cat(rng, np.array([[0.15, 0.0, 0.40, 0.15, 0.0, 0.30]]), np.zeros(len(own), np.int64))
    intent = np.full(len(own), _IN["contract_termination"])
    parts, _ = _chains(w, own, svc, ts, intent, rng, ctr)
    return parts


def _chains(w: World, own, svc, ts, intent, rng: np.random.Generator, ctr: Counters) -> tuple[list, dict]:
    """First contacts and their repeat chains (up to 4 generations), within each customer's
    activity window; returns the event parts and the bad experiences (abandoned handoffs
    and unresolved contacts: owner, ts)."""
    keep = (ts >= w.active_from[own]) & (ts < w.active_to[own]) & (ts >= w.t0)
    own, svc, ts, intent = own[keep], svc[keep], ts[keep], intent[keep]
    repeat = np.zeros(len(own), bool)
    bad_own: list[np.ndarray] = []
    bad_ts: list[np.ndarray] = []
    bad_kind: list[np.ndarray] = []

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
        broken_bot = ts >= w.bot_break_lo  # the chatbot handoff story (incidents.py)
        p_ab = np.select(
            [ch == CHATBOT, ch == IVR, ch == WHATSAPP],
            [np.where(broken_bot, BOT_ABANDON_AFTER, BOT_ABANDON_BEFORE), 0.14 + 0.25 * outage, np.full(n, 0.10)],
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
            _part(n, ts=ts, et=CONTACT, ch=ch, cust=cust, anon=anon, cid=cid, intent=intent, own=own)
        )
        bad = aband | unres
        bad_own.append(own[bad])
        bad_ts.append(ts[bad])
        bad_kind.append(np.where(aband[bad], 0, 1))  # 0 abandoned handoff, 1 unresolved
        s = np.flatnonzero(hand)
        h_ts = ts[s] + rng.integers(60, 300, len(s))
        parts.append(
            _part(len(s), ts=h_ts, et=HANDOFF, ch=ch[s], cust=cust[s], anon=anon[s], cid=cid[s], own=own[s])
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
            _part(len(s2), ts=a_ts, et=AGENT, ch=a_ch, cust=cust[s2], anon=anon[s2], cid=cid[s2],
                  own=own[s2])
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
        theme = contact_themes(rng, ch[s], intent[s], aband[s], outage[s], unres[s] | repeat[s])
        parts += _surveys(
            rng,
            ts=s_ts,
            ch=s_ch,
            cust=cust[s],
            anon=anon[s],
            jid=np.full(len(s), -1),
            cid=cid[s],
            q=q,
            theme=theme,
            type_p=(0.75, 0.85, 0.6),
            own=own[s],
        )

        # repeats: same person and intent within 7 days, often escalated to another channel
        s = np.flatnonzero(unres)
        gap = np.clip(np.exp(rng.normal(np.log(1.2 * _DAY), 0.9, len(s))), 0.02 * _DAY, 6.9 * _DAY)
        nts = ts[s] + gap.astype(np.int64)
        nsvc = _cat(rng, _NEXT_SVC_P, svc[s])
        ok = (nts < w.active_to[own[s]]) & (nts < w.t_end)
        own, svc, ts, intent = own[s][ok], nsvc[ok], nts[ok], intent[s][ok]
        repeat = np.ones(len(own), bool)
    experiences = {"own": np.concatenate(bad_own) if bad_own else np.zeros(0, np.int64),
                   "ts": np.concatenate(bad_ts) if bad_ts else np.zeros(0, np.int64),
                   "kind": np.concatenate(bad_kind) if bad_kind else np.zeros(0, np.int64)}
    return parts, experiences


# What a contact's comment is about, by intent (INTENTS order): (themes, weights).
_INTENT_THEMES = {
    "device_upgrade": (("device",), (1.0,)),
    "contract_termination": (("contract_price",), (1.0,)),
    "fiber_availability": (("coverage_outage",), (1.0,)),
    "outage_check": (("coverage_outage",), (1.0,)),
    "billing": (("billing",), (1.0,)),
    "plan_change": (("contract_price",), (1.0,)),
    "technical_support": (("device", "coverage_outage"), (0.5, 0.5)),
    "other": (("agent_attitude", "waiting_time", "other"), (0.4, 0.3, 0.3)),
}
_OPTIONS = np.zeros((len(INTENTS), 3), np.int64)
_WEIGHTS = np.zeros((len(INTENTS), 3))
for _i, _intent in enumerate(INTENTS):
    _names, _w = _INTENT_THEMES[_intent]
    _OPTIONS[_i, : len(_names)] = [T[x] for x in _names]
    _WEIGHTS[_i, : len(_w)] = _w


def contact_themes(rng: np.random.Generator, ch, intent, aband, outage, repeat) -> np.ndarray:
    """The theme of each contact survey's comment: the story when there is one (an
    abandoned handoff: the bot did not understand / nobody answered; the outage; having to
    come back), else the contact's intent, or the agent for a human channel."""
    theme = themes_by(rng, _OPTIONS[intent], _WEIGHTS[intent])
    human = (ch == VOICE) | (ch == STORE) | (ch == WHATSAPP)
    theme = np.where(human & (rng.random(len(ch)) < 0.3), T["agent_attitude"], theme)
    theme = np.where(repeat & (rng.random(len(ch)) < 0.6), T["repeat_contact"], theme)
    theme = np.where(outage & (rng.random(len(ch)) < 0.8), T["coverage_outage"], theme)
    by_bot = np.where(ch == CHATBOT, T["bot_understanding"], T["waiting_time"])
    return np.where(aband & (rng.random(len(ch)) < 0.85), by_bot, theme)


