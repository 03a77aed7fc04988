"""What each rule type takes, for building rule forms: read off the rule config models.

Everything here comes from `vigil.config.analytics` (the JSON schema pydantic makes of each
rule model, the declared field types and the field descriptions), so it cannot drift from
what PUT /api/cameras/{id}/geometry and the config file accept:

- type, default, bounds, choices: the field's JSON schema;
- unit: ``s`` for fields declared as ``Seconds``/``PositiveSeconds`` or described as
  "Seconds ..."; ``bh/s`` or ``bh`` (``m/s`` / ``m`` on a calibrated camera) for fields whose
  description gives them in body heights;
- the value a null length or speed stands for: the "default 1.4 bh/s" of its description;
- whether the rule needs a zone or a line: whether it has a ``zone``/``line`` field, and
  whether that field is required.
"""

from __future__ import annotations

import re
import typing
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from vigil.config.analytics import (
    NOMINAL_BODY_HEIGHT_M,
    PositiveSeconds,
    RuleConfig,
    Seconds,
)
from vigil.detect.classes import COCO_CLASSES

ParamType = Literal["number", "integer", "boolean", "string", "array", "object"]
Need = Literal["required", "optional", "none"]

UNITS: dict[str, str] = {
    "s": "seconds",
    "bh": "body heights (the height of a person where they stand)",
    "bh/s": "body heights per second",
    "m": "metres (calibrated cameras)",
    "m/s": "metres per second (calibrated cameras)",
}
_CALIBRATED = {"bh": "m", "bh/s": "m/s"}
_SPEED = re.compile(r"\bbh/s\b")
_LENGTH = re.compile(r"\bbh\b(?!/)")
_NULL_DEFAULT = re.compile(r"\b[Dd]efault:? (\d+(?:\.\d+)?) ?bh(?:/s)?\b")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class RuleParamOut(_Out):
    """One parameter of a rule type."""

    name: str
    type: ParamType = Field(description="JSON type of the value (null aside, see `nullable`).")
    item_type: str | None = Field(description="For arrays: the JSON type of the items.")
    required: bool = Field(description="The rule is refused without it.")
    nullable: bool = Field(description="null is accepted: 'unset', the rule's default behaviour.")
    default: JsonValue = Field(description="The value taken when the parameter is left out.")
    default_when_null: float | None = Field(
        description="The value a null length or speed stands for, in `unit` (uncalibrated camera)."
    )
    default_when_null_calibrated: float | None = Field(
        description="The same in `unit_calibrated` (a nominal body height of 1.7 m)."
    )
    minimum: float | None
    exclusive_minimum: float | None
    maximum: float | None
    exclusive_maximum: float | None
    min_items: int | None
    max_items: int | None
    min_length: int | None
    max_length: int | None
    pattern: str | None
    choices: list[str] | None = Field(description="The accepted values (for arrays: of each item).")
    unit: str | None = Field(description="s, bh or bh/s (see `units`); null: a count, share, ratio or name.")
    unit_calibrated: str | None = Field(description="The unit on a calibrated camera (m, m/s); null: as `unit`.")
    refers_to: Literal["zone", "line"] | None = Field(
        description="The value is the name of one of the camera's zones or lines."
    )
    description: str
    json_schema: dict[str, JsonValue] | None = Field(
        description="For objects (active_hours): the parameter's JSON schema, references inlined."
    )


class RuleTypeOut(_Out):
    """One rule type: what it detects and the parameters it takes."""

    type: str = Field(description="The value of the rule's `type`.")
    description: str
    zone: Need = Field(description="Whether the rule needs a zone (optional: the whole frame without one).")
    line: Need = Field(description="Whether the rule needs a line.")
    params: list[RuleParamOut] = Field(description="Every parameter but `type`, in the config's order.")


class RuleSchemaOut(_Out):
    """Every rule type with its parameters, as the config file and the geometry PUT take them."""

    units: dict[str, str] = Field(description="What each unit means.")
    body_height_m: float = Field(description="Metres per body height, to convert defaults on calibrated cameras.")
    rules: list[RuleTypeOut]


def rule_models() -> list[type[BaseModel]]:
    """The models of the `RuleConfig` union, in its order."""
    union = typing.get_args(RuleConfig)[0]
    return list(typing.get_args(union))


@cache
def rule_schema() -> RuleSchemaOut:
    return RuleSchemaOut(
        units=UNITS, body_height_m=NOMINAL_BODY_HEIGHT_M, rules=[describe_rule(m) for m in rule_models()]
    )


def describe_rule(model: type[BaseModel]) -> RuleTypeOut:
    schema = model.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    hints = typing.get_type_hints(model, include_extras=True)
    params = [
        _param(name, _inline(prop, defs), name in required, hints.get(name))
        for name, prop in schema["properties"].items()
        if name != "type"
    ]
    return RuleTypeOut(
        type=schema["properties"]["type"]["const"],
        description=" ".join((model.__doc__ or "").replace("``", "").split()),
        zone=_need(params, "zone"),
        line=_need(params, "line"),
        params=params,
    )


def _need(params: list[RuleParamOut], name: str) -> Need:
    found = next((p for p in params if p.name == name), None)
    if found is None:
        return "none"
    return "required" if found.required else "optional"


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """`node` with every ``{"$ref": "#/$defs/X"}`` replaced by X (the rule models have no cycles)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _param(name: str, prop: dict[str, Any], required: bool, hint: object) -> RuleParamOut:
    variants = prop.get("anyOf", [prop])
    nullable = any(v.get("type") == "null" for v in variants)
    value: dict[str, Any] = next((v for v in variants if v.get("type") != "null"), {})
    kind: ParamType = value.get("type", "object")
    items = value.get("items", {})
    description = " ".join(str(prop.get("description", "")).split())
    unit = _unit(kind, hint, description)
    null_default = None
    if nullable and unit in _CALIBRATED and (m := _NULL_DEFAULT.search(description)):
        null_default = float(m.group(1))
    choices = value.get("enum") or items.get("enum")
    if name == "classes":  # the config checks class names against COCO (its `_check_classes`)
        choices = list(COCO_CLASSES)
    return RuleParamOut(
        name=name, type=kind, item_type=items.get("type"), required=required, nullable=nullable,
        default=prop.get("default"), default_when_null=null_default,
        default_when_null_calibrated=None if null_default is None else round(null_default * NOMINAL_BODY_HEIGHT_M, 3),
        minimum=value.get("minimum"), exclusive_minimum=value.get("exclusiveMinimum"),
        maximum=value.get("maximum"), exclusive_maximum=value.get("exclusiveMaximum"),
        min_items=value.get("minItems"), max_items=value.get("maxItems"),
        min_length=value.get("minLength"), max_length=value.get("maxLength"), pattern=value.get("pattern"),
        choices=None if choices is None else [str(c) for c in choices],
        unit=unit, unit_calibrated=_CALIBRATED.get(unit or ""),
        refers_to="zone" if name == "zone" else "line" if name == "line" else None,
        description=description, json_schema=prop if kind == "object" else None,
    )  # fmt: skip


def _unit(kind: str, hint: object, description: str) -> str | None:
    if kind not in ("number", "integer"):
        return None
    if hint is Seconds or hint is PositiveSeconds or description.startswith("Seconds"):
        return "s"
    if _SPEED.search(description):
        return "bh/s"
    if _LENGTH.search(description):
        return "bh"
    return None
