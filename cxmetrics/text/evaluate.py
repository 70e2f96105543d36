"""Accuracy of the theme and sentiment analysis on hand-labelled CSV files.

Usage::

    python -m cxmetrics.text.evaluate FILE.csv [FILE.csv ...] [--json] [--errors N]

Each CSV has the columns ``id,lang,text,themes,sentiment``: ``themes`` is ``;``-separated,
the first being the main theme, empty when none of the taxonomy's themes applies;
``sentiment`` is ``negative``, ``neutral`` or ``positive``. Rows are grouped by their
``lang`` column (the label, not the detected language), plus ``all``.

Per group:

- per theme precision, recall and F1: a theme counts as predicted when it is anywhere in
  ``Analysis.themes``, as true when it is anywhere in the row's ``themes``;
- theme macro-F1: the mean F1 over the themes that occur in the group's labels or
  predictions (a theme absent from both is left out, not counted as 1 or 0);
- primary-theme accuracy: the first true theme against ``Analysis.theme``; a row without
  a true theme is right only when the prediction is ``other``;
- sentiment accuracy, macro-F1 over the three classes, and the 3x3 confusion matrix
  (rows: true label, columns: predicted).

``--errors N`` also prints up to N misclassified rows per group (for tuning on dev data).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cxmetrics.text import analyze_many
from cxmetrics.text.sentiment import LABELS
from cxmetrics.text.taxonomy import OTHER, default_taxonomy, load_taxonomy

REQUIRED = ("id", "lang", "text", "themes", "sentiment")


class EvaluationInputError(ValueError):
    """A CSV that cannot be evaluated (missing columns, unknown labels)."""


@dataclass(frozen=True)
class Row:
    id: str
    lang: str
    text: str
    themes: tuple[str, ...]
    sentiment: str
    source: str


def read_rows(paths: Sequence[str | Path], keys: Sequence[str]) -> list[Row]:
    """All rows of the files, validated against the taxonomy keys and sentiment labels."""
    rows: list[Row] = []
    known = set(keys)
    for path in paths:
        p = Path(path)
        with p.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise EvaluationInputError(f"{p.name}: missing column(s) {', '.join(missing)}")
            for n, rec in enumerate(reader, start=2):
                themes = tuple(t.strip() for t in (rec["themes"] or "").split(";") if t.strip())
                unknown = [t for t in themes if t not in known]
                if unknown:
                    raise EvaluationInputError(
                        f"{p.name} line {n}: unknown theme(s) {', '.join(unknown)}"
                    )
                sent = (rec["sentiment"] or "").strip().lower()
                if sent not in LABELS:
                    raise EvaluationInputError(
                        f"{p.name} line {n}: sentiment {rec['sentiment']!r} is not one of "
                        f"{', '.join(LABELS)}"
                    )
                rows.append(
                    Row(
                        id=(rec["id"] or "").strip(),
                        lang=(rec["lang"] or "").strip().lower() or "?",
                        text=rec["text"] or "",
                        themes=themes,
                        sentiment=sent,
                        source=p.name,
                    )
                )
    return rows


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def evaluate_rows(rows: Sequence[Row], keys: Sequence[str], taxonomy=None) -> dict:
    """The metrics per ``lang`` group and for ``all`` (see the module docstring)."""
    analyses = analyze_many([r.text for r in rows], taxonomy=taxonomy)
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(r.lang, []).append(i)
    order = sorted(groups)
    if len(order) > 1:
        groups["all"] = list(range(len(rows)))
        order.append("all")
    out: dict = {}
    for g in order:
        idx = groups[g]
        per_theme: dict[str, dict] = {}
        f1s = []
        for k in keys:
            tp = fp = fn = 0
            for i in idx:
                t = k in rows[i].themes
                p = k in analyses[i].themes
                tp += t and p
                fp += p and not t
                fn += t and not p
            m = _prf(tp, fp, fn)
            m["support"] = tp + fn
            m["predicted"] = tp + fp
            per_theme[k] = m
            if tp + fn or tp + fp:
                f1s.append(m["f1"])
        primary_ok = 0
        for i in idx:
            true_main = rows[i].themes[0] if rows[i].themes else OTHER
            primary_ok += analyses[i].theme == true_main
        cm = {t: dict.fromkeys(LABELS, 0) for t in LABELS}
        for i in idx:
            cm[rows[i].sentiment][analyses[i].sentiment] += 1
        sent_ok = sum(cm[t][t] for t in LABELS)
        sent_f1 = []
        for c in LABELS:
            tp = cm[c][c]
            fp = sum(cm[t][c] for t in LABELS if t != c)
            fn = sum(cm[c][p] for p in LABELS if p != c)
            sent_f1.append(_prf(tp, fp, fn)["f1"])
        n = len(idx)
        out[g] = {
            "rows": n,
            "themes": per_theme,
            "theme_macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
            "primary_accuracy": round(primary_ok / n, 4) if n else 0.0,
            "sentiment_accuracy": round(sent_ok / n, 4) if n else 0.0,
            "sentiment_macro_f1": round(sum(sent_f1) / 3, 4),
            "sentiment_confusion": cm,
            "_errors": [
                {
                    "id": rows[i].id,
                    "text": rows[i].text,
                    "true_themes": list(rows[i].themes),
                    "pred_themes": list(analyses[i].themes),
                    "pred_theme": analyses[i].theme,
                    "true_sentiment": rows[i].sentiment,
                    "pred_sentiment": analyses[i].sentiment,
                    "score": analyses[i].sentiment_score,
                }
                for i in idx
                if analyses[i].theme != (rows[i].themes[0] if rows[i].themes else OTHER)
                or set(analyses[i].themes) != set(rows[i].themes)
                or analyses[i].sentiment != rows[i].sentiment
            ],
        }
    return out


def format_report(result: dict, errors: int = 0) -> str:
    lines: list[str] = []
    for g, m in result.items():
        lines.append(f"== {g}: {m['rows']} rows")
        lines.append(f"{'theme':<20}{'prec':>7}{'recall':>8}{'F1':>7}{'support':>9}{'pred':>6}")
        for k, t in m["themes"].items():
            lines.append(
                f"{k:<20}{t['precision']:>7.3f}{t['recall']:>8.3f}{t['f1']:>7.3f}"
                f"{t['support']:>9}{t['predicted']:>6}"
            )
        lines.append(f"theme macro-F1        {m['theme_macro_f1']:.3f}")
        lines.append(f"primary-theme accuracy {m['primary_accuracy']:.3f}")
        lines.append(f"sentiment accuracy    {m['sentiment_accuracy']:.3f}")
        lines.append(f"sentiment macro-F1    {m['sentiment_macro_f1']:.3f}")
        lines.append("confusion (rows true, columns predicted):")
        lines.append(f"{'':<10}" + "".join(f"{c:>10}" for c in LABELS))
        for t in LABELS:
            lines.append(
                f"{t:<10}" + "".join(f"{m['sentiment_confusion'][t][p]:>10}" for p in LABELS)
            )
        if errors and g != "all":
            lines.append(f"errors (first {errors}):")
            for e in m["_errors"][:errors]:
                lines.append(
                    f"  {e['id']}: {e['text'][:110]!r}\n"
                    f"      themes {';'.join(e['true_themes']) or '-'} -> "
                    f"{e['pred_theme']} [{';'.join(e['pred_themes'])}]   sentiment "
                    f"{e['true_sentiment']} -> {e['pred_sentiment']} ({e['score']:+.2f})"
                )
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m cxmetrics.text.evaluate",
        description="Per-language theme and sentiment accuracy on labelled CSV files.",
    )
    ap.add_argument("files", nargs="+", help="CSV files with columns id,lang,text,themes,sentiment")
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ap.add_argument("--errors", type=int, default=0, help="also print N misclassified rows")
    ap.add_argument("--taxonomy", help="a themes file (default data/themes.yaml)")
    args = ap.parse_args(argv)
    try:
        tax = load_taxonomy(args.taxonomy) if args.taxonomy else default_taxonomy()
        rows = read_rows(args.files, tax.keys)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = evaluate_rows(rows, tax.keys, taxonomy=tax)
    if args.json:
        for m in result.values():
            errs = m.pop("_errors")
            if args.errors:
                m["errors"] = errs[: args.errors]
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_report(result, args.errors))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
