"""Formatting numeric event columns as the contract's files (Parquet, CSV, JSON Lines)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cxmetrics.ingest.schema import (
    CHANNELS,
    EVENT_COLUMNS,
    EVENT_TYPES,
    INTENTS,
    JOURNEY_TYPES,
    SURVEY_TYPES,
)
from cxmetrics.synth.tables import STEP_NAMES
from cxmetrics.synth.verbatims import VERBATIMS

_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


def _fmt_ids(prefix: bytes, nums: np.ndarray, width: int, base: int = 10) -> pa.Array:
    """Fixed-width ids ``prefix + digits`` as an arrow string array; negative = null."""
    nums = np.asarray(nums, np.int64)
    valid = nums >= 0
    v = nums[valid].astype(np.uint64)
    k = len(v)
    w = len(prefix) + width
    buf = np.empty((k, w), np.uint8)
    buf[:, : len(prefix)] = np.frombuffer(prefix, np.uint8)
    b = np.uint64(base)
    for i in range(w - 1, len(prefix) - 1, -1):
        buf[:, i] = _HEX[(v % b).astype(np.intp)]
        v //= b
    offsets = np.zeros(len(nums) + 1, np.int32)
    offsets[1:] = np.cumsum(valid * w, dtype=np.int32)
    nulls = len(nums) - k
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    return pa.Array.from_buffers(
        pa.string(), len(nums), [bitmap, pa.py_buffer(offsets), pa.py_buffer(buf)], null_count=nulls
    )


def _fmt_vocab(vocab: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    codes = np.asarray(codes, np.int32)
    return pc.take(pa.array(vocab, pa.string()), pa.array(codes, mask=codes < 0))


def _scramble_anon(nums: np.ndarray) -> np.ndarray:
    """Mix anonymous-id numbers (< 2**48) into random-looking 48-bit values, bijectively.

    Odd multipliers and additions mod 2**48 and an xor-shift within 48 bits are each invertible, so
    distinct inputs always give distinct cookies.
    """
    mask = np.uint64((1 << 48) - 1)
    v = (nums.astype(np.uint64) * np.uint64(0x5DEECE66D) + np.uint64(0xB0A7C0DE)) & mask
    v ^= v >> np.uint64(24)
    v = (v * np.uint64(0x9E3779B97F4B)) & mask
    return np.where(nums >= 0, v.astype(np.int64), -1)


def _to_table(cols: dict[str, np.ndarray], first_event: int, ts_text: bool) -> pa.Table:
    n = len(cols["ts"])
    ts = pa.array(cols["ts"].astype("datetime64[s]"))
    if ts_text:
        ts = pc.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ")
    else:
        ts = ts.cast(pa.timestamp("ms")).cast(pa.timestamp("ms", tz="UTC"))
    net = cols["net"]
    score = cols["score"].astype(np.int64)
    data = {
        "event_id": _fmt_ids(b"evt-", np.arange(first_event, first_event + n), 10),
        "ts": ts,
        "event_type": _fmt_vocab(EVENT_TYPES, cols["et"]),
        "channel": _fmt_vocab(CHANNELS, cols["ch"]),
        "anonymous_id": _fmt_ids(b"ck-", _scramble_anon(cols["anon"]), 12, 16),
        "network_id": _fmt_ids(
            b"tel-346", np.where(net >= 0, (net * 7919 + 1_234_567) % 100_000_000, -1), 8
        ),
        "customer_id": _fmt_ids(b"C", np.where(cols["cust"] >= 0, cols["cust"] + 1, -1), 7),
        "journey_id": _fmt_ids(b"jrn-", cols["jid"], 9),
        "journey_type": _fmt_vocab(JOURNEY_TYPES, cols["jt"]),
        "intent": _fmt_vocab(INTENTS, cols["intent"]),
        "contact_id": _fmt_ids(b"ct-", cols["cid"], 9),
        "step": _fmt_vocab(STEP_NAMES, cols["step"]),
        "survey_type": _fmt_vocab(SURVEY_TYPES, cols["st"]),
        "score": pa.array(score, mask=score < 0),
        "verbatim": _fmt_vocab(VERBATIMS, cols["verb"]),
    }
    return pa.table({c: data[c] for c in EVENT_COLUMNS})


class _Writer:
    """Streams chunk tables to one events file (Parquet row groups, CSV or JSON Lines)."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt = path, fmt
        self._pq: pq.ParquetWriter | None = None
        self._csv: pacsv.CSVWriter | None = None
        self._fh = None
        self._con = None
        if fmt == "jsonl":
            import duckdb

            self._fh = open(path, "wb")  # noqa: SIM115
            self._con = duckdb.connect()
            self._part = path.with_name(f".{path.name}.part")

    def write(self, table: pa.Table) -> None:
        if self.fmt == "parquet":
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.path, table.schema, compression="snappy")
            self._pq.write_table(table)
        elif self.fmt == "csv":
            if self._csv is None:
                self._csv = pacsv.CSVWriter(
                    self.path,
                    table.schema,
                    write_options=pacsv.WriteOptions(quoting_style="needed"),
                )
            self._csv.write_table(table)
        elif table.num_rows:
            # DuckDB's JSON writer is ~7x faster than pandas; one object per line, in order.
            self._con.register("chunk", table)
            target = str(self._part).replace("'", "''")
            self._con.execute(f"COPY chunk TO '{target}' (FORMAT JSON)")
            self._con.unregister("chunk")
            with open(self._part, "rb") as part:
                shutil.copyfileobj(part, self._fh)
            self._part.unlink()

    def close(self, schema: pa.Schema | None) -> None:
        if self.fmt == "parquet":
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.path, schema)
            self._pq.close()
        elif self.fmt == "csv":
            if self._csv is None:
                self._csv = pacsv.CSVWriter(
                    self.path, schema, write_options=pacsv.WriteOptions(quoting_style="needed")
                )
            self._csv.close()
        else:
            self._fh.close()
            self._con.close()


