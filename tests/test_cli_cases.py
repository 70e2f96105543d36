"""``cxm cases list|show|update|figures|sync`` run as a user would, under the app's role
rules: CXM_ROLE / --role without a login, --as EMAIL with the users file's role where a
login is configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cases import CUSTOMERS_CSV, EVENTS_A, EVENTS_B


def cxm(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxmetrics.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env={**os.environ, **env})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    (tmp_path / "a.csv").write_text(EVENTS_A)
    (tmp_path / "customers.csv").write_text(CUSTOMERS_CSV)
    db = tmp_path / "cxm.duckdb"
    out = cxm("ingest", str(tmp_path / "a.csv"), "--customers", str(tmp_path / "customers.csv"), "--db", str(db),
              "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["cases_opened"] == 3
    return db


# Without a login configured (no users file), whatever secrets this machine has.
NO_LOGIN = {"CXM_USERS_PATH": "/nonexistent/users.yaml"}


def test_list_show_update_and_figures(db: Path) -> None:
    out = cxm("cases", "list", "--db", str(db), "--json", "--role", "committee", **NO_LOGIN)
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    # the demo data is old, so every case is overdue: the oldest due time first
    assert [c["case_id"] for c in listed] == ["a02", "a05", "a09"]
    assert all(c["overdue"] and c["person"].startswith("p_") for c in listed)
    assert {c["owner"] for c in listed} == {"Retention desk", "B2B care team", "CX back office"}

    out = cxm("cases", "show", "a05", "--db", str(db), "--json", "--role", "analyst", **NO_LOGIN)
    shown = json.loads(out.stdout)
    assert shown["case"]["verbatim"] == "Nadie me explica la factura" and shown["case"]["rule"] == "business"
    assert [e["action"] for e in shown["history"]] == ["opened"]
    assert [r["kind"] for r in shown["timeline"]] == ["survey", "survey", "contact"]
    text = cxm("cases", "show", "a05", "--db", str(db), "--role", "analyst", **NO_LOGIN).stdout
    assert "playbook: Call the account's contact" in text and "timeline" in text

    out = cxm("cases", "update", "a05", "--action", "contacted", "--note", "called", "--as", "ana", "--db", str(db),
              "--json", "--role", "committee", **NO_LOGIN)
    assert out.returncode == 0, out.stderr
    updated = json.loads(out.stdout)
    assert updated["status"] == "contacted" and updated["closed_in_sla"] is False  # closed long after its due time
    history = json.loads(cxm("cases", "show", "a05", "--db", str(db), "--json", "--role", "admin", **NO_LOGIN).stdout)
    assert [(e["who"], e["role"], e["action"], e["note"]) for e in history["history"]][1] == (
        "ana", "committee", "contacted", "called")
    assert history["case"]["person"] == "C2"  # admins see raw ids

    out = cxm("cases", "list", "--db", str(db), "--json", "--status", "open", "--role", "analyst", **NO_LOGIN)
    assert [c["case_id"] for c in json.loads(out.stdout)] == ["a02", "a09"]
    out = cxm("cases", "list", "--db", str(db), "--json", "--owner", "b2b CARE team", **NO_LOGIN)
    assert [c["case_id"] for c in json.loads(out.stdout)] == ["a05"]

    out = cxm("cases", "figures", "--db", str(db), "--json", "--role", "executive", **NO_LOGIN)
    fig = json.loads(out.stdout)
    assert fig["k"] == 5 and fig["overall"]["suppressed"] == "k"  # three customers: fewer than k for executives
    assert fig["overall"]["cases"] is None
    fig = json.loads(cxm("cases", "figures", "--db", str(db), "--json", "--from", "2026-02-02", "--to", "2026-02-02",
                         **NO_LOGIN).stdout)
    assert fig["k"] is None
    assert (fig["overall"]["cases"], fig["overall"]["closed"], fig["overall"]["closed_loop_rate"]) == (3, 1, 0.0)
    assert cxm("cases", "figures", "--db", str(db), **NO_LOGIN).returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--role", "executive"], "cxm cases list: the executive role sees the case figures only"),
        (["show", "a02", "--role", "executive"], "the executive role sees the case figures only"),
        (["update", "a02", "--action", "resolved", "--role", "executive"], "sees the case figures only"),
        (["show", "nope"], "cxm cases show: there is no case 'nope'"),
        (["update", "a02", "--action", "note"], "a note needs its text"),
        (["update", "a02", "--action", "reassign"], "reassigning needs the new owner"),
        (["list", "--mine", "--owner", "x"], "give one"),
        (["figures", "--from", "2026-13-01"], "--from"),
    ],
)
def test_refusals_are_one_line_and_exit_2(db: Path, args: list[str], message: str) -> None:
    out = cxm("cases", *args, "--db", str(db), **NO_LOGIN)
    assert out.returncode == 2 and message in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "Traceback" not in out.stderr


def test_with_a_login_configured_the_users_file_gives_the_role(db: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n')
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  ana@telco.example: committee\n  eva@telco.example: executive\n")
    env = {"HOME": str(home), "CXM_USERS_PATH": str(users)}
    base = ["--db", str(db)]
    out = cxm("cases", "list", *base, cwd=tmp_path, **env)
    assert out.returncode == 2 and "say who you are with --as EMAIL" in out.stderr
    out = cxm("cases", "list", *base, "--as", "ana@telco.example", "--role", "admin", cwd=tmp_path, **env)
    assert out.returncode == 2 and "leave out --role" in out.stderr
    out = cxm("cases", "list", *base, "--as", "bob@telco.example", cwd=tmp_path, **env)
    assert out.returncode == 2 and "bob@telco.example is not in the users file" in out.stderr
    out = cxm("cases", "list", *base, "--as", "eva@telco.example", cwd=tmp_path, **env)
    assert out.returncode == 2 and "executive role sees the case figures only" in out.stderr
    out = cxm("cases", "update", "a09", "--action", "not_reachable", *base, "--as", "Ana@Telco.example", "--json",
              cwd=tmp_path, **env)
    assert out.returncode == 0, out.stderr
    shown = json.loads(cxm("cases", "show", "a09", *base, "--as", "ana@telco.example", "--json", cwd=tmp_path,
                           **env).stdout)
    assert shown["history"][-1]["who"] == "ana@telco.example" and shown["history"][-1]["role"] == "committee"
    assert shown["case"]["person"].startswith("p_")  # the committee sees pseudonyms


def test_sync_and_ingest_report_cases(db: Path, tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text(EVENTS_B)
    out = cxm("ingest", str(tmp_path / "b.csv"), "--db", str(db), **NO_LOGIN)
    assert out.returncode == 0 and "closed-loop cases: 2 opened, 5 in all" in out.stdout, out.stdout
    out = cxm("cases", "sync", "--db", str(db), "--json")
    assert json.loads(out.stdout) == {"opened": 0, "cases": 5, "qualifying": 5, "hidden": 0}
    out = cxm("build", "--db", str(db), "--json")
    assert json.loads(out.stdout)["cases_opened"] == 0
    bad = tmp_path / "routing.yaml"
    bad.write_text("rules: []\n")
    out = cxm("build", "--db", str(db), CXM_ROUTING_PATH=str(bad))
    assert out.returncode == 0 and "warning: no closed-loop case opened" in out.stderr and "'default' is missing" in out.stderr
