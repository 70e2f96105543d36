"""The derived model, rebuilt after each ingest: identity, journeys, KPI records, insights,
the cube and data-quality tables (``steps.STEPS``, run by ``build``; updated by ``incremental``)."""
