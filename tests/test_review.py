"""Committee review: the action log survives re-ingests and restarts; frozen figures and restatements."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cxmetrics.core.errors import UserError
from cxmetrics.metrics.compare import Period
from cxmetrics.reports.review import frozen_figures, period_for, restatements, review_data
from cxmetrics.serving import app_state
from cxmetrics.serving.pipeline import ingest_and_build
from cxmetrics.serving.snapshot import open_snapshot

COLS = "event_id,ts,event_type,channel,anonymous_id,customer_id,survey_type,score"


def survey_rows(prefix: str, day: str, n: int, promoters: int, channel: str = "web") -> list[str]:
    return [
        f"{prefix}{i},{day}T10:00:00Z,survey_response,{channel},a{prefix}{i},,nps,{9 if i < promoters else 3}"
        for i in range(n)
    ]


def build(tmp_path: Path, name: str, rows: list[str]) -> Path:
    f = tmp_path / f"{name}.csv"
    f.write_text(COLS + "\n" + "\n".join(rows) + "\n")
    db = tmp_path / "r.duckdb"
    ingest_and_build([f], None, db)
    return db


def test_actions_survive_reingest_and_restart(tmp_path: Path) -> None:
    state = tmp_path / "app_state.sqlite"
    db = build(tmp_path, "a", survey_rows("x", "2026-02-03", 40, 20))
    a = app_state.add_action("Call back chatbot abandoners", "Service lead", date(2026, 2, 20), "2026-02-02",
                             user="maria", kpi="handoff_abandonment", filter_dims={"channel": ["chatbot"]},
                             path=state, role="committee")
    # A re-ingest and a full rebuild touch only the data database.
    build(tmp_path, "b", survey_rows("y", "2026-02-04", 40, 10))
    assert db.exists()
    # A new process (an app restart) sees the action, and can mark it done.
    code = (
        "import sys; from pathlib import Path; from cxmetrics.serving import app_state;"
        "p = Path(sys.argv[1]); [a] = app_state.actions(p, role='committee'); app_state.mark_done(a.id, 'luis', p, role='committee');"
        "print(a.what, a.owner, a.due_date, a.filter)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(state)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "Call back chatbot abandoners Service lead 2026-02-20 {'channel': ['chatbot']}"
    [done] = app_state.actions(state, role="committee")
    assert (done.id, done.status, done.done_by, done.created_by) == (a.id, "done", "luis", "maria")
    assert [x.id for x in app_state.actions_due_in(date(2026, 2, 16), date(2026, 3, 1), state, role="committee")] == [a.id]
    with pytest.raises(UserError):
        app_state.add_action("  ", "x", date(2026, 2, 20), "2026-02-02", user="maria", path=state, role="committee")


def test_review_freezes_and_flags_restatements(tmp_path: Path) -> None:
    state = tmp_path / "app_state.sqlite"
    # Previous period 2026-01-19..02-01: NPS 0 (20/40 promoters, 20 detractors);
    # this period 2026-02-02..02-15: NPS -50 (10 promoters, 30 detractors).
    db = build(tmp_path, "a", survey_rows("p", "2026-01-25", 40, 20) + survey_rows("c", "2026-02-05", 40, 10)
               + survey_rows("z", "2026-02-20", 1, 1))
    src = open_snapshot(db)
    period = period_for(src, date(2026, 2, 2))
    assert period == Period(date(2026, 2, 2), date(2026, 2, 15))
    data = review_data(src, period, state_path=state, role="analyst")
    overall = next(r for r in data["changes"] if r["kpi"] == "nps" and r["dimension"] == "all")
    assert (overall["current"], overall["previous"], overall["current_n"]) == (-50.0, 0.0, 40)
    assert overall["diff"] == pytest.approx(-50.0)
    app_state.freeze_review("2026-02-02", frozen_figures(data), data["data_version"], "maria", state, role="committee")
    # Late data for the closed period arrives: the page must show "as reported" vs "restated".
    db = build(tmp_path, "late", survey_rows("l", "2026-02-10", 20, 20))
    src = open_snapshot(db)
    later = review_data(src, period, state_path=state, role="analyst")
    frozen = app_state.frozen_review("2026-02-02", state)
    changed = restatements(frozen["figures"], later)
    nps_all = next(c for c in changed if c["kpi"] == "nps" and c["dimension"] == "all")
    assert nps_all["as_reported"]["current"] == -50.0
    assert nps_all["restated"]["current_n"] == 60  # 30 promoters, 30 detractors -> 0
    assert nps_all["restated"]["current"] == pytest.approx(0.0)
    # Freezing again keeps the first figures.
    app_state.freeze_review("2026-02-02", frozen_figures(later), later["data_version"], "luis", state, role="committee")
    assert app_state.frozen_review("2026-02-02", state)["closed_by"] == "maria"


def test_period_must_start_a_review_period(tmp_path: Path) -> None:
    db = build(tmp_path, "a", survey_rows("p", "2026-01-25", 5, 2))
    with pytest.raises(UserError, match="first day of a review period"):
        period_for(open_snapshot(db), date(2026, 2, 3))
