"""Start the dashboard: ``python -m cxmetrics.ui.serve [streamlit options]``.

The same as ``streamlit run app.py``, with one fix: Streamlit decides once per server,
on the first session, whether the app uses the old ``pages/`` directory convention,
and answers yes merely because the folder exists. The first visitor of a fresh server
who opens a shared deep link (``/review?…``) then gets a spurious "Page not found"
dialog, although ``st.navigation`` in app.py resolves the page correctly. The app lists
its pages explicitly with ``st.navigation``, so we say so before the first session.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def main(argv: list[str] | None = None) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False  # pages are listed with st.navigation
    args = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["streamlit", "run", str(APP), *args]
    cli.main()


if __name__ == "__main__":
    main()
