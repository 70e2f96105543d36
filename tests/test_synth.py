"""The synthetic demo data: reproducible, valid per the contract, and telling its story."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from cxmetrics.ingest.schema import (
    CHANNELS,
    CUSTOMER_COLUMNS,
    EVENT_COLUMNS,
    EVENT_TYPES,
    Customer,
    Event,
)
from cxmetrics.synth import DIRTY_EXPECTED, OUTAGE_REGION, generate, outage_start_day

SMALL = dict(seed=7, customers=300, days=30, end=date(2026, 3, 1))
MEDIUM = dict(seed=11, customers=3000, days=84, end=date(2026, 4, 26))


def _read_csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    out = tmp_path_factory.mktemp("small_csv")
    return generate(out, fmt="csv", **SMALL)


@pytest.fixture(scope="module")
def medium(tmp_path_factory):
    out = tmp_path_factory.mktemp("medium")
    res = generate(out, fmt="parquet", **MEDIUM)
    con = duckdb.connect()
    con.execute(f"create table e as select * from read_parquet('{res.events_path}')")
    con.execute(
        f"create table c as select * from read_csv('{res.customers_path}', all_varchar=true)"
    )
    return res, con


# ------------------------------------------------------------------ reproducibility


def test_same_args_same_bytes_csv(small_csv, tmp_path):
    again = generate(tmp_path / "again", fmt="csv", **SMALL)
    for a, b in [
        (small_csv.events_path, again.events_path),
        (small_csv.customers_path, again.customers_path),
        (small_csv.dirty_path, again.dirty_path),
    ]:
        assert a.read_bytes() == b.read_bytes(), a.name
    assert again.n_events == small_csv.n_events


def test_other_seed_other_data(small_csv, tmp_path):
    other = generate(tmp_path / "other", fmt="csv", **{**SMALL, "seed": 8})
    assert other.events_path.read_bytes() != small_csv.events_path.read_bytes()


def test_same_args_same_rows_parquet_and_jsonl(small_csv, tmp_path):
    p1 = generate(tmp_path / "p1", fmt="parquet", **SMALL)
    p2 = generate(tmp_path / "p2", fmt="parquet", **SMALL)
    t1, t2 = pq.read_table(p1.events_path), pq.read_table(p2.events_path)
    assert t1.equals(t2)
    j1 = generate(tmp_path / "j1", fmt="jsonl", **SMALL)
    j2 = generate(tmp_path / "j2", fmt="jsonl", **SMALL)
    assert j1.events_path.read_bytes() == j2.events_path.read_bytes()
    # the three formats hold the same rows
    rows_csv = _read_csv_rows(small_csv.events_path)
    rows_json = [
        json.loads(line) for line in j1.events_path.read_text(encoding="utf-8").splitlines()
    ]
    assert len(rows_csv) == len(rows_json) == t1.num_rows == small_csv.n_events
    for rc, rj in zip(rows_csv[:500], rows_json[:500], strict=True):
        assert {k: (v or None) for k, v in rc.items() if k != "score"} == {
            k: v for k, v in rj.items() if k != "score"
        }
        assert (int(rc["score"]) if rc["score"] else None) == rj["score"]
    ts_pq = t1.column("ts").to_pylist()
    assert ts_pq[0] == datetime.fromisoformat(rows_csv[0]["ts"].replace("Z", "+00:00"))


# ------------------------------------------------------------------ contract validity


def test_every_row_is_valid(small_csv):
    rows = _read_csv_rows(small_csv.events_path)
    assert list(rows[0].keys()) == list(EVENT_COLUMNS)
    assert len(rows) == small_csv.n_events > 1000
    start = datetime(2026, 3, 1) - timedelta(days=29)
    end = datetime(2026, 3, 2)
    for row in rows:
        ev = Event(**row)  # raises on any invalid row
        assert row["ts"].endswith("Z") and len(row["ts"]) == 20
        assert start <= ev.ts < end
        if row["score"]:
            assert row["score"].isdigit()
    ids = [r["event_id"] for r in rows]
    assert len(set(ids)) == len(ids)


def test_parquet_types(medium):
    res, _ = medium
    schema = pq.read_schema(res.events_path)
    assert schema.names == list(EVENT_COLUMNS)
    assert pa.types.is_timestamp(schema.field("ts").type) and schema.field("ts").type.tz == "UTC"
    assert pa.types.is_integer(schema.field("score").type)
    for name in EVENT_COLUMNS:
        if name not in ("ts", "score"):
            assert pa.types.is_string(schema.field(name).type), name


def test_parquet_rows_valid_and_unique(medium):
    res, con = medium
    assert con.execute("select count(*) = count(distinct event_id) from e").fetchall()[0][0]
    assert con.execute("select count(*) from e").fetchall()[0][0] == res.n_events
    sample = con.sql("select * from e using sample 3000 rows (reservoir, 1)").to_arrow_table()
    for row in sample.to_pylist():
        Event(**row)


def test_all_channels_and_event_types_present(medium):
    _, con = medium
    types = {r[0] for r in con.execute("select distinct event_type from e").fetchall()}
    channels = {r[0] for r in con.execute("select distinct channel from e").fetchall()}
    assert types == set(EVENT_TYPES)
    assert channels == set(CHANNELS)
    pairs = set(con.execute("select distinct event_type, channel from e").fetchall())
    for ch in ("chatbot", "ivr", "voice", "whatsapp", "email", "store"):
        assert ("contact", ch) in pairs
    for ch in ("web", "app"):
        assert ("page_view", ch) in pairs and ("identify", ch) in pairs and ("login", ch) in pairs
    assert ("handoff_requested", "chatbot") in pairs and ("agent_connected", "voice") in pairs


def test_customers_file(medium):
    res, con = medium
    rows = _read_csv_rows(res.customers_path)
    assert list(rows[0].keys()) == list(CUSTOMER_COLUMNS)
    assert len(rows) == res.n_customers == len({r["customer_id"] for r in rows})
    customers = [Customer(**r) for r in rows]
    no_consent = sum(not c.consent_analytics for c in customers)
    assert 0.01 * len(rows) < no_consent < 0.06 * len(rows)
    hh = Counter(c.household_id for c in customers)
    assert max(hh.values()) >= 3 and len(hh) < len(rows)
    assert {c.segment.value for c in customers} == {"consumer", "business"}
    assert {c.value_tier.value for c in customers} == {"low", "mid", "high"}
    assert OUTAGE_REGION in {c.region for c in customers}
    # every customer_id in the events is a known customer
    unknown = con.execute(
        "select count(*) from e where customer_id is not null and customer_id not in "
        "(select customer_id from c)"
    ).fetchall()[0][0]
    assert unknown == 0


def test_csv_readable_by_pyarrow(small_csv):
    t = pacsv.read_csv(small_csv.events_path)
    assert t.num_rows == small_csv.n_events


# ------------------------------------------------------------------ the story


def test_recognition_share_and_uplift(medium):
    _, con = medium
    con.execute("""
        create or replace table links as
        select 'a' k, anonymous_id id, min(ts) t from e
          where customer_id is not null and anonymous_id is not null group by all
        union all
        select 'n', network_id, min(ts) from e
          where customer_id is not null and network_id is not null group by all""")
    con.execute("""
        create or replace table j as
        with first_ev as (
          select * from (select *, row_number() over (partition by journey_id order by ts, event_id) rn
                         from e where journey_id is not null) where rn = 1)
        select f.journey_id,
               coalesce(f.customer_id is not null or la.t <= f.ts or ln.t <= f.ts, false) rec,
               f.journey_id in (select journey_id from e where event_type = 'journey_goal') done
        from first_ev f
        left join links la on la.k = 'a' and la.id = f.anonymous_id
        left join links ln on ln.k = 'n' and ln.id = f.network_id""")
    share, comp_rec, comp_anon = con.execute(
        "select avg(rec::int), avg(done::int) filter (where rec), avg(done::int) filter (where not rec) from j"
    ).fetchall()[0]
    assert 0.25 < share < 0.5
    assert comp_rec > comp_anon
    # recognized before login: some journeys are recognized without customer_id on their first event
    n_pre = con.execute("""select count(*) from j join e using (journey_id)
                       where rec and event_type = 'page_view' and customer_id is null""").fetchall()[
        0
    ][0]
    assert n_pre > 0
    # a handful of cookies shared by two customers
    shared = con.execute("""select count(*) from (select anonymous_id from e where anonymous_id is not null
                        and customer_id is not null group by 1 having count(distinct customer_id) > 1)""").fetchall()[
        0
    ][0]
    assert shared >= 1


def test_chatbot_handoff_abandonment_worsens(medium):
    _, con = medium
    end = datetime(2026, 4, 27, tzinfo=UTC)
    early, late = con.execute(
        """
        with h as (
          select contact_id, min(ts) ts from e where event_type = 'handoff_requested' and channel = 'chatbot'
          group by 1),
        a as (select distinct contact_id from e where event_type = 'agent_connected')
        select avg((a.contact_id is null)::int) filter (where h.ts < ?::timestamptz - interval 42 day),
               avg((a.contact_id is null)::int) filter (where h.ts >= ?::timestamptz - interval 21 day)
        from h left join a using (contact_id)""",
        [end, end],
    ).fetchall()[0]
    assert 0.06 < early < 0.2
    assert late > early + 0.08


def test_outage_spike_in_region(medium):
    _, con = medium
    # outage: 4 days starting 4 days into the last closed review period of the data
    first = MEDIUM["end"] - timedelta(days=MEDIUM["days"] - 1)
    lo = first + timedelta(days=outage_start_day(first, MEDIUM["days"]))
    hi = lo + timedelta(days=4)
    per_day = con.execute(
        """
        select (ts::date >= ? and ts::date < ?) outage, count(distinct ts::date) ndays,
               count(*) filter (where event_type = 'contact' and c.region = ?) contacts,
               count(*) filter (where event_type = 'page_view' and journey_type = 'outage_check') checks
        from e left join c using (customer_id) group by 1 order by 1""",
        [lo, hi, OUTAGE_REGION],
    ).fetchall()
    (_, d0, c0, k0), (_, d1, c1, k1) = per_day
    assert c1 / d1 > 3 * c0 / d0
    assert k1 / d1 > 2 * k0 / d0  # all regions: anonymous checks have no region
    # region's NPS drops during and right after the outage
    nps = con.execute(
        """
        with s as (
          select s.ts, s.score, coalesce(s.customer_id, k.customer_id) cust
          from e s left join (select contact_id, any_value(customer_id) customer_id from e
                              where event_type = 'contact' group by 1) k using (contact_id)
          where s.event_type = 'survey_response' and s.survey_type = 'nps')
        select (ts::date >= ? and ts::date < ?::date + 7) hit,
               100 * (avg((score >= 9)::int) - avg((score <= 6)::int))
        from s join c on c.customer_id = s.cust where c.region = ? group by 1 order by 1""",
        [lo, hi, OUTAGE_REGION],
    ).fetchall()
    assert nps[1][1] < nps[0][1] - 15


def test_churn_and_surveys(medium):
    res, con = medium
    churners = con.execute(
        "select count(distinct customer_id) from e where event_type = 'churn'"
    ).fetchall()[0][0]
    assert 0.01 * res.n_customers < churners < 0.05 * res.n_customers
    # no activity of a churned customer after their churn (except answers to earlier surveys)
    after = con.execute("""select count(*) from e x join (select customer_id, ts cts from e where event_type = 'churn')
                       using (customer_id) where x.ts > cts and x.event_type in ('contact', 'login', 'identify')""").fetchall()[
        0
    ][0]
    assert after == 0
    ranges = dict(
        con.execute(
            "select survey_type, min(score) || '-' || max(score) from e "
            "where event_type = 'survey_response' group by 1"
        ).fetchall()
    )
    assert ranges == {"nps": "0-10", "csat": "1-5", "ces": "1-7"}
    share = con.execute(
        "select avg((verbatim is not null)::int) from e where event_type = 'survey_response'"
    ).fetchall()[0][0]
    assert 0.2 < share < 0.4
    # scores follow the experience: repeated contacts rate lower than one-and-done ones
    by = dict(
        con.execute("""
        with k as (select contact_id, customer_id, intent, ts from e where event_type = 'contact'
                   and customer_id is not null),
        r as (select a.contact_id, exists(select 1 from k b where b.customer_id = a.customer_id
              and b.intent = a.intent and b.ts > a.ts and b.ts <= a.ts + interval 7 day) repeated from k a)
        select repeated, avg(score) from e join r using (contact_id)
        where event_type = 'survey_response' and survey_type = 'csat' group by 1""").fetchall()
    )
    assert by[True] < by[False] - 0.3


# ------------------------------------------------------------------ dirty file and API


def test_dirty_file_counts(small_csv):
    rows = _read_csv_rows(small_csv.dirty_path)
    assert len(rows) == DIRTY_EXPECTED["rows_read"]
    valid, seen, dups = 0, set(), 0
    reasons = []
    for row in rows:
        try:
            ev = Event(**row)
        except ValidationError as exc:
            reasons.append(str(exc))
            continue
        valid += 1
        if ev.event_id in seen:
            dups += 1
        seen.add(ev.event_id)
    assert valid == DIRTY_EXPECTED["valid"]
    assert len(rows) - valid == DIRTY_EXPECTED["quarantined"]
    assert dups == DIRTY_EXPECTED["duplicates_within_file"]
    raw = small_csv.dirty_path.read_text(encoding="utf-8")
    for bad in (
        "2026-02-30T10:00:00",
        "03/02/2026 10:00",
        ",2026-02-03,",
        ",Web,",
        ",fax,",
        ",4.5,",
        ",9.0,",
        ",11,",
        "nsp",
    ):
        assert bad in raw, bad


def test_progress_and_result(tmp_path):
    calls = []
    res = generate(
        tmp_path,
        customers=50,
        days=3,
        end=date(2026, 1, 31),
        fmt="csv",
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls and calls[-1] == (50, 50)
    assert res.events_path.name == "events.csv" and res.events_path.exists()
    assert res.customers_path.name == "customers.csv" and res.dirty_path.name == "dirty_events.csv"
    assert res.n_customers == 50
    assert res.n_events == len(_read_csv_rows(res.events_path))


def test_default_end_is_yesterday(tmp_path):
    res = generate(tmp_path, customers=200, days=2, fmt="parquet")
    ts = pq.read_table(res.events_path).column("ts").to_pylist()
    yesterday = date.today() - timedelta(days=1)
    assert max(ts).date() <= yesterday and min(ts).date() >= yesterday - timedelta(days=1)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, fmt="xlsx")
    with pytest.raises(ValueError):
        generate(tmp_path, customers=0)
    with pytest.raises(ValueError):
        generate(tmp_path, days=0)
