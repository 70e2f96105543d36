"""``cxm cases list|show|update|figures|sync``: the closed loop from the command line.

The same role rules as the app (``privacy.require_case_access``): committee, analysts and
admins list, show and update cases; executives get ``figures`` only. Where a login is
configured the user says who they are with ``--as EMAIL`` and the users file gives the
role (``core.auth.cli_user``); otherwise the role is ``--role`` or ``CXM_ROLE``. Every
update is recorded with that user in the case's history and the audit log.
"""

from __future__ import annotations

import argparse

from cxmetrics.cli.common import Parser, common_args, db_path, print_json, tz_arg
from cxmetrics.core.errors import UserError

ROLE_CHOICES = ["executive", "committee", "analyst", "admin"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cases", help="closed-loop cases: list, show, update (and their figures)")
    cases = p.add_subparsers(dest="cases_command", required=True, parser_class=Parser)

    def who(q: argparse.ArgumentParser) -> None:
        common_args(q)
        q.add_argument("--as", dest="as_user", metavar="USER",
                       help="who you are: your email where a login is configured (required there), else a name")
        q.add_argument("--role", choices=ROLE_CHOICES, default=None,
                       help="role without a login configured (default: CXM_ROLE)")

    q = cases.add_parser("list", help="cases, overdue first")
    who(q)
    q.add_argument("--status", action="append", default=[], choices=["open", "contacted", "resolved", "not_reachable"],
                   help="only this status (repeat for several; default: all)")
    q.add_argument("--owner", help="only this owner's cases (without case)")
    q.add_argument("--mine", action="store_true", help="only your cases (owner = your --as)")
    q.add_argument("--overdue", action="store_true", help="only open cases past their due time")
    q.add_argument("--limit", type=int, default=50, help="at most this many (0: all; default 50)")

    q = cases.add_parser("show", help="one case: the response, playbook, history and the customer's timeline")
    who(q)
    q.add_argument("case_id", metavar="ID")

    q = cases.add_parser("update", help="record an action on a case")
    who(q)
    q.add_argument("case_id", metavar="ID")
    q.add_argument("--action", required=True, choices=["contacted", "resolved", "not_reachable", "note", "reassign"])
    q.add_argument("--note", help="a note (required with --action note)")
    q.add_argument("--owner", help="the new owner (required with --action reassign)")

    q = cases.add_parser("figures", help="open, overdue, closed-loop rate and median time to close")
    who(q)
    q.add_argument("--from", dest="date_from", metavar="DATE", help="first response date, inclusive")
    q.add_argument("--to", dest="date_to", metavar="DATE", help="last response date, inclusive")
    tz_arg(q)

    q = cases.add_parser("sync", help="open the cases of the published model now (every ingest and build does it)")
    common_args(q)


def _state(args: argparse.Namespace):
    from cxmetrics.serving import app_state

    return app_state.path_for(db_path(args))


def _user(args: argparse.Namespace):
    from cxmetrics.core.auth import cli_user

    return cli_user(args.as_user, args.role)


def cmd_cases(args: argparse.Namespace) -> None:
    {"list": _list, "show": _show, "update": _update, "figures": _figures, "sync": _sync}[args.cases_command](args)


def _list(args: argparse.Namespace) -> None:
    from cxmetrics.reports import cases as rc
    from cxmetrics.serving import cases as store

    me = _user(args)
    now = store.utcnow()
    owners = None
    if args.mine and args.owner:
        raise UserError("--mine and --owner both choose the owner: give one")
    if args.mine:
        owners = rc.me_names(me.id, me.name)
    elif args.owner:
        owners = [args.owner]
    limit = None if args.limit <= 0 else args.limit
    filters = {"status": args.status or None, "owners": owners, "overdue": args.overdue, "now": now}
    found = store.list_cases(_state(args), role=me.role, limit=limit, **filters)
    total = store.count_cases(_state(args), role=me.role, **filters)
    if args.json:
        print_json([c.to_json(now) for c in found])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"cases ({len(found):,} of {total:,}, overdue first; now {now:%Y-%m-%d %H:%M} UTC)")
    for col in ("id", "status", "owner", "response (UTC)", "due (UTC)", "", "survey", "channel", "intent", "customer"):
        table.add_column(col)
    for c in found:
        table.add_row(c.case_id, c.status, c.owner, f"{c.response_ts:%Y-%m-%d %H:%M}", f"{c.due_at:%Y-%m-%d %H:%M}",
                      rc.due_text(c, now, "en"), rc.survey_text(c), c.channel, c.intent, rc.customer_text(c, "en"))
    Console().print(table)


def _open_source(args: argparse.Namespace):
    """The published snapshot (for the timeline); None when there is none."""
    from cxmetrics.serving.snapshot import open_snapshot

    try:
        return open_snapshot(db_path(args), "UTC")
    except (UserError, OSError):
        return None


def _routing():
    from cxmetrics.serving.routing import load_routing

    try:
        return load_routing(), ""
    except UserError as exc:
        return None, str(exc)


def _show(args: argparse.Namespace) -> None:
    from cxmetrics.reports import cases as rc
    from cxmetrics.serving import cases as store

    me = _user(args)
    now = store.utcnow()
    routing, routing_error = _routing()
    source = _open_source(args)
    if args.json:
        print_json(rc.show_json(source, args.case_id, _state(args), role=me.role, routing=routing, now=now))
        return
    d = rc.case_detail(source, args.case_id, _state(args), role=me.role, lang="en", routing=routing)
    c = d.case
    print(f"case {c.case_id}: {c.status.replace('_', ' ')}, owner {c.owner} (rule {c.rule})")
    print(f"  {rc.survey_text(c)} on {c.channel}, intent {c.intent}, segment {c.segment}, "
          f"at {c.response_ts:%Y-%m-%d %H:%M} UTC")
    print(f"  due {c.due_at:%Y-%m-%d %H:%M} UTC ({c.sla_hours:g} h SLA): {rc.due_text(c, now, 'en')}")
    if c.closed_at:
        print(f"  closed {c.closed_at:%Y-%m-%d %H:%M} UTC, {rc.duration_text(c.hours_to_close or 0, 'en')} "
              "after the response")
    if c.hidden:
        print("  the customer has withdrawn analytics consent: their id, comment and timeline are hidden")
    else:
        print(f"  customer {c.person}")
        print(f"  comment: {c.verbatim if c.verbatim else '(none)'}")
    print(f"playbook: {d.playbook}" if d.playbook else f"playbook: unavailable ({routing_error})")
    print("history:")
    for e in d.history:
        change = f" {e['old_status'] or ''}→{e['new_status']}" if e["old_status"] != e["new_status"] else ""
        owner = f" owner {e['old_owner']}→{e['new_owner']}" if e["old_owner"] != e["new_owner"] and e["old_owner"] else ""
        note = f": {e['note']}" if e["note"] else ""
        print(f"  {e['at'].replace('T', ' ')} {e['who']} ({e['role']}) {e['action']}{change}{owner}{note}")
    if not c.hidden:
        print(f"timeline (from {rc.TIMELINE_DAYS} days before the response, newest first):")
        if source is None:
            print("  unavailable: no published model")
        for r in rc.timeline_display(d.timeline, "en").to_dict("records"):
            print(f"  {r['t']:%Y-%m-%d %H:%M} {r['what']} · {r['channel']} · {r['intent']} · {r['detail']}")


def _update(args: argparse.Namespace) -> None:
    from cxmetrics.reports import cases as rc
    from cxmetrics.serving import cases as store

    me = _user(args)
    now = store.utcnow()
    case = store.update_case(args.case_id, args.action, user=me.id, role=me.role, note=args.note, owner=args.owner,
                             now=now, path=_state(args))
    if args.json:
        print_json(case.to_json(now))
    else:
        print(f"case {case.case_id}: {args.action.replace('_', ' ')} recorded by {me.id}; "
              f"status {case.status.replace('_', ' ')}, owner {case.owner}, {rc.due_text(case, now, 'en')}")


def _figures(args: argparse.Namespace) -> None:
    from cxmetrics.metrics.filters import parse_date
    from cxmetrics.reports import cases as rc

    me = _user(args)
    fig = rc.figures(
        _state(args), role=me.role, tz=args.tz,
        date_from=parse_date(args.date_from, "--from") if args.date_from else None,
        date_to=parse_date(args.date_to, "--to") if args.date_to else None,
    )
    if args.json:
        print_json(fig)
        return
    from cxmetrics.cli.common import print_table

    rows = [{"breakdown": "all", "group": "", **fig["overall"]}]
    rows += [{"breakdown": dim, **r} for dim in rc.BREAKDOWNS for r in fig[f"by_{dim}"]]
    for r in rows:
        r["closed_loop_rate"] = rc.rate_text(r, "en")
        r["median_to_close"] = rc.median_text(r, "en")
    span = f"responses {fig['from'] or '…'} to {fig['to'] or '…'} ({fig['tz']}), now {fig['now']} UTC"
    print_table(rows, ["breakdown", "group", "cases", "open", "overdue", "closed", "closed_in_sla", "closed_loop_rate",
                       "median_to_close"], f"closed-loop figures: {span}")


def _sync(args: argparse.Namespace) -> None:
    from cxmetrics.serving import cases as store
    from cxmetrics.serving.snapshot import open_database_source

    source = open_database_source(db_path(args))
    res = store.open_cases(source.con, _state(args))
    out = {"opened": res.opened, "cases": res.total, "qualifying": res.qualifying, "hidden": res.hidden}
    if args.json:
        print_json(out)
    else:
        print(f"opened {res.opened:,} cases ({res.total:,} in all; {res.hidden:,} of customers who withdrew consent)")
