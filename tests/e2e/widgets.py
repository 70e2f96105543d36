"""Choosing in Streamlit's select boxes from the browser tests, robustly under load."""

from __future__ import annotations

import json

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect


def choose(page: Page, widget: Locator, option: str, *, multi: bool = False, timeout: int = 30_000,
           attempts: int = 3) -> None:
    """Pick ``option`` in the selectbox (or, with ``multi``, the multiselect) ``widget``
    and wait until the widget shows it chosen.

    Typing the option's text first lists it even when the dropdown is long. On a loaded
    machine (CI runs two workers) a click can land while the dropdown is closing because
    a re-layout moved the focus; the choice is then simply not made, as it would be for a
    person, who would click again: so does this, at most ``attempts`` times.

    What is checked is the choice, not the typing: Escape first (it closes a multiselect's
    dropdown and puts back a selectbox's chosen value over any typed text), then a
    selectbox's value, or a multiselect tag whose whole text is the option (``app`` must
    not pass for ``whatsapp``).
    """
    combobox = widget.get_by_role("combobox")
    tag = widget.locator(f"span[data-tag][aria-label={json.dumps(option)}]:visible")  # Streamlit 1.67's tags
    already = tag.count() if multi else 0
    for attempt in range(1, attempts + 1):
        wait = timeout if attempt == attempts else 5_000
        try:
            combobox.click()
            combobox.fill(option)
            page.get_by_role("option", name=option, exact=True).click(timeout=wait)
            page.keyboard.press("Escape")
            if multi:
                expect(tag).to_have_count(already + 1, timeout=wait)
            else:
                expect(combobox).to_have_value(option, timeout=wait)
            return
        except (AssertionError, PlaywrightError):
            if attempt == attempts:
                raise


def wait_for_query(page, path: str, params: dict[str, str], timeout: int) -> None:
    """Wait until the page's URL is ``path`` with exactly these query parameters, in any
    order (Streamlit keeps the order parameters were set in, which depends on the clicks)."""
    from urllib.parse import parse_qsl, urlsplit

    def matches(url: str) -> bool:
        parts = urlsplit(url)
        return parts.path.rstrip("/").endswith(path.rstrip("/")) and dict(parse_qsl(parts.query)) == params

    page.wait_for_url(matches, timeout=timeout)
