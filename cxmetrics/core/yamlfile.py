"""YAML files that people edit (OKRs, routing): parsed once with the lines kept, so a
validation error can name the line it is about."""

from __future__ import annotations

from typing import Any

import yaml

from cxmetrics.core.errors import UserError


def parse(text: str, label: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers) and its data; bad YAML is one UserError
    naming ``label`` (the file) and the line."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise UserError(f"{label}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None


def _lines(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    """Each path of the YAML document (keys and list indexes) -> its 1-based line."""
    out = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out.update(_lines(value, (*path, key.value)))
            out[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_lines(item, (*path, i)))
    return out


def line_of(node: yaml.Node | None, loc: tuple) -> int:
    """The line of a validation error's location (pydantic's ``loc``): the deepest part of
    it that is in the document (a missing field: its parent's line); 1 without a document."""
    lines = _lines(node) if node is not None else {}
    probe = tuple(loc)
    while probe and probe not in lines:
        probe = probe[:-1]
    return lines.get(probe, 1)
