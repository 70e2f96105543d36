"""English and Spanish texts of the Channels & cohorts page (merged into ``i18n.STRINGS``)."""

STRINGS: dict[str, dict[str, str]] = {
    "ch.title": {"en": "Channels & cohorts", "es": "Canales y cohortes"},
    "ch.intro": {
        "en": "One KPI by channel and customer cohort: where it is better or worse than everywhere else, "
        "how it moves from one review period to the next, and the records behind any cell.",
        "es": "Un KPI por canal y cohorte de clientes: dónde es mejor o peor que en el resto, cómo evoluciona "
        "de un periodo de revisión al siguiente y los registros detrás de cualquier celda.",
    },
    # ---- controls
    "ch.kpi": {"en": "KPI", "es": "KPI"},
    "ch.cohort": {"en": "Cohort dimension (columns)", "es": "Dimensión de cohorte (columnas)"},
    "ch.bad_param": {
        "en": "Ignored {name} = '{value}' from the link: it is not a valid value.",
        "es": "Se ignoró {name} = '{value}' del enlace: no es un valor válido.",
    },
    "ch.kpi_definition": {
        "en": "{label} ({unit}): {definition}",
        "es": "{label} ({unit}): {definition}",
    },
    # units of the KPI registry, by its `unit` field
    "ch.unit.points": {"en": "points", "es": "puntos"},
    "ch.unit.%": {"en": "%", "es": "%"},
    "ch.unit.score 1-7": {"en": "score 1–7", "es": "puntuación 1–7"},
    # ---- heatmap
    "ch.heatmap.header": {
        "en": "{kpi} by channel and {cohort}",
        "es": "{kpi} por canal y {cohort}",
    },
    "ch.heatmap.caption": {
        "en": "Each cell: the KPI ({unit}) over the records of that channel and {cohort}, with n records. "
        "▲/▼ = significantly above/below all other records of this KPI under the same filter "
        "(Benjamini–Hochberg q < {alpha} across every cell of the table, at least {min_n} records on both "
        "sides). Grey = fewer than {min_n} records. Colour: distance from the overall value ({overall}); "
        "blue = better, red = worse.",
        "es": "Cada celda: el KPI ({unit}) sobre los registros de ese canal y {cohort}, con n registros. "
        "▲/▼ = significativamente por encima/debajo del resto de registros de este KPI con el mismo filtro "
        "(q de Benjamini–Hochberg < {alpha} sobre todas las celdas de la tabla, al menos {min_n} registros "
        "en ambos lados). Gris = menos de {min_n} registros. Color: distancia al valor global ({overall}); "
        "azul = mejor, rojo = peor.",
    },
    "ch.heatmap.empty": {
        "en": "No {kpi} records match this filter.",
        "es": "Ningún registro de {kpi} cumple este filtro.",
    },
    "ch.heatmap.colorbar": {"en": "{kpi} ({unit})", "es": "{kpi} ({unit})"},
    "ch.heatmap.hover": {
        "en": "Click to see the records behind this cell",
        "es": "Haz clic para ver los registros de esta celda",
    },
    "ch.heatmap.table": {"en": "The heatmap as a table", "es": "El mapa de calor como tabla"},
    "ch.heatmap.table_caption": {
        "en": "One row per channel and {cohort}: value and 95% interval ({unit}), n, the rest of the table, "
        "the difference cell − rest and its BH q-value.",
        "es": "Una fila por canal y {cohort}: valor e intervalo del 95 % ({unit}), n, el resto de la tabla, "
        "la diferencia celda − resto y su q de BH.",
    },
    "ch.above": {"en": "▲ above the rest", "es": "▲ por encima del resto"},
    "ch.below": {"en": "▼ below the rest", "es": "▼ por debajo del resto"},
    "ch.no_difference": {"en": "", "es": ""},
    # ---- drill-down
    "ch.drill.header": {"en": "Records behind a cell", "es": "Registros de una celda"},
    "ch.drill.caption": {
        "en": "Click a cell of the heatmap, or choose a channel and a {cohort} here. Only customers who "
        "consented to analytics are listed; person ids are pseudonymized; newest first, {size} per page.",
        "es": "Haz clic en una celda del mapa de calor o elige aquí un canal y un valor de {cohort}. Solo se "
        "listan clientes que consintieron la analítica; los ids de persona están seudonimizados; los más "
        "recientes primero, {size} por página.",
    },
    "ch.drill.channel": {"en": "Channel", "es": "Canal"},
    "ch.drill.choose": {"en": "Choose…", "es": "Elige…"},
    "ch.drill.pick": {
        "en": "Choose a cell to see its records.",
        "es": "Elige una celda para ver sus registros.",
    },
    "ch.drill.counts": {
        "en": "{channel} · {cohort}: {total} {kpi} records; {shown} listed, {hidden} hidden because the "
        "customer did not consent to analytics.",
        "es": "{channel} · {cohort}: {total} registros de {kpi}; {shown} listados, {hidden} ocultos porque "
        "el cliente no consintió la analítica.",
    },
    "ch.drill.none": {
        "en": "No consented records in this cell.",
        "es": "No hay registros con consentimiento en esta celda.",
    },
    "ch.drill.page": {"en": "Page", "es": "Página"},
    "ch.drill.page_of": {
        "en": "Page {page} of {pages} · records {first}–{last} of {n}",
        "es": "Página {page} de {pages} · registros {first}–{last} de {n}",
    },
    "ch.drill.csv_caption": {
        "en": "The CSV holds every listed record of the cell (all pages).",
        "es": "El CSV contiene todos los registros listados de la celda (todas las páginas).",
    },
    "ch.verbatims.header": {"en": "Latest verbatims", "es": "Últimos comentarios"},
    "ch.verbatims.caption": {
        "en": "The {limit} latest survey comments of this cell (consented customers only), shown as plain text.",
        "es": "Los {limit} comentarios de encuesta más recientes de esta celda (solo clientes con "
        "consentimiento), como texto sin formato.",
    },
    "ch.verbatims.empty": {
        "en": "No comments in this cell.",
        "es": "No hay comentarios en esta celda.",
    },
    # ---- trend
    "ch.trend.header": {"en": "{kpi} by review period", "es": "{kpi} por periodo de revisión"},
    "ch.trend.by": {"en": "Lines", "es": "Líneas"},
    "ch.trend.by_channel": {"en": "by channel", "es": "por canal"},
    "ch.trend.by_cohort": {"en": "by {cohort}", "es": "por {cohort}"},
    "ch.trend.caption": {
        "en": "The KPI ({unit}) per {days}-day review period (labelled by its first day), {first} → {last}, "
        "same filter otherwise. Hollow markers: fewer than {min_n} records. At most {max} lines, the "
        "largest by n.",
        "es": "El KPI ({unit}) por periodo de revisión de {days} días (etiquetado por su primer día), "
        "{first} → {last}, con el mismo filtro en lo demás. Marcadores huecos: menos de {min_n} registros. "
        "Como mucho {max} líneas, las de mayor n.",
    },
    "ch.trend.more": {
        "en": "{n} smaller series not drawn: {names}.",
        "es": "{n} series menores no dibujadas: {names}.",
    },
    "ch.trend.empty": {
        "en": "No records in these review periods.",
        "es": "No hay registros en estos periodos de revisión.",
    },
    "ch.trend.x": {"en": "Review period (first day)", "es": "Periodo de revisión (primer día)"},
    # ---- table columns
    "ch.col.channel": {"en": "Channel", "es": "Canal"},
    "ch.col.cohort_value": {"en": "Cohort", "es": "Cohorte"},
    "ch.col.value": {"en": "Value", "es": "Valor"},
    "ch.col.n": {"en": "n", "es": "n"},
    "ch.col.ci_low": {"en": "95% low", "es": "IC 95 % inf."},
    "ch.col.ci_high": {"en": "95% high", "es": "IC 95 % sup."},
    "ch.col.rest_value": {"en": "Rest", "es": "Resto"},
    "ch.col.rest_n": {"en": "Rest n", "es": "n resto"},
    "ch.col.diff": {"en": "Cell − rest", "es": "Celda − resto"},
    "ch.col.q_value": {"en": "q", "es": "q"},
    "ch.col.mark": {"en": "Significant", "es": "Significativo"},
    "ch.col.enough": {"en": "Enough data", "es": "Datos suficientes"},
    "ch.col.period": {"en": "Review period", "es": "Periodo"},
    "ch.col.series": {"en": "Series", "es": "Serie"},
    "ch.col.record_id": {"en": "Record", "es": "Registro"},
    "ch.col.t": {"en": "Time (UTC)", "es": "Hora (UTC)"},
    "ch.col.intent": {"en": "Intent", "es": "Intención"},
    "ch.col.journey_type": {"en": "Journey type", "es": "Tipo de journey"},
    "ch.col.identity_state": {"en": "Identity", "es": "Identidad"},
    "ch.col.segment": {"en": "Segment", "es": "Segmento"},
    "ch.col.value_tier": {"en": "Value tier", "es": "Nivel de valor"},
    "ch.col.region": {"en": "Region", "es": "Región"},
    "ch.col.plan": {"en": "Plan", "es": "Plan"},
    "ch.col.person": {"en": "Person (pseudonym)", "es": "Persona (seudónimo)"},
    "ch.col.score": {"en": "Score", "es": "Puntuación"},
    "ch.col.verbatim": {"en": "Verbatim", "es": "Comentario"},
    "ch.col.source": {"en": "Rated", "es": "Valorado"},
    "ch.col.contact_id": {"en": "Contact", "es": "Contacto"},
    "ch.col.journey_id": {"en": "Journey", "es": "Journey"},
    "ch.col.resolved": {"en": "Resolved", "es": "Resuelto"},
    "ch.col.repeats": {"en": "Repeats", "es": "Recontactos"},
    "ch.col.repeat_channel": {"en": "Repeat channel", "es": "Canal del recontacto"},
    "ch.col.hours_to_repeat": {"en": "Hours to repeat", "es": "Horas hasta recontacto"},
    "ch.col.completed": {"en": "Completed", "es": "Completado"},
    "ch.col.n_page_views": {"en": "Page views", "es": "Páginas vistas"},
    "ch.col.abandoned": {"en": "Abandoned", "es": "Abandonado"},
    "ch.yes": {"en": "yes", "es": "sí"},
    "ch.no": {"en": "no", "es": "no"},
    "ch.drill.no_access": {
        "en": "Your role ({role}) sees aggregates only: the records behind a cell are for analysts and admins.",
        "es": "Tu rol ({role}) solo ve agregados: los registros de una celda son para analistas y administradores.",
    },
}
