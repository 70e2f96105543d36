"""English and Spanish texts for the app, and number/date formatting by language.

Every user-facing string of the app lives in ``STRINGS`` (key -> {en, es}); ``t`` looks
one up and fills its ``{placeholders}``. Numbers are formatted by language (es:
``1.234,5``; en: ``1,234.5``); a missing value is shown as an em dash.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

Lang = Literal["en", "es"]
LANGUAGES: tuple[str, ...] = ("en", "es")
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "es": "Español"}
MISSING = "—"

STRINGS: dict[str, dict[str, str]] = {
    # ---- app shell
    "app.title": {"en": "cxmetrics", "es": "cxmetrics"},
    "nav.overview": {"en": "Overview", "es": "Resumen"},
    "nav.data_quality": {"en": "Data quality", "es": "Calidad de datos"},
    "sidebar.language": {"en": "Language", "es": "Idioma"},
    "sidebar.demo_mode": {
        "en": "Demo mode: no login configured. You are viewing as **{role}**.",
        "es": "Modo demo: sin inicio de sesión. Estás viendo como **{role}**.",
    },
    "role.executive": {"en": "executive", "es": "dirección"},
    "role.committee": {"en": "committee member", "es": "miembro del comité"},
    "role.analyst": {"en": "analyst", "es": "analista"},
    "role.admin": {"en": "administrator", "es": "administrador"},
    "warn.bad_lang": {
        "en": "Ignored the language '{value}' in the link: use 'en' or 'es'.",
        "es": "Se ignoró el idioma '{value}' del enlace: usa 'en' o 'es'.",
    },
    "no_data": {
        "en": "No data yet: run `make run` (demo data) or `cxm ingest` (your files), then reload this page.",
        "es": "Aún no hay datos: ejecuta `make run` (datos de demostración) o `cxm ingest` (tus ficheros) "
        "y recarga esta página.",
    },
    "data_to": {"en": "data to {ts}", "es": "datos hasta {ts}"},
    "download_csv": {"en": "Download CSV", "es": "Descargar CSV"},
    "rows_total": {"en": "{n} rows", "es": "{n} filas"},
    # ---- overview placeholder
    "overview.title": {"en": "Overview", "es": "Resumen"},
    "overview.caption": {
        "en": "The six KPIs over all data, with 95% intervals. n = records behind each value.",
        "es": "Los seis KPI sobre todos los datos, con intervalos del 95 %. n = registros detrás de cada valor.",
    },
    "col.kpi": {"en": "KPI", "es": "KPI"},
    "col.value": {"en": "Value", "es": "Valor"},
    "col.n": {"en": "n", "es": "n"},
    "col.ci_low": {"en": "95% low", "es": "IC 95 % inf."},
    "col.ci_high": {"en": "95% high", "es": "IC 95 % sup."},
    "col.unit": {"en": "Unit", "es": "Unidad"},
    "col.definition": {"en": "Definition", "es": "Definición"},
    # ---- data quality
    "dq.title": {"en": "Data quality", "es": "Calidad de datos"},
    "dq.intro": {
        "en": "For data owners: what was loaded, what was quarantined and why, how fresh each channel is, "
        "and how well events are stitched to customers.",
        "es": "Para responsables de datos: qué se cargó, qué se puso en cuarentena y por qué, la frescura de "
        "cada canal y cómo se vinculan los eventos a clientes.",
    },
    "dq.ingest.header": {"en": "Ingest log", "es": "Registro de cargas"},
    "dq.ingest.caption": {
        "en": "One row per file and load: rows read = loaded + duplicates + quarantined; newest first.",
        "es": "Una fila por fichero y carga: filas leídas = cargadas + duplicadas + en cuarentena; "
        "las más recientes primero.",
    },
    "dq.ingest.empty": {
        "en": "No file has been loaded yet.",
        "es": "Todavía no se ha cargado ningún fichero.",
    },
    "dq.quarantine.header": {"en": "Quarantine by reason", "es": "Cuarentena por motivo"},
    "dq.quarantine.caption": {
        "en": "Rows rejected at ingest, counted once per reason: a row with several problems counts under each, "
        "so the % of rows can add up to more than 100. {n} rows quarantined in total.",
        "es": "Filas rechazadas al cargar, contadas una vez por motivo: una fila con varios problemas cuenta "
        "en cada uno, así que el % de filas puede sumar más de 100. {n} filas en cuarentena en total.",
    },
    "dq.quarantine.empty": {
        "en": "No row has been quarantined.",
        "es": "Ninguna fila está en cuarentena.",
    },
    "dq.quarantine.chart_title": {
        "en": "Quarantined rows by reason",
        "es": "Filas en cuarentena por motivo",
    },
    "dq.rows.header": {"en": "Quarantined rows", "es": "Filas en cuarentena"},
    "dq.rows.caption": {
        "en": "The rejected rows as they arrived (raw = the row's values as JSON), by file and row number. "
        "The CSV holds every row of the chosen reason.",
        "es": "Las filas rechazadas tal como llegaron (raw = los valores de la fila en JSON), por fichero y "
        "número de fila. El CSV contiene todas las filas del motivo elegido.",
    },
    "dq.rows.reason_filter": {"en": "Reason", "es": "Motivo"},
    "dq.rows.all_reasons": {"en": "All reasons", "es": "Todos los motivos"},
    "dq.rows.page": {"en": "Page", "es": "Página"},
    "dq.rows.pick": {
        "en": "Select a row (checkbox on its left) to see its raw values in full.",
        "es": "Selecciona una fila (casilla a su izquierda) para ver sus valores originales completos.",
    },
    "dq.rows.detail": {"en": "Row {row} of {file}", "es": "Fila {row} de {file}"},
    "dq.rows.page_of": {
        "en": "Page {page} of {pages} · rows {first}–{last} of {n}",
        "es": "Página {page} de {pages} · filas {first}–{last} de {n}",
    },
    "dq.freshness.header": {"en": "Freshness per channel", "es": "Frescura por canal"},
    "dq.freshness.caption": {
        "en": "Lag = hours between a channel's last event and the latest event in the data ({ts}); "
        "a large lag means a feed may have stopped.",
        "es": "Retraso = horas entre el último evento del canal y el último evento de los datos ({ts}); "
        "un retraso grande indica que una fuente puede haberse detenido.",
    },
    "dq.freshness.stale": {
        "en": "Channels more than {hours} h behind the latest event: {channels}.",
        "es": "Canales con más de {hours} h de retraso respecto al último evento: {channels}.",
    },
    "dq.identity.header": {
        "en": "Identity-stitching health",
        "es": "Salud de la vinculación de identidades",
    },
    "dq.identity.caption": {
        "en": "How events are linked to known customers through cookies, network ids and logins "
        "(one row per figure, over all stored events).",
        "es": "Cómo se vinculan los eventos a clientes conocidos mediante cookies, identificadores de red e "
        "inicios de sesión (una fila por cifra, sobre todos los eventos almacenados).",
    },
    "dq.shared.header": {
        "en": "Shared identity components",
        "es": "Componentes de identidad compartidos",
    },
    "dq.shared.caption": {
        "en": "Identity components that reach more than one customer (e.g. a shared device); their events are "
        "not attributed to any single customer. Up to 1,000 shown, largest first.",
        "es": "Componentes de identidad que llegan a más de un cliente (p. ej. un dispositivo compartido); sus "
        "eventos no se atribuyen a ningún cliente. Se muestran hasta 1.000, los mayores primero.",
    },
    "dq.shared.empty": {
        "en": "No identity component is shared by several customers.",
        "es": "Ningún componente de identidad es compartido por varios clientes.",
    },
    "dq.rows.admin_only": {
        "en": "Quarantined rows as they arrived may hold anything, personal data included: only administrators "
        "see them (you are: {role}). The counts by reason above are for every role.",
        "es": "Las filas en cuarentena tal como llegaron pueden contener cualquier cosa, también datos personales: "
        "solo los administradores las ven (tu rol: {role}). Los recuentos por motivo de arriba son para todos.",
    },
    "dq.dissolved.header": {
        "en": "Over-linked components (not stitched)",
        "es": "Componentes sobreenlazados (sin unir)",
    },
    "dq.dissolved.caption": {
        "en": "Identity components with more than {cap} identifiers, or not settled within {passes} stitching "
        "passes, are not stitched: each of their identifiers stands alone and an event keeps only the customer "
        "directly linked to its own identifiers, so one shared line, kiosk or test device cannot glue many people "
        "into one. The most connected identifiers (links = distinct identifiers seen with it) are the likely "
        "bridges. Up to 1,000 shown, largest first.",
        "es": "Los componentes de identidad con más de {cap} identificadores, o que no convergen en {passes} "
        "pasadas de vinculación, no se unen: cada identificador queda aislado y un evento conserva solo el "
        "cliente vinculado directamente a sus propios identificadores, de modo que una línea, un quiosco o un "
        "dispositivo de pruebas compartido no puede unir a muchas personas en una. Los identificadores más "
        "conectados (enlaces = identificadores distintos vistos con él) son los puentes probables. Se muestran "
        "hasta 1.000, los mayores primero.",
    },
    "dq.dissolved.empty": {
        "en": "No identity component exceeds {cap} identifiers: every component is stitched.",
        "es": "Ningún componente de identidad supera los {cap} identificadores: todos se unen.",
    },
    "dq.dissolved.over_cap": {"en": "over the size cap", "es": "supera el tamaño máximo"},
    "dq.dissolved.not_converged": {
        "en": "not settled within the pass limit",
        "es": "no converge en el límite de pasadas",
    },
    "col.identifiers": {"en": "Identifiers", "es": "Identificadores"},
    "col.top_bridges": {
        "en": "Most connected identifiers (links)",
        "es": "Identificadores más conectados (enlaces)",
    },
    # column headers of the data-quality tables
    "col.file": {"en": "File", "es": "Fichero"},
    "col.kind": {"en": "Kind", "es": "Tipo"},
    "col.rows_read": {"en": "Rows read", "es": "Filas leídas"},
    "col.loaded": {"en": "Loaded", "es": "Cargadas"},
    "col.duplicates": {"en": "Duplicates", "es": "Duplicadas"},
    "col.quarantined": {"en": "Quarantined", "es": "En cuarentena"},
    "col.finished_at": {"en": "Loaded at (UTC)", "es": "Cargado (UTC)"},
    "col.seconds": {"en": "Seconds", "es": "Segundos"},
    "col.sha256": {"en": "SHA-256", "es": "SHA-256"},
    "col.ingest_id": {"en": "Load", "es": "Carga"},
    "col.reason_code": {"en": "Reason code", "es": "Código de motivo"},
    "col.rows": {"en": "Rows", "es": "Filas"},
    "col.share": {"en": "% of rows", "es": "% de filas"},
    "col.row_no": {"en": "Row", "es": "Fila"},
    "col.reason": {"en": "Reason", "es": "Motivo"},
    "col.raw": {"en": "Raw row", "es": "Fila original"},
    "col.channel": {"en": "Channel", "es": "Canal"},
    "col.events": {"en": "Events", "es": "Eventos"},
    "col.first_ts": {"en": "First event (UTC)", "es": "Primer evento (UTC)"},
    "col.last_ts": {"en": "Last event (UTC)", "es": "Último evento (UTC)"},
    "col.lag_hours": {"en": "Lag (h)", "es": "Retraso (h)"},
    "col.figure": {"en": "Figure", "es": "Cifra"},
    "col.component": {"en": "Component", "es": "Componente"},
    "col.n_owners": {"en": "Customers", "es": "Clientes"},
    "col.owners": {"en": "Customer ids", "es": "Ids de cliente"},
    # identity figures (dq_identity columns)
    "idn.events": {"en": "Events", "es": "Eventos"},
    "idn.events_linked_to_customer": {
        "en": "Events linked to a customer",
        "es": "Eventos vinculados a un cliente",
    },
    "idn.linked_share": {"en": "Linked share", "es": "Porcentaje vinculado"},
    "idn.events_without_identifier": {
        "en": "Events without any identifier",
        "es": "Eventos sin identificador",
    },
    "idn.events_stitched": {
        "en": "Stitched events (no customer id)",
        "es": "Vinculados sin id de cliente",
    },
    "idn.shared_components": {"en": "Shared components", "es": "Componentes compartidos"},
    "idn.identifiers": {"en": "Identifiers", "es": "Identificadores"},
    "idn.components": {"en": "Identity components", "es": "Componentes de identidad"},
    "idn.largest_component": {
        "en": "Largest component (identifiers)",
        "es": "Mayor componente (identificadores)",
    },
    # short labels for the metric tiles (the table next to them has the long ones)
    "tile.events": {"en": "Events", "es": "Eventos"},
    "tile.linked_share": {"en": "Linked to a customer", "es": "Vinculados a cliente"},
    "tile.events_without_identifier": {"en": "No identifier", "es": "Sin identificador"},
    "tile.events_stitched": {"en": "Stitched events", "es": "Unidos por identidad"},
    "tile.shared_components": {"en": "Shared components", "es": "Comp. compartidos"},
    "idn.def.events": {"en": "All stored events.", "es": "Todos los eventos almacenados."},
    "idn.def.events_linked_to_customer": {
        "en": "Events whose person resolves to exactly one customer.",
        "es": "Eventos cuya persona corresponde a exactamente un cliente.",
    },
    "idn.def.linked_share": {
        "en": "Events linked to a customer ÷ events.",
        "es": "Eventos vinculados a un cliente ÷ eventos.",
    },
    "idn.def.events_without_identifier": {
        "en": "Events with no cookie, network id or customer id: they cannot be linked.",
        "es": "Eventos sin cookie, id de red ni id de cliente: no se pueden vincular.",
    },
    "idn.def.events_stitched": {
        "en": "Events without a customer id that were linked to a customer through their identifiers.",
        "es": "Eventos sin id de cliente que se vincularon a un cliente a través de sus identificadores.",
    },
    "idn.def.shared_components": {
        "en": "Identity components reaching more than one customer (not attributed).",
        "es": "Componentes de identidad que llegan a más de un cliente (no se atribuyen).",
    },
    "idn.def.identifiers": {
        "en": "Distinct cookies, network ids and customer ids seen.",
        "es": "Cookies, ids de red e ids de cliente distintos.",
    },
    "idn.def.components": {
        "en": "Groups of identifiers linked together (one per person).",
        "es": "Grupos de identificadores enlazados entre sí (uno por persona).",
    },
    "idn.def.largest_component": {
        "en": "Identifiers in the largest component; a very large one suggests over-linking.",
        "es": "Identificadores del mayor componente; uno muy grande sugiere vinculación excesiva.",
    },
    "idn.dissolved_components": {
        "en": "Components not stitched (over the cap)",
        "es": "Componentes sin unir (sobre el máximo)",
    },
    "idn.def.dissolved_components": {
        "en": "Components over the size cap (or not settled within the pass limit): their identifiers are not "
        "stitched together; listed below.",
        "es": "Componentes por encima del tamaño máximo (o sin converger en el límite de pasadas): sus "
        "identificadores no se unen; se listan abajo.",
    },
}


from cxmetrics.i18n import (  # noqa: E402
    i18n_auth,
    i18n_channels,
    i18n_dashboard,
    i18n_export,
    i18n_journeys,
    i18n_okrs,
    i18n_overview,
    i18n_pack,
    i18n_privacy,
    i18n_review,
    i18n_uplift,
)

for _module in (i18n_dashboard, i18n_overview, i18n_channels, i18n_journeys, i18n_uplift, i18n_okrs, i18n_review,
                i18n_export, i18n_pack, i18n_auth, i18n_privacy):
    STRINGS.update(_module.STRINGS)


def t(key: str, lang: str = "en", **fmt: object) -> str:
    """The text for ``key`` in ``lang`` (English if missing), with ``{placeholders}`` filled."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["en"]
    return text.format(**fmt) if fmt else text


def _is_missing(x: object) -> bool:
    """None, NaN, NaT or pandas' NA."""
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN and NaT are the only values unequal to themselves
    except TypeError:  # pandas.NA refuses to be a bool
        return True


def _localize(text: str, lang: str) -> str:
    """Swap the English separators (``1,234.5``) for the Spanish ones (``1.234,5``)."""
    if lang != "es":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_number(x: float | int | None, lang: str = "en", decimals: int = 1) -> str:
    """``1234.5`` -> en ``1,234.5``, es ``1.234,5``; None/NaN -> ``—``."""
    if _is_missing(x):
        return MISSING
    value = round(float(x), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return _localize(f"{value:,.{decimals}f}", lang)


def fmt_int(x: float | int | None, lang: str = "en") -> str:
    """``12345`` -> en ``12,345``, es ``12.345``; None/NaN -> ``—``."""
    if _is_missing(x):
        return MISSING
    return _localize(f"{round(float(x)):,d}", lang)


def fmt_pct(x: float | None, lang: str = "en", decimals: int = 1) -> str:
    """A share in 0..1 as a percentage: ``0.7304`` -> en ``73.0%``, es ``73,0 %``."""
    if _is_missing(x):
        return MISSING
    number = fmt_number(float(x) * 100, lang, decimals)
    return f"{number} %" if lang == "es" else f"{number}%"


def fmt_datetime(dt: datetime | date | str | None, lang: str = "en") -> str:
    """A UTC timestamp to the minute, the same in both languages: ``2026-04-19 23:58 UTC``."""
    if _is_missing(dt) or (isinstance(dt, str) and not dt):
        return MISSING
    if isinstance(dt, str):
        dt = datetime.fromisoformat(dt)
    if not isinstance(dt, datetime):
        return dt.isoformat()
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%d %H:%M") + " UTC"
