"""Load YAML into pydantic models; every error names the file and the YAML line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from vigil.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def _node_for(root: yaml.Node | None, loc: Sequence[int | str]) -> yaml.Node | None:
    """Walk the composed YAML tree along a pydantic error location.

    Returns the deepest node reached: the value for a bad value, the key for an
    unknown key, the enclosing mapping for a missing key.
    """
    node = root
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(key)]
            if not match:
                return node
            _, v = match[0]
            node = v
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
        else:
            return node
    return node


def format_validation_error(err: ValidationError, source: str, root: yaml.Node | None) -> str:
    """One line per problem: ``file:line: key.path: message``."""
    lines = []
    errors = err.errors()
    all_locs = [tuple(e["loc"]) for e in errors]
    for e in errors:
        if e["type"] == "too_short" and any(len(o) > len(e["loc"]) and o[: len(e["loc"])] == e["loc"] for o in all_locs):
            continue  # a list whose item failed also reports itself as too short: say it once
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        node = _node_for(root, loc)
        line = f"{node.start_mark.line + 1}" if node is not None else "?"
        where = ".".join(str(p) for p in loc) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{source}:{line}: {where}: {msg}")
    return "; ".join(lines)


def parse_yaml(text: str, model: type[M], source: str = "<config>") -> M:
    """Validate YAML text into ``model``; raise ConfigError naming the line on any problem."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f"{mark.line + 1}" if mark is not None else "?"
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(f"{source}:{line}: invalid YAML: {problem}") from e
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: the top level must be a mapping of keys, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_validation_error(e, source, root)) from e


def load_yaml(path: str | Path, model: type[M]) -> M:
    """Read and validate a YAML config file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(f"{p}: config file not found") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{p}: cannot read config file: {e}") from e
    return parse_yaml(text, model, source=str(p))
