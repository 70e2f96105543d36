"""English and Spanish texts of one dashboard page (merged into ``i18n.STRINGS``)."""

STRINGS: dict[str, dict[str, str]] = {
    "rv.title": {"en": "Committee review", "es": "Revisión del comité"},
    "rv.caption": {
        "en": "Review period {current} vs the previous one {previous} · all channels and cohorts "
        "(the sidebar filter only links new actions) · data to {ts}",
        "es": "Periodo de revisión {current} frente al anterior {previous} · todos los canales y cohortes "
        "(el filtro lateral solo se vincula a las acciones nuevas) · datos hasta {ts}",
    },
    "rv.period": {"en": "Closed review period", "es": "Periodo de revisión cerrado"},
    "rv.bad_period": {
        "en": "Ignored review = '{value}' from the link: it is not the first day of a closed review period. "
        "Showing the last closed one.",
        "es": "Se ignoró review = '{value}' del enlace: no es el primer día de un periodo de revisión cerrado. "
        "Se muestra el último cerrado.",
    },
    "rv.no_period": {
        "en": "No review period has closed yet: the data must cover a whole 14-day period.",
        "es": "Aún no se ha cerrado ningún periodo de revisión: los datos deben cubrir un periodo completo "
        "de 14 días.",
    },
    "rv.bad_okrs": {
        "en": "The OKR file could not be used, so OKR status is left out: {error}",
        "es": "No se pudo usar el fichero de OKR, así que se omite el estado de OKR: {error}",
    },
    "rv.vs.header": {
        "en": "This period vs the previous one",
        "es": "Este periodo frente al anterior",
    },
    "rv.m.compared": {"en": "Comparisons", "es": "Comparaciones"},
    "rv.m.significant": {"en": "Significant changes", "es": "Cambios significativos"},
    "rv.m.better": {"en": "Significantly better", "es": "Mejor (significativo)"},
    "rv.m.worse": {"en": "Significantly worse", "es": "Peor (significativo)"},
    "rv.m.alerts": {"en": "Alerts in the period", "es": "Alertas del periodo"},
    "rv.changes.header": {"en": "What changed", "es": "Qué cambió"},
    "rv.changes.caption": {
        "en": "Every KPI overall, by channel, value tier and segment: this period minus the previous one, "
        "ranked by the Benjamini–Hochberg q-value over all {n} comparisons. Significant = q < {alpha} and at "
        "least {min_n} records on both sides. ▲/▼ = up/down; better/worse follow each KPI's good direction "
        "(handoff abandonment: down is better).",
        "es": "Cada KPI en total, por canal, nivel de valor y segmento: este periodo menos el anterior, "
        "ordenados por el valor q de Benjamini–Hochberg sobre las {n} comparaciones. Significativo = q < "
        "{alpha} y al menos {min_n} registros en ambos lados. ▲/▼ = sube/baja; mejor/peor siguen la buena "
        "dirección de cada KPI (abandono en traspaso: bajar es mejor).",
    },
    "rv.show_all": {"en": "Show all changes", "es": "Mostrar todos los cambios"},
    "rv.showing": {
        "en": "Showing {shown} of {total} comparisons.",
        "es": "Se muestran {shown} de {total} comparaciones.",
    },
    "rv.no_significant": {
        "en": "No change is significant this period. Turn on “Show all changes” to see every comparison.",
        "es": "Ningún cambio es significativo en este periodo. Activa «Mostrar todos los cambios» para ver "
        "todas las comparaciones.",
    },
    "rv.dim.all": {"en": "Overall", "es": "Total"},
    "rv.group.all": {"en": "all", "es": "todos"},
    "rv.dir.better": {"en": "better", "es": "mejor"},
    "rv.dir.worse": {"en": "worse", "es": "peor"},
    "rv.dir.flat": {"en": "no change", "es": "sin cambio"},
    "rv.yes": {"en": "yes", "es": "sí"},
    "rv.no": {"en": "no", "es": "no"},
    "rv.col.kpi": {"en": "KPI", "es": "KPI"},
    "rv.col.dimension": {"en": "By", "es": "Por"},
    "rv.col.group": {"en": "Group", "es": "Grupo"},
    "rv.col.previous": {"en": "Previous", "es": "Anterior"},
    "rv.col.current": {"en": "This period", "es": "Este periodo"},
    "rv.col.diff": {"en": "Change", "es": "Cambio"},
    "rv.col.diff_ci": {"en": "95% interval of change", "es": "Intervalo 95 % del cambio"},
    "rv.col.direction": {"en": "Direction", "es": "Dirección"},
    "rv.col.q": {"en": "q-value", "es": "Valor q"},
    "rv.col.significant": {"en": "Significant", "es": "Significativo"},
    "rv.col.n": {"en": "n", "es": "n"},
    "rv.col.previous_n": {"en": "n previous", "es": "n anterior"},
    "rv.col.restated": {"en": "Restated?", "es": "¿Reexpresado?"},
    "rv.col.as_reported": {"en": "As reported", "es": "Según se informó"},
    "rv.restated_flag": {"en": "restated", "es": "reexpresado"},
    # restatements
    "rv.frozen": {
        "en": "This review was closed on {at} UTC by {by}; its figures are kept as reported (data version {v}).",
        "es": "Esta revisión se cerró el {at} UTC por {by}; sus cifras se conservan según se informaron "
        "(versión de datos {v}).",
    },
    "rv.restated.header": {
        "en": "Restated since the review was closed",
        "es": "Reexpresado desde el cierre",
    },
    "rv.restated.warning": {
        "en": "⚠ {n} figures changed since the review was closed (late data or new identity links). "
        "The committee saw the “as reported” value; the “restated” one is today's.",
        "es": "⚠ {n} cifras cambiaron desde el cierre de la revisión (datos tardíos o nuevas vinculaciones de "
        "identidad). El comité vio el valor «según se informó»; el «reexpresado» es el de hoy.",
    },
    "rv.restated.none": {
        "en": "No figure has changed since the review was closed.",
        "es": "Ninguna cifra ha cambiado desde el cierre de la revisión.",
    },
    "rv.restated.caption": {
        "en": "Figures of the closed review whose value, n or significance differs today: as reported → restated.",
        "es": "Cifras de la revisión cerrada cuyo valor, n o significación difieren hoy: según se informó → "
        "reexpresado.",
    },
    "rv.col.reported": {"en": "As reported", "es": "Según se informó"},
    "rv.col.reported_n": {"en": "n as reported", "es": "n informado"},
    "rv.col.restated_value": {"en": "Restated", "es": "Reexpresado"},
    "rv.col.restated_n": {"en": "n restated", "es": "n reexpresado"},
    "rv.col.sig_change": {"en": "Significance changed", "es": "Cambió la significación"},
    # alerts
    "rv.alerts.header": {"en": "Alerts raised in the period", "es": "Alertas del periodo"},
    "rv.alerts.caption": {
        "en": "Daily control-chart alerts whose last signal falls in the period: what, where, since when, "
        "expected vs observed (KPI scale; repeat-contact rate for recurring queries), size and n. The link "
        "opens the Channels page filtered to the alert.",
        "es": "Alertas diarias de gráficos de control cuya última señal cae en el periodo: qué, dónde, desde "
        "cuándo, esperado frente a observado (escala del KPI; tasa de recontacto en consultas recurrentes), "
        "tamaño y n. El enlace abre la página de Canales filtrada a la alerta.",
    },
    "rv.alerts.none": {
        "en": "No alert was raised in this period.",
        "es": "No se levantó ninguna alerta en este periodo.",
    },
    "rv.rule.point": {"en": "sudden worsening (one day)", "es": "empeoramiento brusco (un día)"},
    "rv.rule.cusum": {"en": "sustained worsening", "es": "empeoramiento sostenido"},
    "rv.rule.recurring": {"en": "repeat contacts rising", "es": "recontactos en aumento"},
    "rv.col.what": {"en": "What", "es": "Qué"},
    "rv.col.where": {"en": "Where", "es": "Dónde"},
    "rv.col.since": {"en": "Since", "es": "Desde"},
    "rv.col.last_day": {"en": "Last signal", "es": "Última señal"},
    "rv.col.expected": {"en": "Expected", "es": "Esperado"},
    "rv.col.observed": {"en": "Observed", "es": "Observado"},
    "rv.col.size": {"en": "Size", "es": "Tamaño"},
    "rv.col.link": {"en": "Details", "es": "Detalle"},
    "rv.link_text": {"en": "Open in Channels ↗", "es": "Abrir en Canales ↗"},
    # OKR strip
    "rv.okrs.header": {
        "en": "OKR status at the period's end",
        "es": "Estado de los OKR al cierre del periodo",
    },
    "rv.okrs.caption": {
        "en": "Each objective's status as of {day} (the weakest of its key results with data), with its owner. "
        "Details on the OKRs page.",
        "es": "Estado de cada objetivo a {day} (el más débil de sus resultados clave con datos), con su "
        "responsable. Detalle en la página de OKR.",
    },
    "rv.okrs.csv_caption": {
        "en": "Objective statuses with owners.",
        "es": "Estado de los objetivos con sus responsables.",
    },
    # actions
    "rv.actions.header": {"en": "Decisions and actions", "es": "Decisiones y acciones"},
    "rv.due.header": {"en": "Due this period", "es": "Vencen en este periodo"},
    "rv.due.summary": {
        "en": "{done} done · {open} not done (of {n} actions due {period}).",
        "es": "{done} hechas · {open} sin hacer (de {n} acciones que vencen {period}).",
    },
    "rv.due.none": {
        "en": "No action was due in this period.",
        "es": "Ninguna acción vencía en este periodo.",
    },
    "rv.due.caption": {
        "en": "Actions whose due date falls in the review period, done or not.",
        "es": "Acciones cuya fecha límite cae en el periodo de revisión, hechas o no.",
    },
    "rv.last.header": {"en": "Decided last time", "es": "Decidido la última vez"},
    "rv.last.caption": {
        "en": "Actions recorded in the previous review ({period}).",
        "es": "Acciones registradas en la revisión anterior ({period}).",
    },
    "rv.last.none": {
        "en": "No action was recorded in the previous review.",
        "es": "No se registró ninguna acción en la revisión anterior.",
    },
    "rv.form.header": {"en": "Record an action", "es": "Registrar una acción"},
    "rv.form.what": {"en": "What", "es": "Qué"},
    "rv.form.owner": {"en": "Owner", "es": "Responsable"},
    "rv.form.due": {"en": "Due date", "es": "Fecha límite"},
    "rv.form.kpi": {"en": "Linked KPI (optional)", "es": "KPI vinculado (opcional)"},
    "rv.form.no_kpi": {"en": "— none —", "es": "— ninguno —"},
    "rv.form.link_filter": {
        "en": "Link the sidebar filter ({filter})",
        "es": "Vincular el filtro lateral ({filter})",
    },
    "rv.form.no_filter": {
        "en": "The sidebar filter has no channel or cohort chosen: nothing to link.",
        "es": "El filtro lateral no tiene canal ni cohorte elegidos: nada que vincular.",
    },
    "rv.form.submit": {"en": "Add action", "es": "Añadir acción"},
    "rv.form.added": {
        "en": "Action #{id} recorded by {user} for review {period}.",
        "es": "Acción n.º {id} registrada por {user} para la revisión {period}.",
    },
    "rv.form.who": {
        "en": "Recorded as {user}, with the time (UTC), in review {period}.",
        "es": "Se registra como {user}, con la hora (UTC), en la revisión {period}.",
    },
    "rv.open.header": {"en": "Open actions", "es": "Acciones abiertas"},
    "rv.open.none": {"en": "No open action.", "es": "No hay acciones abiertas."},
    "rv.open.line": {
        "en": "**#{id}** {what} — {owner} · due {due}",
        "es": "**n.º {id}** {what} — {owner} · vence {due}",
    },
    "rv.mark_done": {"en": "Mark done", "es": "Marcar hecha"},
    "rv.marked_done": {
        "en": "Action #{id} marked done by {user}.",
        "es": "Acción n.º {id} marcada como hecha por {user}.",
    },
    "rv.log.header": {"en": "Action log", "es": "Registro de acciones"},
    "rv.log.caption": {
        "en": "Every action recorded, with who recorded it and when (UTC), and who marked it done.",
        "es": "Todas las acciones registradas, con quién y cuándo (UTC) las registró y quién las marcó como hechas.",
    },
    "rv.action.done": {"en": "done", "es": "hecha"},
    "rv.action.open": {"en": "open", "es": "abierta"},
    "rv.col.id": {"en": "#", "es": "n.º"},
    "rv.col.owner": {"en": "Owner", "es": "Responsable"},
    "rv.col.due": {"en": "Due", "es": "Vence"},
    "rv.col.status": {"en": "Status", "es": "Estado"},
    "rv.col.linked_kpi": {"en": "KPI", "es": "KPI"},
    "rv.col.filter": {"en": "Filter", "es": "Filtro"},
    "rv.col.decided_in": {"en": "Decided in", "es": "Decidida en"},
    "rv.col.created": {"en": "Recorded", "es": "Registrada"},
    "rv.col.done_by": {"en": "Done", "es": "Hecha"},
    # closing
    "rv.close.header": {"en": "Close the review", "es": "Cerrar la revisión"},
    "rv.close.button": {"en": "Close this review", "es": "Cerrar esta revisión"},
    "rv.close.help": {
        "en": "Freezes this period's figures as reported; later changes show as restatements.",
        "es": "Congela las cifras de este periodo según se informan; los cambios posteriores se muestran como "
        "reexpresiones.",
    },
    "rv.actions.role": {
        "en": "The action log (decisions, owners, due dates) is for the committee, analysts and administrators "
        "(you are: {role}).",
        "es": "El registro de acciones (decisiones, responsables, fechas) es para el comité, los analistas y los "
        "administradores (tu rol: {role}).",
    },
    "rv.close.role": {
        "en": "Only committee members and administrators can close a review (you are: {role}).",
        "es": "Solo los miembros del comité y los administradores pueden cerrar una revisión (tu rol: {role}).",
    },
    "rv.close.done": {
        "en": "Review {period} closed by {user}.",
        "es": "Revisión {period} cerrada por {user}.",
    },
    "rv.pack.header": {"en": "Review pack", "es": "Paquete de la revisión"},
    "rv.pack.html": {"en": "Download pack (HTML)", "es": "Descargar paquete (HTML)"},
    "rv.pack.pdf": {"en": "Download pack (PDF)", "es": "Descargar paquete (PDF)"},
    "rv.pack.xlsx": {"en": "Download pack (XLSX)", "es": "Descargar paquete (XLSX)"},
}
