"""The theme taxonomy file and its loader (cxmetrics.text.taxonomy)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmetrics.text.patterns import PatternError, parse
from cxmetrics.text.taxonomy import DEFAULT_PATH, TaxonomyError, load_taxonomy

EIGHT = (
    "billing",
    "coverage_outage",
    "device",
    "contract_price",
    "agent_attitude",
    "waiting_time",
    "bot_understanding",
    "repeat_contact",
)

GOOD = """\
version: 1
themes:
  - key: billing
    labels: {en: Billing, es: Facturación}
    description: Invoices and charges.
    patterns:
      es: [factura, cobr*]
      en: [bill, =paid]
  - key: device
    labels: {en: Devices, es: Dispositivos}
    description: Phones and routers.
    patterns:
      es: [router*, =deco]
      en: [router, new phone]
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "themes.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_the_shipped_taxonomy_has_the_eight_themes_in_order() -> None:
    tax = load_taxonomy()
    assert tax.version == 1
    assert tax.keys == EIGHT
    assert Path(tax.source) == DEFAULT_PATH
    assert DEFAULT_PATH == Path(__file__).resolve().parent.parent / "data" / "themes.yaml"
    for theme in tax.themes:
        assert theme.labels["en"] and theme.labels["es"]
        assert theme.description and "\n" not in theme.description
        assert theme.patterns["es"] and theme.patterns["en"]


def test_a_small_valid_file_loads(tmp_path: Path) -> None:
    tax = load_taxonomy(_write(tmp_path, GOOD))
    assert tax.keys == ("billing", "device")
    assert tax.theme("billing").label("es") == "Facturación"
    assert [p.text for p in tax.theme("device").patterns["en"]] == ["router", "new phone"]


def _mutate(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


BAD = [
    # (id, file text, words the message must contain)
    ("unknown top-level key", GOOD + "extra: 1\n", ["line 15", "unknown top-level key 'extra'"]),
    (
        "unknown theme key",
        _mutate("    description: Invoices", "    keywords: [x]\n    description: Invoices"),
        ["line 5", "theme 'billing'", "unknown key 'keywords'"],
    ),
    (
        "empty pattern list",
        _mutate("      es: [factura, cobr*]", "      es: []"),
        ["line 7", "theme 'billing'", "'es' pattern list is empty"],
    ),
    (
        "null pattern list",
        _mutate("      en: [router, new phone]", "      en:"),
        ["line 14", "theme 'device'", "'en' pattern list is empty"],
    ),
    (
        "missing language",
        _mutate("      en: [bill, =paid]\n", ""),
        ["theme 'billing'", "'en' pattern list is missing"],
    ),
    (
        "star inside a word",
        _mutate("factura, cobr*", "factura, co*br"),
        ["line 7", "theme 'billing'", "'co*br'", "'*' may only end a word"],
    ),
    (
        "star too short",
        _mutate("router*, =deco", "ro*, =deco"),
        ["line 13", "theme 'device'", "three letters"],
    ),
    (
        "gap at the end",
        _mutate("new phone]", "new phone ...]"),
        ["line 14", "theme 'device'", "'...' cannot end a pattern"],
    ),
    (
        "punctuation",
        _mutate("[bill, =paid]", "[bill!, =paid]"),
        ["line 8", "theme 'billing'", "not a word"],
    ),
    (
        "a list inside the list",
        _mutate("[bill, =paid]", "[bill, [paid]]"),
        ["line 8", "theme 'billing'", "must be a word or phrase"],
    ),
    (
        "same stem twice",
        _mutate("[factura, cobr*]", "[factura, facturas]"),
        ["line 7", "theme 'billing'", "'facturas' repeats line 7"],
    ),
    (
        "duplicate theme",
        _mutate("  - key: device", "  - key: billing"),
        ["line 9", "theme 'billing' is defined twice", "first on line 3"],
    ),
    ("reserved key", _mutate("key: device", "key: other"), ["line 9", "'other' is reserved"]),
    ("bad key", _mutate("key: device", "key: Device Stuff"), ["line 9", "lower-case letters"]),
    (
        "missing label",
        _mutate("{en: Devices, es: Dispositivos}", "{en: Devices}"),
        ["line 10", "theme 'device'", "'es' label is missing"],
    ),
    (
        "missing description",
        _mutate("    description: Phones and routers.\n", ""),
        ["theme 'device'", "'description' is missing"],
    ),
    (
        "duplicate mapping key",
        _mutate("      en: [bill, =paid]", "      en: [bill]\n      en: [=paid]"),
        ["line 9", "'en' appears twice", "first on line 8"],
    ),
    (
        "only context patterns",
        _mutate("[router*, =deco]", "[~router*, ~=deco]"),
        ["line 13", "theme 'device'", "only '~' context patterns"],
    ),
    (
        "context and plain twice",
        _mutate("[router*, =deco]", "[router*, ~router*]"),
        ["line 13", "theme 'device'", "'router*' repeats line 13"],
    ),
    (
        "context in an ignore list",
        GOOD.replace("themes:", "ignore:\n  es: [~a veces]\nthemes:"),
        ["line 3", "'~' (context) is only for theme patterns"],
    ),
    ("wrong version", _mutate("version: 1", "version: 2"), ["line 1", "version '2'"]),
    ("no version", _mutate("version: 1\n", ""), ["'version' is missing"]),
    ("no themes", "version: 1\nthemes: []\n", ["line 2", "non-empty list"]),
    ("not a mapping", "- just\n- a list\n", ["line 1", "must be a mapping"]),
    ("not YAML", "version: 1\nthemes: [\n", ["line", "not valid YAML"]),
]


@pytest.mark.parametrize(("text", "needles"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_wrong_file_raises_one_clear_sentence(
    tmp_path: Path, text: str, needles: list[str]
) -> None:
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(_write(tmp_path, text))
    msg = str(info.value)
    assert isinstance(info.value, ValueError)
    assert msg.startswith("themes.yaml")
    assert "\n" not in msg
    for needle in needles:
        assert needle in msg, (needle, msg)


def test_a_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="does not exist"):
        load_taxonomy(tmp_path / "nope.yaml")


def test_yaml_booleans_stay_words(tmp_path: Path) -> None:
    # "no", "yes", "on" are booleans to a normal YAML loader; here they are patterns.
    tax = load_taxonomy(_write(tmp_path, _mutate("[bill, =paid]", "[bill, =no, =on]")))
    assert [p.text for p in tax.theme("billing").patterns["en"]] == ["bill", "=no", "=on"]


@pytest.mark.parametrize(
    ("pattern", "kinds"),
    [
        ("factura", [("stem", "factur")]),
        ("Facturación", [("stem", "factur")]),
        ("reembols*", [("prefix", "reembols")]),
        ("=deco", [("exact", "deco")]),
        ("wi-fi", [("stem", "wi"), ("stem", "fi")]),
        ("👍", [("exact", "👍")]),
    ],
)
def test_pattern_words(pattern: str, kinds: list[tuple[str, str]]) -> None:
    assert [(w.kind, w.value) for w in parse(pattern, "es").words] == kinds


def test_pattern_gaps() -> None:
    p = parse("no ... funciona", "es")
    assert p.gaps == (0, 3)
    assert p.size == 2


@pytest.mark.parametrize("bad", ["", "  ", "a*", "=a*", "... x", "x ...", "x ... ... y", "x?"])
def test_bad_patterns(bad: str) -> None:
    with pytest.raises(PatternError):
        parse(bad, "es")


def test_context_patterns_load_with_their_flag(tmp_path: Path) -> None:
    tax = load_taxonomy(_write(tmp_path, _mutate("[router*, =deco]", "[router*, ~=deco]")))
    device = tax.theme("device")
    assert [p.text for p in device.patterns["es"]] == ["router*", "=deco"]
    assert device.context["es"] == (False, True)
    assert not device.is_context("en", 0)
    shipped = load_taxonomy().theme("agent_attitude")
    assert any(shipped.context["es"]) and any(shipped.context["en"])
