"""Cohort export: exactly the records behind a filtered view, with a manifest beside them.

Kinds:
- ``records`` — every KPI record of the cohort (one row per record and KPI, the KPI's
  outcome in ``outcome``), so the export recomputes to the numbers on the page;
- ``persons`` — one row per person with their KPI outcomes (counts and sums).

CSV and Parquet are written by DuckDB's ``COPY … TO`` straight from the snapshot, in
streaming fashion (the result is never held in memory); XLSX is written row by row by
xlsxwriter in constant-memory mode and stops with a clear message past Excel's
1,048,576-row limit. Customers without analytics consent never appear. Person ids are
pseudonymized with a keyed hash unless the role may see raw ids; the key is never written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cxmetrics.core.errors import UserError
from cxmetrics.core.privacy import may_see_raw_ids, pseudonym_key, require_record_access
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER, KPIS
from cxmetrics.metrics.source import Source, record_filter
from cxmetrics.serving import app_state

XLSX_MAX_ROWS = 1_048_576 - 1  # one header row
FORMATS = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}

# Each KPI's outcome per record on the KPI's own scale (what the KPI averages or counts).
OUTCOME_SQL = {
    "nps": "CASE WHEN score >= 9 THEN 100 WHEN score <= 6 THEN -100 ELSE 0 END",
    "csat": "CASE WHEN score >= 4 THEN 100 ELSE 0 END",
    "ces": "score",
    "fcr": "CASE WHEN resolved THEN 100 ELSE 0 END",
    "journey_completion": "CASE WHEN completed THEN 100 ELSE 0 END",
    "handoff_abandonment": "CASE WHEN abandoned THEN 100 ELSE 0 END",
}
COLUMN_DEFINITIONS = {
    "kpi": "KPI the record counts for (nps, csat, ces, fcr, journey_completion, handoff_abandonment).",
    "record_id": "Event id of the record (survey response, episode's first contact, handoff) or journey id.",
    "t": "Record time, UTC.",
    "day": "UTC date of the record time.",
    "channel": "Channel of the record's source (CONTRACT.md section 4).",
    "intent": "Intent of the record's source ('unknown' when missing).",
    "journey_type": "Journey type of the record's source ('unknown' when missing).",
    "identity_state": "recognized / anonymous, in real time (CONTRACT.md section 3).",
    "segment": "Customer segment of the person ('unknown' when not a known customer).",
    "value_tier": "Customer value tier of the person.",
    "region": "Customer region of the person.",
    "plan": "Customer plan of the person.",
    "theme": "Main theme of the survey verbatim (data/themes.yaml key; 'other': no theme matched, 'none': no "
             "verbatim); 'unknown' for records that are not survey responses.",
    "sentiment": "Sentiment of the survey verbatim (negative, neutral, positive); 'unknown' without a verbatim "
                 "and for records that are not survey responses.",
    "person": "Stitched person: pseudonymized keyed hash (p_…) unless the role may see raw ids.",
    "outcome": "The KPI's outcome for this record: NPS +100/0/−100, rates 100/0, CES the score. "
               "The KPI value is the mean of outcome (NPS, rates, CES).",
    "score": "Survey score (survey KPIs only).",
    "records": "Number of KPI records of the person.",
}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    manifest_path: Path
    rows: int
    manifest: dict


def _pseudonym_sql(role: str) -> str:
    if may_see_raw_ids(role):
        return "person"
    return "'p_' || left(sha256(? || '|' || person), 16)"


def _records_sql(source: Source, spec: FilterSpec, kpis: list[str], role: str,
                 consent_only: bool = True) -> tuple[str, list[Any]]:
    parts, params = [], []
    as_of = spec.as_of or source.default_as_of()
    for k in kpis:
        kspec = KPIS[k]
        where = [kspec.where, "consent" if consent_only else "true"]
        local: list[Any] = []
        if k == "fcr":
            where.append("window_close <= ?")
            local.append(as_of)
        score = "score" if kspec.record_table == "rec_survey" else "NULL::INTEGER"
        person = _pseudonym_sql(role)
        if person != "person":
            local.insert(0, pseudonym_key().decode())
        parts.append(
            f"""SELECT '{k}' AS kpi, record_id, t, local_day(t) AS day, channel, intent, journey_type,
                identity_state, segment, value_tier, region, plan, theme, sentiment, {person} AS person,
                ({OUTCOME_SQL[k]})::DOUBLE AS outcome, {score} AS score
            FROM {kspec.record_table} WHERE {' AND '.join(where)}"""
        )
        params += local
    where, wparams = record_filter(source, spec)
    sql = f"SELECT * FROM ({' UNION ALL '.join(parts)}) r WHERE " + " AND ".join(where)
    return sql + " ORDER BY kpi, t, record_id", params + wparams


def cohort_sql(source: Source, spec: FilterSpec, kind: str, role: str, kpis: list[str] | None = None) -> tuple[str, list]:
    kpis = kpis or list(KPI_ORDER)
    sql, params = _records_sql(source, spec, kpis, role)
    if kind == "records":
        return sql, params
    if kind == "persons":
        cols = ", ".join(
            f"count(*) FILTER (WHERE kpi = '{k}') AS {k}_records, "
            f"avg(outcome) FILTER (WHERE kpi = '{k}') AS {k}_value"
            for k in kpis
        )
        return (f"SELECT person, any_value(segment) AS segment, any_value(value_tier) AS value_tier, "
                f"any_value(region) AS region, any_value(plan) AS plan, count(*) AS records, {cols} "
                f"FROM ({sql}) WHERE person IS NOT NULL GROUP BY person ORDER BY person", params)
    raise UserError(f"unknown export kind '{kind}' (choose from records, persons)")


def excluded_without_consent(source: Source, spec: FilterSpec) -> int:
    """Records of the cohort left out because their customer has no analytics consent
    (they still count in the page's aggregates)."""
    sql, params = _records_sql(source, spec, list(KPI_ORDER), "admin")
    sql_all, params_all = _records_sql(source, spec, list(KPI_ORDER), "admin", consent_only=False)
    total = source.con.execute(f"SELECT count(*) FROM ({sql_all})", params_all).fetchall()[0][0]
    kept = source.con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]
    return int(total - kept)


def preview(source: Source, spec: FilterSpec, kind: str, role: str, limit: int = 20) -> tuple[int, Any]:
    """(row count, first rows as a DataFrame) of an export, for the page."""
    require_record_access(role)
    sql, params = cohort_sql(source, spec, kind, role)
    total = source.con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0]
    return int(total), source.con.execute(f"SELECT * FROM ({sql}) LIMIT {int(limit)}", params).df()


def export_cohort(
    source: Source,
    spec: FilterSpec,
    out: Path,
    *,
    kind: str = "records",
    role: str,
    user: str,
    state_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write the cohort to ``out`` (.csv, .parquet or .xlsx) and a manifest beside it."""
    require_record_access(role)
    out = Path(out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise UserError(f"cannot export to '{out.name}': use a .csv, .parquet or .xlsx file name")
    sql, params = cohort_sql(source, spec, kind, role)
    rows = int(source.con.execute(f"SELECT count(*) FROM ({sql})", params).fetchall()[0][0])
    if fmt == "xlsx" and rows > XLSX_MAX_ROWS:
        raise UserError(
            f"the cohort has {rows:,} rows, more than an Excel sheet holds ({XLSX_MAX_ROWS:,}): "
            "export it as .csv or .parquet, or narrow the filter"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    columns = [d[0] for d in source.con.execute(f"SELECT * FROM ({sql}) LIMIT 0", params).description]
    manifest = _manifest(source, spec, kind, role, user, rows, columns, out.name)
    manifest["records_excluded_no_consent"] = excluded_without_consent(source, spec)
    if fmt in ("csv", "parquet"):
        options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
        source.con.execute(f"COPY ({sql}) TO '{_quote_path(tmp)}' ({options})", params)
    else:
        _write_xlsx(source, sql, params, tmp, columns, manifest, rows, progress)
    os.replace(tmp, out)
    manifest_path = out.with_name(out.name + ".manifest.json")
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str))
    app_state.audit(user, role, "export", {"dims": spec.dims, "from": spec.date_from, "to": spec.date_to,
                                            "kind": kind, "file": out.name}, rows, state_path)
    if progress:
        progress(rows, rows)
    return ExportResult(out, manifest_path, rows, manifest)


def _quote_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _manifest(source: Source, spec: FilterSpec, kind: str, role: str, user: str, rows: int,
              columns: list[str], file_name: str) -> dict:
    m = source.extra.get("manifest")
    return {
        "file": file_name,
        "kind": kind,
        "filter": {"in_words": spec.describe(), "dims": {k: list(v) for k, v in spec.dims.items()},
                   "from": spec.date_from, "to": spec.date_to,
                   "as_of": spec.as_of or source.default_as_of()},
        "rows": rows,
        "data_version": source.version,
        "data_built_at": getattr(m, "built_at", None),
        "data_to": source.max_ts,
        "exported_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "user": user,
        "role": role,
        "person_ids": "raw" if may_see_raw_ids(role) else "pseudonymized (keyed SHA-256, key not included)",
        "consent": "customers without analytics consent are excluded",
        "columns": {c: COLUMN_DEFINITIONS.get(c, _persons_definition(c)) for c in columns},
    }


def _persons_definition(column: str) -> str:
    for k in KPI_ORDER:
        if column == f"{k}_records":
            return f"Number of {k} records of the person."
        if column == f"{k}_value":
            return f"Mean outcome of the person's {k} records (see 'outcome')."
    return ""


def _write_xlsx(source: Source, sql: str, params: list, path: Path, columns: list[str], manifest: dict,
                rows: int, progress: Callable[[int, int], None] | None) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "default_date_format": "yyyy-mm-dd hh:mm:ss"})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    ws = wb.add_worksheet("cohort")
    for j, c in enumerate(columns):
        ws.write(0, j, c, bold)
    ws.freeze_panes(1, 0)
    reader = source.con.sql(sql, params=params).to_arrow_reader(50_000)  # streams batches
    i = 0
    for batch in reader:
        for row in zip(*(col.to_pylist() for col in batch.columns), strict=True):
            i += 1
            ws.write_row(i, 0, row)
        if progress:
            progress(i, rows)
    ms = wb.add_worksheet("manifest")
    r = 0
    for key, value in manifest.items():
        if key == "columns":
            continue
        ms.write(r, 0, key, bold)
        ms.write(r, 1, json.dumps(value, default=str, ensure_ascii=False) if isinstance(value, dict) else str(value))
        r += 1
    r += 1
    ms.write(r, 0, "column", bold)
    ms.write(r, 1, "definition", bold)
    for c, d in manifest["columns"].items():
        r += 1
        ms.write(r, 0, c)
        ms.write(r, 1, d)
    ms.set_column(0, 0, 22)
    ms.set_column(1, 1, 100)
    wb.close()
