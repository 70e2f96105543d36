"""English and Spanish texts of the committee review pack (HTML, PDF, XLSX; merged into ``i18n.STRINGS``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # ---- title and header
    "pack.title": {
        "en": "CX committee review — {period} vs {previous}",
        "es": "Revisión CX del comité — {period} frente a {previous}",
    },
    "pack.period_range": {"en": "{start} → {end}", "es": "{start} → {end}"},
    "pack.meta.period": {"en": "Review period", "es": "Periodo de revisión"},
    "pack.meta.previous": {"en": "Compared with", "es": "Comparado con"},
    "pack.meta.filter": {"en": "Filter", "es": "Filtro"},
    "pack.meta.data_version": {"en": "Data version", "es": "Versión de los datos"},
    "pack.meta.data_to": {"en": "Data up to (latest event)", "es": "Datos hasta (último evento)"},
    "pack.meta.generated": {"en": "Generated", "es": "Generado"},
    "pack.meta.language": {"en": "Language", "es": "Idioma"},
    "pack.meta.rule": {"en": "Significance rule", "es": "Regla de significación"},
    "pack.all_data": {"en": "all data", "es": "todos los datos"},
    "pack.rule": {
        "en": "A change is significant when its Benjamini–Hochberg q-value is below {alpha} across all "
        "{n} comparisons of the change table, and both periods have at least {min_n} records.",
        "es": "Un cambio es significativo cuando su valor q de Benjamini–Hochberg es menor que {alpha} en el "
        "conjunto de las {n} comparaciones de la tabla de cambios y ambos periodos tienen al menos {min_n} "
        "registros.",
    },
    "pack.intro": {
        "en": "The closed review period against the one before it: every KPI overall, by channel, value tier "
        "and segment; the alerts raised in the period; OKR status at the period's end; and the actions "
        "due. All figures are computed from the data version named here.",
        "es": "El periodo de revisión cerrado frente al anterior: cada KPI en total, por canal, nivel de valor "
        "y segmento; las alertas del periodo; el estado de los OKR al final del periodo; y las acciones "
        "que vencen. Todas las cifras se calculan sobre la versión de datos indicada.",
    },
    # ---- sections
    "pack.sec.summary": {"en": "Summary", "es": "Resumen"},
    "pack.sec.significant": {"en": "Significant changes", "es": "Cambios significativos"},
    "pack.sec.all_changes": {"en": "All changes", "es": "Todos los cambios"},
    "pack.sec.all_changes.summary": {
        "en": "Show all {n} comparisons (significant first, then by q-value)",
        "es": "Mostrar las {n} comparaciones (primero las significativas, luego por valor q)",
    },
    "pack.sec.alerts": {"en": "Alerts raised in the period", "es": "Alertas del periodo"},
    "pack.sec.okrs": {"en": "OKRs", "es": "OKR"},
    "pack.sec.actions_due": {"en": "Actions due this period", "es": "Acciones que vencen en este periodo"},
    "pack.sec.actions_last": {
        "en": "Decisions and actions recorded last time",
        "es": "Decisiones y acciones registradas la última vez",
    },
    "pack.sec.actions": {"en": "Actions", "es": "Acciones"},
    "pack.sec.method": {"en": "How to read this pack", "es": "Cómo leer este informe"},
    # ---- summary cards
    "pack.card.significant": {"en": "Significant changes", "es": "Cambios significativos"},
    "pack.card.significant.detail": {
        "en": "{better} better · {worse} worse · of {n} compared",
        "es": "{better} mejor · {worse} peor · de {n} comparados",
    },
    "pack.card.alerts": {"en": "Alerts", "es": "Alertas"},
    "pack.card.alerts.detail": {"en": "raised in the period", "es": "en el periodo"},
    "pack.card.okrs": {"en": "Key results", "es": "Resultados clave"},
    "pack.card.okrs.none": {"en": "no OKR file", "es": "sin fichero de OKR"},
    "pack.card.actions": {"en": "Actions due", "es": "Acciones que vencen"},
    "pack.card.actions.detail": {"en": "{open} open · {done} done", "es": "{open} abiertas · {done} hechas"},
    # ---- change tables
    "pack.col.kpi": {"en": "KPI", "es": "KPI"},
    "pack.col.breakdown": {"en": "Breakdown", "es": "Desglose"},
    "pack.col.group": {"en": "Group", "es": "Grupo"},
    "pack.col.current": {"en": "This period", "es": "Este periodo"},
    "pack.col.current_ci": {"en": "95% CI", "es": "IC 95 %"},
    "pack.col.current_ci_low": {"en": "95% CI low", "es": "IC 95 % inf."},
    "pack.col.current_ci_high": {"en": "95% CI high", "es": "IC 95 % sup."},
    "pack.col.current_n": {"en": "n", "es": "n"},
    "pack.col.previous": {"en": "Previous", "es": "Anterior"},
    "pack.col.previous_n": {"en": "n (previous)", "es": "n (anterior)"},
    "pack.col.diff": {"en": "Change", "es": "Cambio"},
    "pack.col.diff_ci": {"en": "Change 95% CI", "es": "IC 95 % del cambio"},
    "pack.col.diff_ci_low": {"en": "Change 95% CI low", "es": "IC 95 % del cambio inf."},
    "pack.col.diff_ci_high": {"en": "Change 95% CI high", "es": "IC 95 % del cambio sup."},
    "pack.col.p_value": {"en": "p-value", "es": "Valor p"},
    "pack.col.q_value": {"en": "q-value", "es": "Valor q"},
    "pack.col.significant": {"en": "Significant", "es": "Significativo"},
    "pack.col.direction": {"en": "Direction", "es": "Sentido"},
    "pack.col.kpi_id": {"en": "KPI id", "es": "Id de KPI"},
    "pack.col.dimension": {"en": "Dimension", "es": "Dimensión"},
    "pack.col.unit": {"en": "Unit", "es": "Unidad"},
    "pack.overall": {"en": "Overall", "es": "Total"},
    "pack.dir.better": {"en": "better", "es": "mejor"},
    "pack.dir.worse": {"en": "worse", "es": "peor"},
    "pack.dir.flat": {"en": "no change", "es": "sin cambio"},
    "pack.yes": {"en": "yes", "es": "sí"},
    "pack.no": {"en": "no", "es": "no"},
    "pack.no_significant": {
        "en": "No change is significant this period: the differences seen are within what chance explains.",
        "es": "Ningún cambio es significativo en este periodo: las diferencias observadas caben dentro del azar.",
    },
    "pack.changes.caption": {
        "en": "Value this period with its 95% interval and records (n), the previous period, and the change. "
        "▲/▼ give the direction of the change; green = better, red = worse (for handoff abandonment, down "
        "is better).",
        "es": "Valor de este periodo con su intervalo del 95 % y registros (n), el periodo anterior y el cambio. "
        "▲/▼ indican el sentido del cambio; verde = mejor, rojo = peor (en abandono en traspaso, bajar es "
        "mejor).",
    },
    "pack.chart.title": {
        "en": "Significant changes vs the previous period (with 95% interval)",
        "es": "Cambios significativos frente al periodo anterior (con intervalo del 95 %)",
    },
    "pack.chart.top": {
        "en": "the {k} with the smallest q-value, of {n} significant; all are in the table below",
        "es": "los {k} con menor valor q, de {n} significativos; todos figuran en la tabla siguiente",
    },
    "pack.chart.axis": {
        "en": "Change (NPS: points · rates: percentage points · CES: score)",
        "es": "Cambio (NPS: puntos · tasas: puntos porcentuales · CES: puntuación)",
    },
    "pack.unit.pp": {"en": "pp", "es": "p.p."},
    "pack.unit.pts": {"en": "pts", "es": "ptos."},
    # ---- alerts
    "pack.col.where": {"en": "Where", "es": "Dónde"},
    "pack.col.rule": {"en": "Rule", "es": "Regla"},
    "pack.col.since": {"en": "Since", "es": "Desde"},
    "pack.col.last_day": {"en": "Last day", "es": "Último día"},
    "pack.col.expected": {"en": "Expected", "es": "Esperado"},
    "pack.col.observed": {"en": "Observed", "es": "Observado"},
    "pack.col.size": {"en": "Size", "es": "Magnitud"},
    "pack.col.z": {"en": "z", "es": "z"},
    "pack.col.channel": {"en": "Channel", "es": "Canal"},
    "pack.col.intent": {"en": "Intent", "es": "Intención"},
    "pack.rule.point": {"en": "sudden change (one day)", "es": "cambio brusco (un día)"},
    "pack.rule.cusum": {"en": "sustained drift", "es": "deriva sostenida"},
    "pack.rule.recurring": {"en": "recurring", "es": "recurrente"},
    "pack.where.all": {"en": "all channels", "es": "todos los canales"},
    "pack.no_alerts": {"en": "No alert was raised in the period.", "es": "No se generó ninguna alerta en el periodo."},
    "pack.alerts.caption": {
        "en": "Daily KPI series watched against each weekday's usual level; an alert fires only in the KPI's "
        "bad direction. Size = observed − expected.",
        "es": "Series diarias de cada KPI comparadas con el nivel habitual de cada día de la semana; solo se "
        "alerta en el sentido malo del KPI. Magnitud = observado − esperado.",
    },
    # ---- OKRs
    "pack.okr.cycle": {"en": "Cycle {cycle}, as of {as_of}", "es": "Ciclo {cycle}, a {as_of}"},
    "pack.okr.none": {"en": "No OKR file was given.", "es": "No se indicó un fichero de OKR."},
    "pack.okr.owner": {"en": "Owner: {owner}", "es": "Responsable: {owner}"},
    "pack.col.objective": {"en": "Objective", "es": "Objetivo"},
    "pack.col.objective_title": {"en": "Objective title", "es": "Título del objetivo"},
    "pack.col.objective_status": {"en": "Objective status", "es": "Estado del objetivo"},
    "pack.col.kr": {"en": "Key result", "es": "Resultado clave"},
    "pack.col.kr_id": {"en": "KR", "es": "RC"},
    "pack.col.owner": {"en": "Owner", "es": "Responsable"},
    "pack.col.current_value": {"en": "Current", "es": "Actual"},
    "pack.col.baseline": {"en": "Baseline", "es": "Base"},
    "pack.col.target": {"en": "Target", "es": "Objetivo"},
    "pack.col.progress": {"en": "Progress", "es": "Progreso"},
    "pack.col.expected_progress": {"en": "Expected by now", "es": "Esperado a la fecha"},
    "pack.col.status": {"en": "Status", "es": "Estado"},
    "pack.col.window": {"en": "Window", "es": "Ventana"},
    "pack.col.filter": {"en": "Filter", "es": "Filtro"},
    "pack.okr.caption": {
        "en": "Current = the KPI over the key result's window ending on the as-of date. Bar = progress from "
        "baseline to target; the black mark = where it should be by now. No status below {min_n} records.",
        "es": "Actual = el KPI en la ventana del resultado clave que termina en la fecha de corte. Barra = "
        "progreso de la base al objetivo; la marca negra = dónde debería estar a la fecha. Sin estado con "
        "menos de {min_n} registros.",
    },
    "pack.okr.progress_vs": {"en": "{p} (expected {x})", "es": "{p} (esperado {x})"},
    "pack.status.achieved": {"en": "achieved", "es": "logrado"},
    "pack.status.on_track": {"en": "on track", "es": "en curso"},
    "pack.status.behind": {"en": "behind", "es": "con retraso"},
    "pack.status.at_risk": {"en": "at risk", "es": "en riesgo"},
    "pack.status.no_data": {"en": "not enough data", "es": "datos insuficientes"},
    # ---- actions
    "pack.col.what": {"en": "Action", "es": "Acción"},
    "pack.col.due": {"en": "Due", "es": "Vence"},
    "pack.col.decided_in": {"en": "Decided in period", "es": "Decidida en el periodo"},
    "pack.col.created_by": {"en": "Recorded by", "es": "Registrada por"},
    "pack.col.done_at": {"en": "Done at", "es": "Hecha el"},
    "pack.col.list": {"en": "List", "es": "Lista"},
    "pack.action.open": {"en": "open", "es": "abierta"},
    "pack.action.done": {"en": "done", "es": "hecha"},
    "pack.action.overdue": {"en": "open, past due", "es": "abierta, vencida"},
    "pack.no_actions_due": {"en": "No action was due in this period.", "es": "Ninguna acción vencía en este periodo."},
    "pack.actions_hidden": {
        "en": "The action log is not part of this pack: it is for the committee, analysts and admins.",
        "es": "El registro de acciones no forma parte de este informe: es para el comité, analistas y administradores.",
    },
    "pack.no_actions_last": {
        "en": "No action was recorded in the previous review.",
        "es": "No se registró ninguna acción en la revisión anterior.",
    },
    # ---- method notes
    "pack.method.ci": {
        "en": "95% CI: the range that holds the true value with 95% confidence (Wilson for rates; delta "
        "method for NPS; t for CES).",
        "es": "IC 95 %: el rango que contiene el valor real con un 95 % de confianza (Wilson para tasas; "
        "método delta para NPS; t para CES).",
    },
    "pack.method.q": {
        "en": "q-value: the p-value adjusted for looking at many comparisons at once (Benjamini–Hochberg). "
        "Small q = unlikely to be chance.",
        "es": "Valor q: el valor p ajustado por mirar muchas comparaciones a la vez (Benjamini–Hochberg). "
        "Un q pequeño = poco probable que sea azar.",
    },
    "pack.method.units": {
        "en": "Units: NPS in points (−100 to 100); CSAT, FCR, journey completion and handoff abandonment in %, "
        "their changes in percentage points (pp); CES on a 1–7 scale (higher = easier).",
        "es": "Unidades: NPS en puntos (−100 a 100); CSAT, FCR, journeys completados y abandono en traspaso en %, "
        "sus cambios en puntos porcentuales (p.p.); CES en escala 1–7 (más alto = más fácil).",
    },
    # ---- XLSX
    "pack.sheet.summary": {"en": "Summary", "es": "Resumen"},
    "pack.sheet.changes": {"en": "Changes", "es": "Cambios"},
    "pack.sheet.alerts": {"en": "Alerts", "es": "Alertas"},
    "pack.sheet.okrs": {"en": "OKRs", "es": "OKR"},
    "pack.sheet.actions": {"en": "Actions", "es": "Acciones"},
    "pack.sheet.manifest": {"en": "Manifest", "es": "Manifiesto"},
    "pack.xlsx.figure": {"en": "Figure", "es": "Cifra"},
    "pack.xlsx.value": {"en": "Value", "es": "Valor"},
    "pack.xlsx.sheet": {"en": "Sheet", "es": "Hoja"},
    "pack.xlsx.column": {"en": "Column", "es": "Columna"},
    "pack.xlsx.definition": {"en": "Definition", "es": "Definición"},
    "pack.xlsx.better": {"en": "Changes for the better", "es": "Cambios a mejor"},
    "pack.xlsx.worse": {"en": "Changes for the worse", "es": "Cambios a peor"},
    "pack.xlsx.compared": {"en": "Comparisons", "es": "Comparaciones"},
    "pack.xlsx.okr_status": {"en": "Key results {status}", "es": "Resultados clave: {status}"},
    "pack.xlsx.actions_open": {"en": "Actions due, open", "es": "Acciones que vencen, abiertas"},
    "pack.xlsx.actions_done": {"en": "Actions due, done", "es": "Acciones que vencen, hechas"},
    "pack.xlsx.actions_last": {"en": "Actions decided last time", "es": "Acciones decididas la última vez"},
    "pack.def.kpi": {"en": "KPI name in the pack's language.", "es": "Nombre del KPI en el idioma del informe."},
    "pack.def.kpi_id": {"en": "KPI identifier (as in the CLI and API).", "es": "Identificador del KPI (como en la CLI y la API)."},
    "pack.def.dimension": {
        "en": "Breakdown: all (overall), channel, value_tier or segment.",
        "es": "Desglose: all (total), channel, value_tier o segment.",
    },
    "pack.def.group": {"en": "The group within the breakdown.", "es": "El grupo dentro del desglose."},
    "pack.def.unit": {"en": "Unit of the values.", "es": "Unidad de los valores."},
    "pack.def.current": {"en": "KPI value in the review period.", "es": "Valor del KPI en el periodo de revisión."},
    "pack.def.ci": {"en": "95% confidence interval bound.", "es": "Límite del intervalo de confianza del 95 %."},
    "pack.def.n": {"en": "Records behind the value.", "es": "Registros detrás del valor."},
    "pack.def.previous": {"en": "KPI value in the previous period.", "es": "Valor del KPI en el periodo anterior."},
    "pack.def.diff": {
        "en": "This period minus previous (points for NPS, percentage points for rates).",
        "es": "Este periodo menos el anterior (puntos para NPS, puntos porcentuales para tasas).",
    },
    "pack.def.p": {"en": "Two-sided p-value of the difference.", "es": "Valor p bilateral de la diferencia."},
    "pack.def.q": {
        "en": "Benjamini–Hochberg q-value over the whole change table.",
        "es": "Valor q de Benjamini–Hochberg sobre toda la tabla de cambios.",
    },
    "pack.def.significant": {
        "en": "q below alpha and both periods with at least the minimum n.",
        "es": "q menor que alfa y ambos periodos con al menos el n mínimo.",
    },
    "pack.def.direction": {
        "en": "better / worse for the business, given the KPI's good direction.",
        "es": "mejor / peor para el negocio, según el sentido bueno del KPI.",
    },
}
