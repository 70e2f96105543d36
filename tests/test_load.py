"""Load: concurrent browser sessions click through the pages while a large ingest runs.

Loopback only, bounded in sessions and time. CI runs the short version (5 sessions for
60 s over a ~300k-event ingest); ``CXM_LOAD_SESSIONS`` / ``CXM_LOAD_SECONDS`` /
``CXM_LOAD_CUSTOMERS`` make it longer (docs/reliability.md has a 20-session run).
No session may see an error, and afterwards every row of the ingest is present exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = int(os.environ.get("CXM_LOAD_SESSIONS", "5"))
SECONDS = float(os.environ.get("CXM_LOAD_SECONDS", "60"))
CUSTOMERS = int(os.environ.get("CXM_LOAD_CUSTOMERS", "5000"))
PAGES = ["", "channels", "journeys", "uplift", "okrs", "review", "export", "data-quality"]
FILTERS = ["", "channel=web", "channel=chatbot", "value_tier=high", "period=all", "segment=business&lang=es"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
def test_sessions_during_an_ingest(tmp_path: Path) -> None:
    from cxmetrics.pipeline import ingest_and_build
    from cxmetrics.synth import generate

    base_files = generate(tmp_path / "base", seed=21, customers=600, days=60, end=date(2026, 3, 1), fmt="parquet")
    big = generate(tmp_path / "big", seed=22, customers=CUSTOMERS, days=60, end=date(2026, 3, 1), fmt="parquet")
    db = tmp_path / "load.duckdb"
    ingest_and_build([base_files.events_path], base_files.customers_path, db)
    port = _free_port()
    env = {**os.environ, "CXM_DB_PATH": str(db)}
    server = subprocess.Popen(
        [sys.executable, "-m", "cxmetrics.serve", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        ingest = subprocess.Popen(
            [sys.executable, "-c",
             "import sys; from pathlib import Path; from cxmetrics.pipeline import ingest_and_build;"
             "r = ingest_and_build([Path(sys.argv[1])], None, Path(sys.argv[2])); print(r.ingest.loaded)",
             str(big.events_path), str(db)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
        )
        # Its own thread: pytest-playwright's sync fixtures may keep an event loop running here.
        with ThreadPoolExecutor(1) as pool:
            times, errors = pool.submit(asyncio.run, _drive(base, SECONDS)).result()
        loaded = ingest.communicate(timeout=600)[0]
        assert ingest.returncode == 0
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert errors == [], errors[:5]
    assert len(times) >= SESSIONS  # every session rendered pages
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    print(json.dumps({"sessions": SESSIONS, "seconds": SECONDS, "renders": len(times),
                      "median_s": round(statistics.median(times), 2), "p95_s": round(p95, 2),
                      "ingested": int(loaded.strip().splitlines()[-1])}))
    # Every row of the ingest is present exactly once (ids of the two files may overlap).
    con = duckdb.connect()
    expected = con.execute(
        f"SELECT count(DISTINCT event_id) FROM (SELECT event_id FROM read_parquet('{big.events_path}')"
        f" UNION ALL SELECT event_id FROM read_parquet('{base_files.events_path}'))"
    ).fetchall()[0][0]
    con = duckdb.connect(str(db), read_only=True)
    rows, distinct = con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchall()[0]
    assert rows == distinct == expected
