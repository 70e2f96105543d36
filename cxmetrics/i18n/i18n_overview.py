"""English and Spanish texts of the Overview page (merged into ``i18n.STRINGS``)."""

STRINGS: dict[str, dict[str, str]] = {
    # tile labels: the KPI with its unit
    "ov.tile.nps": {"en": "NPS (points)", "es": "NPS (puntos)"},
    "ov.tile.csat": {"en": "CSAT (%)", "es": "CSAT (%)"},
    "ov.tile.ces": {"en": "CES (score 1–7)", "es": "CES (puntuación 1–7)"},
    "ov.tile.fcr": {
        "en": "First-contact resolution (%)",
        "es": "Resolución al primer contacto (%)",
    },
    "ov.tile.journey_completion": {
        "en": "Journey completion (%)",
        "es": "Journeys completados (%)",
    },
    "ov.tile.handoff_abandonment": {
        "en": "Handoff abandonment (%)",
        "es": "Abandono en traspaso (%)",
    },
    # units of a difference
    "ov.delta_unit.nps": {"en": "pts", "es": "ptos"},
    "ov.delta_unit.rate": {"en": "pp", "es": "p. p."},
    "ov.delta_unit.mean": {"en": "", "es": ""},
    "ov.delta.significant": {
        "en": "vs previous · significant",
        "es": "vs anterior · significativo",
    },
    "ov.delta.not_significant": {
        "en": "vs previous · not significant",
        "es": "vs anterior · no significativo",
    },
    "ov.tile.ci": {
        "en": "95% CI {low} – {high} · n = {n}",
        "es": "IC 95 % {low} – {high} · n = {n}",
    },
    "ov.tile.too_few": {
        "en": "n = {n}, fewer than {min_n} records",
        "es": "n = {n}, menos de {min_n} registros",
    },
    "ov.tile.no_previous": {
        "en": "no data in the previous period",
        "es": "sin datos en el periodo anterior",
    },
    "ov.tiles.caption_period": {
        "en": "{current} compared with the previous period of equal length ({previous}). A delta is coloured "
        "(green = better, red = worse) only when it is significant: Benjamini–Hochberg q < {alpha} over the "
        "six KPIs and at least {min_n} records on both sides; grey otherwise. Lines: the KPI per review "
        "period, up to the last {spark} periods with at least {min_n} records.",
        "es": "{current} comparado con el periodo anterior de igual duración ({previous}). Un cambio se "
        "colorea (verde = mejor, rojo = peor) solo si es significativo: q de Benjamini–Hochberg < {alpha} "
        "sobre los seis KPI y al menos {min_n} registros en ambos lados; gris en otro caso. Líneas: el KPI "
        "por periodo de revisión, hasta los últimos {spark} periodos con al menos {min_n} registros.",
    },
    "ov.tiles.caption_all": {
        "en": "All dates: values over all data of the filter, without a comparison. Lines: the KPI per "
        "review period, up to the last {spark} closed periods with at least {min_n} records.",
        "es": "Todas las fechas: valores sobre todos los datos del filtro, sin comparación. Líneas: el KPI "
        "por periodo de revisión, hasta los últimos {spark} periodos cerrados con al menos {min_n} registros.",
    },
    "ov.table.header": {"en": "The six KPIs", "es": "Los seis KPI"},
    "ov.table.caption": {
        "en": "Value with its 95% interval and n (records behind it); previous = the period before, of equal "
        "length; delta = current − previous in the KPI's unit (points, percentage points or score); "
        "q = Benjamini–Hochberg adjusted p-value over the six KPIs.",
        "es": "Valor con su intervalo del 95 % y n (registros detrás); anterior = el periodo previo de igual "
        "duración; cambio = actual − anterior en la unidad del KPI (puntos, puntos porcentuales o "
        "puntuación); q = p-valor ajustado por Benjamini–Hochberg sobre los seis KPI.",
    },
    "ov.table.caption_all": {
        "en": "Value with its 95% interval and n (records behind it), over all dates of the filter.",
        "es": "Valor con su intervalo del 95 % y n (registros detrás), sobre todas las fechas del filtro.",
    },
    "ov.definitions": {"en": "KPI definitions", "es": "Definiciones de los KPI"},
    "ov.col.ci": {"en": "95% CI", "es": "IC 95 %"},
    "ov.col.previous": {"en": "Previous", "es": "Anterior"},
    "ov.col.previous_n": {"en": "Previous n", "es": "n anterior"},
    "ov.col.delta": {"en": "Delta", "es": "Cambio"},
    "ov.col.q": {"en": "q", "es": "q"},
    "ov.col.significant": {"en": "Significant", "es": "Significativo"},
    "ov.yes": {"en": "yes", "es": "sí"},
    "ov.no": {"en": "no", "es": "no"},
    "ov.no_period": {
        "en": "No closed review period in the data yet: values over all data.",
        "es": "Aún no hay ningún periodo de revisión cerrado en los datos: valores sobre todos los datos.",
    },
}
