"""English and Spanish texts of the Identity uplift page (merged into ``i18n.STRINGS``)."""

STRINGS: dict[str, dict[str, str]] = {
    "up.title": {"en": "Identity uplift", "es": "Impacto de la identificación"},
    "up.intro": {
        "en": "Does recognizing the customer in real time (logged in, or identified by the network) go with "
        "better experiences? Recognized − anonymous for every KPI, raw and adjusted.",
        "es": "¿Reconocer al cliente en tiempo real (con sesión iniciada o identificado por la red) va unido a "
        "mejores experiencias? Reconocidos − anónimos para cada KPI, en bruto y ajustado.",
    },
    "up.identity_filter_ignored": {
        "en": "This page compares both identity states: the identity-state filter is not applied here.",
        "es": "Esta página compara ambos estados de identidad: aquí no se aplica el filtro de estado de identidad.",
    },
    # ---- recognized vs anonymous
    "up.kpis.header": {
        "en": "Recognized vs anonymous, every KPI",
        "es": "Reconocidos vs anónimos, todos los KPI",
    },
    "up.kpis.caption": {
        "en": "Difference = value(recognized) − value(anonymous) with its 95% interval. Raw: on all records of "
        "the filter. Adjusted: within each (intent, channel) stratum present in both groups, weighted by the "
        "recognized n. Regression: outcome ~ recognized + intent + channel + journey type (robustness check).",
        "es": "Diferencia = valor(reconocidos) − valor(anónimos) con su intervalo del 95 %. Bruta: sobre todos "
        "los registros del filtro. Ajustada: dentro de cada estrato (intención, canal) presente en ambos "
        "grupos, ponderada por la n de reconocidos. Regresión: resultado ~ reconocido + intención + canal + "
        "tipo de journey (comprobación de robustez).",
    },
    "up.forest.title": {
        "en": "Recognized − anonymous, with 95% interval",
        "es": "Reconocidos − anónimos, con intervalo del 95 %",
    },
    "up.forest.caption": {
        "en": "Each panel is one KPI in its own unit; a bar crossing the dashed zero line means no clear "
        "difference. Circles: raw; diamonds: adjusted for intent and channel.",
        "es": "Cada panel es un KPI en su propia unidad; una barra que cruza la línea de cero discontinua "
        "indica que no hay diferencia clara. Círculos: bruta; rombos: ajustada por intención y canal.",
    },
    "up.diff_unit.nps": {"en": "NPS points", "es": "puntos de NPS"},
    "up.diff_unit.rate": {"en": "percentage points", "es": "puntos porcentuales"},
    "up.diff_unit.mean": {"en": "score points (1–7)", "es": "puntos de puntuación (1–7)"},
    "up.no_difference": {
        "en": "no difference: a group has too few records",
        "es": "sin diferencia: un grupo tiene muy pocos registros",
    },
    "up.estimate.raw": {"en": "Raw", "es": "Bruta"},
    "up.estimate.adjusted": {"en": "Adjusted", "es": "Ajustada"},
    "up.overlap": {
        "en": "Thin overlap for {kpis}: the strata present in both groups cover under 80% of recognized "
        "records, or most of them are small; read the adjusted difference with care.",
        "es": "Solapamiento escaso en {kpis}: los estratos presentes en ambos grupos cubren menos del 80 % de "
        "los registros reconocidos, o la mayoría son pequeños; interpreta la diferencia ajustada con cautela.",
    },
    "up.col.recognized": {"en": "Recognized (n)", "es": "Reconocidos (n)"},
    "up.col.anonymous": {"en": "Anonymous (n)", "es": "Anónimos (n)"},
    "up.col.raw": {"en": "Raw diff. (95% CI)", "es": "Dif. bruta (IC 95 %)"},
    "up.col.p": {"en": "p (raw)", "es": "p (bruta)"},
    "up.col.adjusted": {"en": "Adjusted diff. (95% CI)", "es": "Dif. ajustada (IC 95 %)"},
    "up.col.strata": {"en": "Strata", "es": "Estratos"},
    "up.col.coverage": {"en": "Coverage", "es": "Cobertura"},
    "up.col.regression": {"en": "Regression (95% CI)", "es": "Regresión (IC 95 %)"},
    "up.col.intent": {"en": "Intent", "es": "Intención"},
    "up.table.caption": {
        "en": "Value (n) per group. Strata = used / present. Coverage = share of recognized records in "
        "the strata used. p = two-sided p-value of the raw difference. Differences in points (NPS), "
        "percentage points (rates) or score points (CES).",
        "es": "Valor (n) por grupo. Estratos = usados / presentes. Cobertura = porcentaje de registros "
        "reconocidos en los estratos usados. p = p-valor bilateral de la diferencia bruta. Diferencias "
        "en puntos (NPS), puntos porcentuales (tasas) o puntos de puntuación (CES).",
    },
    # ---- telco questions
    "up.questions.header": {"en": "The telco questions", "es": "Las preguntas de negocio"},
    "up.q.before_login": {"en": "Before login", "es": "Antes de identificarse"},
    "up.q.churn": {"en": "Churn and termination research", "es": "Bajas e investigación de baja"},
    "up.q.high_intent": {"en": "High-intent journeys", "es": "Journeys de alta intención"},
    "up.bad_question": {
        "en": "Ignored the question '{value}' in the link: showing the first one.",
        "es": "Se ignoró la pregunta '{value}' del enlace: se muestra la primera.",
    },
    "up.state.anonymous": {
        "en": "Anonymous (before login)",
        "es": "Anónimo (antes de identificarse)",
    },
    "up.state.recognized": {"en": "Recognized", "es": "Reconocido"},
    "up.before.header": {
        "en": "How many negative experiences start before login?",
        "es": "¿Cuántas experiencias negativas empiezan antes de identificarse?",
    },
    "up.before.caption": {
        "en": "Detractor NPS responses (score 0–6), abandoned handoffs (no agent connected) and journeys that "
        "did not reach their goal, by the identity state they started in; anonymous = started before the "
        "customer was recognized. Share = of that kind's negatives.",
        "es": "Respuestas NPS detractoras (0–6), traspasos abandonados (sin agente) y journeys que no "
        "alcanzaron su objetivo, según el estado de identidad en que empezaron; anónimo = empezó antes de "
        "reconocer al cliente. Porcentaje = sobre los negativos de ese tipo.",
    },
    "up.before.chart_title": {
        "en": "Negative experiences by identity state (count)",
        "es": "Experiencias negativas por estado de identidad (número)",
    },
    "up.before.share_anonymous": {
        "en": "{share} of {kind} started anonymous ({n} of {total})",
        "es": "{share} de {kind} empezaron en anónimo ({n} de {total})",
    },
    "up.before.tiles": {
        "en": "Share that started anonymous (before login)",
        "es": "Porcentaje que empezó en anónimo (antes de identificarse)",
    },
    "up.before.of": {"en": "{n} of {total}", "es": "{n} de {total}"},
    "up.kind.detractor": {"en": "Detractor NPS responses", "es": "Respuestas NPS detractoras"},
    "up.kind.abandoned_handoff": {"en": "Abandoned handoffs", "es": "Traspasos abandonados"},
    "up.kind.incomplete_journey": {"en": "Incomplete journeys", "es": "Journeys no completados"},
    "up.col.kind": {"en": "Negative experience", "es": "Experiencia negativa"},
    "up.col.identity_state": {"en": "Identity state", "es": "Estado de identidad"},
    "up.col.negatives": {"en": "Count", "es": "Número"},
    "up.col.share": {"en": "% of this kind", "es": "% de este tipo"},
    "up.col.records": {"en": "Records", "es": "Registros"},
    "up.col.rate": {"en": "% of records", "es": "% de registros"},
    "up.axis.count": {"en": "Count", "es": "Número"},
    "up.churn.header": {
        "en": "Did churned customers research contract termination first?",
        "es": "¿Investigaron la baja los clientes que se fueron?",
    },
    "up.churn.caption": {
        "en": "Churned customers (churn date in the filter's dates; segment, value tier, region and plan "
        "filters applied; channel, intent, journey type and identity filters do not apply to a churn) who "
        "started a contract-termination journey in the {days} days before churning.",
        "es": "Clientes que se dieron de baja (fecha de baja en las fechas del filtro; se aplican los filtros "
        "de segmento, nivel de valor, región y plan; los de canal, intención, tipo de journey e identidad no "
        "se aplican a una baja) que iniciaron un journey de baja de contrato en los {days} días previos.",
    },
    "up.churn.churned": {"en": "Churned customers", "es": "Clientes dados de baja"},
    "up.churn.researched": {
        "en": "Researched termination first (%)",
        "es": "Investigaron la baja antes (%)",
    },
    "up.churn.researched_ci": {
        "en": "{n} of {total} · 95% CI {low} – {high}",
        "es": "{n} de {total} · IC 95 % {low} – {high}",
    },
    "up.churn.none": {
        "en": "No churned customer in this filter.",
        "es": "Ningún cliente dado de baja en este filtro.",
    },
    "up.lead.chart_title": {
        "en": "Days from first termination research to first contact (customers)",
        "es": "Días desde la primera búsqueda de baja hasta el primer contacto (clientes)",
    },
    "up.lead.caption": {
        "en": "Churned customers who researched and also contacted in the window ({n}), by research_lead_days "
        "= days between first research and first contact; '<0' = contacted before researching.",
        "es": "Clientes dados de baja que investigaron y también contactaron en la ventana ({n}), según "
        "research_lead_days = días entre la primera búsqueda y el primer contacto; '<0' = contactaron antes "
        "de investigar.",
    },
    "up.col.bin": {"en": "Days", "es": "Días"},
    "up.col.customers": {"en": "Customers", "es": "Clientes"},
    "up.col.share_customers": {"en": "% of customers", "es": "% de clientes"},
    "up.hi.header": {
        "en": "Uplift for high-intent journeys when recognized in real time",
        "es": "Impacto en journeys de alta intención al reconocer en tiempo real",
    },
    "up.hi.caption": {
        "en": "Recognized − anonymous journey completion and NPS within contract-termination and "
        "device-upgrade intents (and both together), under the active filter; adjusted within channel.",
        "es": "Journeys completados y NPS, reconocidos − anónimos, en las intenciones de baja de contrato y "
        "cambio de terminal (y ambas juntas), con el filtro activo; ajustado dentro de cada canal.",
    },
    "up.hi.chart_title": {
        "en": "High-intent uplift, recognized − anonymous, with 95% interval",
        "es": "Impacto en alta intención, reconocidos − anónimos, con intervalo del 95 %",
    },
    "up.hi.both": {"en": "both high intents", "es": "ambas intenciones"},
    "up.hi.none": {
        "en": "The intent filter excludes both high intents (contract_termination, device_upgrade).",
        "es": "El filtro de intención excluye ambas intenciones de alta intención (contract_termination, "
        "device_upgrade).",
    },
}
