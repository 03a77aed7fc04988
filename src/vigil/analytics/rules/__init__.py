"""Behaviour rules: one state machine per configured rule and camera (see docs/behaviour.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo

from vigil.analytics.base import Rule
from vigil.analytics.geometry import GroundPlane
from vigil.analytics.hours import ActiveSchedule
from vigil.analytics.rules.crowd import CrowdRunningRule, DispersalRule
from vigil.analytics.rules.gathering import GatheringRule
from vigil.analytics.rules.line_crossing import LineCounts, LineCrossingRule
from vigil.analytics.rules.loitering import LoiteringRule
from vigil.analytics.rules.overcrowding import OvercrowdingRule
from vigil.analytics.rules.running import RunningRule
from vigil.analytics.rules.unattended import UnattendedObjectRule
from vigil.analytics.rules.zones import IntrusionRule, ZoneTransitionRule
from vigil.config import analytics as c
from vigil.detect.classes import CLASS_IDS

__all__ = [
    "CrowdRunningRule", "DispersalRule", "GatheringRule", "IntrusionRule", "LineCounts", "LineCrossingRule",
    "LoiteringRule", "OvercrowdingRule", "RunningRule", "UnattendedObjectRule", "ZoneTransitionRule", "build_rule",
]  # fmt: skip


def _ids(names: tuple[str, ...] | None) -> frozenset[int] | None:
    return None if names is None else frozenset(CLASS_IDS[n] for n in names)


def build_rule(
    camera: str,
    cfg: c.RuleConfig,
    *,
    lines: Mapping[str, c.LineConfig],
    ground: GroundPlane | None,
    tz: tzinfo | None = None,
) -> Rule:
    """The runnable rule for one config entry. ``ground`` switches lengths to metres."""
    unit_scale = c.NOMINAL_BODY_HEIGHT_M if ground is not None else 1.0
    unit = "m" if ground is not None else "bh"
    if isinstance(cfg, c.RunningRule):
        return RunningRule(camera, cfg, unit_scale, _ids(cfg.classes) or frozenset(), unit)
    if isinstance(cfg, c.CrowdRunningRule):
        return CrowdRunningRule(camera, cfg, unit_scale, _ids(cfg.classes) or frozenset(), unit)
    if isinstance(cfg, c.DispersalRule):
        return DispersalRule(camera, cfg, unit_scale, _ids(cfg.classes) or frozenset(), unit)
    if isinstance(cfg, c.GatheringRule):
        return GatheringRule(camera, cfg, unit_scale, _ids(cfg.classes) or frozenset(), unit)
    if isinstance(cfg, c.OvercrowdingRule):
        return OvercrowdingRule(camera, cfg, _ids(cfg.classes) or frozenset())
    if isinstance(cfg, c.LoiteringRule):
        return LoiteringRule(camera, cfg, unit_scale, _ids(cfg.classes) or frozenset())
    if isinstance(cfg, c.IntrusionRule):
        return IntrusionRule(camera, cfg, _ids(cfg.classes) or frozenset(), ActiveSchedule(cfg.active_hours, tz))
    if isinstance(cfg, (c.ZoneEnterRule, c.ZoneExitRule)):
        return ZoneTransitionRule(camera, cfg, _ids(cfg.classes) or frozenset(), ActiveSchedule(cfg.active_hours, tz))
    if isinstance(cfg, c.LineCrossingRule):
        return LineCrossingRule(camera, cfg, lines[cfg.line], unit_scale, _ids(cfg.classes), ground)
    if isinstance(cfg, c.UnattendedObjectRule):
        return UnattendedObjectRule(camera, cfg, unit_scale, _ids(cfg.classes) or frozenset())
    raise TypeError(f"no rule implementation for {type(cfg).__name__}")
