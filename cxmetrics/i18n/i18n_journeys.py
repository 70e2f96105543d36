"""English and Spanish texts of the Journeys & handoffs page (merged into ``i18n.STRINGS``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "jr.title": {"en": "Journeys & handoffs", "es": "Journeys y traspasos"},
    "jr.intro": {
        "en": "Where digital journeys stop, how bot and IVR contacts reach an agent, and which contacts "
        "come back. Every rate has its 95% interval and n (records behind it).",
        "es": "Dónde se detienen los journeys digitales, cómo llegan a un agente los contactos del bot y del "
        "IVR, y qué contactos vuelven. Cada tasa lleva su intervalo del 95 % y n (registros detrás).",
    },
    "jr.empty": {
        "en": "No records in this slice: widen the filter in the sidebar.",
        "es": "No hay registros en esta selección: amplía el filtro de la barra lateral.",
    },
    # ---- 1. journey completion
    "jr.completion.header": {"en": "Journey completion", "es": "Journeys completados"},
    "jr.completion.caption": {
        "en": "Journey completion = journeys that reached their goal ÷ journeys started (by start date, "
        "journey type and first channel). Bars: value; whiskers: 95% Wilson interval.",
        "es": "Journeys completados = journeys que alcanzaron su objetivo ÷ journeys iniciados (por fecha de "
        "inicio, tipo de journey y primer canal). Barras: valor; bigotes: intervalo de Wilson del 95 %.",
    },
    "jr.completion.chart_title": {
        "en": "Journey completion by type and channel",
        "es": "Journeys completados por tipo y canal",
    },
    "jr.completion.chart_units": {
        "en": "% of journeys started · whiskers: 95% CI",
        "es": "% de journeys iniciados · bigotes: IC 95 %",
    },
    "jr.completion.axis": {"en": "Journey completion (%)", "es": "Journeys completados (%)"},
    # ---- 2. step funnel
    "jr.steps.header": {"en": "Step drop-off", "es": "Abandono por paso"},
    "jr.steps.caption": {
        "en": "Share of the type's journeys (started in the slice) that viewed each page before the goal; "
        "steps in the order of their median time from the journey's start; last stage: goal reached.",
        "es": "Porcentaje de los journeys del tipo (iniciados en la selección) que vieron cada página antes del "
        "objetivo; pasos en el orden de su tiempo mediano desde el inicio; última etapa: objetivo alcanzado.",
    },
    "jr.steps.select": {"en": "Journey type", "es": "Tipo de journey"},
    "jr.steps.chart_title": {
        "en": "{type}: journeys reaching each step",
        "es": "{type}: journeys que alcanzan cada paso",
    },
    "jr.steps.chart_units": {
        "en": "journeys · % of {n} started",
        "es": "journeys · % de {n} iniciados",
    },
    "jr.steps.goal": {"en": "✓ goal reached", "es": "✓ objetivo alcanzado"},
    "jr.col.stage": {"en": "Stage", "es": "Etapa"},
    "jr.col.journeys": {"en": "Journeys", "es": "Journeys"},
    "jr.col.share_started": {"en": "% of started", "es": "% de iniciados"},
    "jr.col.median_seconds": {"en": "Median s from start", "es": "Mediana s desde inicio"},
    # ---- 3. bot → agent
    "jr.handoff.header": {"en": "Bot → agent handoffs", "es": "Traspasos bot → agente"},
    "jr.handoff.caption": {
        "en": "Contacts on automated channels ({channels}) → handed off to an agent → an agent connected, or "
        "abandoned (no agent connected after the first handoff request). Abandonment (%) = abandoned ÷ "
        "handed off, the Handoff abandonment KPI.",
        "es": "Contactos en canales automatizados ({channels}) → derivados a un agente → conectó un agente, o "
        "abandonados (ningún agente conectó tras la primera solicitud de traspaso). Abandono (%) = "
        "abandonados ÷ derivados, el KPI Abandono en traspaso.",
    },
    "jr.handoff.note_mismatch": {
        "en": "The KPI counts handoffs by the date and channel of the first handoff request, the funnel counts "
        "contacts by the contact's own date and channel: here they differ by {n} handoffs.",
        "es": "El KPI cuenta los traspasos por la fecha y el canal de la primera solicitud de traspaso; el "
        "embudo, por la fecha y el canal del propio contacto: aquí difieren en {n} traspasos.",
    },
    "jr.handoff.none": {
        "en": "No contact has been handed off to an agent in the data: there is no bot→agent funnel to show.",
        "es": "Ningún contacto se ha derivado a un agente en los datos: no hay embudo bot→agente que mostrar.",
    },
    "jr.tile.contacts": {"en": "Bot contacts", "es": "Contactos de bot"},
    "jr.tile.handed_off": {"en": "Handed off", "es": "Derivados"},
    "jr.tile.connected": {"en": "Agent connected", "es": "Agente conectado"},
    "jr.tile.abandoned": {"en": "Abandoned", "es": "Abandonados"},
    "jr.tile.abandonment": {"en": "Handoff abandonment", "es": "Abandono en traspaso"},
    "jr.tile.share_of": {"en": "{share} of {what}", "es": "{share} de {what}"},
    "jr.tile.ci": {"en": "95% CI {low}–{high} · n = {n}", "es": "IC 95 % {low}–{high} · n = {n}"},
    "jr.tile.help.contacts": {
        "en": "Contacts that started on a channel where contacts are handed off to agents.",
        "es": "Contactos iniciados en un canal donde los contactos se derivan a agentes.",
    },
    "jr.handoff.by_channel": {"en": "By channel", "es": "Por canal"},
    "jr.handoff.by_intent": {"en": "By intent", "es": "Por intención"},
    "jr.handoff.chart_title": {
        "en": "Bot→agent funnel by {dim}",
        "es": "Embudo bot→agente por {dim}",
    },
    "jr.handoff.chart_units": {"en": "contacts", "es": "contactos"},
    "jr.seg.contained": {"en": "Not handed off", "es": "No derivados"},
    "jr.seg.connected": {
        "en": "Handed off · agent connected",
        "es": "Derivados · agente conectado",
    },
    "jr.seg.abandoned": {"en": "Handed off · abandoned", "es": "Derivados · abandonados"},
    "jr.axis.contacts": {"en": "Contacts", "es": "Contactos"},
    "jr.col.contacts": {"en": "Contacts", "es": "Contactos"},
    "jr.col.handed_off": {"en": "Handed off", "es": "Derivados"},
    "jr.col.handoff_share": {"en": "% handed off", "es": "% derivados"},
    "jr.col.connected": {"en": "Connected", "es": "Conectados"},
    "jr.col.abandoned": {"en": "Abandoned", "es": "Abandonados"},
    "jr.col.abandonment": {"en": "Abandonment (%)", "es": "Abandono (%)"},
    "jr.col.kpi_n": {"en": "KPI n", "es": "n del KPI"},
    # ---- 4. FCR
    "jr.fcr.header": {"en": "First-contact resolution", "es": "Resolución al primer contacto"},
    "jr.fcr.caption": {
        "en": "FCR = episodes with no repeat contact (same person and intent) within 7 days ÷ eligible episodes "
        "(7-day window closed by {as_of}), by the first contact's channel and intent.",
        "es": "FCR = episodios sin recontacto (misma persona e intención) en 7 días ÷ episodios elegibles "
        "(ventana de 7 días cerrada a {as_of}), por canal e intención del primer contacto.",
    },
    "jr.fcr.chart_title": {"en": "FCR by {dim}", "es": "FCR por {dim}"},
    "jr.fcr.chart_units": {
        "en": "% of eligible episodes · whiskers: 95% CI",
        "es": "% de episodios elegibles · bigotes: IC 95 %",
    },
    "jr.fcr.axis": {"en": "FCR (%)", "es": "FCR (%)"},
    "jr.col.fcr": {"en": "FCR (%)", "es": "FCR (%)"},
    "jr.col.resolved": {"en": "Resolved", "es": "Resueltos"},
    "jr.col.episodes_n": {"en": "Episodes (n)", "es": "Episodios (n)"},
    "jr.col.completion": {"en": "Completion (%)", "es": "Completados (%)"},
    "jr.col.completed": {"en": "Completed", "es": "Completados"},
    "jr.col.journeys_n": {"en": "Journeys (n)", "es": "Journeys (n)"},
    # ---- 5. repeat paths
    "jr.paths.header": {"en": "Repeat-contact paths", "es": "Recorridos de recontacto"},
    "jr.paths.caption": {
        "en": "First contact's channel → channel of the first repeat contact (same person and intent) within "
        "7 days, over eligible episodes. Share = episodes on the path ÷ all eligible episodes "
        "({n} in this slice, {repeats} with a repeat). Median hours: from the first contact to the first repeat.",
        "es": "Canal del primer contacto → canal del primer recontacto (misma persona e intención) en 7 días, "
        "sobre episodios elegibles. Porcentaje = episodios del recorrido ÷ todos los episodios elegibles "
        "({n} en esta selección, {repeats} con recontacto). Mediana (h): horas del primer contacto al primer "
        "recontacto.",
    },
    "jr.paths.chart_title": {
        "en": "Top {k} repeat-contact paths",
        "es": "Los {k} recorridos de recontacto más frecuentes",
    },
    "jr.paths.chart_units": {
        "en": "episodes · % of eligible episodes",
        "es": "episodios · % de episodios elegibles",
    },
    "jr.paths.axis": {"en": "Episodes", "es": "Episodios"},
    "jr.paths.none": {
        "en": "No eligible episode in this slice had a repeat contact.",
        "es": "Ningún episodio elegible de esta selección tuvo recontacto.",
    },
    "jr.col.path": {"en": "Path", "es": "Recorrido"},
    "jr.col.episodes": {"en": "Episodes", "es": "Episodios"},
    "jr.col.share_of_episodes": {"en": "% of episodes", "es": "% de episodios"},
    "jr.col.share_of_repeats": {"en": "% of repeats", "es": "% recontactos"},
    "jr.col.median_hours": {"en": "Median hours", "es": "Mediana (h)"},
    "jr.hover.ci": {"en": "95% CI", "es": "IC 95 %"},
    # ---- k-anonymity (roles without record access)
    "jr.steps.suppressed": {
        "en": "Fewer than {k} people started a {type} journey in this slice: its funnel is not shown to your role.",
        "es": "Menos de {k} personas iniciaron un journey {type} en esta selección: su embudo no se muestra a tu "
        "rol.",
    },
    "jr.seg.suppressed": {"en": "Handoff breakdown suppressed", "es": "Desglose de traspasos suprimido"},
    "jr.paths.caption_suppressed": {
        "en": "First contact's channel → channel of the first repeat contact (same person and intent) within "
        "7 days, over eligible episodes. Share = episodes on the path ÷ all eligible episodes (their number "
        "in this slice: {label}). Median hours: from the first contact to the first repeat.",
        "es": "Canal del primer contacto → canal del primer recontacto (misma persona e intención) en 7 días, "
        "sobre episodios elegibles. Porcentaje = episodios del recorrido ÷ todos los episodios elegibles (su "
        "número en esta selección: {label}). Mediana (h): horas del primer contacto al primer recontacto.",
    },
    "jr.paths.all_suppressed": {
        "en": "Every repeat-contact path of this slice is suppressed for your role (fewer than {k} people, or it "
        "protects a small path).",
        "es": "Todos los recorridos de recontacto de esta selección están suprimidos para tu rol (menos de {k} "
        "personas, o protegen un recorrido pequeño).",
    },
}
