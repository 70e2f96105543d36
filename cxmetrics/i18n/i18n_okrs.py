"""English and Spanish texts of one dashboard page (merged into ``i18n.STRINGS``)."""

STRINGS: dict[str, dict[str, str]] = {
    "okr.title": {"en": "OKRs", "es": "OKR"},
    "okr.caption": {
        "en": "Cycle {cycle} · as of {as_of} (end of that UTC day) · from {file}",
        "es": "Ciclo {cycle} · a fecha de {as_of} (fin de ese día UTC) · de {file}",
    },
    "okr.intro": {
        "en": "Objectives and key results bound to live KPIs. Each key result's current value is its KPI over "
        "the last {days} days up to the as-of date, with a 95% interval and n (records). Progress = share of "
        "the way from baseline to target; the black tick is the pace expected by now. The sidebar filter does "
        "not apply here: each key result has its own filter.",
        "es": "Objetivos y resultados clave ligados a KPI en vivo. El valor actual de cada resultado clave es su "
        "KPI en los últimos {days} días hasta la fecha elegida, con intervalo del 95 % y n (registros). "
        "Progreso = parte del camino de la línea base al objetivo; la marca negra es el ritmo esperado a esta "
        "fecha. El filtro lateral no se aplica aquí: cada resultado clave tiene su propio filtro.",
    },
    "okr.as_of": {"en": "As of (UTC date)", "es": "A fecha de (UTC)"},
    "okr.as_of_help": {
        "en": "Key results are measured over the window ending on this day. Default: the latest data day.",
        "es": "Los resultados clave se miden en la ventana que termina este día. Por defecto: el último día "
        "con datos.",
    },
    "okr.before_start": {
        "en": "{as_of} is before the cycle starts ({start}): the pace expected so far is 0 %, so status only "
        "says whether a key result already sits at or beyond its baseline.",
        "es": "{as_of} es anterior al inicio del ciclo ({start}): el ritmo esperado hasta ahora es 0 %, así "
        "que el estado solo indica si un resultado clave ya está en su línea base o más allá.",
    },
    "okr.bad_file": {
        "en": "The OKR file could not be used: {error}",
        "es": "No se pudo usar el fichero de OKR: {error}",
    },
    "okr.owner": {"en": "Owner", "es": "Responsable"},
    "okr.legend": {"en": "Status", "es": "Estado"},
    "okr.status.achieved": {"en": "achieved", "es": "logrado"},
    "okr.status.on_track": {"en": "on track", "es": "en camino"},
    "okr.status.behind": {"en": "behind", "es": "retrasado"},
    "okr.status.at_risk": {"en": "at risk", "es": "en riesgo"},
    "okr.status.no_data": {"en": "not enough data", "es": "datos insuficientes"},
    "okr.status_rules": {
        "en": "achieved = target reached; on track = progress ≥ 95% of the expected pace; behind = ≥ 75%; "
        "at risk = below; not enough data = fewer than {min_n} records in the window. An objective takes the "
        "weakest status of its key results that have data.",
        "es": "logrado = objetivo alcanzado; en camino = progreso ≥ 95 % del ritmo esperado; retrasado = ≥ 75 %; "
        "en riesgo = por debajo; datos insuficientes = menos de {min_n} registros en la ventana. Un objetivo "
        "toma el estado más débil de sus resultados clave con datos.",
    },
    "okr.chart.progress": {"en": "Progress", "es": "Progreso"},
    "okr.chart.expected": {"en": "Expected pace", "es": "Ritmo esperado"},
    "okr.chart.x": {
        "en": "% of the way from baseline to target",
        "es": "% del camino de la línea base al objetivo",
    },
    "okr.no_data_krs": {
        "en": "Not enough data for {krs}: fewer than {min_n} records in the window, so no status is given.",
        "es": "Datos insuficientes para {krs}: menos de {min_n} registros en la ventana, así que no se da estado.",
    },
    "okr.table.header": {"en": "All key results", "es": "Todos los resultados clave"},
    "okr.table.caption": {
        "en": "One row per key result: current value over its window with the 95% interval and n, baseline → "
        "target, progress and expected pace (0–100%), and its KPI per review period over the last {periods} "
        "closed periods (trend).",
        "es": "Una fila por resultado clave: valor actual en su ventana con intervalo del 95 % y n, línea base → "
        "objetivo, progreso y ritmo esperado (0–100 %), y su KPI por periodo de revisión en los últimos "
        "{periods} periodos cerrados (tendencia).",
    },
    "okr.col.kr": {"en": "KR", "es": "RC"},
    "okr.col.title": {"en": "Key result", "es": "Resultado clave"},
    "okr.col.owner": {"en": "Owner", "es": "Responsable"},
    "okr.col.status": {"en": "Status", "es": "Estado"},
    "okr.col.kpi": {"en": "KPI", "es": "KPI"},
    "okr.col.current_raw": {"en": "Current", "es": "Actual"},
    "okr.col.current": {"en": "Current value", "es": "Valor actual"},
    "okr.col.ci": {"en": "95% interval", "es": "Intervalo 95 %"},
    "okr.col.n": {"en": "n", "es": "n"},
    "okr.col.baseline_target": {"en": "Baseline → target", "es": "Línea base → objetivo"},
    "okr.col.progress": {"en": "Progress", "es": "Progreso"},
    "okr.col.expected": {"en": "Expected", "es": "Esperado"},
    "okr.col.trend": {"en": "Trend", "es": "Tendencia"},
    "okr.col.window": {"en": "Window", "es": "Ventana"},
}
