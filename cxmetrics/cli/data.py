"""``cxm generate``, ``ingest``, ``build``, ``export-input`` and ``demo``: data in, model built."""

from __future__ import annotations

import argparse
import sys

from cxmetrics.cli.common import db_path, pipeline_steps, print_json, progress_bar
from cxmetrics.core.errors import UserError


def cmd_generate(args: argparse.Namespace) -> None:
    from cxmetrics.metrics.filters import parse_date
    from cxmetrics.synth import generate

    end = parse_date(args.end, "--end") if args.end else None
    say, stop = progress_bar(True, None)
    try:
        res = generate(args.out, seed=args.seed, customers=args.customers, days=args.days, end=end,
                       fmt=args.format, progress=lambda done, total: say(f"customers {done:,}/{total:,}"),
                       incidents=args.incidents)
    finally:
        stop()
    out = {"events": str(res.events_path), "customers": str(res.customers_path), "dirty": str(res.dirty_path),
           "n_events": res.n_events, "n_customers": res.n_customers}
    if args.json:
        print_json(out)
    else:
        print(f"wrote {res.n_events:,} events to {res.events_path}")
        print(f"wrote {res.n_customers:,} customers to {res.customers_path}")
        print(f"wrote a small file of bad rows to {res.dirty_path}")


def cmd_ingest(args: argparse.Namespace) -> None:
    from cxmetrics.serving.pipeline import ingest_and_build

    if not args.files and not args.customers:
        raise UserError("nothing to ingest: name event files and/or --customers FILE")
    say, stop = progress_bar(True, pipeline_steps(len(args.files), bool(args.customers)))
    try:
        res = ingest_and_build(args.files, args.customers, db_path(args), say, full=args.full)
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
        out["cases_opened"] = res.cases.opened
        if res.cases.error:
            out["cases_error"] = res.cases.error
        print_json(out)
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
    _say_cases(res.cases)


def _say_cases(res) -> None:
    """What the publish did to the closed-loop cases (a problem there is a warning: the data is in)."""
    if res.error:
        sys.stderr.write(f"cxm: warning: no closed-loop case opened: {res.error}\n"
                         "  fix it and run 'cxm cases sync' (or the next ingest opens them)\n")
    else:
        print(f"closed-loop cases: {res.opened:,} opened, {res.total:,} in all (cxm cases list)")


def cmd_build(args: argparse.Namespace) -> None:
    from cxmetrics.serving.pipeline import rebuild

    if args.engine == "spark":
        return _build_spark(args)
    if args.input or args.output or args.master or args.conf:
        raise UserError("--input, --output, --master and --conf are options of --engine spark")
    say, stop = progress_bar(True, pipeline_steps(0, False) - 2)
    try:
        res = rebuild(db_path(args), say)
    finally:
        stop()
    out = {"model_seconds": {k: round(v, 3) for k, v in res.model_seconds.items()}, "snapshot_version": res.version,
           "cases_opened": res.cases.opened}
    if res.cases.error:
        out["cases_error"] = res.cases.error
    if args.json:
        print_json(out)
        return
    print(f"model rebuilt, snapshot {res.version}")
    _say_cases(res.cases)


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
    say, stop = progress_bar(True, len(STEPS) + 3)
    try:
        res = spark.build(args.input, args.output, master=args.master, conf=conf, progress=say)
    except UserError:
        raise
    except Exception as exc:  # a Spark/JVM failure: one line, the traceback with --debug
        raise UserError(f"the Spark build failed: {spark.first_line(exc)}") from exc
    finally:
        stop()
    if args.json:
        print_json({"engine": "spark", "snapshot_version": res.version, "snapshot_root": res.snapshot_root,
                     "serve_db": res.serve_db, "rows": res.rows,
                     "model_seconds": {k: round(v, 3) for k, v in res.model_seconds.items()},
                     "read_seconds": round(res.read_seconds, 3), "publish_seconds": round(res.publish_seconds, 3)})
    else:
        print(f"model built on Spark, snapshot {res.version} in {res.snapshot_root}")
        print(f"serve it with CXM_DB_PATH={res.serve_db} (the app and 'cxm kpis --db' read the snapshot)")
        print(f"then open its closed-loop cases with 'cxm cases sync --db {res.serve_db}'")


def cmd_export_input(args: argparse.Namespace) -> None:
    from cxmetrics.engines import export_input

    rows = export_input(db_path(args), args.out)
    if args.json:
        print_json({"out": str(args.out), "rows": rows})
    else:
        print(f"wrote {', '.join(f'{t} ({n:,} rows)' for t, n in rows.items())} to {args.out}")


def cmd_demo(args: argparse.Namespace) -> None:
    from cxmetrics.serving.demo import ensure_demo

    path = ensure_demo(db_path(args), force=args.force, log=lambda m: print(m, file=sys.stderr))
    print_json({"db": str(path)}) if args.json else print(f"demo database ready: {path}")
