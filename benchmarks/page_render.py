"""Page render time in real Chromium, and the app's memory, on a built database.

Starts the app (``python -m cxmetrics.ui.serve``) over ``--db``, opens each main page in Debian's Chromium
with Playwright, then changes a sidebar filter (a channel) and measures the time until
the page has finished rendering again (Streamlit's "running" indicator gone and the
page's key element visible). Reports median and max over repetitions and the app
process's peak RSS.

    .venv/bin/python benchmarks/page_render.py --db /tmp/bench10m/bench.duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "artifacts" / "screenshots"
PAGES = [("", "Overview"), ("channels", "Channels & cohorts"), ("journeys", "Journeys & handoffs"),
         ("voc", "Voice of the customer"), ("uplift", "Identity uplift"), ("retention", "Retention & churn"),
         ("okrs", "OKRs"), ("review", "Committee review"), ("cases", "Cases"), ("export", "Cohort export"),
         ("data-quality", "Data quality")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(x) for x in out]


def _wait_idle(page, title: str | None = None, timeout: float = 60.0) -> None:
    """Rendered: the page's title is shown, Streamlit's 'Running...' widget is gone and no
    element is stale (left over from the previous run)."""
    if title:
        page.get_by_role("heading", name=title).first.wait_for(timeout=timeout * 1000)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
              && !document.querySelector('[data-stale="true"]')
              && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0""",
        timeout=timeout * 1000,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--pages", default=None, help="comma-separated url paths (overview,channels,...); default: all")
    ap.add_argument("--json", action="store_true", help="print only one JSON line (for benchmarks/run.py)")
    args = ap.parse_args()
    port = _free_port()
    env = {**os.environ, "CXM_DB_PATH": str(args.db)}
    app = subprocess.Popen([sys.executable, "-m", "cxmetrics.ui.serve", "--server.port", str(port),
                            "--server.headless", "true"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, dict] = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(base)
            _wait_idle(page, None, 180)
            wanted = None if args.pages is None else {p.strip() for p in args.pages.split(",")}
            for url, title in PAGES:
                if wanted is not None and (url or "overview") not in wanted:
                    continue
                first, changes = [], []
                for rep in range(args.reps):
                    t0 = time.perf_counter()
                    page.goto(f"{base}/{url}?period=all")
                    _wait_idle(page, title, 180)
                    first.append(time.perf_counter() - t0)
                    channel = ["web", "chatbot", "voice"][rep % 3]
                    t0 = time.perf_counter()
                    page.goto(f"{base}/{url}?channel={channel}")
                    _wait_idle(page, title, 180)
                    changes.append(time.perf_counter() - t0)
                # In-session filter change: pick a channel in the sidebar multiselect.
                in_session = []
                page.goto(f"{base}/{url}?period=all")
                _wait_idle(page, title, 180)
                boxes = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect")
                for channel in ["web", "chatbot", "voice"] if boxes.count() else []:  # a page may have no filter
                    box = boxes.first
                    box.click()
                    page.keyboard.type(channel)
                    t0 = time.perf_counter()
                    page.keyboard.press("Enter")
                    page.keyboard.press("Escape")
                    _wait_idle(page, title, 180)
                    in_session.append(time.perf_counter() - t0)
                page.screenshot(path=str(SHOTS / f"bench_{url or 'overview'}.png"), full_page=True)
                results[url or "overview"] = {"first_load_median_s": round(statistics.median(first), 2),
                                "new_session_with_filter_median_s": round(statistics.median(changes), 2),
                                "in_session_filter_change_median_s":
                                    round(statistics.median(in_session), 2) if in_session else None,
                                "in_session_filter_change_max_s": round(max(in_session), 2) if in_session else None}
                if not args.json:
                    print(url or "overview", results[url or "overview"], flush=True)
            browser.close()
        results["app_peak_rss_mb"] = round(_rss_mb(app.pid))
    finally:
        app.terminate()
        app.wait(timeout=30)
    print(json.dumps(results, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
