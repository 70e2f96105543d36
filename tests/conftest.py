"""Shared fixtures.

App fixtures (AppTest and Playwright):
- ``demo_db``: a small generated database (3,000 customers, 45 days to 2026-03-01, seed 3: enough for significant changes)
  plus an ingest of the dirty file, so the quarantine has rows. Built once per session.
- ``empty_db``: a database path with nothing at it (no snapshot yet).
- ``app_db_env``: a helper that points the app at a database (``CXM_DB_PATH``) and clears
  every cache that could hold the previous one.
- ``browser_type_launch_args`` (pytest-playwright override): Debian's chromium.
- ``app_server``: the app (``python -m cxmetrics.ui.serve``) on a free port over ``demo_db``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Every Plotly figure the app builds is validated in tests (the app skips it for speed:
# cxmetrics.ui.figure); the variable is inherited by app servers the tests start.
os.environ["CXM_VALIDATE_FIGURES"] = "1"
# The tests written before local time report in UTC, as the command line does; the tests of
# the app's default zone (Europe/Madrid) set it themselves (tests/test_timezones.py).
os.environ["CXM_TIMEZONE"] = "UTC"
DEMO_END = date(2026, 3, 1)


# --------------------------------------------------------------------------- app databases


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The path of a small built database with a published snapshot and quarantined rows."""
    from cxmetrics.serving.pipeline import ingest_and_build
    from cxmetrics.synth import generate

    root = tmp_path_factory.mktemp("app_demo_db")
    res = generate(root / "src", seed=3, customers=3000, days=45, end=DEMO_END, fmt="parquet")
    db_path = root / "cxm.duckdb"
    ingest_and_build([res.events_path], res.customers_path, db_path)
    ingest_and_build([res.dirty_path], None, db_path)
    return db_path


@pytest.fixture(scope="session")
def small_demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 400-customer version of ``demo_db``: small groups under k people, for the
    k-anonymity views (the 3,000-customer demo has few)."""
    from cxmetrics.serving.pipeline import ingest_and_build
    from cxmetrics.synth import generate

    root = tmp_path_factory.mktemp("app_small_demo_db")
    res = generate(root / "src", seed=3, customers=400, days=45, end=DEMO_END, fmt="parquet")
    db_path = root / "cxm.duckdb"
    ingest_and_build([res.events_path], res.customers_path, db_path)
    return db_path


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    """A database path with nothing there: the app must say 'no data yet', not crash."""
    return tmp_path / "nothing_yet" / "cxm.duckdb"


def _clear_app_caches() -> None:
    import streamlit as st

    from cxmetrics.core.settings import get_settings
    from cxmetrics.serving import snapshot

    get_settings.cache_clear()
    snapshot._open.clear()
    st.cache_data.clear()


@pytest.fixture
def app_db_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], Path]]:
    """Call with a database path to make the in-process app (AppTest) read it."""

    def use(db_path: Path) -> Path:
        monkeypatch.setenv("CXM_DB_PATH", str(db_path))
        _clear_app_caches()
        return db_path

    yield use
    monkeypatch.delenv("CXM_DB_PATH", raising=False)
    _clear_app_caches()


# --------------------------------------------------------------------------- browser (e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """pytest-playwright override: Debian's chromium (Playwright's download is not reachable)."""
    return {
        "executable_path": shutil.which("chromium") or "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"streamlit did not become healthy in {timeout:.0f}s:\n{log.read_text()[-3000:]}"
    )


@contextmanager
def app_process(
    db_path: Path, log: Path, *, port: int | None = None, cwd: Path = PROJECT_ROOT, start_timeout: float = 90,
    **env_extra: str,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """The app served as ``make run`` serves it (``python -m cxmetrics.ui.serve``, i.e.
    ``streamlit run app.py``) over ``db_path``, from ``cwd`` (where Streamlit reads
    ``.streamlit/``), its output in ``log``; yields its base URL and process once it is
    healthy, and stops it afterwards."""
    port = port or _free_port()
    env = {**os.environ, "CXM_DB_PATH": str(db_path), "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": str(PROJECT_ROOT), **env_extra}
    cmd = [
        sys.executable,
        "-m",
        "cxmetrics.ui.serve",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log, start_timeout)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextmanager
def serve_app(
    db_path: Path, log_dir: Path, *, port: int | None = None, cwd: Path = PROJECT_ROOT, **env_extra: str
) -> Iterator[str]:
    """``app_process`` logging to ``log_dir/streamlit.log``; yields the base URL."""
    with app_process(db_path, log_dir / "streamlit.log", port=port, cwd=cwd, **env_extra) as (url, _proc):
        yield url


@pytest.fixture(scope="session")
def app_server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo-mode app (default role: analyst) over ``demo_db``; yields its base URL."""
    with serve_app(demo_db, tmp_path_factory.mktemp("app_server")) as url:
        yield url


@pytest.fixture(scope="session")
def admin_app_server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same app with the admin role (quarantined raw rows, raw ids)."""
    with serve_app(demo_db, tmp_path_factory.mktemp("admin_app_server"), CXM_ROLE="admin") as url:
        yield url


@pytest.fixture(scope="session")
def retention_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 120-day demo database (6,000 customers, to 2026-03-01, seed 7): long enough for the
    churn-risk model's time-based split (60 days of features, two 30-day label windows),
    which the 45-day ``demo_db`` is too short for."""
    from cxmetrics.serving.pipeline import ingest_and_build
    from cxmetrics.synth import generate

    root = tmp_path_factory.mktemp("retention_db")
    res = generate(root / "src", seed=7, customers=6000, days=120, end=DEMO_END, fmt="parquet")
    db_path = root / "cxm.duckdb"
    ingest_and_build([res.events_path], res.customers_path, db_path)
    return db_path
