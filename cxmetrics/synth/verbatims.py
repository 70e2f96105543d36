"""The demo's verbatims: what customers write, by theme, tone and language.

Every text is labelled by construction (its theme and sentiment are the story's), so
the Voice of the customer page has something true to show: outage complaints in the
outage region and days, "the bot did not understand me / nobody answered" after an
abandoned handoff, repeat-contact complaints after an unresolved contact. The labels
here are the generator's intent, not the product's classification: the classifier
(``cxmetrics.text``) reads only the text, and its accuracy is measured on a separate,
hand-labelled corpus (docs/metrics.md).
"""

from __future__ import annotations

import numpy as np

# theme -> sentiment -> language -> texts
BANK: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "billing": {
        "negative": {
            "es": ("Me han cobrado de más en la factura y nadie me lo explica.",
                   "La factura de este mes viene con cargos que no reconozco.",
                   "Otra vez un recargo en el recibo sin avisar.",
                   "Pagué dos veces la misma factura y aún espero la devolución."),
            "en": ("I was overcharged on my bill and nobody can explain why.",
                   "There are charges on this month's invoice I never agreed to."),
        },
        "neutral": {"es": ("He revisado la factura, parece correcta aunque cuesta entenderla.",),
                    "en": ("The invoice looks right, it is just hard to read.",)},
        "positive": {"es": ("Me corrigieron la factura enseguida, gracias.",),
                     "en": ("They fixed the billing error straight away.",)},
    },
    "coverage_outage": {
        "negative": {
            "es": ("Me quedé sin internet varios días y nadie avisó.",
                   "Sin fibra durante la avería y sin información clara.",
                   "La avería duró días y no hubo ninguna compensación.",
                   "No tengo cobertura en casa desde hace una semana."),
            "en": ("Outage for days, no updates, no compensation.",
                   "The outage map said everything was fine when it was not."),
        },
        "neutral": {"es": ("La conexión va y viene, pero de momento funciona.",),
                    "en": ("Signal is patchy at home but it works.",)},
        "positive": {"es": ("La fibra va genial, ni un corte en meses.",),
                     "en": ("Great coverage everywhere I go.",)},
    },
    "device": {
        "negative": {
            "es": ("El router nuevo se reinicia solo cada poco.",
                   "El móvil que me enviaron llegó roto.",
                   "El descodificador no funciona desde la actualización."),
            "en": ("The new phone arrived with a cracked screen.",
                   "My router keeps dropping the connection."),
        },
        "neutral": {"es": ("El terminal llegó bien, aunque tardó un poco.",),
                    "en": ("The handset arrived, a bit later than promised.",)},
        "positive": {"es": ("El móvil nuevo llegó al día siguiente, perfecto.",),
                     "en": ("Swapping the router was quick and easy.",)},
    },
    "contract_price": {
        "negative": {
            "es": ("Demasiado caro para lo que ofrecen.",
                   "Me han subido la tarifa sin avisar.",
                   "Quiero darme de baja y me ponen mil trabas con la permanencia."),
            "en": ("Prices keep going up and the service does not improve.",
                   "Cancelling my contract should not be this hard."),
        },
        "neutral": {"es": ("La tarifa está bien, aunque en otras compañías es más barata.",),
                    "en": ("The plan is fine, though competitors are cheaper.",)},
        "positive": {"es": ("Todo perfecto con la nueva tarifa.",),
                     "en": ("Good price for what I get.",)},
    },
    "agent_attitude": {
        "negative": {
            "es": ("El agente fue muy borde y no quiso ayudarme.",
                   "La persona que me atendió no tenía ni idea."),
            "en": ("The agent was rude and did not care.",),
        },
        "neutral": {"es": ("El agente fue correcto, sin más.",),
                    "en": ("The agent was polite, nothing special.",)},
        "positive": {"es": ("El agente fue muy amable y resolutivo.",
                            "Muy buena atención, me lo resolvieron a la primera."),
                     "en": ("Great service, the agent solved it on the first call.",
                            "Fast and friendly, thanks!")},
    },
    "waiting_time": {
        "negative": {
            "es": ("Pedí hablar con un agente, esperé veinte minutos y se cortó.",
                   "Más de media hora esperando a que alguien me atendiera."),
            "en": ("I asked for a human and waited forever.",
                   "Forty minutes on hold before anyone answered."),
        },
        "neutral": {"es": ("Correcto, aunque tardaron un poco en atenderme.",),
                    "en": ("It worked in the end, took a while.",)},
        "positive": {"es": ("Me atendieron en menos de un minuto.",),
                     "en": ("No waiting at all, brilliant.",)},
    },
    "bot_understanding": {
        "negative": {
            "es": ("El chatbot no me entendía y nunca me pasó con una persona.",
                   "El asistente virtual me hacía dar vueltas sin salida.",
                   "El bot no entendía nada de lo que le escribía."),
            "en": ("The bot kept looping and I never reached an agent.",
                   "The chatbot did not understand my question at all."),
        },
        "neutral": {"es": ("El asistente virtual me dio la información, aunque costó.",),
                    "en": ("The chatbot got there in the end.",)},
        "positive": {"es": ("El asistente virtual me lo resolvió en un momento.",),
                     "en": ("The chatbot sorted it out in seconds.",)},
    },
    "repeat_contact": {
        "negative": {
            "es": ("Tuve que llamar otra vez porque no lo resolvieron.",
                   "Es la tercera vez que contacto por lo mismo.",
                   "Me prometieron una llamada que nunca llegó."),
            "en": ("Had to call back because the first agent did not fix it.",
                   "They promised a callback that never came."),
        },
        "neutral": {"es": ("Al segundo intento me lo solucionaron.",),
                    "en": ("Second call did it.",)},
        "positive": {"es": ("Me llamaron de vuelta como prometieron.",),
                     "en": ("They called me back exactly when they said.",)},
    },
    "other": {
        "negative": {
            "es": ("La web se quedó colgada en el formulario.",
                   "Demasiados pasos solo para ver una cosa."),
            "en": ("The checkout kept failing on my phone.",
                   "Too many steps just to compare plans."),
        },
        "neutral": {"es": ("Normal, ni bien ni mal.",),
                    "en": ("Ok, nothing special.",)},
        "positive": {"es": ("Rápido y sencillo, gracias.", "Me reconocieron sin tener que identificarme, genial."),
                     "en": ("The app made it really easy.",)},
    },
}
THEMES: tuple[str, ...] = tuple(BANK)
SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")
LANGS: tuple[str, ...] = ("es", "en")
SPANISH_SHARE = 0.7

# Flat table: VERBATIMS[i] is a text; groups index it by (theme, sentiment, lang).
VERBATIMS: tuple[str, ...] = tuple(
    text for theme in THEMES for s in SENTIMENTS for lang in LANGS for text in BANK[theme][s][lang]
)
_OFF = np.zeros((len(THEMES), len(SENTIMENTS), len(LANGS)), np.int64)
_LEN = np.zeros((len(THEMES), len(SENTIMENTS), len(LANGS)), np.int64)
_i = 0
for _a, _theme in enumerate(THEMES):
    for _b, _s in enumerate(SENTIMENTS):
        for _c, _lang in enumerate(LANGS):
            _OFF[_a, _b, _c], _LEN[_a, _b, _c] = _i, len(BANK[_theme][_s][_lang])
            _i += _LEN[_a, _b, _c]
assert (_LEN > 0).all(), "every theme, tone and language needs at least one text"
THEME_CODE = {t: i for i, t in enumerate(THEMES)}


def pick(rng: np.random.Generator, theme: np.ndarray, sentiment: np.ndarray) -> np.ndarray:
    """One text index per response: ``theme`` and ``sentiment`` are codes (THEMES,
    SENTIMENTS order); the language is Spanish with probability SPANISH_SHARE."""
    lang = (rng.random(len(theme)) >= SPANISH_SHARE).astype(np.int64)
    k = _LEN[theme, sentiment, lang]
    return _OFF[theme, sentiment, lang] + (rng.random(len(theme)) * k).astype(np.int64)
