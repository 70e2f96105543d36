"""Vectorized validation of event and customer rows, built from ``cxmetrics.ingest.schema``.

The readers in ``cxmetrics.ingest.readers`` turn every input format into one normalized
relation (all contract columns as trimmed VARCHAR, blanks as NULL, plus a few typed
helper columns); the SQL here adds the parsed ``ts``/``score``, a cheap validity flag and
(for invalid rows only) the list of reasons the row is quarantined. No Python per row.
"""

from __future__ import annotations

from cxmetrics.ingest import schema


def sql_str(value: str) -> str:
    """Quote a constant from the schema module (never user input) as a SQL literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(sql_str(v) for v in values) + "]"


def _shown(col: str) -> str:
    """A value as it appears inside a reason: quoted, cut to 60 characters."""
    return f"'''' || left({col}, 60) || ''''"


Reason = tuple[str, str, str]  # (code, SQL condition, SQL message)


def _reason(code: str, condition: str, message_sql: str) -> Reason:
    return (code, condition, message_sql)


# Parsed values, computed from the normalized columns.
_TS_PARTS = f"regexp_extract(ts, {sql_str(schema.TS_PATTERN)}, ['d', 't', 'o'])"
TS_UTC_SQL = f"""coalesce(_ts_native, CASE WHEN regexp_full_match(ts, {sql_str(schema.TS_PATTERN)}) THEN
    try_cast({_TS_PARTS}.d || ' ' || {_TS_PARTS}.t AS TIMESTAMP)
    - to_minutes(CASE WHEN {_TS_PARTS}.o IN ('', 'Z') THEN 0 ELSE
        (CASE WHEN left({_TS_PARTS}.o, 1) = '-' THEN -1 ELSE 1 END)
        * (CAST(substr({_TS_PARTS}.o, 2, 2) AS INTEGER) * 60
           + CAST(right({_TS_PARTS}.o, 2) AS INTEGER)) END) END)"""

# _score_kind: 'text' (digits with optional sign), 'digits' (JSON string: digits only),
# 'int', 'float' (integral only), 'invalid' (a JSON boolean, object, ...).
SCORE_INT_SQL = f"""CASE
    WHEN score IS NULL THEN NULL
    WHEN _score_kind = 'int' THEN try_cast(_score_num AS BIGINT)
    WHEN _score_kind = 'float' AND _score_num = floor(_score_num) THEN try_cast(_score_num AS BIGINT)
    WHEN _score_kind = 'text' AND regexp_full_match(score, {sql_str(schema.INTEGER_PATTERN)})
        THEN try_cast(score AS BIGINT)
    WHEN _score_kind = 'digits' AND regexp_full_match(score, '^[0-9]+$') THEN try_cast(score AS BIGINT)
END"""


def _event_reason_items() -> list[Reason]:
    items = []
    for col in schema.ALWAYS_REQUIRED:
        items.append(_reason(f"missing_{col}", f"{col} IS NULL", sql_str(f"missing {col}")))
    items.append(
        _reason("unparseable_ts", "ts IS NOT NULL AND ts_utc IS NULL", f"'unparseable ts ' || {_shown('ts')}")
    )
    items.append(
        _reason(
            "unknown_event_type",
            f"event_type IS NOT NULL AND NOT list_contains({sql_list(schema.EVENT_TYPES)}, event_type)",
            f"'unknown event_type ' || {_shown('event_type')}",
        )
    )
    items.append(
        _reason(
            "unknown_channel",
            f"channel IS NOT NULL AND NOT list_contains({sql_list(schema.CHANNELS)}, channel)",
            f"'unknown channel ' || {_shown('channel')}",
        )
    )
    for event_type, needs in schema.REQUIRED_BY_TYPE.items():
        for need in needs:
            if isinstance(need, tuple):
                cond = " AND ".join(f"{c} IS NULL" for c in need)
                msg = f"{event_type} needs one of {' or '.join(need)}"
                code = f"missing_{'_or_'.join(need)}"
            else:
                cond = f"{need} IS NULL"
                msg = f"missing {need} (required for {event_type})"
                code = f"missing_{need}"
                if need in ("survey_type", "score"):
                    continue  # handled with the survey checks below
            items.append(_reason(code, f"event_type = {sql_str(event_type)} AND ({cond})", sql_str(msg)))
    survey = "event_type = 'survey_response'"
    items.append(
        _reason("missing_survey_type", f"{survey} AND survey_type IS NULL",
                sql_str("missing survey_type (required for survey_response)"))
    )
    items.append(
        _reason(
            "unknown_survey_type",
            f"{survey} AND survey_type IS NOT NULL AND NOT list_contains({sql_list(schema.SURVEY_TYPES)}, survey_type)",
            f"'unknown survey_type ' || {_shown('survey_type')}",
        )
    )
    items.append(
        _reason("missing_score", f"{survey} AND score IS NULL",
                sql_str("missing score (required for survey_response)"))
    )
    items.append(
        _reason("score_not_integer", f"{survey} AND score IS NOT NULL AND score_int IS NULL",
                f"'score ' || {_shown('score')} || ' is not an integer'")
    )
    range_case = " ".join(
        f"WHEN survey_type = {sql_str(t)} THEN score_int NOT BETWEEN {lo} AND {hi}"
        for t, (lo, hi) in schema.SCORE_RANGES.items()
    )
    range_msg = " ".join(
        f"WHEN survey_type = {sql_str(t)} THEN '{lo}-{hi}'" for t, (lo, hi) in schema.SCORE_RANGES.items()
    )
    items.append(
        _reason(
            "score_out_of_range",
            f"{survey} AND score_int IS NOT NULL AND coalesce(CASE {range_case} END, false)",
            f"'score ' || score_int || ' outside ' || CASE {range_msg} END || ' for ' || survey_type",
        )
    )
    return items


def reasons_sql(items: list[Reason]) -> str:
    """The list of {code, msg} structs for every rule a row breaks."""
    cases = ",\n  ".join(
        f"CASE WHEN {cond} THEN {{'code': {sql_str(code)}, 'msg': {msg}}} END" for code, cond, msg in items
    )
    # A row that cannot be read as a record (a JSON line that is not an object) has no
    # fields to check.
    return (
        "CASE WHEN _row_problem IS NOT NULL THEN [{'code': 'malformed_row', 'msg': _row_problem}] "
        f"ELSE list_filter([{cases}], lambda r: r IS NOT NULL) END"
    )


def valid_sql(items: list[Reason]) -> str:
    """True when the row breaks no rule: cheap, so reasons are built only for bad rows."""
    broken = " OR ".join(f"coalesce({cond}, false)" for _, cond, _ in items)
    return f"(_row_problem IS NULL AND NOT ({broken}))"


EVENT_RULES = _event_reason_items()
EVENT_REASONS_SQL = reasons_sql(EVENT_RULES)


def event_validation_sql(normalized: str) -> str:
    """SELECT over a normalized relation adding ts_utc, score_int and ``_valid``.

    ``normalized`` must provide: _file_idx, _row, every column of schema.EVENT_COLUMNS as
    trimmed VARCHAR (NULL when blank), _ts_native TIMESTAMP, _score_kind VARCHAR,
    _score_num DOUBLE, _row_problem VARCHAR, _extra VARCHAR. The reasons of an invalid
    row are computed afterwards with ``EVENT_REASONS_SQL`` over the same columns.
    """
    survey = "event_type = 'survey_response'"
    return f"""
WITH parsed AS (
    SELECT *, {TS_UTC_SQL} AS ts_utc,
        CASE WHEN {survey} THEN {SCORE_INT_SQL} END AS score_int
    FROM {normalized}
)
SELECT *, {valid_sql(EVENT_RULES)} AS _valid
FROM parsed
"""


CUSTOMER_VALIDATION_ITEMS = [
    _reason("missing_customer_id", "customer_id IS NULL", sql_str("missing customer_id")),
    _reason(
        "unknown_segment",
        f"segment IS NOT NULL AND NOT list_contains({sql_list(schema.SEGMENTS)}, segment)",
        f"'unknown segment ' || {_shown('segment')}",
    ),
    _reason(
        "unknown_value_tier",
        f"value_tier IS NOT NULL AND NOT list_contains({sql_list(schema.VALUE_TIERS)}, value_tier)",
        f"'unknown value_tier ' || {_shown('value_tier')}",
    ),
]


def customer_validation_sql(normalized: str) -> str:
    """SELECT over a normalized customers relation adding parsed columns and reasons."""
    consent = (
        f"CASE WHEN consent_analytics IS NULL THEN true "
        f"WHEN list_contains({sql_list(schema.CONSENT_TRUE)}, lower(consent_analytics)) THEN true "
        "ELSE false END"  # unrecognized consent: treated as no consent
    )
    return f"""
WITH parsed AS (
    SELECT *,
        CASE WHEN regexp_full_match(signup_date, '^\\d{{4}}-\\d{{2}}-\\d{{2}}$')
             THEN try_cast(signup_date AS DATE) END AS signup_date_parsed,
        {consent} AS consent_parsed
    FROM {normalized}
)
SELECT *, {reasons_sql(CUSTOMER_VALIDATION_ITEMS)} AS reasons
FROM parsed
"""
