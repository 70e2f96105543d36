"""The committee review pack: one closed review period as HTML, PDF or XLSX.

``render_pack(review_data(...), fmt, lang)`` turns the structure of ``cxmetrics.reports.review``
into a file a committee member can read without the app:

- **HTML**: one self-contained page (plotly.js inlined once, no network), every text
  escaped (actions and OKR titles are user text), numbers formatted by language, print
  CSS for A4 with a page break before each section;
- **PDF**: that page printed by headless Chromium (Playwright), A4, page numbers;
- **XLSX**: one sheet per section plus a Manifest sheet (period, filter, data version,
  freshness, generation time, language, column definitions); raw numbers with number
  formats, frozen header rows and autofilters.
"""

from __future__ import annotations

from cxmetrics.core.errors import UserError
from cxmetrics.reports.pack.html import render_html
from cxmetrics.reports.pack.pdf import render_pdf
from cxmetrics.reports.pack.text import FORMATS, fmt_delta, fmt_interval, fmt_value, pack_format
from cxmetrics.reports.pack.xlsx import render_xlsx

__all__ = ["FORMATS", "fmt_delta", "fmt_interval", "fmt_value", "pack_format", "render_html", "render_pack",
           "render_pdf", "render_xlsx"]


def render_pack(data: dict, fmt: str, lang: str = "en") -> bytes:
    """The committee pack for ``review_data(...)`` output as html, pdf or xlsx bytes."""
    if lang not in ("en", "es"):
        raise UserError(f"unknown language '{lang}' (choose en or es)")
    if fmt == "html":
        return render_html(data, lang).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(data, lang)
    if fmt == "xlsx":
        return render_xlsx(data, lang)
    raise UserError(f"unknown pack format '{fmt}' (choose html, pdf or xlsx)")
