"""Choosing in Streamlit's select boxes from the browser tests, robustly under load."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def choose(page: Page, widget: Locator, option: str, *, multi: bool = False, timeout: int = 30_000,
           attempts: int = 3) -> None:
    """Pick ``option`` in the selectbox (or, with ``multi``, the multiselect) ``widget``
    and wait until the widget shows it: a selectbox as its input's value, a multiselect
    as one more tag (its dropdown is then closed with Escape).

    Typing the option's text first lists it even when the dropdown is long. On a loaded
    machine (CI runs two workers) a click can land while the dropdown is closing because
    a re-layout moved the focus; the choice is then simply not made, as it would be for a
    person, who would click again: so does this, at most ``attempts`` times, each attempt
    checked by what the widget shows.
    """
    combobox = widget.get_by_role("combobox")
    for attempt in range(1, attempts + 1):
        combobox.click()
        combobox.fill(option)
        page.get_by_role("option", name=option, exact=True).click(timeout=timeout)
        wait = timeout if attempt == attempts else 5_000
        try:
            if multi:
                page.keyboard.press("Escape")
                expect(widget).to_contain_text(option, timeout=wait)
            else:
                expect(combobox).to_have_value(option, timeout=wait)
            return
        except AssertionError:
            if attempt == attempts:
                raise
