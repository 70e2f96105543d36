"""Speed of cxmetrics.text.analyze_many on distinct synthetic verbatims (never in CI).

    .venv/bin/python benchmarks/text_analyze.py [--n 100000] [--seed 1]

Builds N distinct verbatims of 5-40 words (Spanish and English, telco vocabulary mixed
with filler words, some HTML, emoji and quotes; a serial number makes each one unique so
no cache helps), then times, in this one process with cold caches: loading the
taxonomy and lexicons, and ``analyze_many`` over all texts. Python is single-threaded
here, so the figure is one core's; the CPU time of the process is printed beside the wall
time because other load on the machine inflates the wall time.
"""

from __future__ import annotations

import argparse
import random
import time

ES = (
    "la factura viene mal otra vez me han cobrado de más el router no funciona llevo tres "
    "días sin internet la fibra se corta cada tarde el agente fue muy amable pero no me "
    "solucionaron nada estuve cuarenta minutos en espera el chatbot no me entiende quiero "
    "hablar con una persona subieron la tarifa sin avisar la permanencia es abusiva el "
    "técnico no vino a la cita he llamado cinco veces por lo mismo todo perfecto gracias "
    "el móvil llegó con la pantalla rota no hay cobertura en mi casa la atención pésima"
).split()
EN = (
    "the bill is wrong again i was charged twice the router keeps dropping no signal at "
    "home the agent was rude and unhelpful i waited forty minutes on hold the bot did not "
    "understand me i want to speak to a human they raised the price without notice the "
    "engineer never showed up i had to call again five times great service thank you the "
    "new phone arrived broken fibre outage for two days not bad at all never again"
).split()
DECOR = ["", "", "", "", " 👍", " 😡😡", " <b>fatal</b>", ' "no existe"', " :(", " &amp; más"]


def make_texts(n: int, seed: int, min_words: int = 5, max_words: int = 40) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = ES if rng.random() < 0.6 else EN
        k = rng.randint(min_words, max_words)
        start = rng.randrange(len(words))
        body = " ".join(words[(start + j * rng.randint(1, 3)) % len(words)] for j in range(k))
        sep = rng.choice([". ", ", ", " "])
        out.append(f"{body}{sep}ref {i}{rng.choice(DECOR)}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-words", type=int, default=5)
    ap.add_argument("--max-words", type=int, default=40)
    args = ap.parse_args()
    texts = make_texts(args.n, args.seed, args.min_words, args.max_words)
    assert len(set(texts)) == len(texts)
    words = sum(len(t.split()) for t in texts)

    t0 = time.perf_counter()
    from cxmetrics.text import analyze, analyze_many

    analyze("warm-up: loads the taxonomy and the lexicons")
    t1 = time.perf_counter()
    c1 = time.process_time()
    result = analyze_many(texts)
    t2 = time.perf_counter()
    c2 = time.process_time()
    again = analyze_many(texts)
    t3 = time.perf_counter()
    assert result == again
    themes = {}
    for a in result:
        themes[a.theme] = themes.get(a.theme, 0) + 1
    print(f"texts: {len(texts):,} distinct, {words / len(texts):.1f} words on average")
    print(f"load taxonomy + lexicons: {t1 - t0:.2f} s")
    print(
        f"analyze_many, cold: {t2 - t1:.2f} s wall, {c2 - c1:.2f} s CPU of this process "
        f"({len(texts) / (c2 - c1):,.0f} texts per CPU second)"
    )
    print(f"analyze_many, same texts again (cached): {t3 - t2:.2f} s")
    print("primary themes:", dict(sorted(themes.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
