"""Who owns a closed-loop case, by when it is due and what to do: ``data/routing.yaml``.

The file (``CXM_ROUTING_PATH``) holds ordered ``rules`` and a mandatory ``default``. A
case (a detractor response, docs/metrics.md "Cases") takes the first rule whose
conditions all match its ``channel``, ``intent`` and ``segment`` (each a value or a list
of alternatives; a condition left out matches anything), else the default. A rule gives
the case's ``owner`` (a person's email or name, or a team), ``sla_hours`` (the case is
due that many hours after the response) and a ``playbook`` in English and Spanish.

The file is validated on load: any problem is one ``UserError`` naming the file, the line,
the rule (1-based, with its id) and the field. It is re-read when it changes (keyed by
modification time and size), so an edit applies to the cases opened after it; cases
already open keep their owner and due time (the playbook shown is the current one).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cxmetrics.core import yamlfile
from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.ingest.schema import CHANNELS, SEGMENTS

CONDITIONS = ("channel", "intent", "segment")
# Case dimensions come from the response's record (section 4): missing values are 'unknown'.
CLOSED = {"channel": (*CHANNELS, "unknown"), "segment": (*SEGMENTS, "unknown")}
MAX_SLA_HOURS = 24 * 90


class Playbook(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    en: str
    es: str

    @field_validator("en", "es")
    @classmethod
    def _text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the playbook text is empty")
        return v.strip()

    def text(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


class Target(BaseModel):
    """What a matching rule (or the default) assigns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    owner: str
    sla_hours: float = Field(gt=0, le=MAX_SLA_HOURS)
    playbook: Playbook

    @field_validator("owner")
    @classmethod
    def _owner(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the owner is empty")
        return v.strip()


def _values(field: str, v: Any) -> Any:
    if v is None:
        return None
    values = v if isinstance(v, list) else [v]
    if not values:
        raise ValueError("an empty list matches nothing: leave the condition out to match anything")
    out = []
    for x in values:
        if not isinstance(x, str | int) or not str(x).strip():
            raise ValueError(f"'{x}' is not a value")
        s = str(x).strip()
        allowed = CLOSED.get(field)
        if allowed is not None and s not in allowed:
            raise ValueError(f"'{s}' is not a {field} (use one of {', '.join(allowed)})")
        out.append(s)
    return tuple(out)


class Rule(Target):
    id: str | None = None
    channel: tuple[str, ...] | None = None
    intent: tuple[str, ...] | None = None
    segment: tuple[str, ...] | None = None

    @field_validator("channel", "intent", "segment", mode="before")
    @classmethod
    def _conditions(cls, v: Any, info: Any) -> Any:
        return _values(info.field_name, v)

    @model_validator(mode="after")
    def _has_condition(self) -> Rule:
        if all(getattr(self, c) is None for c in CONDITIONS):
            raise ValueError("the rule has no channel, intent or segment: write the catch-all as 'default'")
        return self

    def matches(self, channel: str, intent: str, segment: str) -> bool:
        case = {"channel": channel, "intent": intent, "segment": segment}
        return all(getattr(self, c) is None or case[c] in getattr(self, c) for c in CONDITIONS)


class RoutingFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    rules: list[Rule] = Field(default_factory=list)
    default: Target

    @model_validator(mode="after")
    def _unique_ids(self) -> RoutingFile:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id is not None:
                if rule.id in seen:
                    raise ValueError(f"the rule id '{rule.id}' is used twice")
                seen.add(rule.id)
        return self


@dataclass(frozen=True)
class Route:
    """Where one case goes: ``rule`` is the matching rule's id (``rule N`` without one,
    1-based) or ``default``."""

    rule: str
    owner: str
    sla_hours: float
    playbook: Playbook


class Routing:
    """A validated routing file: ``route`` a case's dimensions, list the ``owners``."""

    def __init__(self, spec: RoutingFile, path: str = ""):
        self.spec = spec
        self.path = path

    def route(self, channel: str | None, intent: str | None, segment: str | None) -> Route:
        c, i, s = (v if v else "unknown" for v in (channel, intent, segment))
        for n, rule in enumerate(self.spec.rules, start=1):
            if rule.matches(c, i, s):
                return Route(rule.id or f"rule {n}", rule.owner, rule.sla_hours, rule.playbook)
        d = self.spec.default
        return Route("default", d.owner, d.sla_hours, d.playbook)

    def owners(self) -> list[str]:
        """Every owner the file names, in file order (the default's last), once each."""
        return list(dict.fromkeys([r.owner for r in self.spec.rules] + [self.spec.default.owner]))


# --------------------------------------------------------------------------- loading


def _where(loc: tuple, data: dict) -> str:
    """'rule 3 ('retention'), sla_hours' / 'default, owner' / 'version' for an error location."""
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = data.get("rules") or []
        rid = rules[loc[1]].get("id") if loc[1] < len(rules) and isinstance(rules[loc[1]], dict) else None
        head = f"rule {loc[1] + 1}" + (f" ('{rid}')" if rid else "")
        rest = [str(p) for p in loc[2:] if not isinstance(p, int)]
        return head + (f", {'.'.join(rest)}" if rest else "")
    names = [str(p) for p in loc if not isinstance(p, int)]
    if not names:
        return "(file)"
    return names[0] + (f", {'.'.join(names[1:])}" if names[1:] else "")


def load_routing(path: Path | str | None = None) -> Routing:
    """The routing file (default ``CXM_ROUTING_PATH``), validated; re-read when it changes."""
    p = Path(path) if path is not None else get_settings().routing_path
    try:
        stat = p.stat()
    except FileNotFoundError:
        raise UserError(f"{p}: the routing file does not exist (see data/routing.yaml) or set CXM_ROUTING_PATH") from None
    return _load(str(p), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int, _size: int) -> Routing:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: the routing file cannot be read ({exc})") from None
    node, data = yamlfile.parse(text, path)
    if not isinstance(data, dict):
        raise UserError(f"{path}, line 1: the routing file must be a mapping with 'rules' and 'default'")
    if "default" not in data:
        raise UserError(f"{path}: 'default' is missing: every case needs an owner, so give a catch-all "
                        "default (owner, sla_hours, playbook)")
    try:
        spec = RoutingFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "is missing"
        elif err["type"] == "extra_forbidden":
            msg = f"is not a field (a rule has id, {', '.join(CONDITIONS)}, owner, sla_hours, playbook)"
        raise UserError(f"{path}, line {yamlfile.line_of(node, loc)}: {_where(loc, data)}: {msg}") from None
    return Routing(spec, path)
