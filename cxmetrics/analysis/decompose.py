"""Period-over-period change of a KPI split into rate and mix effects (pure functions).

Every KPI the product shows over a set of records is a weighted mean of per-record values
(NPS: +100 promoter / 0 passive / -100 detractor; a rate: 100 or 0; CES: the score), so
over the slices of one dimension (channel, region, ...)

    V = sum_i w_i * v_i,    w_i = n_i / N   (share of the period's records in slice i).

The change V1 - V0 between a previous period (0) and a current period (1) is split per
slice with the symmetric two-factor Shapley decomposition, which is exact:

    rate_i = 1/2 (w0_i + w1_i) (v1_i - v0_i)           the slice's own value moved
    mix_i  = (1/2 (v0_i + v1_i) - c) (w1_i - w0_i)      volume moved into / out of it
    c      = 1/2 (V0 + V1)

    sum_i (rate_i + mix_i) = sum_i (w1_i v1_i - w0_i v0_i) = V1 - V0.

Subtracting the constant c changes no total (sum_i (w1_i - w0_i) = 0) but makes each
slice's mix effect readable on its own: moving volume toward a slice that is above the
average raises the total, toward one below it lowers it. A slice present in one period
only takes its missing value equal to the value it has (its rate effect is 0; its change
is pure mix). When a whole period has no records the result is neutral (``change`` is
``None``, with a ``reason``), never an exception.

Values are on the KPI's display scale (NPS points, percent, CES mean score). A quantity
that cannot be computed is ``None``, never NaN.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

__all__ = [
    "PLOTLY_MEASURE",
    "Contribution",
    "Decomposition",
    "SliceChange",
    "decompose",
    "summary",
    "waterfall_rows",
]

ContributionKind = Literal["start", "rate", "other", "mix", "end"]

# Plotly's go.Waterfall ``measure`` for each row kind of ``waterfall_rows``.
PLOTLY_MEASURE: dict[str, str] = {
    "start": "absolute",
    "rate": "relative",
    "other": "relative",
    "mix": "relative",
    "end": "total",
}


@dataclass(frozen=True)
class SliceChange:
    """One slice of the dimension in both periods.

    ``value0``/``value1`` are the observed slice values (``None`` where the slice has no
    records in that period); ``total = rate_effect + mix_effect``, in KPI units.
    """

    slice: str
    n0: int
    n1: int
    share0: float
    share1: float
    value0: float | None
    value1: float | None
    rate_effect: float
    mix_effect: float
    total: float


@dataclass(frozen=True)
class Decomposition:
    """V1 - V0 over one dimension, split into per-slice rate and mix effects.

    Neutral when a period has no records: ``change``, ``rate_total`` and ``mix_total``
    are ``None``, ``slices`` is empty and ``reason`` says why; ``value0``/``value1`` are
    still given for the period that has records.
    """

    dimension: str
    value0: float | None
    value1: float | None
    change: float | None
    n0: int
    n1: int
    slices: tuple[SliceChange, ...]
    rate_total: float | None
    mix_total: float | None
    reason: str | None = None


class Contribution(NamedTuple):
    """One item of ``summary`` or one bar of ``waterfall_rows``.

    ``kind``: "rate" (one slice's rate effect; ``slice`` is its key), "mix" (all mix
    effects summed), "other" (the remaining items summed), "start"/"end" (the period
    values, waterfall only).
    """

    label: str
    value: float
    kind: ContributionKind
    slice: str | None = None


SliceInput = tuple[str, int, float | None, int, float | None]


def _check_n(name: str, key: str, n: object) -> int:
    if isinstance(n, bool):
        raise TypeError(f"slice {key!r}: {name} must be an integer count, got {n!r}")
    if isinstance(n, float):
        if not n.is_integer():
            raise ValueError(f"slice {key!r}: {name} must be an integer count, got {n!r}")
        count = int(n)
    else:
        try:
            count = operator.index(n)  # int, numpy integers
        except TypeError:
            raise TypeError(f"slice {key!r}: {name} must be an integer count, got {n!r}") from None
    if count < 0:
        raise ValueError(f"slice {key!r}: {name} is negative ({count})")
    return count


def _check_value(name: str, key: str, n: int, value: float | None) -> float | None:
    if n == 0:
        return None  # no records: whatever value was passed has no weight and is not shown
    if value is None:
        raise ValueError(f"slice {key!r}: {name} is None but the slice has {n} records")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"slice {key!r}: {name} is not finite ({value})")
    return value


def _weighted_value(pairs: list[tuple[float, float]]) -> float:
    return math.fsum(w * v for w, v in pairs)


def decompose(dimension: str, slices: Sequence[SliceInput]) -> Decomposition:
    """Split V1 - V0 over ``slices`` = ``(slice, n0, value0, n1, value1)`` tuples.

    ``n0``/``n1``: records of the slice in the previous / current period; ``value0``/
    ``value1``: the slice's KPI value there (ignored, may be ``None``, when the count is
    0). Slices keep their input order. Raises ``ValueError``/``TypeError`` only for
    malformed input (duplicate slice, negative or fractional count, missing or non-finite
    value where the slice has records); empty periods give a neutral result.
    """
    rows: list[tuple[str, int, float | None, int, float | None]] = []
    seen: set[str] = set()
    for item in slices:
        key, n0, v0, n1, v1 = item
        key = str(key)
        if key in seen:
            raise ValueError(f"slice {key!r} appears twice in dimension {dimension!r}")
        seen.add(key)
        n0 = _check_n("n0", key, n0)
        n1 = _check_n("n1", key, n1)
        rows.append((key, n0, _check_value("value0", key, n0, v0), n1,
                     _check_value("value1", key, n1, v1)))

    big_n0 = sum(r[1] for r in rows)
    big_n1 = sum(r[3] for r in rows)
    value0 = _weighted_value([(r[1] / big_n0, r[2]) for r in rows if r[1]]) if big_n0 else None
    value1 = _weighted_value([(r[3] / big_n1, r[4]) for r in rows if r[3]]) if big_n1 else None
    if value0 is None or value1 is None:
        if value0 is None and value1 is None:
            reason = "neither period has records"
        elif value0 is None:
            reason = "the previous period has no records"
        else:
            reason = "the current period has no records"
        return Decomposition(dimension, value0, value1, None, big_n0, big_n1, (), None, None,
                             reason)

    c = 0.5 * (value0 + value1)
    out: list[SliceChange] = []
    for key, n0, v0, n1, v1 in rows:
        w0 = n0 / big_n0
        w1 = n1 / big_n1
        if v0 is None and v1 is None:  # no records in either period: no effect
            out.append(SliceChange(key, n0, n1, w0, w1, None, None, 0.0, 0.0, 0.0))
            continue
        a = v1 if v0 is None else v0  # a slice in one period only: missing value = other
        b = v0 if v1 is None else v1
        rate = 0.5 * (w0 + w1) * (b - a)
        mix = (0.5 * (a + b) - c) * (w1 - w0)
        out.append(SliceChange(key, n0, n1, w0, w1, v0, v1, rate, mix, rate + mix))
    return Decomposition(
        dimension=dimension,
        value0=value0,
        value1=value1,
        change=value1 - value0,
        n0=big_n0,
        n1=big_n1,
        slices=tuple(out),
        rate_total=math.fsum(s.rate_effect for s in out),
        mix_total=math.fsum(s.mix_effect for s in out),
    )


def _ranked_rates(decomp: Decomposition) -> list[SliceChange]:
    """Slices with a non-zero rate effect, largest |effect| first (ties: input order)."""
    nonzero = [s for s in decomp.slices if s.rate_effect != 0.0]
    return sorted(nonzero, key=lambda s: -abs(s.rate_effect))


def summary(
    decomp: Decomposition,
    label_fn: Callable[[str], str] = str,
    top: int = 3,
    *,
    mix_label: str = "mix",
    other_label: str = "other",
) -> list[Contribution]:
    """The ``top`` largest contributions to the change, largest |value| first.

    Each slice's rate effect is one item (kind "rate", labelled ``label_fn(slice)``), all
    mix effects summed are one item (kind "mix"); when more items exist than ``top``, the
    rest is one last item (kind "other") equal to change minus the items shown, so the
    values always add up to ``decomp.change``. Zero items are left out; a neutral
    decomposition gives ``[]``.
    """
    if top < 0:
        raise ValueError(f"top must be >= 0, got {top}")
    if decomp.change is None or decomp.mix_total is None:
        return []
    items = [Contribution(label_fn(s.slice), s.rate_effect, "rate", s.slice)
             for s in decomp.slices if s.rate_effect != 0.0]
    if decomp.mix_total != 0.0:
        items.append(Contribution(mix_label, decomp.mix_total, "mix"))
    items.sort(key=lambda c: -abs(c.value))  # stable: ties keep slice order, mix last
    shown = items[:top]
    if len(items) > top:
        rest = decomp.change - math.fsum(c.value for c in shown)
        shown.append(Contribution(other_label, rest, "other"))
    return shown


def waterfall_rows(
    decomp: Decomposition,
    top: int = 6,
    *,
    label_fn: Callable[[str], str] = str,
    start_label: str = "previous period",
    end_label: str = "current period",
    other_label: str = "other slices",
    mix_label: str = "mix",
) -> list[Contribution]:
    """Bars for a Plotly waterfall, in order: start value, the ``top`` largest rate effects,
    the other slices' rate effects summed (only when there are others), mix, end value.

    The steps between start and end sum to ``value1 - value0`` (the "other slices" bar is
    computed as the remainder, so rounding cannot leave a gap). ``PLOTLY_MEASURE[kind]``
    gives each bar's ``measure``. A neutral decomposition gives ``[]``.
    """
    if top < 0:
        raise ValueError(f"top must be >= 0, got {top}")
    if decomp.change is None or decomp.mix_total is None:
        return []
    assert decomp.value0 is not None and decomp.value1 is not None
    ranked = _ranked_rates(decomp)
    shown = ranked[:top]
    rows = [Contribution(start_label, decomp.value0, "start")]
    rows += [Contribution(label_fn(s.slice), s.rate_effect, "rate", s.slice) for s in shown]
    if len(ranked) > top:
        rest = decomp.change - math.fsum([*(s.rate_effect for s in shown), decomp.mix_total])
        rows.append(Contribution(other_label, rest, "other"))
    rows.append(Contribution(mix_label, decomp.mix_total, "mix"))
    rows.append(Contribution(end_label, decomp.value1, "end"))
    return rows
