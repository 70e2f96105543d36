"""English and Spanish texts of the dashboard pages (merged into ``i18n.STRINGS``)."""

from __future__ import annotations

DIMENSION_NAMES = {
    "channel": ("Channel", "Canal"),
    "intent": ("Intent", "Intención"),
    "journey_type": ("Journey type", "Tipo de journey"),
    "identity_state": ("Identity state", "Estado de identidad"),
    "segment": ("Segment", "Segmento"),
    "value_tier": ("Value tier", "Nivel de valor"),
    "region": ("Region", "Región"),
    "plan": ("Plan", "Plan"),
    "day": ("Day", "Día"),
    "week": ("Week", "Semana"),
    "month": ("Month", "Mes"),
    "period": ("Review period", "Periodo de revisión"),
}

STRINGS: dict[str, dict[str, str]] = {
    **{f"dim.{k}": {"en": en, "es": es} for k, (en, es) in DIMENSION_NAMES.items()},
    "filters.title": {"en": "Filter", "es": "Filtro"},
    "filters.time": {"en": "Time", "es": "Tiempo"},
    "filters.mode.period": {"en": "Review period", "es": "Periodo"},
    "filters.mode.range": {"en": "Dates", "es": "Fechas"},
    "filters.mode.all": {"en": "All", "es": "Todo"},
    "filters.period": {"en": "Closed review period", "es": "Periodo de revisión cerrado"},
    "filters.range": {"en": "From – to (UTC, inclusive)", "es": "Desde – hasta (UTC, inclusive)"},
    "filters.all": {"en": "All", "es": "Todos"},
    "filters.reset": {"en": "Reset filters", "es": "Quitar filtros"},
    "filters.all_time": {"en": "all dates", "es": "todas las fechas"},
    "filters.bad_value": {
        "en": "Ignored {name} = '{value}' from the link: it is not a valid value.",
        "es": "Se ignoró {name} = '{value}' del enlace: no es un valor válido.",
    },
    "filters.caption": {"en": "Showing: {what}", "es": "Mostrando: {what}"},
    "nav.channels": {"en": "Channels & cohorts", "es": "Canales y cohortes"},
    "nav.journeys": {"en": "Journeys & handoffs", "es": "Journeys y traspasos"},
    "nav.uplift": {"en": "Identity uplift", "es": "Impacto de la identificación"},
    "nav.okrs": {"en": "OKRs", "es": "OKR"},
    "nav.review": {"en": "Committee review", "es": "Revisión del comité"},
    "not_enough_data": {"en": "not enough data", "es": "datos insuficientes"},
    "vs_previous": {"en": "vs previous period", "es": "vs periodo anterior"},
    "significant": {"en": "significant", "es": "significativo"},
    "not_significant": {"en": "not significant", "es": "no significativo"},
    "observational": {
        "en": "Observational comparison, not an experiment: recognized and anonymous journeys may differ "
        "in ways other than recognition. The adjusted difference removes only the mix of intent and channel.",
        "es": "Comparación observacional, no un experimento: los journeys reconocidos y anónimos pueden "
        "diferir en algo más que la identificación. La diferencia ajustada solo corrige la mezcla de "
        "intención y canal.",
    },
}
