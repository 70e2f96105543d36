"""The app's figures skip Plotly's validation for speed; the tests validate them instead."""

from __future__ import annotations

import pytest
from plotly.subplots import make_subplots

from cxmetrics import ui


def test_figure_is_validated_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = [{"type": "bar", "x": [1], "y": [2], "colour": "red"}]  # no such property
    monkeypatch.setenv(ui.VALIDATE_FIGURES_ENV, "1")
    with pytest.raises(ValueError, match="colour"):
        ui.figure(bad, {})
    monkeypatch.setenv(ui.VALIDATE_FIGURES_ENV, "0")
    assert ui.figure(bad, {}).to_dict()["data"][0]["colour"] == "red"


def test_figure_json_is_the_same_with_or_without_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    data = [{"type": "bar", "x": ["a", "b"], "y": [1, 2], "marker": {"color": ui.PALETTE[0]}}]
    layout = {"title": {"text": "t"}, "height": 300, "separators": ",."}
    monkeypatch.setenv(ui.VALIDATE_FIGURES_ENV, "1")
    checked = ui.figure(data, layout).to_json()
    monkeypatch.setenv(ui.VALIDATE_FIGURES_ENV, "0")
    assert ui.figure(data, layout).to_json() == checked


@pytest.mark.parametrize(("count", "spacing"), [(1, 0.12), (2, 0.12), (6, 0.5 / 6), (7, 0.5 / 7)])
def test_stacked_axes_match_make_subplots(count: int, spacing: float) -> None:
    fig = make_subplots(rows=count, cols=1, vertical_spacing=spacing)
    expected = [
        bound
        for i in range(1, count + 1)
        for bound in fig.layout[f"yaxis{'' if i == 1 else i}"].domain
    ]
    got = [bound for domain in ui.stacked_axes(count, spacing) for bound in domain]
    assert got == pytest.approx(expected)


def test_shorthand_that_validation_would_rewrite_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """plotly.js gets the dict as written: a string axis title (Plotly's Python shorthand
    for ``{"text": ...}``) would differ from the validated figure, so tests refuse it."""
    monkeypatch.setenv(ui.VALIDATE_FIGURES_ENV, "1")
    with pytest.raises(ValueError, match="differs once validated"):
        ui.figure([{"type": "bar", "x": [1], "y": [2]}], {"xaxis": {"title": "count"}})
    ui.figure([{"type": "bar", "x": [1], "y": [2]}], {"xaxis": {"title": {"text": "count"}}})
