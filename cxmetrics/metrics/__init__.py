"""What a KPI is and how its numbers are computed: the KPI registry, the typed filter,
the one query path over a ``Source`` (engine), statistics, k-anonymity suppression,
uplift, period comparisons, alerts, OKRs and record-level views. No Streamlit."""
