"""Open the app in Streamlit's AppTest as a shared link would: URL first, then the page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(page: str | None, *, timeout: int = 90, check: bool = True, **query: str | None) -> AppTest:
    """Run app.py with ``query`` in the URL (the first run reads filters and language),
    then switch to ``page`` (None: the default page). With ``check`` no exception may show."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in query.items():
        if value is not None:
            at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    if check:
        assert not at.exception, [e.value for e in at.exception]
    return at


def data_to(db_path) -> str:
    """The 'data to …' timestamp the pages show for a database (its latest event, UTC)."""
    from cxmetrics.i18n import fmt_datetime
    from cxmetrics.serving.snapshot import open_snapshot

    return fmt_datetime(open_snapshot(db_path).max_ts)
