"""English and Spanish texts of one dashboard page (merged into ``i18n.STRINGS``)."""

STRINGS: dict[str, dict[str, str]] = {
    "nav.export": {"en": "Cohort export", "es": "Exportar cohorte"},
    "export.title": {"en": "Cohort export", "es": "Exportar cohorte"},
    "export.intro": {
        "en": "Export exactly the cohort of the sidebar filter, record by record, with a manifest that "
        "states the filter, the counts, the data version and what every column means.",
        "es": "Exporta exactamente la cohorte del filtro lateral, registro a registro, con un manifiesto "
        "que indica el filtro, los recuentos, la versión de datos y el significado de cada columna.",
    },
    "export.kind": {"en": "What to export", "es": "Qué exportar"},
    "export.kind.records": {"en": "KPI records (one row per record)", "es": "Registros de KPI (una fila por registro)"},
    "export.kind.persons": {"en": "People (one row per person)", "es": "Personas (una fila por persona)"},
    "export.format": {"en": "File format", "es": "Formato"},
    "export.rows": {"en": "{n} rows in this cohort", "es": "{n} filas en esta cohorte"},
    "export.excluded": {
        "en": "{n} records of customers without analytics consent are left out (they still count in the KPIs).",
        "es": "Se excluyen {n} registros de clientes sin consentimiento analítico (siguen contando en los KPI).",
    },
    "export.preview": {"en": "Preview (first 20 rows)", "es": "Vista previa (primeras 20 filas)"},
    "export.prepare": {"en": "Prepare the export", "es": "Preparar la exportación"},
    "export.ready": {"en": "Ready: {n} rows. Download the file and its manifest.", "es": "Listo: {n} filas. Descarga el fichero y su manifiesto."},
    "export.download": {"en": "Download {name}", "es": "Descargar {name}"},
    "export.manifest": {"en": "Download the manifest (JSON)", "es": "Descargar el manifiesto (JSON)"},
    "export.pseudonymized": {
        "en": "Person ids are pseudonymized (keyed hash); only the admin role exports raw ids.",
        "es": "Los identificadores de persona están seudonimizados (hash con clave); solo el rol admin exporta ids reales.",
    },
    "export.no_access": {
        "en": "Your role ({role}) sees aggregates only. Record-level exports are for analysts and admins.",
        "es": "Tu rol ({role}) solo ve agregados. Las exportaciones por registro son para analistas y administradores.",
    },
}
