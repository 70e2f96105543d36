"""Load: concurrent sessions click through the pages while a large ingest runs.

Loopback only, bounded in sessions and time. Two load generators, one harness:

- ``test_sessions_during_an_ingest``: browser sessions (Playwright contexts in Debian's
  Chromium) open random pages with random filters. CI: 5 sessions for 60 s;
  ``CXM_LOAD_SESSIONS`` / ``CXM_LOAD_SECONDS`` / ``CXM_LOAD_CUSTOMERS`` make it longer.
- ``test_ws_sessions_during_ingests``: Streamlit websocket clients (``tests/st_ws_client.py``),
  which render nothing, so twenty of them fit on two cores: each opens a shared link (a
  random page and filter), then clicks through pages, changes sidebar filters, the time
  mode or the language. The server does all the work of a browser session; what is
  timed is the server's script run. CI: 20 sessions for 60 s over a ~150k-event ingest;
  ``CXM_WSLOAD_SESSIONS`` / ``CXM_WSLOAD_SECONDS`` / ``CXM_WSLOAD_CUSTOMERS`` /
  ``CXM_WSLOAD_PARTS`` make it longer (docs/reliability.md has the 1M-event run) and
  ``CXM_WSLOAD_REPORT=path.json`` keeps the figures.

In both, the ingest is ``cxm ingest`` in another process against the database the app
serves: the generated events split by time into parts, ingested back to back; the ws
test then re-delivers the same parts (every row a duplicate) until its time is up, so
ingests and model builds span the run. No session may see an error, and afterwards every
row of the ingest is present exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import app_process

ROOT = Path(__file__).resolve().parents[1]
END = date(2026, 3, 1)
PAGES = ["", "channels", "journeys", "uplift", "okrs", "review", "export", "data-quality"]
TITLE_KEYS = {"": "overview.title", "channels": "ch.title", "journeys": "jr.title", "uplift": "up.title",
              "okrs": "okr.title", "review": "rv.title", "export": "export.title", "data-quality": "dq.title"}

SESSIONS = int(os.environ.get("CXM_LOAD_SESSIONS", "5"))
SECONDS = float(os.environ.get("CXM_LOAD_SECONDS", "60"))
CUSTOMERS = int(os.environ.get("CXM_LOAD_CUSTOMERS", "5000"))
FILTERS = ["", "channel=web", "channel=chatbot", "value_tier=high", "period=all", "segment=business&lang=es"]

WS_SESSIONS = int(os.environ.get("CXM_WSLOAD_SESSIONS", "20"))
WS_SECONDS = float(os.environ.get("CXM_WSLOAD_SECONDS", "60"))
WS_CUSTOMERS = int(os.environ.get("CXM_WSLOAD_CUSTOMERS", "5000"))  # ~31 events per customer
WS_PARTS = int(os.environ.get("CXM_WSLOAD_PARTS", "2"))
WS_RUN_TIMEOUT = float(os.environ.get("CXM_WSLOAD_RUN_TIMEOUT", "120"))
WS_REPORT = os.environ.get("CXM_WSLOAD_REPORT")


# =========================================================================== shared harness


@dataclass
class LoadData:
    db: Path
    base_events: Path  # already ingested (ids prefixed "base-") before the app starts
    events: Path  # the ingest under test, whole
    parts: list[Path]  # the same rows split by time, ingested back to back
    n_events: int


def prepare_data(root: Path, customers: int, parts: int = 1) -> LoadData:
    """A served database with a small base load, and the big ingest's files (not yet loaded).

    The base events' ids get a prefix so that the ingest under test shares none of them:
    then "every row present exactly once" means every row of that ingest, not fewer."""
    from cxmetrics.serving.pipeline import ingest_and_build
    from cxmetrics.synth import generate

    base = generate(root / "base", seed=21, customers=600, days=60, end=END, fmt="parquet")
    big = generate(root / "big", seed=22, customers=customers, days=60, end=END, fmt="parquet")
    con = duckdb.connect()
    base_events = root / "base" / "events_prefixed.parquet"
    con.execute(f"COPY (SELECT * REPLACE ('base-' || event_id AS event_id) FROM read_parquet('{base.events_path}'))"
                f" TO '{base_events}' (FORMAT parquet)")
    paths = [big.events_path]
    if parts > 1:
        paths = []
        con.execute(f"CREATE TEMP TABLE big AS SELECT *, (row_number() OVER (ORDER BY ts, event_id) - 1)"
                    f" * {parts} // count(*) OVER () AS part FROM read_parquet('{big.events_path}')")
        for i in range(parts):
            path = root / "big" / f"part{i + 1:02d}.parquet"
            con.execute(f"COPY (SELECT * EXCLUDE (part) FROM big WHERE part = {i} ORDER BY ts, event_id)"
                        f" TO '{path}' (FORMAT parquet)")
            paths.append(path)
    con.close()
    db = root / "load.duckdb"
    ingest_and_build([base_events], base.customers_path, db)
    return LoadData(db, base_events, big.events_path, paths, big.n_events)


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    def peak_rss_mb(self) -> float:
        """The app process's peak resident memory (VmHWM) so far."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@contextmanager
def serve(db: Path, log: Path) -> Iterator[Server]:
    """The app as ``make run`` serves it (``python -m cxmetrics.ui.serve``) over ``db``, on loopback."""
    with app_process(db, log, start_timeout=120) as (url, proc):
        yield Server(url, proc, log)


class Ingests(threading.Thread):
    """``cxm ingest PART --db DB --json`` in another process for each part, back to back.

    After the first pass (which always completes) the same parts are delivered again,
    while ``until`` (a ``time.monotonic()`` value) has not passed: every row must then be
    a duplicate, and each re-delivery still rebuilds the model and publishes a snapshot."""

    def __init__(self, db: Path, parts: list[Path], until: float | None = None) -> None:
        super().__init__(daemon=True)
        self.db, self.parts, self.until = db, parts, until
        self.records: list[dict] = []
        self.first_pass_done = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            delivery = 0
            while not self.stop.is_set():
                delivery += 1
                for part in self.parts:
                    if delivery > 1 and (self.stop.is_set() or self.until is None or time.monotonic() >= self.until):
                        return
                    if not self._ingest(part, delivery):
                        return
                self.first_pass_done.set()
        finally:
            self.first_pass_done.set()

    def _ingest(self, part: Path, delivery: int) -> bool:
        t0 = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "cxmetrics.cli", "ingest", str(part), "--db", str(self.db), "--json"],
            cwd=ROOT, capture_output=True, text=True, timeout=3600,
        )
        rec = {"file": part.name, "delivery": delivery, "seconds": round(time.monotonic() - t0, 1),
               "returncode": proc.returncode}
        if proc.returncode == 0:
            out = json.loads(proc.stdout)
            rec.update({k: out[k] for k in ("rows_read", "loaded", "duplicates", "quarantined", "model_seconds")})
        else:
            rec["stderr"] = proc.stderr[-2000:]
        self.records.append(rec)
        return proc.returncode == 0

    def check(self, n_events: int) -> None:
        failed = [r for r in self.records if r["returncode"] != 0]
        assert not failed, failed
        first = [r for r in self.records if r["delivery"] == 1]
        assert len(first) == len(self.parts)
        assert sum(r["loaded"] for r in first) == n_events
        assert all(r["quarantined"] == 0 for r in self.records)
        again = [r for r in self.records if r["delivery"] > 1]
        assert all(r["loaded"] == 0 and r["duplicates"] == r["rows_read"] for r in again), again


def check_exactly_once(data: LoadData) -> dict:
    """Every row of the ingest is stored exactly once, unchanged; nothing else was added."""
    con = duckdb.connect(str(data.db), read_only=True)
    try:
        con.execute(f"CREATE TEMP VIEW src AS SELECT * FROM read_parquet('{data.events}')"
                    f" UNION ALL SELECT * FROM read_parquet('{data.base_events}')")
        src_rows, src_ids = con.execute("SELECT count(*), count(DISTINCT event_id) FROM src").fetchone()
        rows, ids = con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchone()
        (same,) = con.execute(
            "SELECT count(*) FROM src s JOIN events e USING (event_id) WHERE e.event_type = s.event_type"
            " AND e.channel = s.channel AND e.ts = s.ts::TIMESTAMP"
            " AND e.customer_id IS NOT DISTINCT FROM s.customer_id AND e.score IS NOT DISTINCT FROM s.score"
        ).fetchone()
        (logged,) = con.execute("SELECT sum(loaded) FROM ingest_log WHERE kind = 'events'").fetchone()
        model, data_version = con.execute(
            "SELECT max(CASE WHEN key = 'model_version' THEN value END),"
            " max(CASE WHEN key = 'data_version' THEN value END) FROM meta"
        ).fetchone()
    finally:
        con.close()
    out = {"source_rows": src_rows, "stored_rows": rows, "stored_distinct_ids": ids, "unchanged": same,
           "ingest_log_loaded": int(logged)}
    assert src_rows == src_ids == rows == ids == same == logged, out
    assert model == data_version, (model, data_version)
    return out


def stats(values: list[float]) -> dict:
    """n, median, p95 (nearest rank) and max, in seconds."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]
    return {"n": len(ordered), "median_s": round(statistics.median(ordered), 2), "p95_s": round(p95, 2),
            "max_s": round(ordered[-1], 2)}


# =========================================================================== browser sessions


async def _session(browser, base: str, until: float, seed: int, out: list, errors: list) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"js: {exc}"))
    while time.monotonic() < until:
        url = f"{base}/{rng.choice(PAGES)}?{rng.choice(FILTERS)}"
        t0 = time.perf_counter()
        try:
            await page.goto(url, timeout=60_000)
            await page.wait_for_selector("h1", timeout=60_000)
            await page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
            )
        except Exception as exc:  # a timeout is an error a user would see
            errors.append(f"{url}: {exc!r}"[:300])
            continue
        out.append(time.perf_counter() - t0)
        shown = await page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').count()
        if shown:
            text = await page.locator('[data-testid="stException"], [data-testid="stAlertContentError"]').first.inner_text()
            errors.append(f"{url}: {text[:200]}")
    await context.close()


async def _drive(base: str, seconds: float) -> tuple[list[float], list[str]]:
    from playwright.async_api import async_playwright

    times: list[float] = []
    errors: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        until = time.monotonic() + seconds
        await asyncio.gather(*(_session(browser, base, until, i, times, errors) for i in range(SESSIONS)))
        await browser.close()
    return times, errors


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.xdist_group("load")
def test_sessions_during_an_ingest(tmp_path: Path) -> None:
    data = prepare_data(tmp_path, CUSTOMERS)
    with serve(data.db, tmp_path / "streamlit.log") as server:
        ingests = Ingests(data.db, data.parts)
        ingests.start()
        # Its own thread: pytest-playwright's sync fixtures may keep an event loop running here.
        with ThreadPoolExecutor(1) as pool:
            times, errors = pool.submit(asyncio.run, _drive(server.url, SECONDS)).result()
        ingests.join(timeout=900)
    assert errors == [], errors[:5]
    assert len(times) >= SESSIONS  # every session rendered pages
    ingests.check(data.n_events)
    print(json.dumps({"sessions": SESSIONS, "seconds": SECONDS, "renders": len(times), **stats(times),
                      "ingested": data.n_events}))
    check_exactly_once(data)


# =========================================================================== websocket sessions


def _random_link(rng: random.Random) -> tuple[str, str]:
    """A page and the query string of a shared link: language, time and dimension filters."""
    from cxmetrics.metrics.filters import CLOSED_VOCABULARIES

    params: list[str] = []
    if rng.random() < 0.4:
        params.append("lang=es")
    when = rng.random()
    if when < 0.3:
        params.append("period=all")
    elif when < 0.45:
        params.append("from=2026-01-19&to=2026-02-15")
    for dim in rng.sample(sorted(CLOSED_VOCABULARIES), rng.choice([0, 1, 1, 2])):
        params.append(f"{dim}={','.join(rng.sample(CLOSED_VOCABULARIES[dim], rng.choice([1, 1, 2])))}")
    rng.shuffle(params)
    return rng.choice(PAGES), "&".join(params)


async def _click(session, rng: random.Random):
    """One user action in an open session: a page, a dimension filter, the time mode or the language."""
    from cxmetrics.i18n import t

    lang = session.lang or "en"
    dims = [w for w in session.widgets.values() if w.kind == "multiselect" and w.sidebar and w.options]
    time_mode = session.widget(t("filters.time", lang), "radio")
    language = session.widget(t("sidebar.language", lang), "radio")
    roll = rng.random()
    if roll < 0.35 and dims:
        w = rng.choice(dims)
        return await session.set_widget(w, rng.sample(w.options, min(len(w.options), rng.choice([0, 1, 1, 2]))))
    if roll < 0.45 and time_mode:
        return await session.set_widget(time_mode, rng.choice(time_mode.options))
    if roll < 0.5 and language:
        return await session.set_widget(language, rng.choice(language.options))
    return await session.navigate(rng.choice(PAGES))


def _verify(res, session) -> None:
    """The server ran the page asked for, and its title is that page's, in the session's language."""
    from cxmetrics.i18n import t

    if res.errors:
        return
    if res.action != "widget" and res.page != res.asked_page:
        res.errors.append(f"asked for page {res.asked_page!r}, the server ran {res.page!r}")
    elif res.page in TITLE_KEYS and res.title != t(TITLE_KEYS[res.page], session.lang or "en"):
        res.errors.append(f"page {res.page!r} ({session.lang}) has title {res.title!r}")
    elif res.elements < 5:
        res.errors.append(f"page {res.page!r} drew only {res.elements} elements")


async def _ws_user(url: str, seed: int, keep_going: Callable[[], bool], runs: list) -> None:
    from tests.st_ws_client import RunResult, StreamlitSession

    rng = random.Random(seed)
    first = True
    while keep_going():
        page, query = _random_link(rng)
        if first:  # user i starts on page i: with 8 or more users every page is served
            page, first = PAGES[seed % len(PAGES)], False
        try:
            async with StreamlitSession(url, timeout=WS_RUN_TIMEOUT, locale=rng.choice(["en-US", "es-ES"])) as s:
                res = await s.open(page, query)
                clicks = rng.randint(1, 5)
                while True:
                    _verify(res, s)
                    runs.append(res)
                    if res.errors or clicks == 0 or not keep_going():
                        break
                    clicks -= 1
                    res = await _click(s, rng)
        except Exception as exc:  # a refused or dropped connection is an error a user would see
            runs.append(RunResult("connect", page, query, errors=[repr(exc)[:300]]))
        await asyncio.sleep(rng.uniform(0, 0.5))  # a user's pause between links


async def _ws_drive(url: str, sessions: int, keep_going: Callable[[], bool]) -> list:
    runs: list = []
    await asyncio.gather(*(_ws_user(url, 1000 * len(PAGES) + i, keep_going, runs) for i in range(sessions)))
    return runs


@dataclass
class WsReport:
    sessions: int
    seconds_asked: float
    seconds_run: float = 0.0
    runs: int = 0
    runs_by_action: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    render: dict = field(default_factory=dict)  # overall: n, median, p95, max
    render_by_page: dict = field(default_factory=dict)
    app_peak_rss_mb: float = 0.0
    events_ingested: int = 0
    ingests: list = field(default_factory=list)
    ingest_first_pass_s: float = 0.0
    exactly_once: dict = field(default_factory=dict)


@pytest.mark.slow
@pytest.mark.xdist_group("load")
def test_ws_sessions_during_ingests(tmp_path: Path) -> None:
    data = prepare_data(tmp_path, WS_CUSTOMERS, WS_PARTS)
    report = WsReport(WS_SESSIONS, WS_SECONDS, events_ingested=data.n_events)
    with serve(data.db, tmp_path / "streamlit.log") as server:
        start = time.monotonic()
        until = start + WS_SECONDS
        ingests = Ingests(data.db, data.parts, until=until)
        ingests.start()
        hard_stop = until + 1800  # bounded even if the first ingest pass were to hang

        def keep_going() -> bool:
            now = time.monotonic()
            return now < hard_stop and (now < until or not ingests.first_pass_done.is_set())

        try:
            with ThreadPoolExecutor(1) as pool:
                runs = pool.submit(asyncio.run, _ws_drive(server.url, WS_SESSIONS, keep_going)).result()
            report.seconds_run = round(time.monotonic() - start, 1)
        finally:
            ingests.stop.set()
            ingests.join(timeout=1800)
        report.app_peak_rss_mb = round(server.peak_rss_mb(), 1)
        log = server.log_tail()
    report.ingests = ingests.records
    report.ingest_first_pass_s = round(sum(r["seconds"] for r in ingests.records if r["delivery"] == 1), 1)
    ok = [r for r in runs if not r.errors]
    report.runs = len(runs)
    report.runs_by_action = dict(Counter(r.action for r in runs))
    report.errors = [f"{r.action} /{r.asked_page}?{r.query}: {e}" for r in runs for e in r.errors]
    report.render = stats([r.seconds for r in ok])
    by_page: dict[str, list[float]] = defaultdict(list)
    for r in ok:
        by_page[r.page].append(r.seconds)
    report.render_by_page = {p or "overview": stats(by_page[p]) for p in PAGES if p in by_page}
    try:
        assert report.errors == [], report.errors[:5] + [log]
        assert len(ok) >= 2 * WS_SESSIONS  # every session got going
        if WS_SESSIONS >= len(PAGES):
            assert set(report.render_by_page) == {p or "overview" for p in PAGES}  # every page was served
        ingests.check(data.n_events)
        report.exactly_once = check_exactly_once(data)
    finally:
        print(json.dumps(asdict(report), indent=1))
        if WS_REPORT:
            Path(WS_REPORT).write_text(json.dumps(asdict(report), indent=1))
