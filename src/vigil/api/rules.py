"""The rule types and their parameters, for the zone editor's rule forms (any logged-in user).

Nothing of any camera is in it: it describes what the config accepts (`vigil.api.rule_schema`).
"""

from __future__ import annotations

from fastapi import APIRouter

from vigil.api.rule_schema import RuleSchemaOut, rule_schema
from vigil.auth import CurrentUser

router = APIRouter(prefix="/api/rules", tags=["rules"])


@router.get("/schema", response_model=RuleSchemaOut)
def get_rule_schema(_: CurrentUser) -> RuleSchemaOut:
    """Every rule type: its parameters with type, default, bounds, unit and description, and
    whether it needs a zone or a line (read off the config models)."""
    return rule_schema()
