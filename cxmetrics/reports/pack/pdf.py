"""The pack as PDF: the HTML page printed by headless Chromium (Playwright), A4, page numbers."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

from cxmetrics.core.errors import UserError
from cxmetrics.i18n import t
from cxmetrics.reports.pack.html import e, render_html
from cxmetrics.reports.pack.text import period_text


def chromium_path() -> str:
    return shutil.which("chromium") or "/usr/bin/chromium"


def _print_pdf(page_html: str, footer: str) -> bytes:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium_path(),
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            try:
                page = browser.new_page(viewport={"width": 710, "height": 1000})
                page.emulate_media(media="print")
                page.set_content(page_html, wait_until="load")
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.plotly-graph-div')]"
                    ".every(d => d._fullLayout && d.querySelector('.main-svg'))",
                    timeout=30_000,
                )
                return page.pdf(
                    format="A4", print_background=True, display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=(
                        '<div style="font-size:8px;color:#6b7280;width:100%;padding:0 11mm;'
                        'font-family:DejaVu Sans,Arial,sans-serif;display:flex;justify-content:space-between">'
                        f"<span>{e(footer)}</span>"
                        '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
                    ),
                    margin={"top": "14mm", "bottom": "16mm", "left": "11mm", "right": "11mm"},
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"could not print the PDF with Chromium at {chromium_path()}: {first}") from None


def render_pdf(data: dict, lang: str = "en") -> bytes:
    """The HTML pack printed to A4 by headless Chromium (in a worker thread, so it also works
    where an asyncio loop is running, e.g. under Streamlit or pytest-playwright)."""
    page_html = render_html(data, lang, for_print=True)
    footer = t("pack.title", lang, period=period_text(data["period"], lang),
               previous=period_text(data["previous"], lang))
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_print_pdf, page_html, footer).result()
