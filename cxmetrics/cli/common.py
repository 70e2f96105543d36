"""Pieces every ``cxm`` subcommand shares: common flags, the role, progress, output."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"cxm: {message}\n")
        raise SystemExit(2)


def common_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None, help="database path (default: the demo database)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def slice_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--filter", action="append", default=[], metavar="DIM=VALUE",
                   help="keep records whose DIM equals VALUE (repeat: OR within a dimension, AND across)")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first date, inclusive (local to --tz)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last date, inclusive (local to --tz)")
    tz_arg(p)


def tz_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tz", default="UTC", metavar="ZONE",
                   help="report in this IANA time zone: days, weeks, periods and dates are local to it "
                        "(default UTC; e.g. Europe/Madrid)")


def open_source(args: argparse.Namespace) -> Any:
    """The database of ``--db`` read-only, reporting in ``--tz``."""
    from cxmetrics.serving.snapshot import open_database_source

    return open_database_source(db_path(args), getattr(args, "tz", "UTC"))


def role_arg(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--role", choices=["executive", "committee", "analyst", "admin"], default=None,
                   help=f"role to {what} as (default: the configured role, CXM_ROLE); for executive and "
                        "committee, figures with fewer than k people are suppressed")


def role_of(args: argparse.Namespace) -> str:
    from cxmetrics.core.settings import get_settings

    return args.role or get_settings().role


def progress_bar(enabled: bool, total: int | None = None) -> tuple[Callable[[str], None], Callable[[], None]]:
    """A progress bar on stderr (only on a terminal): one tick per pipeline step."""
    if not enabled or not sys.stderr.isatty():
        return (lambda _m: None), (lambda: None)
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description:<40}"), BarColumn(),
                        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=False)
    task = progress.add_task("starting", total=total)
    progress.start()

    def say(msg: str) -> None:
        progress.update(task, description=msg, advance=1)

    def stop() -> None:
        progress.update(task, completed=total or progress.tasks[0].completed)
        progress.stop()

    return say, stop


def pipeline_steps(n_files: int, with_customers: bool) -> int:
    """How many progress messages an ingest + build emits (for the bar's total)."""
    from cxmetrics.model.steps import STEPS

    return n_files + 2 + int(with_customers) + len(STEPS) + 2  # + publishing, opening cases


def db_path(args: argparse.Namespace) -> Path:
    from cxmetrics.core.settings import get_settings

    return args.db or get_settings().db_path


def clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def print_json(obj: Any) -> None:
    def default(o: Any) -> Any:
        if isinstance(o, date):
            return o.isoformat()
        raise TypeError(type(o))

    sys.stdout.write(json.dumps(obj, default=default, ensure_ascii=False) + "\n")


def print_table(rows: list[dict], columns: Sequence[str], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for c in columns:
        table.add_column(c, justify="right" if c in ("value", "n", "ci_low", "ci_high") else "left")
    for r in rows:
        table.add_row(*["—" if r.get(c) is None else f"{r[c]:.2f}" if isinstance(r.get(c), float) else str(r[c])
                        for c in columns])
    Console().print(table)


def filter_spec(args: argparse.Namespace, with_as_of: bool) -> Any:
    from cxmetrics.metrics.filters import FilterSpec, parse_as_of, parse_date
    from cxmetrics.metrics.timezones import check_tz

    return FilterSpec.from_pairs(
        args.filter,
        date_from=parse_date(args.date_from, "--from") if args.date_from else None,
        date_to=parse_date(args.date_to, "--to") if args.date_to else None,
        as_of=parse_as_of(args.as_of, check_tz(args.tz)) if with_as_of and args.as_of else None,
    )
