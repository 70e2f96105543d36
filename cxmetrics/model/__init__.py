"""The derived model, rebuilt after each ingest: identity, journeys, KPI records, cube."""

from cxmetrics.model.build import build_model

__all__ = ["build_model"]
