"""``cxm themes``: the verbatim themes ranked by volume with their impact on a survey score
(``reports.voc.theme_ranking``, the Voice of the customer page's ranking), run as a user
would, on ``demo_db`` (3,000 customers to 2026-03-01) and ``small_demo_db`` (400: groups
under k people for the restricted roles)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from cxmetrics.core.settings import get_settings
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.reports import voc
from cxmetrics.serving.snapshot import open_snapshot
from tests.test_cli import cxm


def themes(db: Path, *args: str) -> dict:
    out = cxm("themes", "--db", str(db), "--json", *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # one object, nothing else on stdout


def test_json_counts_by_hand_and_equals_the_pages_ranking(demo_db: Path) -> None:
    res = themes(demo_db, "--role", "analyst")
    assert (res["survey"], res["filter"], res["tz"], res["k"]) == ("nps", "all data", "UTC", None)
    con = open_snapshot(demo_db).con
    counts = dict(con.execute("SELECT theme, count(*) FROM rec_survey WHERE survey_type = 'nps' "
                              "AND theme NOT IN ('none', 'unknown') GROUP BY theme").fetchall())
    everyone = con.execute("SELECT count(*) FROM rec_survey WHERE survey_type = 'nps'").fetchone()[0]
    assert (res["responses"], res["with_verbatim"]) == (everyone, sum(counts.values()))
    assert {r["theme"]: r["n"] for r in res["themes"]} == counts
    assert [r["n"] for r in res["themes"]] == sorted(counts.values(), reverse=True)  # by volume
    assert [r["rank"] for r in res["themes"]] == list(range(1, len(counts) + 1))
    first = res["themes"][0]
    assert first["share"] == pytest.approx(100 * first["n"] / res["with_verbatim"])
    assert first["rest_n"] == res["with_verbatim"] - first["n"]
    coverage = next(r for r in res["themes"] if r["theme"] == "coverage_outage")
    assert coverage["labels"] == {"en": "Coverage and outages", "es": "Cobertura y averías de red"}
    # the same numbers as the page's function
    s = get_settings()
    page = voc.theme_ranking(open_snapshot(demo_db), "nps", FilterSpec(), s.min_n, s.alpha, role="analyst")
    assert page["theme"].tolist() == [r["theme"] for r in res["themes"]]
    assert page["diff"].tolist() == pytest.approx([r["diff"] for r in res["themes"]], nan_ok=True)
    assert page["q_value"].tolist() == pytest.approx([r["q_value"] for r in res["themes"]], nan_ok=True)


def test_slice_flags_survey_and_time_zone(demo_db: Path) -> None:
    res = themes(demo_db, "--survey", "csat", "--filter", "region=Andalucía", "--from", "2026-02-16",
                 "--to", "2026-03-01")
    con = open_snapshot(demo_db).con
    n = con.execute("SELECT count(*) FROM rec_survey WHERE survey_type = 'csat' AND region = 'Andalucía' "
                    "AND theme NOT IN ('none', 'unknown') AND local_day(t) BETWEEN '2026-02-16' AND '2026-03-01'"
                    ).fetchone()[0]
    assert res["survey"] == "csat" and res["with_verbatim"] == n == sum(r["n"] for r in res["themes"])
    assert res["themes"][0]["theme"] == "coverage_outage"  # the planted outage
    assert "Andalucía" in res["filter"] and "2026-02-16" in res["filter"]
    # a theme filter picks the themes shown, not the denominator
    billing = themes(demo_db, "--filter", "theme=billing")
    assert [r["theme"] for r in billing["themes"]] == ["billing"]
    assert billing["with_verbatim"] == themes(demo_db)["with_verbatim"]
    # --tz UTC is exactly the output without it; another zone moves the day boundaries
    assert themes(demo_db, "--tz", "UTC", "--from", "2026-02-16") == themes(demo_db, "--from", "2026-02-16")
    madrid = themes(demo_db, "--tz", "Europe/Madrid", "--from", "2026-02-16", "--role", "analyst")
    assert madrid["tz"] == "Europe/Madrid"
    local = voc.ranking_json(open_snapshot(demo_db, "Europe/Madrid"), "nps", FilterSpec(date_from=date(2026, 2, 16)),
                             get_settings().min_n, get_settings().alpha, role="analyst")
    assert [r["n"] for r in madrid["themes"]] == [r["n"] for r in local["themes"]]


def test_restricted_roles_get_k_anonymity(small_demo_db: Path) -> None:
    analyst = themes(small_demo_db, "--role", "analyst", "--filter", "channel=chatbot")
    for role in ("executive", "committee"):
        res = themes(small_demo_db, "--role", role, "--filter", "channel=chatbot")
        assert res["k"] == 5
        hidden = [r for r in res["themes"] if r["suppressed"]]
        assert hidden and all(r["n"] is None and r["value"] is None and r["diff"] is None for r in hidden)
        assert res["themes"][-len(hidden):] == hidden  # hidden last
        assert {r["theme"] for r in res["themes"]} == {r["theme"] for r in analyst["themes"]}
        shown = {r["theme"]: r["n"] for r in res["themes"] if not r["suppressed"]}
        assert all(n >= 5 for n in shown.values())  # no shown theme with fewer than k responses
    assert not any(r["suppressed"] for r in analyst["themes"])


def test_plain_table_and_errors(demo_db: Path) -> None:
    out = cxm("themes", "--db", str(demo_db), "--filter", "region=Andalucía")
    assert out.returncode == 0, out.stderr
    assert "Themes by volume and NPS impact" in out.stdout and "Coverage and outages" in out.stdout
    assert "responses have a comment" in out.stdout
    for args, message in ((["--survey", "fcr"], "invalid choice"), (["--filter", "colour=red"], "colour"),
                          (["--from", "2026-02-30"], "2026-02-30"), (["--tz", "Mars/Base"], "Mars/Base")):
        bad = cxm("themes", "--db", str(demo_db), *args)
        assert bad.returncode == 2 and message in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
