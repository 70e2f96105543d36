"""``python -m cxmetrics.cli``: the same as the ``cxm`` command."""

from cxmetrics.cli import main

raise SystemExit(main())
