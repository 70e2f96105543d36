"""Every page opens with a theme and a sentiment filter from the URL.

theme and sentiment are dimensions of every record table (unknown where a record is not
a survey response); a table the pages query that lacks them fails with a binder error
as soon as the filter is set. This opens each page with both filters, as a shared link
would, and fails on any exception shown.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.apptest import open_page

pytest.importorskip("cxmetrics.synth")

PAGES = sorted(str(p.relative_to(Path(__file__).resolve().parents[1]))
               for p in (Path(__file__).resolve().parents[1] / "pages").glob("*.py"))


def test_every_page_is_listed() -> None:
    assert len(PAGES) == 11


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("query", [{"sentiment": "negative", "theme": "billing"},
                                   {"sentiment": "positive", "period": "all"}])
def test_page_opens_with_text_filters(app_db_env, small_demo_db: Path, page: str, query: dict) -> None:
    app_db_env(small_demo_db)
    at = open_page(page, **query)  # fails on any exception shown
    assert at.title, page
