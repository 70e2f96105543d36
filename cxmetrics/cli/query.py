"""``cxm kpis``, ``drivers``, ``themes``, ``uplift``, ``okr``, ``export`` and ``review``: the numbers out."""

from __future__ import annotations

import argparse
import sys

from cxmetrics.cli.common import (
    clean,
    db_path,
    filter_spec,
    open_source,
    print_json,
    print_table,
    progress_bar,
    role_of,
)
from cxmetrics.core.errors import UserError


def cmd_kpis(args: argparse.Namespace) -> None:
    from cxmetrics.metrics.engine import kpi_table
    from cxmetrics.metrics.registry import check_dims, check_kpis

    kpis, by = check_kpis(args.kpi), check_dims(args.by)
    spec = filter_spec(args, with_as_of=True)
    if spec.empty_range:
        sys.stderr.write(f"cxm kpis: --from {spec.date_from} is after --to {spec.date_to}: no record selected\n")
    source = open_source(args)
    rows = [{k: clean(v) for k, v in r.items()} for r in kpi_table(source, kpis, by, spec, role=role_of(args))]
    if args.json:
        print_json(rows)
    else:
        extra = ["suppressed"] if rows and "suppressed" in rows[0] else []
        print_table(rows, [*by, "kpi", "value", "n", "ci_low", "ci_high", *extra], f"KPIs · {spec.describe()}")


def cmd_drivers(args: argparse.Namespace) -> None:
    from cxmetrics.reports.key_drivers import drivers_for

    spec = filter_spec(args, with_as_of=False)
    if spec.empty_range:
        sys.stderr.write(f"cxm drivers: --from {spec.date_from} is after --to {spec.date_to}: no record selected\n")
    res = drivers_for(open_source(args), args.kpi, spec, role=role_of(args))
    if args.json:
        print_json(res)
        return
    from rich.console import Console
    from rich.table import Table

    fmt = lambda v, p=1: "—" if v is None else f"{v:.{p}f}"  # noqa: E731
    ci = lambda c, p=1: "" if not c or c[0] is None else f" [{fmt(c[0], p)}, {fmt(c[1], p)}]"  # noqa: E731
    console = Console(width=max(Console().width, 132))
    if not res["rows"]:
        console.print(f"{args.kpi} · {spec.describe()}: no key drivers ({res['reason']}; n = {res['n']:,})")
    else:
        table = Table(title=f"Key drivers of {args.kpi.upper()} · {spec.describe()} · n = {res['n']:,} · "
                            f"R² = {fmt(res['r2'], 3)}")
        for c in ("attribute", "importance % [95% CI]", "with (n)", "without (n)", "odds ratio [95% CI]",
                  "performance"):
            table.add_column(c, justify="left" if c == "attribute" else "right")
        for r in res["rows"]:
            cat = r["kind"] == "categorical"
            table.add_row(r["attribute"], fmt(r["importance_share"]) + ci((r["ci_low"], r["ci_high"])),
                          "—" if cat else f"{fmt(r['effect_with'])} ({r['n_with']:,})",
                          "—" if cat else f"{fmt(r['effect_without'])} ({r['n_without']:,})",
                          fmt(r["odds_ratio"], 2) + ci(r["or_ci"], 2), fmt(r["performance"]))
        console.print(table)
    for name, why in res["skipped"]:
        console.print(f"  skipped {name}: {why}")
    console.print(f"  {res['caveat']}")


def cmd_themes(args: argparse.Namespace) -> None:
    from cxmetrics.core.settings import get_settings
    from cxmetrics.reports.voc import ranking_json

    spec = filter_spec(args, with_as_of=False)
    if spec.empty_range:
        sys.stderr.write(f"cxm themes: --from {spec.date_from} is after --to {spec.date_to}: no record selected\n")
    settings = get_settings()
    res = ranking_json(open_source(args), args.survey, spec, settings.min_n, settings.alpha, role=role_of(args))
    if args.json:
        print_json(res)
        return
    from rich.console import Console
    from rich.table import Table

    fmt = lambda v, p=1: "—" if v is None else f"{v:.{p}f}"  # noqa: E731
    dec = 2 if args.survey == "ces" else 1
    console = Console(width=max(Console().width, 132))
    head = f"{args.survey.upper()} · {spec.describe()}"
    if res["suppressed"]:
        console.print(f"{head}: counts suppressed for this role ({res['suppressed']})")
    elif res["responses"] is not None:
        console.print(f"{head}: {res['with_verbatim']:,} of {res['responses']:,} responses have a comment")
    if not res["themes"]:
        console.print("no theme: no response with a comment in this slice")
        return
    table = Table(title=f"Themes by volume and {args.survey.upper()} impact · {head}")
    for c in ("#", "theme", "n", "share %", "score", "others", "diff [95% CI]", "q", ""):
        table.add_column(c, justify="left" if c in ("theme", "") else "right")
    for r in res["themes"]:
        diff = "—" if r["diff"] is None else (f"{r['diff']:+.{dec}f} [{fmt(r['diff_ci_low'], dec)}, "
                                              f"{fmt(r['diff_ci_high'], dec)}]")
        mark = "suppressed" if r["suppressed"] else {"up": "▲ higher", "down": "▼ lower"}.get(r["direction"], "")
        if not r["suppressed"] and not r["enough_data"]:
            mark = f"n < {res['min_n']}: not tested"
        table.add_row(str(r["rank"]), r["labels"]["en"], "—" if r["n"] is None else f"{r['n']:,}",
                      fmt(r["share"]), fmt(r["value"], dec), fmt(r["rest_value"], dec), diff,
                      "—" if r["q_value"] is None else f"{r['q_value']:.3f}", mark)
    console.print(table)
    if res["k"] is not None:
        console.print(f"  themes with fewer than {res['k']} people are suppressed for this role")


def cmd_uplift(args: argparse.Namespace) -> None:
    from cxmetrics.metrics.uplift import OBSERVATIONAL_NOTE, uplift

    spec = filter_spec(args, with_as_of=False)
    res = uplift(open_source(args), args.kpi, spec)
    if args.json:
        print_json(res.to_json())
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

    okrs = load_okrs(args.okrs or get_settings().okr_path)
    as_of = parse_date(args.as_of, "--as-of") if args.as_of else None
    result = evaluate(open_source(args), okrs, as_of, role=role_of(args))
    if args.json:
        print_json(result)
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

    spec = filter_spec(args, with_as_of=False)
    role = args.role or get_settings().role
    say, stop = progress_bar(True, None)
    try:
        res = export_cohort(open_source(args), spec, args.out, kind=args.kind, role=role,
                            user=f"cli-{getpass.getuser()}",
                            progress=lambda done, total: say(f"rows {done:,}/{total:,}"))
    finally:
        stop()
    out = {"out": str(res.path), "manifest": str(res.manifest_path), "rows": res.rows}
    print_json(out) if args.json else print(f"wrote {res.rows:,} rows to {res.path} (manifest {res.manifest_path})")


def cmd_review(args: argparse.Namespace) -> None:
    from cxmetrics.core.settings import get_settings
    from cxmetrics.metrics.compare import last_closed_period
    from cxmetrics.metrics.filters import parse_date
    from cxmetrics.metrics.okr import load_okrs
    from cxmetrics.reports.pack import pack_format, render_pack
    from cxmetrics.reports.review import period_for, review_data
    from cxmetrics.serving import app_state

    fmt = pack_format(args.out)
    source = open_source(args)
    if args.period:
        period = period_for(source, parse_date(args.period, "--period"))
    else:
        period = last_closed_period(source)
        if period is None:
            raise UserError("the database has no events yet: no review period to report")
    okr_path = args.okrs or get_settings().okr_path
    okrs = load_okrs(okr_path) if args.okrs or okr_path.exists() else None
    # the app state (actions, cases) beside the database of --db, as ``cxm cases`` reads it
    data = review_data(source, period, okrs, None, app_state.path_for(db_path(args)), role=role_of(args))
    content = render_pack(data, fmt, args.lang)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(content)
    except OSError as exc:
        raise UserError(f"cannot write {args.out}: {exc.strerror}") from None
    if args.json:
        print_json({"out": str(args.out), "bytes": len(content), "format": fmt, "period": data["period"]})
    else:
        print(args.out)
