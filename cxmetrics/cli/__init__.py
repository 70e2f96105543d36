"""The `cxm` command line (CONTRACT.md section 6).

Every subcommand takes ``--db PATH`` and ``--json`` (machine-readable output on stdout,
nothing else on stdout). A user error is one line on stderr and exit code 2; a traceback
only with ``--debug``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cxmetrics.cli import cases, data, query
from cxmetrics.cli.common import Parser, common_args, role_arg, slice_args, tz_arg
from cxmetrics.core.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="cxm", description="cxmetrics: CX KPIs for a telco, from unified event data.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("generate", help="write synthetic demo data files")
    common_args(p)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--customers", type=int, default=20_000)
    p.add_argument("--days", type=int, default=120)
    p.add_argument("--end", help="last day of data, YYYY-MM-DD (default: yesterday)")
    p.add_argument("--format", choices=["parquet", "csv", "jsonl"], default="parquet")
    p.add_argument("--no-incidents", dest="incidents", action="store_false",
                   help="leave out the planted outage and chatbot incident (a stable world)")

    p = sub.add_parser("ingest", help="validate and load event files (and a customers file)")
    common_args(p)
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--customers", type=Path)
    p.add_argument("--full", action="store_true",
                   help="rebuild the whole model (default: only what the new events can change)")

    p = sub.add_parser("build", help="rebuild the model and the serving snapshot")
    common_args(p)
    p.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                   help="duckdb: the database of --db (default); spark: Parquet from --input to --output")
    p.add_argument("--input", metavar="PATH", help="spark: folder or URI with events.parquet (and customers, "
                   "ingest_log, quarantine), as written by 'cxm export-input'")
    p.add_argument("--output", metavar="PATH", help="spark: folder or URI for the serving snapshot "
                   "(PATH/cxm.snapshots); serve it with CXM_DB_PATH=PATH/cxm.duckdb")
    p.add_argument("--master", help="spark: master URL (default: spark-submit's, else local[2])")
    p.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="spark: a Spark setting")

    p = sub.add_parser("export-input", help="write the stored events and customers as Parquet "
                       "(the input of 'cxm build --engine spark')")
    common_args(p)
    p.add_argument("--out", type=Path, required=True, help="folder to write")

    p = sub.add_parser("demo", help="build the demo database if it does not exist yet")
    common_args(p)
    p.add_argument("--force", action="store_true", help="rebuild even if it exists")

    p = sub.add_parser("kpis", help="KPIs by any slice")
    common_args(p)
    p.add_argument("--kpi", action="append", default=[])
    p.add_argument("--by", action="append", default=[])
    slice_args(p)
    p.add_argument("--as-of", dest="as_of", metavar="TS", help="FCR eligibility cut-off (default: latest event)")
    role_arg(p, "read")

    p = sub.add_parser("okr", help="key results: current value, progress, expected pace, status")
    common_args(p)
    p.add_argument("--okrs", type=Path, default=None, help="OKR file (default: data/okrs.yaml)")
    p.add_argument("--as-of", dest="as_of", metavar="DATE", help="end of this day, local to --tz (default: latest event's day)")
    tz_arg(p)
    role_arg(p, "read")

    p = sub.add_parser("export", help="export the records of a filtered cohort (.csv, .parquet or .xlsx)")
    common_args(p)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--kind", choices=["records", "persons"], default="records")
    slice_args(p)
    p.add_argument("--role", choices=["executive", "committee", "analyst", "admin"], default=None,
                   help="role to export as (default: the configured role)")

    p = sub.add_parser("review", help="the committee review pack of a closed period (HTML, PDF or XLSX)")
    common_args(p)
    p.add_argument("--period", metavar="DATE", help="first day of the review period (default: the last closed one)")
    p.add_argument("--out", type=Path, required=True, help="pack file: .html, .pdf or .xlsx")
    p.add_argument("--okrs", type=Path, default=None, help="OKR file (default: data/okrs.yaml, if present)")
    p.add_argument("--lang", choices=["en", "es"], default="en", help="language of the pack")
    tz_arg(p)
    role_arg(p, "build the pack")

    p = sub.add_parser("drivers", help="key drivers of NPS or CSAT: which experiences move together with the score",
                       description="Key drivers of NPS or CSAT over the survey responses of the filtered slice: "
                       "the Shapley share of the R² of each experience attribute (95% bootstrap interval, 200 "
                       "seeded resamples), the score with and without it, the adjusted odds ratio and the current "
                       "performance. Without --from/--to: every response in the data (the whole filtered range, "
                       "not the last review period). Associations in observational data, not causal effects.")
    common_args(p)
    p.add_argument("--kpi", required=True, choices=["nps", "csat"], help="the score to explain")
    slice_args(p)
    role_arg(p, "read")

    p = sub.add_parser("themes", help="verbatim themes ranked by volume, with their impact on a survey score",
                       description="The themes of the survey comments of the filtered slice, largest first (as "
                       "the Voice of the customer page ranks them): responses and share of the comments (Wilson "
                       "interval), the score of the theme's responses against every other response with a comment, "
                       "the difference with its 95% interval, p and BH q across the themes shown. Themes with "
                       "fewer than k people are suppressed for the executive and committee roles.")
    common_args(p)
    p.add_argument("--survey", choices=["nps", "csat", "ces"], default="nps",
                   help="the survey whose responses and score to rank by (default nps)")
    slice_args(p)
    role_arg(p, "read")

    p = sub.add_parser("uplift", help="recognized vs anonymous for one KPI")
    common_args(p)
    p.add_argument("--kpi", required=True)
    slice_args(p)

    cases.add_parser(sub)
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "export": query.cmd_export,
    "okr": query.cmd_okr,
    "generate": data.cmd_generate,
    "ingest": data.cmd_ingest,
    "build": data.cmd_build,
    "export-input": data.cmd_export_input,
    "demo": data.cmd_demo,
    "kpis": query.cmd_kpis,
    "drivers": query.cmd_drivers,
    "themes": query.cmd_themes,
    "uplift": query.cmd_uplift,
    "review": query.cmd_review,
    "cases": cases.cmd_cases,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except UserError as exc:
        if args.debug:
            raise
        command = " ".join(filter(None, [args.command, getattr(args, "cases_command", None)]))
        sys.stderr.write(f"cxm {command}: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("cxm: interrupted; nothing was half-stored (ingest is atomic)\n")
        return 130
    return 0
