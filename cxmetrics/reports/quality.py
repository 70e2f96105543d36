"""Read the data-quality tables of a serving snapshot for the Data quality page.

Every reading function takes a ``Source`` and returns a DataFrame (or a dict) with
stable, machine-friendly column names; the page translates the headers and formats the
numbers. Queries are parameterized and row-limited, and each runs on its own cursor
so concurrent app sessions can share one snapshot connection. The last section turns
those results into what the page shows (texts in a language), without a query.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from cxmetrics.core.privacy import require_raw_rows
from cxmetrics.i18n import fmt_int, fmt_pct, t
from cxmetrics.metrics.source import Source

MAX_LOG_ROWS = 1_000
MAX_EXPORT_ROWS = 1_000_000
STALE_HOURS = 24  # a channel whose last event is further behind the latest one is flagged
IDENTITY_FIGURES: tuple[str, ...] = (
    "events",
    "events_linked_to_customer",
    "linked_share",
    "events_without_identifier",
    "events_stitched",
    "shared_components",
    "identifiers",
    "components",
    "largest_component",
    "dissolved_components",
)
# The identity figures shown as tiles above the full table.
IDENTITY_TILES: tuple[str, ...] = (
    "events",
    "linked_share",
    "events_without_identifier",
    "events_stitched",
    "shared_components",
)


def _df(source: Source, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    with source.con.cursor() as cur:
        return cur.execute(sql, params or []).df()


def ingest_log(source: Source, limit: int = MAX_LOG_ROWS) -> pd.DataFrame:
    """One row per file and load, newest load first; the SHA-256 shortened to 12 characters."""
    return _df(
        source,
        """SELECT ingest_id, file, kind, rows_read, loaded, duplicates, quarantined,
                  finished_at, date_diff('millisecond', started_at, finished_at) / 1000.0 AS seconds,
                  left(content_sha256, 12) AS sha256, bytes
           FROM ingest_log ORDER BY ingest_id DESC, kind DESC, file LIMIT ?""",
        [limit],
    )


def quarantine_count(source: Source, reason_code: str | None = None) -> int:
    """Quarantined rows, all or those with ``reason_code`` among their reasons."""
    with source.con.cursor() as cur:
        row = cur.execute(
            "SELECT count(*) FROM quarantine WHERE ?::VARCHAR IS NULL OR list_contains(reason_codes, ?)",
            [reason_code, reason_code],
        ).fetchone()
    return int(row[0]) if row else 0


def quarantine_by_reason(source: Source) -> pd.DataFrame:
    """Rows per (kind, reason code); a row with several reasons counts under each.

    ``share`` is the fraction of all quarantined rows that carry the code.
    """
    return _df(
        source,
        """WITH total AS (SELECT count(*) AS n FROM quarantine)
           SELECT q.kind, u.code AS reason_code, count(*) AS rows,
                  count(*) / any_value(total.n) AS share
           FROM quarantine q CROSS JOIN unnest(q.reason_codes) AS u(code) CROSS JOIN total
           GROUP BY q.kind, u.code ORDER BY rows DESC, q.kind, u.code""",
    )


def quarantine_rows(
    source: Source, reason_code: str | None = None, limit: int = 20, offset: int = 0, *, role: str
) -> pd.DataFrame:
    """The quarantined rows as they arrived, newest load first, then by file and row number
    (admin only: ``privacy.require_raw_rows``)."""
    require_raw_rows(role)
    return _df(
        source,
        """SELECT ingest_id, kind, file, row_no, reason, array_to_string(reason_codes, ';') AS reason_codes, raw
           FROM quarantine WHERE ?::VARCHAR IS NULL OR list_contains(reason_codes, ?)
           ORDER BY ingest_id DESC, file, row_no LIMIT ? OFFSET ?""",
        [reason_code, reason_code, limit, offset],
    )


def freshness(source: Source) -> pd.DataFrame:
    """Per channel: events, first and last event, and the lag of the last event behind the
    latest event in the data (``source.max_ts``), in hours."""
    return _df(
        source,
        """SELECT channel, events, first_ts, last_ts,
                  date_diff('second', last_ts, coalesce(?::TIMESTAMP, max(last_ts) OVER ())) / 3600.0
                      AS lag_hours
           FROM dq_freshness ORDER BY channel""",
        [source.max_ts],
    )


def identity(source: Source) -> dict[str, float | int | None]:
    """The identity-stitching figures of ``dq_identity`` plus ``linked_share`` (0..1)."""
    df = _df(source, "SELECT * FROM dq_identity")
    if df.empty:
        return {k: None for k in IDENTITY_FIGURES}
    row = {k: (None if pd.isna(v) else int(v)) for k, v in df.iloc[0].items()}
    events = row.get("events") or 0
    linked = row.get("events_linked_to_customer")
    row["linked_share"] = (linked / events) if events and linked is not None else None
    return {k: row.get(k) for k in IDENTITY_FIGURES}


def shared_components(source: Source) -> pd.DataFrame:
    """Identity components reaching several customers, largest first (at most 1,000 stored)."""
    df = _df(
        source,
        "SELECT component, n_owners, owners FROM dq_shared_components ORDER BY n_owners DESC, component",
    )
    if "owners" in df and len(df):
        df["owners"] = df["owners"].map(_join_owners)
    return df


def _join_owners(owners: Any) -> str:
    if owners is None:
        return ""
    if isinstance(owners, str):
        return owners
    return ", ".join(str(o) for o in owners)


def identity_limits(source: Source) -> dict[str, int | None]:
    """The identity guard's settings the stored model was built with (docs/metrics.md)."""
    try:
        df = _df(source, "SELECT max_component_size, stitch_max_passes FROM dq_identity")
    except duckdb.Error:  # a snapshot published before the guard existed
        return {"max_component_size": None, "stitch_max_passes": None}
    if df.empty:
        return {"max_component_size": None, "stitch_max_passes": None}
    return {k: (None if pd.isna(v) else int(v)) for k, v in df.iloc[0].items()}


def dissolved_components(source: Source) -> pd.DataFrame:
    """Components the identity guard did not stitch, largest first (at most 1,000 stored),
    with their most connected identifiers (``top_bridges``, most connected first) and
    how many distinct identifiers each was seen with (``top_bridge_links``), as lists."""
    columns = ["component", "reason", "identifiers", "customers", "events", "top_bridges", "top_bridge_links"]
    try:
        df = _df(source, "SELECT * FROM dq_dissolved_components ORDER BY identifiers DESC, component")
    except duckdb.Error:  # a snapshot published before the table existed
        return pd.DataFrame(columns=columns)
    ranks = sorted(int(c.split("_")[1]) for c in df.columns if c.startswith("bridge_"))
    # bridge_1, links_1, bridge_2 ...: the ranked identifiers (an empty one was withheld)
    pairs = [
        [(row[f"bridge_{r}"], int(row[f"links_{r}"])) for r in ranks if not pd.isna(row[f"bridge_{r}"])]
        for _, row in df.iterrows()
    ]
    df["top_bridges"] = [[ident for ident, _ in p] for p in pairs]
    df["top_bridge_links"] = [[links for _, links in p] for p in pairs]
    return df[columns]


# --------------------------------------------------------------------------- as shown


def stale_channels(fresh: pd.DataFrame, hours: float = STALE_HOURS) -> list[str]:
    """The channels of ``freshness`` whose last event is more than ``hours`` behind."""
    return fresh.loc[fresh["lag_hours"] > hours, "channel"].tolist()


def identity_value_text(figure: str, value: float | int | None, lang: str) -> str:
    """An identity figure in ``lang``: the linked share as a percentage, the rest as counts."""
    return fmt_pct(value, lang) if figure == "linked_share" else fmt_int(value, lang)


def identity_table(idn: dict[str, float | int | None], lang: str) -> pd.DataFrame:
    """One row per figure of ``identity`` (``IDENTITY_FIGURES`` order): figure, label, value
    (raw, for the CSV), value_text and definition (in ``lang``)."""
    return pd.DataFrame(
        [
            {
                "figure": k,
                "label": t(f"idn.{k}", lang),
                "value": idn[k],
                "value_text": identity_value_text(k, idn[k], lang),
                "definition": t(f"idn.def.{k}", lang),
            }
            for k in IDENTITY_FIGURES
        ]
    )


def dissolved_table(dissolved: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``dissolved_components`` as shown: the reason in words, the top bridges as one text
    ("anon:a (12), anon:b (9)")."""
    return dissolved.assign(
        reason=[t(f"dq.dissolved.{r}", lang) for r in dissolved["reason"]],
        top_bridges=[
            ", ".join(f"{ident} ({fmt_int(n, lang)})" for ident, n in zip(idents, links, strict=True))
            for idents, links in zip(dissolved["top_bridges"], dissolved["top_bridge_links"], strict=True)
        ],
    )
