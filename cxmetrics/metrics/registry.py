"""The KPI registry: every KPI declared once as an immutable ``KpiSpec``.

The cube, the query path (``cxmetrics.metrics.engine``), the labels and the docs derive
from it. SQL returns sufficient statistics (n, s1, s2) per group;
``cxmetrics.metrics.stats`` turns them into values, intervals and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cxmetrics.core.errors import UserError
from cxmetrics.metrics import stats
from cxmetrics.metrics.filters import CATEGORICAL_DIMS, DIMENSIONS

# k-anonymity bound (cxmetrics.metrics.suppression): the model keeps, per KPI, the record
# counts of this many busiest persons (``person_load``, built by cxmetrics.model.cube).
PERSON_LOAD_RANKS = 50

# nps, rate, mean: values and intervals from (n, s1, s2); count: the number of records;
# median: a median with its distribution-free interval (from the records, see
# ``cxmetrics.metrics.quantiles``); the cube keeps n, s1 = Σ x, s2 = Σ x² of every kind.
# churn: a rate over (person, period) records built at query time (cxmetrics.metrics.churn);
# the cube does not hold it.
Kind = Literal["nps", "rate", "mean", "count", "median", "churn"]


@dataclass(frozen=True)
class KpiSpec:
    name: str
    record_table: str
    where: str  # which records of the table are this KPI's (a constant SQL predicate)
    s1: str  # SQL aggregate: promoters / successes / sum of scores
    s2: str  # SQL aggregate: detractors / - / sum of squared scores
    kind: Kind
    higher_is_better: bool
    unit: str
    label_en: str
    label_es: str
    definition_en: str
    definition_es: str
    value: str = ""  # the record column a median is taken of

    @property
    def in_cube(self) -> bool:
        """Whether the cube holds this KPI (a churn record depends on the question's period)."""
        return self.kind != "churn"

    @property
    def tested(self) -> bool:
        """Whether differences of this KPI have an interval and a test (comparisons,
        significance, alerts, uplift): not for counts and medians."""
        return self.kind in ("nps", "rate", "mean", "churn")

    def estimate(self, n: float, s1: float, s2: float) -> stats.Estimate:
        """The value from sufficient statistics (a median's value needs its records: this
        gives it no value, ``cxmetrics.metrics.quantiles`` does)."""
        if self.kind == "nps":
            return stats.nps_estimate(s1, s2, n)
        if self.kind in ("rate", "churn"):
            return stats.rate_estimate(s1, n)
        if self.kind == "count":
            return stats.Estimate(int(n) if n else None, int(n), None, None)  # a count is a whole number
        if self.kind == "median":
            return stats.Estimate(None, int(n), None, None)
        return stats.mean_estimate(s1, s2, n)

    def difference(self, a: tuple[float, float, float], b: tuple[float, float, float]) -> stats.Difference:
        """a − b; tuples are (n, s1, s2). Counts and medians get no interval and no test."""
        (na, a1, a2), (nb, b1, b2) = a, b
        if self.kind == "nps":
            return stats.nps_difference((a1, a2, na), (b1, b2, nb))
        if self.kind in ("rate", "churn"):
            return stats.rate_difference((a1, na), (b1, nb))
        if self.kind == "count":
            return stats.Difference(float(na - nb) if na or nb else None, None, None, None, int(na), int(nb))
        if self.kind == "median":
            return stats.Difference(None, None, None, None, int(na), int(nb))
        return stats.mean_difference((a1, a2, na), (b1, b2, nb))

    def variance(self, n: float, s1: float, s2: float) -> float:
        """Unadjusted variance of the value (for the stratified uplift)."""
        if self.kind == "nps":
            return stats.nps_variance(s1, s2, n)
        if self.kind in ("rate", "churn"):
            return stats.rate_variance(s1, n)
        return stats.mean_variance(s1, s2, n)

    @property
    def min_n_for_difference(self) -> int:
        return 2 if self.kind == "mean" else 1

    def label(self, lang: str = "en") -> str:
        return self.label_es if lang == "es" else self.label_en


KPIS: dict[str, KpiSpec] = {
    k.name: k
    for k in (
        KpiSpec("nps", "rec_survey", "survey_type = 'nps'", "count(*) FILTER (WHERE score >= 9)",
                "count(*) FILTER (WHERE score <= 6)", "nps", True, "points",
                "NPS", "NPS",
                "Net Promoter Score: % promoters (9-10) minus % detractors (0-6).",
                "Net Promoter Score: % promotores (9-10) menos % detractores (0-6)."),
        KpiSpec("csat", "rec_survey", "survey_type = 'csat'", "count(*) FILTER (WHERE score >= 4)", "0",
                "rate", True, "%", "CSAT", "CSAT",
                "Share of CSAT answers of 4 or 5.", "Porcentaje de respuestas CSAT de 4 o 5."),
        KpiSpec("ces", "rec_survey", "survey_type = 'ces'", "sum(score)", "sum(score * score)",
                "mean", True, "score 1-7", "CES", "CES",
                "Customer Effort Score: mean answer, 1-7, higher = easier.",
                "Customer Effort Score: respuesta media, 1-7, más alto = más fácil."),
        KpiSpec("fcr", "rec_fcr", "true", "count(*) FILTER (WHERE resolved)", "0", "rate", True, "%",
                "First-contact resolution", "Resolución al primer contacto",
                "Share of contact episodes with no repeat contact (same person and intent) within 7 days.",
                "Porcentaje de episodios sin recontacto (misma persona e intención) en 7 días."),
        KpiSpec("journey_completion", "rec_journey", "true", "count(*) FILTER (WHERE completed)", "0",
                "rate", True, "%", "Journey completion", "Journeys completados",
                "Share of journeys that reached their goal.",
                "Porcentaje de journeys que alcanzaron su objetivo."),
        KpiSpec("handoff_abandonment", "rec_handoff", "true", "count(*) FILTER (WHERE abandoned)", "0",
                "rate", False, "%", "Handoff abandonment", "Abandono en traspaso",
                "Share of bot/IVR contacts handed to an agent where no agent connected.",
                "Porcentaje de contactos derivados del bot/IVR a un agente sin que conectara ningún agente."),
        # ---- CONTRACT.md section 8: operations
        KpiSpec("containment", "rec_contact", "channel IN ('chatbot', 'ivr')",
                "count(*) FILTER (WHERE NOT handed_off)", "0", "rate", True, "%",
                "Containment", "Contención",
                "Share of chatbot and IVR contacts never handed to an agent.",
                "Porcentaje de contactos de chatbot e IVR que nunca se derivaron a un agente."),
        KpiSpec("time_to_answer", "rec_handoff", "NOT abandoned", "sum(answer_minutes)",
                "sum(answer_minutes * answer_minutes)", "median", False, "minutes",
                "Time to answer", "Tiempo de respuesta",
                "Median minutes from the handoff request to the agent, for answered handoffs.",
                "Mediana de minutos desde la petición de traspaso hasta el agente, en traspasos atendidos.",
                value="answer_minutes"),
        KpiSpec("contact_volume", "rec_contact", "true", "count(*)", "0", "count", False, "contacts",
                "Contact volume", "Volumen de contactos",
                "Number of service contacts.", "Número de contactos de servicio."),
        KpiSpec("repeat_contact_rate", "rec_contact", "true", "count(*) FILTER (WHERE repeat_other_channel)", "0",
                "rate", False, "%", "Repeat contact on another channel", "Recontacto por otro canal",
                "Share of contacts followed within 7 days by another contact of the same person on another "
                "channel.",
                "Porcentaje de contactos seguidos en 7 días de otro contacto de la misma persona por otro canal."),
        KpiSpec("survey_response_rate", "rec_rated", "true", "count(*) FILTER (WHERE rated)", "0", "rate",
                True, "%", "Survey response rate", "Tasa de respuesta a encuestas",
                "Share of contacts and journeys rated by a survey response within 7 days.",
                "Porcentaje de contactos y journeys valorados por una respuesta de encuesta en 7 días."),
        # ---- CONTRACT.md section 8: churn (records per person and period, cxmetrics.metrics.churn)
        KpiSpec("churn_rate", "rec_churn_person", "true", "", "", "churn", False, "%",
                "Churn rate", "Tasa de bajas",
                "Share of the customers active in the period (no churn before it) who churned in it.",
                "Porcentaje de los clientes activos en el periodo (sin baja anterior) que se dieron de baja en él."),
        KpiSpec("churn_after_bad_experience", "rec_churn_person", "true", "", "", "churn", False, "%",
                "Churn after a bad experience", "Bajas tras una mala experiencia",
                "Share of active customers with a bad experience in the period (NPS <= 6, CSAT <= 2, CES <= 3, "
                "an abandoned handoff, a repeat contact) who churned within 30 days of the first one.",
                "Porcentaje de clientes activos con una mala experiencia en el periodo (NPS <= 6, CSAT <= 2, "
                "CES <= 3, un traspaso abandonado, un recontacto) que se dieron de baja en los 30 días siguientes."),
    )
}
# The six KPIs of CONTRACT.md section 4, in its order: what `cxm kpis` shows without --kpi.
KPI_ORDER: tuple[str, ...] = ("nps", "csat", "ces", "fcr", "journey_completion", "handoff_abandonment")
# The operations and churn KPIs of section 8, after them.
OPS_KPIS: tuple[str, ...] = tuple(k for k in KPIS if k not in KPI_ORDER)
ALL_KPIS: tuple[str, ...] = KPI_ORDER + OPS_KPIS


def check_kpis(names: Sequence[str] | None) -> list[str]:
    """The KPIs asked for, in registry order; none asked: the six of section 4."""
    if not names:
        return list(KPI_ORDER)
    for k in names:
        if k not in KPIS:
            raise UserError(f"unknown KPI '{k}' (choose from {', '.join(ALL_KPIS)})")
    return [k for k in ALL_KPIS if k in names]


def check_dims(by: Sequence[str]) -> list[str]:
    for d in by:
        if d not in DIMENSIONS:
            raise UserError(f"unknown dimension '{d}' (choose from {', '.join(DIMENSIONS)})")
    return list(dict.fromkeys(by))




_STD_COLS = "kpi, day, " + ", ".join(CATEGORICAL_DIMS) + ", n, s1, s2"


def record_stats_sql(spec: KpiSpec, where: str = "true", people: bool = False, day: str = "local_day(t)") -> str:
    """(kpi, day, dims, n, s1, s2) per day and dimensions; with ``people`` also ``np``, the
    records that have a person (the cube keeps it for k-anonymity). ``day`` is the SQL of
    the record's date: the query path's ``local_day`` macro, or the model build's own
    (``cxmetrics.metrics.timezones.day_sql``)."""
    np_col = ", count(person) AS np" if people else ""
    return f"""SELECT '{spec.name}' AS kpi, {day} AS day, {', '.join(CATEGORICAL_DIMS)},
        count(*) AS n, ({spec.s1})::DOUBLE AS s1, ({spec.s2})::DOUBLE AS s2{np_col}
        FROM {spec.record_table} WHERE {spec.where} AND {where} GROUP BY ALL"""
