"""``dirty_events.csv``: valid rows mixed with every kind of bad row, counted by hand."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from cxmetrics.ingest.schema import EVENT_COLUMNS

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

