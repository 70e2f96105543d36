"""Spanish and English stopword lists, written for this package (accent-folded, lower case).

Two uses:

- ``ES`` / ``EN``: function words dropped from emerging-phrase n-grams (``discovery``).
- ``ES_MARKERS`` / ``EN_MARKERS``: the subset that is frequent in one language and rare in
  the other, counted by the language detector (``normalize.detect_lang``). Words that are
  common in both languages ("no", "a", "me", "he", "con" ...) are left out of the markers.

All entries are accent-folded ("mas", not "más") because they are compared with folded
tokens.
"""

from __future__ import annotations

ES_MARKERS: frozenset[str] = frozenset(
    """
    de la que el en y los del se las por un para con una su al lo como mas pero sus le ya
    o fue este ha si porque esta son entre cuando muy sin sobre tambien hasta hay donde quien
    desde todo nos durante todos uno les ni contra otros ese eso ante ellos e esto antes
    algunos unos yo otro otras otra tanto esa estos mucho quienes nada muchos cual poco ella
    estar estas algunas algo nosotros mis tu te ti tus ellas nosotras vosotros os mio mia
    tuyo suyo nuestro vuestro esos esas estoy estas estamos estan este esten estaba estaban
    estuve estuvo han hemos habia habian hace hacer hecho tengo tiene tienen tenemos tenia
    puedo puede pueden ser soy eres es era eran sido siempre nunca jamas ahora aqui alli
    porque pues luego despues bien mal tambien tampoco cada ningun ninguna ninguno vez veces
    dias hoy ayer manana llevo llevan me han dicho dijeron hablar llamar llame llamado
    que el ella usted ustedes gracias hola vale nadie
    """.split()
) - {"me", "he", "a", "no", "con", "son", "sin", "e", "o", "mi", "ha", "ya"}

EN_MARKERS: frozenset[str] = frozenset(
    """
    the and to of i it is was in for my that not with on they have you this but be are
    at or had has been were would will can could should their them there what which who
    when where why how all any some more most than then just only very too also after
    before because about into over again still even ever never nothing anything something
    your yours our we us he she his her its it's i'm i've don't didn't doesn't isn't wasn't
    can't won't couldn't dont didnt doesnt isnt wasnt cant wont couldnt do does did get got
    told said called call waiting wait from out up down off an by if so no yes thank thanks
    please time times day days week weeks month months hours minutes still really
    """.split()
) - {"no", "me", "he"}

ES: frozenset[str] = frozenset(
    """
    a al algo algun alguna algunas alguno algunos ante antes aquel aquella aquellas aquellos
    aqui asi aun aunque cada casi como con contra cual cuales cualquier cuando cuanto de del
    desde donde dos durante e el ella ellas ello ellos en entre era eramos eran eras eres es
    esa esas ese eso esos esta estaba estabamos estaban estado estais estamos estan estar
    estas este esto estos estoy estuve estuvo fue fueron fui fuimos ha habeis habia habian
    han has hasta hay he hemos hube hubo la las le les lo los me mi mia mias mio mios mis
    muy nos nosotras nosotros nuestra nuestras nuestro nuestros o os otra otras otro otros
    para pero poco por porque pues que quien quienes se sea sean ser si sido siendo sino
    sobre sois somos son soy su sus suya suyas suyo suyos tambien tanto te tenemos tener
    tengo ti tiene tienen toda todas todo todos tu tus un una unas uno unos usted ustedes
    vosotras vosotros vuestra vuestro y ya yo ademas entonces luego alli ahi hace hacer
    hecho he vez veces ok vale bueno pues
    """.split()
)

EN: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself nor now of off on once only or other
    our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your yours yourself
    yourselves i'm i've i'd i'll it's that's there's they're we're you're ok okay also
    still even got get gets getting us let
    """.split()
)

__all__ = ["EN", "EN_MARKERS", "ES", "ES_MARKERS"]
