"""Typed settings, from environment variables (prefix ``CXM_``) or a ``.env`` file."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CXM_", env_file=".env", extra="ignore")

    # The writer's database: raw events, customers, quarantine, ingest log, model tables.
    db_path: Path = Field(default=DEFAULT_DATA_DIR / "cxm.duckdb")
    # Review periods are 14 days long, anchored on this Monday (CONTRACT.md section 4).
    review_anchor: date = date(2026, 1, 5)
    review_days: int = 14
    # A delta is significant only when both sides have at least this many records.
    min_n: int = Field(default=30, ge=1)
    # Significance level for BH-adjusted q-values.
    alpha: float = Field(default=0.05, gt=0, lt=1)
    language: Literal["en", "es"] = "en"
    # The app's reporting time zone: days, weeks, months and review periods are local to it
    # (the command line reports in UTC unless --tz). The model keeps a cube for it.
    timezone: str = "Europe/Madrid"
    # The OKR file the OKR and committee pages read (``cxm okr --okrs`` overrides it).
    okr_path: Path = Field(default=PROJECT_ROOT / "data" / "okrs.yaml")
    # Closed-loop cases (docs/metrics.md, "Cases"): who owns a case, its SLA and playbook.
    routing_path: Path = Field(default=PROJECT_ROOT / "data" / "routing.yaml")
    # Local demo (no login configured): the role of the single local user.
    role: Literal["executive", "committee", "analyst", "admin"] = "analyst"
    # With an OIDC login ([auth] in .streamlit/secrets.toml): which email has which role.
    users_path: Path = Field(default=PROJECT_ROOT / "config" / "users.yaml")
    # Suppress aggregate cells with fewer people than this for roles without record access.
    k_anonymity: int = Field(default=5, ge=1)
    # Key for pseudonymizing person ids in exports and drill-downs (set in secrets in production).
    pseudonym_key: str = Field(default="", repr=False)
    # Identity stitching guard (docs/metrics.md, "Identity guard"): a component with more
    # identifiers than this is not stitched (each identifier stands alone) and is reported;
    # label propagation stops after this many passes, and components still unsettled then
    # are treated the same way.
    max_component_size: int = Field(default=200, ge=1)
    stitch_max_passes: int = Field(default=100, ge=1)
    # Incremental model update after an ingest (docs/architecture.md): fall back to a full
    # rebuild when the new events, or the events whose identity changes, exceed this share
    # of the stored events.
    incremental_max_share: float = Field(default=0.1, ge=0, le=1)
    # Memory limit for DuckDB in the writer process.
    duckdb_memory_limit: str = "3GB"
    duckdb_threads: int = 2


    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"CXM_TIMEZONE '{value}' is not an IANA time zone (e.g. Europe/Madrid or UTC)") from None
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
