"""YAML reading for the taxonomy and the lexicons: every scalar a string, with its line.

PyYAML's normal loaders turn ``no``, ``yes``, ``on`` or ``off`` into booleans (a Spanish
negator list would lose ``no``) and silently keep the last of two equal mapping keys.
Here the document is composed into nodes and converted by hand: scalars become ``Str``
(a ``str`` that knows its 1-based line), mappings ``Map`` (a ``dict`` with ``line`` and
``key_lines``; a repeated key is an error), sequences ``Seq`` (a ``list`` with ``line``).
"""

from __future__ import annotations

from pathlib import Path

import yaml


class Str(str):
    """A YAML scalar as text, with the line it is on (1-based)."""

    line: int = 0


class Map(dict):
    """A YAML mapping with its line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


class Seq(list):
    """A YAML sequence with its line."""

    line: int = 0


class YamlShapeError(ValueError):
    """Raised by ``read`` for a file that is not YAML or repeats a key; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _convert(node: yaml.Node) -> Str | Map | Seq:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        s = Str(node.value)
        s.line = line
        return s
    if isinstance(node, yaml.SequenceNode):
        seq = Seq(_convert(n) for n in node.value)
        seq.line = line
        return seq
    if isinstance(node, yaml.MappingNode):
        m = Map()
        m.line = line
        m.key_lines = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise YamlShapeError(
                    f"line {knode.start_mark.line + 1}: a key must be a plain word", line
                )
            key = knode.value
            kline = knode.start_mark.line + 1
            if key in m:
                raise YamlShapeError(
                    f"line {kline}: the key {key!r} appears twice in the same block "
                    f"(first on line {m.key_lines[key]})",
                    kline,
                )
            m[key] = _convert(vnode)
            m.key_lines[key] = kline
        return m
    raise YamlShapeError(f"line {line}: unsupported YAML node", line)  # pragma: no cover


def read(path: Path) -> Str | Map | Seq | None:
    """The document at ``path`` as ``Str``/``Map``/``Seq``; ``None`` for an empty file."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        what = (exc.problem or "invalid YAML").strip()
        raise YamlShapeError(f"line {line}: not valid YAML ({what})", line) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise YamlShapeError(f"not valid YAML ({exc})", 0) from None
    if node is None:
        return None
    return _convert(node)


def line_of(value: object, default: int = 0) -> int:
    """The line a converted value came from (``default`` for plain Python values)."""
    return int(getattr(value, "line", default) or default)
