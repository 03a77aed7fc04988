"""Base model for every config section: unknown keys are errors, values are validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Forbids unknown keys so that a typo in YAML fails loudly."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
