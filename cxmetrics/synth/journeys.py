"""Digital journeys on web and app: page views, logins, identify events, goals and
journey surveys; recognition computed with CONTRACT.md section 2's rule while generating."""

from __future__ import annotations

import numpy as np

from cxmetrics.ingest.schema import JOURNEY_TYPES
from cxmetrics.synth.customers import Counters, World
from cxmetrics.synth.incidents import OUTAGE_DAYS, OUTAGE_REGION
from cxmetrics.synth.surveys import T, _surveys
from cxmetrics.synth.tables import (
    _BIG,
    _CH_Q,
    _CONT_TAB,
    _DAY,
    _FRESH_BASE,
    _GOAL_P,
    _H_DIGITAL,
    _JT,
    _JT_CUSTOMER_P,
    _JT_PROSPECT_P,
    _JT_Q,
    _LEN,
    _LOGIN_P_TAB,
    _MAXL,
    _NJT,
    _REC_GOAL_P,
    _REC_KEEP,
    _STEP_TAB,
    _WALL_TAB,
    APP,
    EMAIL,
    GOAL,
    IDENTIFY,
    LOGIN,
    PAGE_VIEW,
    REGIONS,
    WEB,
    _part,
)

# The theme a journey's comment is about, by journey type (JOURNEY_TYPES order).
_JOURNEY_THEME = np.array([T[{
    "device_upgrade": "device", "contract_termination": "contract_price", "fiber_availability": "coverage_outage",
    "outage_check": "coverage_outage", "billing": "billing", "plan_change": "contract_price",
}[jt]] for jt in JOURNEY_TYPES])


def journeys(world: World, lo: int, hi: int, rng: np.random.Generator, ctr: Counters) -> list:
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
    no = rng.poisson(np.where(reg, 0.12 * OUTAGE_DAYS * w.outage_rate, 0.0))
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
            own=own_all[rep],
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
            own=own_all[s],
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
            own=own_all[s],
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
            own=idl,
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
            own=own_all[s],
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
    # what the comment is about: the journey's subject, the web itself (other), the outage
    subject = _JOURNEY_THEME[jt_all[s]]
    theme = np.where(outage, T["coverage_outage"], np.where(rng.random(len(s)) < 0.4, T["other"], subject))
    parts += _surveys(
        rng,
        ts=sts,
        ch=np.where(by_email, EMAIL, ch_all[s]),
        cust=np.where(identifiable[s], cust_all[s], -1),
        anon=np.where(identifiable[s], -1, anon_all[s]),
        jid=jid[s],
        cid=np.full(len(s), -1),
        q=q,
        theme=theme,
        type_p=(0.7, 0.4, 0.55),
        own=own_all[s],
    )

    return parts


