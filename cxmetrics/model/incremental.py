"""Incremental model update after an ingest: rebuild only what the new events can change.

The full build (``steps.STEPS``) is the only definition of the model. The incremental
update runs *the same builder functions* on restricted inputs: a scratch schema
``inc`` comes first on DuckDB's search path, holds a copy of just the rows a stage
needs (``inc.events``, ``inc.ev`` ...), and receives the builder's output tables; every
other name still resolves to the stored table in ``main``. Each output row is keyed
(an event, a journey, a contact, a person's FCR episodes, a cube day); for the keys a
stage can change its new rows are compared with the stored ones (``EXCEPT ALL`` both
ways), and only keys whose rows differ are deleted and re-inserted. The differences
(old and new rows) decide the next stage's keys:

1. identity: identifiers of the new events -> the whole (pre-dissolution) components
   they touch -> re-stitched from all events carrying those identifiers; lookup rows
   that change (component, first link, owner) -> their identifiers;
2. ``ev``: new events and events carrying a changed identifier;
3. journeys of changed events; ``ev_source`` rows of changed events and journeys;
   ``contact_first`` of the contacts among them;
4. records: changed journeys; surveys whose source row, contact or journey changed;
   every FCR episode of a person (old or new) of a changed contact; handoffs of changed
   handoff rows, contacts, or new ``agent_connected`` events;
5. insights: contacts as above; journey steps of changed journeys; churn signals of
   churned customers whose journeys or contacts changed;
6. the cube rows of every UTC day a changed KPI record had or has; then the
   data-quality tables (always whole: they are small).

A builder output the update does not know how to key (a table added to a builder later)
makes that stage and every later one run in full, so a new table is never stale. See
docs/architecture.md ("Incremental ingest") for the rules of when it falls back to a
full rebuild.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from cxmetrics.core.settings import get_settings
from cxmetrics.ingest import store as db
from cxmetrics.ingest.schema import EVENT_COLUMNS
from cxmetrics.metrics.filters import CATEGORICAL_DIMS
from cxmetrics.metrics.registry import KPIS
from cxmetrics.model import cube, events, identity, insights, journeys, records, steps, verbatims

Progress = Callable[[str], None]
SCRATCH = "inc"

# Served tables whose changed UTC days an update reports (``Changes.days``), and the day column.
DAY_COLUMNS: dict[str, str] = {
    "cube": "day",
    "cube_local": "day",
    "rec_survey": "t",
    "rec_fcr": "t",
    "rec_journey": "t",
    "rec_handoff": "t",
    "rec_contact": "t",
    "rec_rated": "t",
    "rec_journey_step": "t",
    "churn_signals": "t",
}


# The columns of ``events`` the identity and insight builders read: the scratch copies
# hold only these (a builder reading another one fails, and the update falls back to a
# full rebuild, which tests/test_incremental.py would show).
IDENTITY_COLUMNS = "event_id, ts, anonymous_id, network_id, customer_id"
INSIGHT_COLUMNS = "event_id, ts, event_type, channel, contact_id, journey_id, step, customer_id"


class FallBack(Exception):
    """The incremental update gives up (the change is too large): rebuild in full."""


@dataclass
class Changes:
    """What an update changed: per model table the number of keys replaced (``counts``;
    the snapshot re-uses the previous file of a served table with none), and per served
    table of ``DAY_COLUMNS`` the UTC days whose rows changed (``None``: all may have)."""

    incremental: bool
    reason: str = ""
    since: int | None = None  # the data version the model was built for before the update
    days: dict[str, set[date] | None] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def unchanged(self, table: str) -> bool:
        """Whether the update left ``table`` as it was (customers never change in one)."""
        if not self.incremental:
            return False
        return table == "customers" or self.counts.get(table) == 0


def fingerprint() -> str:
    """What the stored model depends on besides the data: the model code, the identity
    settings and the local time zone of ``cube_local``. A build records it; a different one forces a full rebuild."""

    h = hashlib.sha256()
    pkg = Path(__file__).resolve().parent
    # the model's own code, the registry whose SQL builds the cube, and the text analysis
    # (its code, taxonomy and lexicons) that gives survey records their theme and sentiment
    data = pkg.parent.parent / "data"
    text = [*(pkg.parent / "text").glob("*.py"), data / "themes.yaml", *sorted((data / "sentiment").glob("*.yaml"))]
    for path in sorted([*pkg.glob("*.py"), pkg.parent / "metrics" / "registry.py", *text]):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    s = get_settings()
    h.update(f"{s.max_component_size}/{s.stitch_max_passes}/{s.timezone}/{s.review_anchor}/{s.review_days}".encode())
    return h.hexdigest()[:16]


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


def full_rebuild_reason(con: duckdb.DuckDBPyConnection, max_share: float) -> str | None:
    """Why the next update must rebuild in full, or None when an incremental update applies."""
    model_version = db.get_meta(con, "model_version")
    if model_version is None:
        return "no model built yet"
    if db.get_meta(con, "model_fingerprint") != fingerprint():
        return "the model code or the identity settings changed"
    mv = int(model_version)
    if _one(con, f"SELECT count(*) FROM ingest_log WHERE ingest_id > {mv} AND kind = 'customers'"):
        return "a customers file was ingested (cohort attributes and consent of any record may change)"
    new = _one(con, f"SELECT count(*) FROM events WHERE ingest_id > {mv}")
    stored = _one(con, "SELECT count(*) FROM events")
    if new > max_share * max(stored - new, 1):
        return f"{new:,} new events are more than {max_share:.0%} of the {stored - new:,} already modelled"
    return None


class _Update:
    def __init__(self, con: duckdb.DuckDBPyConnection, since: int, max_share: float, say: Progress):
        self.con = con
        self.since = since
        self.max_share = max_share
        self.say = say
        self.changes = Changes(incremental=True)
        self.timings: dict[str, float] = {}
        self.full_from_here = False
        self.stage_no = 0
        self.schema = SCRATCH

    # ------------------------------------------------------------------ helpers
    def x(self, sql: str) -> None:
        self.con.execute(sql)

    def temp(self, name: str, sql: str) -> None:
        self.x(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def scratch(self, columns: dict[str, str] | None = None, **inputs: str) -> None:
        """A new scratch schema holding ``table AS SELECT <columns[table] or *> FROM
        main.table WHERE cond`` for each ``table=cond`` of ``inputs``.

        Each stage gets its own schema and none is dropped inside the transaction: DuckDB
        (2.0) fails the commit when a table is dropped in the same transaction that
        modifies a same-named table of another schema. ``drop_scratch`` runs after it.
        """
        self.stage_no += 1
        self.schema = f"{SCRATCH}_{self.stage_no}"
        self.x(f"CREATE SCHEMA {self.schema}")
        for table, where in inputs.items():
            cols = (columns or {}).get(table, "*")
            self.x(f"CREATE TABLE {self.schema}.{table} AS SELECT {cols} FROM main.{table} WHERE {where}")

    def run(self, builder: Callable[[duckdb.DuckDBPyConnection], object], known: set[str]) -> object:
        """Run ``builder`` with the scratch schema first on the search path; return its result.

        If it creates a table other than ``known`` (and the inputs), the stage cannot be
        done by keys: ``_UnknownOutputs``, and ``update`` runs it (and the rest) in full.
        """
        before = self.scratch_tables()
        self.x(f"SET search_path = '{self.schema},main'")
        try:
            out = builder(self.con)
        finally:
            self.x("SET search_path = 'main'")
        unknown = self.scratch_tables() - before - known
        if unknown:
            raise _UnknownOutputs(sorted(unknown))
        return out

    def scratch_tables(self) -> set[str]:
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [self.schema]
        ).fetchall()
        return {r[0] for r in rows}

    def apply(self, table: str, key: str, targets: str, compare: list[str] | None = None) -> str:
        """Replace the rows of ``main.table`` whose ``key`` is among ``targets`` (a query of
        one column) and differ from the scratch rows; returns the name of a temp table of
        the differing rows, old (``_new = false``) and new (``_new = true``). With
        ``compare`` only the key and those columns are compared (and kept in the diff):
        for a wide table whose other columns cannot differ."""
        self.temp(f"_tg_{table}", targets)
        tg = f"{key} IN (SELECT * FROM _tg_{table})"
        diff = f"_d_{table}"
        cols = ", ".join([key, *compare]) if compare else "*"
        self.temp(f"_o_{table}", f"SELECT {cols} FROM main.{table} WHERE {tg}")  # one scan of the big table
        self.temp(
            diff,
            f"""SELECT true AS _new, n.* FROM (SELECT {cols} FROM {self.schema}.{table} WHERE {tg}
                EXCEPT ALL SELECT * FROM _o_{table}) n
            UNION ALL
            SELECT false AS _new, o.* FROM (SELECT * FROM _o_{table}
                EXCEPT ALL SELECT {cols} FROM {self.schema}.{table} WHERE {tg}) o""",
        )
        self.x(f"DROP TABLE _o_{table}")
        changed = f"{key} IN (SELECT {key} FROM {diff})"
        self.x(f"DELETE FROM main.{table} WHERE {changed}")
        self.x(f"INSERT INTO main.{table} SELECT * FROM {self.schema}.{table} WHERE {changed}")
        self.changes.counts[table] = int(_one(self.con, f"SELECT count(DISTINCT {key}) FROM {diff}"))
        if table in DAY_COLUMNS:
            col = DAY_COLUMNS[table]
            days = self.con.execute(f"SELECT DISTINCT CAST({col} AS DATE) FROM {diff}").fetchall()
            self.changes.days[table] = {d[0] for d in days if d[0] is not None}
        return diff

    def timed(self, name: str, fn: Callable[[], None]) -> None:
        self.say(f"model (incremental): {name}")
        t0 = time.perf_counter()
        fn()
        self.timings[f"{name} (incremental)"] = time.perf_counter() - t0

    # ------------------------------------------------------------------ stages
    def identity(self) -> None:

        new = f"ingest_id > {self.since}"
        self.temp(
            "_i0",
            f"""SELECT DISTINCT 'a:' || anonymous_id AS ident FROM events WHERE {new} AND anonymous_id IS NOT NULL
            UNION SELECT DISTINCT 'n:' || network_id FROM events WHERE {new} AND network_id IS NOT NULL""",
        )
        # The component an identifier belongs to before the guard dissolved anything.
        self.temp(
            "_orig",
            """SELECT c.ident, coalesce(d.component, c.component) AS orig
            FROM id_component c LEFT JOIN id_dissolved d ON d.ident = c.ident""",
        )
        self.temp("_touched", "SELECT DISTINCT o.orig FROM _orig o JOIN _i0 i ON i.ident = o.ident")
        self.temp(
            "_a",
            """SELECT ident FROM _orig WHERE orig IN (SELECT orig FROM _touched)
            UNION SELECT ident FROM _i0""",
        )
        self.temp(
            "_a_raw",
            """SELECT substr(ident, 3) AS raw, substr(ident, 1, 1) AS kind FROM _a""",
        )
        a_anon = "(SELECT raw FROM _a_raw WHERE kind = 'a')"
        a_net = "(SELECT raw FROM _a_raw WHERE kind = 'n')"
        # Only the columns the identity builders read (the events table is wide).
        self.scratch({"events": IDENTITY_COLUMNS}, events=f"anonymous_id IN {a_anon} OR network_id IN {a_net}")
        outputs = {"id_first_link", "id_component", "id_dissolved", "id_dissolved_bridge",
                   "id_dissolved_component", "component_owner", "ident_anon", "ident_net"}
        self.run(lambda c: (identity.build_links(c), identity.stitch_components(c), identity.build_owners(c),
                            identity.build_ident_lookup(c)), outputs)
        in_a = "ident IN (SELECT ident FROM _a)"
        # Old labels of the touched identifiers (owners are keyed by label), then replace.
        self.x(f"""DELETE FROM main.component_owner WHERE component IN
                   (SELECT component FROM main.id_component WHERE {in_a})""")
        self.x(f"INSERT INTO main.component_owner SELECT * FROM {self.schema}.component_owner")
        for table in ("id_first_link", "id_component", "id_dissolved"):
            self.x(f"DELETE FROM main.{table} WHERE {in_a}")
            self.x(f"INSERT INTO main.{table} SELECT * FROM {self.schema}.{table}")
        for table in ("id_dissolved_component", "id_dissolved_bridge"):
            self.x(f"DELETE FROM main.{table} WHERE component IN (SELECT orig FROM _touched)")
            self.x(f"INSERT INTO main.{table} SELECT * FROM {self.schema}.{table}")
        self.apply("ident_anon", "anonymous_id", a_anon)
        self.apply("ident_net", "network_id", a_net)

    def events(self) -> None:

        where = (
            f"ingest_id > {self.since} OR anonymous_id IN (SELECT anonymous_id FROM _d_ident_anon) "
            "OR network_id IN (SELECT network_id FROM _d_ident_net)"
        )
        self.scratch(events=where)
        n = int(_one(self.con, f"SELECT count(*) FROM {self.schema}.events"))
        stored = int(_one(self.con, "SELECT count(*) FROM main.events"))
        if n > self.max_share * stored:
            raise FallBack(f"{n:,} events would be re-enriched, more than {self.max_share:.0%} of {stored:,}")
        self.run(events.build_events_enriched, {"ev"})
        # An event's own columns never change (events are only appended): compare the
        # derived ones (person, component, recognition ...) and the keys used downstream.
        derived = [c for c in self.columns("main.ev") if c not in EVENT_COLUMNS]
        self.apply("ev", "event_id", f"SELECT event_id FROM {self.schema}.ev",
                   compare=["journey_id", "contact_id", "event_type", *derived])

    def journeys(self) -> None:

        self.temp("_j1", "SELECT DISTINCT journey_id FROM _d_ev WHERE journey_id IS NOT NULL")
        chg = "(SELECT event_id FROM _d_ev)"
        self.temp(
            "_k0",
            f"""SELECT DISTINCT contact_id FROM main.ev WHERE event_type = 'contact' AND contact_id IS NOT NULL
            AND (event_id IN {chg} OR journey_id IN (SELECT journey_id FROM _j1))""",
        )
        self.temp(
            "_jall",
            """SELECT journey_id FROM _j1 UNION
            SELECT DISTINCT journey_id FROM main.ev WHERE event_type = 'contact' AND journey_id IS NOT NULL
            AND contact_id IN (SELECT contact_id FROM _k0)""",
        )
        self.scratch(
            ev=f"""journey_id IN (SELECT journey_id FROM _jall) OR event_id IN {chg}
            OR (event_type = 'contact' AND contact_id IN (SELECT contact_id FROM _k0))"""
        )
        self.run(journeys.build_journeys, {"journeys", "ev_source", "contact_first"})
        self.apply("journeys", "journey_id", "SELECT journey_id FROM _j1")
        self.apply(
            "ev_source", "event_id",
            f"""SELECT event_id FROM {self.schema}.ev_source
            WHERE event_id IN {chg} OR journey_id IN (SELECT journey_id FROM _j1)""",
        )
        self.apply("contact_first", "contact_id", "SELECT contact_id FROM _k0")

    def records(self) -> None:

        self.temp("_rj", "SELECT DISTINCT journey_id FROM _d_journeys")
        self.temp(
            "_rs",
            """SELECT event_id FROM _d_ev_source WHERE event_type = 'survey_response'
            UNION SELECT event_id FROM main.ev_source WHERE event_type = 'survey_response'
            AND (contact_id IN (SELECT contact_id FROM _d_contact_first)
                 OR journey_id IN (SELECT journey_id FROM _rj))""",
        )
        self.temp("_pf", "SELECT DISTINCT c.person AS person FROM _d_contact_first c WHERE c.person IS NOT NULL")
        self.temp(
            "_kh",
            f"""SELECT contact_id FROM _d_ev_source WHERE event_type = 'handoff_requested'
            UNION SELECT contact_id FROM _d_contact_first
            UNION SELECT contact_id FROM main.events WHERE ingest_id > {self.since}
                AND event_type = 'agent_connected' AND contact_id IS NOT NULL""",
        )
        rated = "(SELECT event_id FROM _rs)"
        self.scratch(
            journeys=f"""journey_id IN (SELECT journey_id FROM _rj)
                OR journey_id IN (SELECT journey_id FROM main.ev_source WHERE event_id IN {rated})""",
            ev_source=f"""event_id IN {rated}
                OR (event_type = 'handoff_requested' AND contact_id IN (SELECT contact_id FROM _kh))""",
            contact_first=f"""contact_id IN (SELECT contact_id FROM _kh)
                OR contact_id IN (SELECT contact_id FROM main.ev_source WHERE event_id IN {rated})
                OR contact_first.person IN (SELECT person FROM _pf)""",
        )
        self.run(records.build_records, {"rec_journey", "rec_survey", "rec_fcr", "rec_handoff"})
        self.apply("rec_journey", "record_id", "SELECT journey_id FROM _rj")
        self.apply("rec_survey", "record_id", "SELECT event_id FROM _rs")
        self.apply("rec_fcr", "person", "SELECT person FROM _pf")
        self.apply("rec_handoff", "contact_id", "SELECT contact_id FROM _kh")

    def insights(self) -> None:

        # Contacts whose rec_contact row can change: changed contacts, contacts with new
        # handoff, agent or survey events, and every contact of a person (old or new) of
        # those (a contact's repeat on another channel depends on the person's others).
        self.temp(
            "_k1",
            f"""SELECT contact_id FROM _d_contact_first
            UNION SELECT contact_id FROM main.events WHERE ingest_id > {self.since}
                AND event_type IN ('handoff_requested', 'agent_connected', 'survey_response')
                AND contact_id IS NOT NULL""",
        )
        self.temp(
            "_kp",
            """SELECT person FROM main.contact_first WHERE contact_id IN (SELECT contact_id FROM _k1)
                AND person IS NOT NULL
            UNION SELECT person FROM _d_contact_first WHERE person IS NOT NULL""",
        )
        self.temp(
            "_kr",
            """SELECT contact_id FROM _k1
            UNION SELECT contact_id FROM main.contact_first WHERE person IN (SELECT person FROM _kp)""",
        )
        in_kr = "contact_id IN (SELECT contact_id FROM _kr)"
        new_churn = f"SELECT customer_id FROM main.events WHERE ingest_id > {self.since} AND event_type = 'churn'"
        # Churned customers whose journeys or contacts changed (old or new person), or who
        # churned in the new events.
        self.temp(
            "_cc",
            f"""SELECT person FROM (
                SELECT person FROM _d_rec_journey
                UNION SELECT person FROM main.rec_contact WHERE {in_kr}
                UNION SELECT c.person FROM main.contact_first c WHERE {in_kr}
                UNION {new_churn}) p
            WHERE person IN (SELECT customer_id FROM main.churn_signals UNION {new_churn})""",
        )
        self.scratch(
            contact_first=f"{in_kr} OR contact_first.person IN (SELECT person FROM _cc)",
            rec_journey="record_id IN (SELECT journey_id FROM _rj) OR person IN (SELECT person FROM _cc)",
        )
        self.x(
            f"""CREATE TABLE {self.schema}.events AS SELECT {INSIGHT_COLUMNS} FROM main.events
            WHERE journey_id IN (SELECT journey_id FROM _rj)
               OR contact_id IN (SELECT contact_id FROM {self.schema}.contact_first)
               OR (event_type = 'churn' AND customer_id IN (SELECT person FROM _cc))"""
        )
        self.run(insights.build_insights, {"rec_contact", "rec_rated", "rec_journey_step", "churn_signals"})
        self.temp(
            "_rr",
            f"""SELECT 'c:' || record_id FROM main.rec_contact WHERE {in_kr}
            UNION SELECT 'c:' || record_id FROM {self.schema}.rec_contact WHERE {in_kr}
            UNION SELECT 'j:' || journey_id FROM _rj""",
        )
        self.apply("rec_contact", "contact_id", "SELECT contact_id FROM _kr")
        self.apply("rec_rated", "record_id", "SELECT * FROM _rr")
        self.apply("rec_journey_step", "journey_id", "SELECT journey_id FROM _rj")
        self.apply("churn_signals", "customer_id", "SELECT person FROM _cc")

    def cube(self) -> None:
        """The cubes (UTC and local) are additive: cube + cube(new versions of the changed
        records) − cube(their old versions), cell by cell; a cell whose n reaches 0 goes."""

        tables = sorted({spec.record_table for spec in KPIS.values() if spec.in_cube})
        sides = {}
        for side, flag in (("plus", "true"), ("minus", "false")):
            self.scratch()
            for table in tables:
                cols = ", ".join(self.columns(f"main.{table}"))
                self.x(f"CREATE TABLE {self.schema}.{table} AS SELECT {cols} FROM _d_{table} WHERE _new = {flag}")
            self.run(cube.build_cube, set(cube.CUBES))
            sides[side] = self.schema
        keys = ["kpi", "day", *CATEGORICAL_DIMS]
        k = ", ".join(keys)
        on = " AND ".join(f"c.{c} = d.{c}" for c in keys)
        for table in cube.CUBES:
            values = [c for c in self.columns(f"main.{table}") if c not in keys]
            self.temp(
                "_cube_delta",
                f"""SELECT {k}, {', '.join(f'sum({v}) AS {v}' for v in values)} FROM (
                    SELECT {k}, {', '.join(values)} FROM {sides['plus']}.{table}
                    UNION ALL SELECT {k}, {', '.join(f'-{v}' for v in values)} FROM {sides['minus']}.{table}) AS d
                GROUP BY {k}""",
            )
            self.temp(
                "_cube_cells",
                f"""SELECT {k}, {', '.join(f'sum({v}) AS {v}' for v in values)} FROM (
                    SELECT {', '.join('c.' + c for c in keys + values)} FROM main.{table} c JOIN _cube_delta d ON {on}
                    UNION ALL SELECT {k}, {', '.join(values)} FROM _cube_delta) AS cells
                GROUP BY {k} HAVING sum(n) <> 0""",
            )
            self.x(f"DELETE FROM main.{table} c USING _cube_delta d WHERE {on}")
            self.x(f"INSERT INTO main.{table} ({k}, {', '.join(values)}) "
                   f"SELECT {k}, {', '.join(values)} FROM _cube_cells")
            self.changes.counts[table] = int(_one(self.con, "SELECT count(*) FROM _cube_delta"))
            days = self.con.execute("SELECT DISTINCT day FROM _cube_delta").fetchall()
            self.changes.days[table] = {d[0] for d in days}

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"SELECT * FROM {table} LIMIT 0").description]


class _UnknownOutputs(Exception):
    def __init__(self, tables: list[str]):
        super().__init__(", ".join(tables))
        self.tables = tables


# Stage name, method, the full-build steps (steps.STEPS names) it replaces, and the
# served tables it writes.
STAGES: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = [
    ("identity", "identity",
     ("identity links", "stitching persons", "component owners", "identifier lookup"), ()),
    ("enriching events", "events", ("enriching events",), ()),
    ("journeys", "journeys", ("journeys",), ()),
    ("KPI records", "records", ("KPI records",), ("rec_journey", "rec_survey", "rec_fcr", "rec_handoff")),
    ("journey, contact and churn insights", "insights", ("journey, contact and churn insights",),
     ("rec_contact", "rec_rated", "rec_journey_step", "churn_signals")),
    ("cube", "cube", ("cube",), ("cube", "cube_local")),
]


def update(con: duckdb.DuckDBPyConnection, since: int, max_share: float, say: Progress) -> tuple[dict[str, float], Changes]:
    """Bring the model built at data version ``since`` up to date with the events ingested
    after it, inside the caller's transaction. Raises ``FallBack`` when the change is too
    large (the caller rebuilds in full, in the same transaction). When a stage meets a
    builder output it cannot key, that stage and every later one run in full; the
    returned ``Changes`` then says their tables changed whole."""

    up = _Update(con, since, max_share, say)
    up.changes.since = since
    by_name = dict(steps.STEPS)
    verbatims.add_new(con)  # the texts of the new surveys, before the records read them

    def run_full(step_names: tuple[str, ...]) -> None:
        for step in step_names:
            say(f"model: {step}")
            t0 = time.perf_counter()
            by_name[step](con)
            up.timings[step] = time.perf_counter() - t0

    try:
        for i, (name, method, full_steps, served) in enumerate(STAGES):
            if not up.full_from_here:
                try:
                    up.timed(name, getattr(up, method))
                    continue
                except _UnknownOutputs as exc:
                    if i == 0:
                        raise FallBack(f"the identity builders create tables it cannot key ({exc})") from None
                    up.full_from_here = True
                    up.changes.reason = f"from '{name}' on in full: it creates {exc}"
            run_full(full_steps)
            for table in served:
                up.changes.days[table] = None
        # The steps this module does not cover (data quality, any later one) run whole.
        covered = {step for stage in STAGES for step in stage[2]}
        run_full(tuple(name for name, _ in steps.STEPS if name not in covered))
    except BaseException:
        try:
            con.execute("SET search_path = 'main'")
        except duckdb.Error:
            pass  # the transaction is aborted: the caller rolls it back (scratch included)
        raise
    con.execute("SET search_path = 'main'")
    return up.timings, up.changes


def drop_scratch(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the scratch schemas of an update (after its transaction, or left by a crash)."""
    rows = con.execute("SELECT DISTINCT schema_name FROM information_schema.schemata").fetchall()
    for (name,) in rows:
        if name.startswith(f"{SCRATCH}_") and name[len(SCRATCH) + 1:].isdigit():
            con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
