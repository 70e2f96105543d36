"""The `cxm` command line (CONTRACT.md section 6).

Every subcommand takes ``--db PATH`` and ``--json`` (machine-readable output on stdout,
nothing else on stdout). A user error is one line on stderr and exit code 2; a traceback
only with ``--debug``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from cxmetrics.core.errors import UserError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"cxm: {message}\n")
        raise SystemExit(2)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None, help="database path (default: the demo database)")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def _slice_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--filter", action="append", default=[], metavar="DIM=VALUE",
                   help="keep records whose DIM equals VALUE (repeat: OR within a dimension, AND across)")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first UTC date, inclusive")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last UTC date, inclusive")


def _role_arg(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--role", choices=["executive", "committee", "analyst", "admin"], default=None,
                   help=f"role to {what} as (default: the configured role, CXM_ROLE); for executive and "
                        "committee, figures with fewer than k people are suppressed")


def _role(args: argparse.Namespace) -> str:
    from cxmetrics.core.settings import get_settings

    return args.role or get_settings().role


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cxm", description="cxmetrics: CX KPIs for a telco, from unified event data.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("generate", help="write synthetic demo data files")
    _common(p)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--customers", type=int, default=20_000)
    p.add_argument("--days", type=int, default=120)
    p.add_argument("--end", help="last day of data, YYYY-MM-DD (default: yesterday)")
    p.add_argument("--format", choices=["parquet", "csv", "jsonl"], default="parquet")

    p = sub.add_parser("ingest", help="validate and load event files (and a customers file)")
    _common(p)
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--customers", type=Path)
    p.add_argument("--full", action="store_true",
                   help="rebuild the whole model (default: only what the new events can change)")

    p = sub.add_parser("build", help="rebuild the model and the serving snapshot")
    _common(p)
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
    _common(p)
    p.add_argument("--out", type=Path, required=True, help="folder to write")

    p = sub.add_parser("demo", help="build the demo database if it does not exist yet")
    _common(p)
    p.add_argument("--force", action="store_true", help="rebuild even if it exists")

    p = sub.add_parser("kpis", help="KPIs by any slice")
    _common(p)
    p.add_argument("--kpi", action="append", default=[])
    p.add_argument("--by", action="append", default=[])
    _slice_args(p)
    p.add_argument("--as-of", dest="as_of", metavar="TS", help="FCR eligibility cut-off (default: latest event)")
    _role_arg(p, "read")

    p = sub.add_parser("okr", help="key results: current value, progress, expected pace, status")
    _common(p)
    p.add_argument("--okrs", type=Path, default=None, help="OKR file (default: data/okrs.yaml)")
    p.add_argument("--as-of", dest="as_of", metavar="DATE", help="end of this UTC day (default: latest event's day)")
    _role_arg(p, "read")

    p = sub.add_parser("export", help="export the records of a filtered cohort (.csv, .parquet or .xlsx)")
    _common(p)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--kind", choices=["records", "persons"], default="records")
    _slice_args(p)
    p.add_argument("--role", choices=["executive", "committee", "analyst", "admin"], default=None,
                   help="role to export as (default: the configured role)")

    p = sub.add_parser("review", help="the committee review pack of a closed period (HTML, PDF or XLSX)")
    _common(p)
    p.add_argument("--period", metavar="DATE", help="first day of the review period (default: the last closed one)")
    p.add_argument("--out", type=Path, required=True, help="pack file: .html, .pdf or .xlsx")
    p.add_argument("--okrs", type=Path, default=None, help="OKR file (default: data/okrs.yaml, if present)")
    p.add_argument("--lang", choices=["en", "es"], default="en", help="language of the pack")
    _role_arg(p, "build the pack")

    p = sub.add_parser("uplift", help="recognized vs anonymous for one KPI")
    _common(p)
    p.add_argument("--kpi", required=True)
    _slice_args(p)
    return parser


def _progress(enabled: bool, total: int | None = None) -> tuple[Callable[[str], None], Callable[[], None]]:
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

    return n_files + 2 + int(with_customers) + len(STEPS) + 1


def _db(args: argparse.Namespace) -> Path:
    from cxmetrics.core.settings import get_settings

    return args.db or get_settings().db_path


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _print_json(obj: Any) -> None:
    def default(o: Any) -> Any:
        if isinstance(o, date):
            return o.isoformat()
        raise TypeError(type(o))

    sys.stdout.write(json.dumps(obj, default=default, ensure_ascii=False) + "\n")


def _print_table(rows: list[dict], columns: Sequence[str], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for c in columns:
        table.add_column(c, justify="right" if c in ("value", "n", "ci_low", "ci_high") else "left")
    for r in rows:
        table.add_row(*["—" if r.get(c) is None else f"{r[c]:.2f}" if isinstance(r.get(c), float) else str(r[c])
                        for c in columns])
    Console().print(table)


def cmd_generate(args: argparse.Namespace) -> None:
    from cxmetrics.metrics.filters import parse_date
    from cxmetrics.synth import generate

    end = parse_date(args.end, "--end") if args.end else None
    say, stop = _progress(True, None)
    try:
        res = generate(args.out, seed=args.seed, customers=args.customers, days=args.days, end=end,
                       fmt=args.format, progress=lambda done, total: say(f"customers {done:,}/{total:,}"))
    finally:
        stop()
    out = {"events": str(res.events_path), "customers": str(res.customers_path), "dirty": str(res.dirty_path),
           "n_events": res.n_events, "n_customers": res.n_customers}
    if args.json:
        _print_json(out)
    else:
        print(f"wrote {res.n_events:,} events to {res.events_path}")
        print(f"wrote {res.n_customers:,} customers to {res.customers_path}")
        print(f"wrote a small file of bad rows to {res.dirty_path}")


def cmd_ingest(args: argparse.Namespace) -> None:
    from cxmetrics.serving.pipeline import ingest_and_build

    if not args.files and not args.customers:
        raise UserError("nothing to ingest: name event files and/or --customers FILE")
    say, stop = _progress(True, pipeline_steps(len(args.files), bool(args.customers)))
    try:
        res = ingest_and_build(args.files, args.customers, _db(args), say, full=args.full)
    finally:
        stop()
    r = res.ingest
    if args.json:
        out = r.to_json()
        out["model_seconds"] = round(sum(res.model_seconds.values()), 3)
        out["model_update"] = "incremental" if res.incremental else "full"
        if not res.incremental:
            out["full_reason"] = res.full_reason
        out["snapshot_version"] = res.version
        _print_json(out)
        return
    for f in r.files:
        print(f"{f.file}: rows_read {f.rows_read:,} = loaded {f.loaded:,} + duplicates {f.duplicates:,}"
              f" + quarantined {f.quarantined:,}")
    if r.files:
        print(f"total: rows_read {r.rows_read:,} = loaded {r.loaded:,} + duplicates {r.duplicates:,}"
              f" + quarantined {r.quarantined:,}")
    if r.customers:
        c = r.customers
        print(f"customers {c.file}: rows_read {c.rows_read:,} = upserted {c.loaded:,} + repeated ids "
              f"{c.duplicates:,} + quarantined {c.quarantined:,}")
    if r.quarantined:
        print("see the quarantined rows and their reasons on the Data quality page")
    how = "updated incrementally" if res.incremental else f"rebuilt in full ({res.full_reason})"
    print(f"model {how} in {sum(res.model_seconds.values()):.1f} s, snapshot {res.version}")


def cmd_build(args: argparse.Namespace) -> None:
    from cxmetrics.serving.pipeline import rebuild

    if args.engine == "spark":
        return _build_spark(args)
    if args.input or args.output or args.master or args.conf:
        raise UserError("--input, --output, --master and --conf are options of --engine spark")
    say, stop = _progress(True, pipeline_steps(0, False) - 2)
    try:
        res = rebuild(_db(args), say)
    finally:
        stop()
    out = {"model_seconds": {k: round(v, 3) for k, v in res.model_seconds.items()}, "snapshot_version": res.version}
    _print_json(out) if args.json else print(f"model rebuilt, snapshot {res.version}")


def _build_spark(args: argparse.Namespace) -> None:
    from cxmetrics.engines import spark
    from cxmetrics.model.steps import STEPS

    if not args.input or not args.output:
        raise UserError("--engine spark needs --input PATH and --output PATH")
    conf = {}
    for pair in args.conf:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"--conf takes KEY=VALUE, not '{pair}'")
        conf[key.strip()] = value.strip()
    say, stop = _progress(True, len(STEPS) + 3)
    try:
        res = spark.build(args.input, args.output, master=args.master, conf=conf, progress=say)
    except UserError:
        raise
    except Exception as exc:  # a Spark/JVM failure: one line, the traceback with --debug
        raise UserError(f"the Spark build failed: {spark.first_line(exc)}") from exc
    finally:
        stop()
    if args.json:
        _print_json({"engine": "spark", "snapshot_version": res.version, "snapshot_root": res.snapshot_root,
                     "serve_db": res.serve_db, "rows": res.rows,
                     "model_seconds": {k: round(v, 3) for k, v in res.model_seconds.items()},
                     "read_seconds": round(res.read_seconds, 3), "publish_seconds": round(res.publish_seconds, 3)})
    else:
        print(f"model built on Spark, snapshot {res.version} in {res.snapshot_root}")
        print(f"serve it with CXM_DB_PATH={res.serve_db} (the app and 'cxm kpis --db' read the snapshot)")


def cmd_export_input(args: argparse.Namespace) -> None:
    from cxmetrics.engines import export_input

    rows = export_input(_db(args), args.out)
    if args.json:
        _print_json({"out": str(args.out), "rows": rows})
    else:
        print(f"wrote {', '.join(f'{t} ({n:,} rows)' for t, n in rows.items())} to {args.out}")


def cmd_demo(args: argparse.Namespace) -> None:
    from cxmetrics.serving.demo import ensure_demo

    path = ensure_demo(_db(args), force=args.force, log=lambda m: print(m, file=sys.stderr))
    _print_json({"db": str(path)}) if args.json else print(f"demo database ready: {path}")


def _spec(args: argparse.Namespace, with_as_of: bool) -> Any:
    from cxmetrics.metrics.filters import FilterSpec, parse_as_of, parse_date

    return FilterSpec.from_pairs(
        args.filter,
        date_from=parse_date(args.date_from, "--from") if args.date_from else None,
        date_to=parse_date(args.date_to, "--to") if args.date_to else None,
        as_of=parse_as_of(args.as_of) if with_as_of and args.as_of else None,
    )


def cmd_kpis(args: argparse.Namespace) -> None:
    from cxmetrics.metrics.engine import kpi_table
    from cxmetrics.metrics.registry import check_dims, check_kpis
    from cxmetrics.serving.snapshot import open_database_source

    kpis, by = check_kpis(args.kpi), check_dims(args.by)
    spec = _spec(args, with_as_of=True)
    if spec.empty_range:
        sys.stderr.write(f"cxm kpis: --from {spec.date_from} is after --to {spec.date_to}: no record selected\n")
    source = open_database_source(_db(args))
    rows = [{k: _clean(v) for k, v in r.items()} for r in kpi_table(source, kpis, by, spec, role=_role(args))]
    if args.json:
        _print_json(rows)
    else:
        extra = ["suppressed"] if rows and "suppressed" in rows[0] else []
        _print_table(rows, [*by, "kpi", "value", "n", "ci_low", "ci_high", *extra], f"KPIs · {spec.describe()}")


def cmd_uplift(args: argparse.Namespace) -> None:
    from cxmetrics.metrics.uplift import OBSERVATIONAL_NOTE, uplift
    from cxmetrics.serving.snapshot import open_database_source

    spec = _spec(args, with_as_of=False)
    res = uplift(open_database_source(_db(args)), args.kpi, spec)
    if args.json:
        _print_json(res.to_json())
        return
    fmt = lambda v: "—" if v is None else f"{v:.2f}"  # noqa: E731
    ci = lambda c: "—" if c is None else f"[{fmt(c[0])}, {fmt(c[1])}]"  # noqa: E731
    print(f"{res.kpi} · {spec.describe()}")
    print(f"  recognized  {fmt(res.recognized['value'])}  (n={res.recognized['n']:,})")
    print(f"  anonymous   {fmt(res.anonymous['value'])}  (n={res.anonymous['n']:,})")
    print(f"  raw difference       {fmt(res.raw_diff)}  95% CI {ci(res.raw_ci)}  p={fmt(res.p_value)}")
    cov = "—" if res.coverage is None else f"{100 * res.coverage:.1f}%"
    print(f"  adjusted (intent × channel)  {fmt(res.adjusted_diff)}  95% CI {ci(res.adjusted_ci)}"
          f"  strata {res.strata_used}, coverage {cov}")
    print(f"  {OBSERVATIONAL_NOTE}")


def cmd_okr(args: argparse.Namespace) -> None:
    from cxmetrics.core.settings import get_settings
    from cxmetrics.metrics.filters import parse_date
    from cxmetrics.metrics.okr import evaluate, load_okrs
    from cxmetrics.serving.snapshot import open_database_source

    okrs = load_okrs(args.okrs or get_settings().okr_path)
    as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    result = evaluate(open_database_source(_db(args)), okrs, as_of, role=_role(args))
    if args.json:
        _print_json(result)
        return
    fmt = lambda v, p=1: "—" if v is None else f"{v:.{p}f}"  # noqa: E731
    print(f"OKRs {result['cycle']} as of {result['as_of']} (minimum n {result['min_n']})")
    for o in result["objectives"]:
        print(f"\n{o['id']} {o['title']} — {o['owner']}: {o['status']}")
        for k in o["key_results"]:
            print(f"  {k['id']:<7} {k['status']:<9} current {fmt(k['current'])} (n={k['n']}, "
                  f"CI {fmt(k['ci_low'])}..{fmt(k['ci_high'])}) baseline {fmt(k['baseline'])} → target "
                  f"{fmt(k['target'])}; progress {fmt(k['progress'], 2)} vs expected {fmt(k['expected'], 2)}"
                  f"  [{k['title']}]")


def cmd_export(args: argparse.Namespace) -> None:
    import getpass

    from cxmetrics.core.settings import get_settings
    from cxmetrics.reports.export import export_cohort
    from cxmetrics.serving.snapshot import open_database_source

    spec = _spec(args, with_as_of=False)
    role = args.role or get_settings().role
    say, stop = _progress(True, None)
    try:
        res = export_cohort(open_database_source(_db(args)), spec, args.out, kind=args.kind, role=role,
                            user=f"cli-{getpass.getuser()}",
                            progress=lambda done, total: say(f"rows {done:,}/{total:,}"))
    finally:
        stop()
    out = {"out": str(res.path), "manifest": str(res.manifest_path), "rows": res.rows}
    _print_json(out) if args.json else print(f"wrote {res.rows:,} rows to {res.path} (manifest {res.manifest_path})")


def cmd_review(args: argparse.Namespace) -> None:
    from cxmetrics.core.settings import get_settings
    from cxmetrics.metrics.compare import last_closed_period
    from cxmetrics.metrics.filters import parse_date
    from cxmetrics.metrics.okr import load_okrs
    from cxmetrics.reports.pack import pack_format, render_pack
    from cxmetrics.reports.review import period_for, review_data
    from cxmetrics.serving import app_state
    from cxmetrics.serving.snapshot import open_database_source

    fmt = pack_format(args.out)
    source = open_database_source(_db(args))
    if args.period:
        period = period_for(source, parse_date(args.period, "--period"))
    else:
        period = last_closed_period(source)
        if period is None:
            raise UserError("the database has no events yet: no review period to report")
    okr_path = args.okrs or get_settings().okr_path
    okrs = load_okrs(okr_path) if args.okrs or okr_path.exists() else None
    data = review_data(source, period, okrs, None, app_state.default_path(), role=_role(args))
    content = render_pack(data, fmt, args.lang)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(content)
    except OSError as exc:
        raise UserError(f"cannot write {args.out}: {exc.strerror}") from None
    if args.json:
        _print_json({"out": str(args.out), "bytes": len(content), "format": fmt, "period": data["period"]})
    else:
        print(args.out)


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "export": cmd_export,
    "okr": cmd_okr,
    "generate": cmd_generate,
    "ingest": cmd_ingest,
    "build": cmd_build,
    "export-input": cmd_export_input,
    "demo": cmd_demo,
    "kpis": cmd_kpis,
    "uplift": cmd_uplift,
    "review": cmd_review,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except UserError as exc:
        if args.debug:
            raise
        sys.stderr.write(f"cxm {args.command}: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("cxm: interrupted; nothing was half-stored (ingest is atomic)\n")
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
