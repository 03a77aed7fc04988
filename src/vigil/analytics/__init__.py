"""Behaviour analytics over tracks: zones, lines, rules. Behaviour only, never identity.

``AnalyticsEngine`` holds one camera's rules (built from ``AnalysisConfig``) and turns
each frame's ``Tracks`` into typed ``Event``s; see docs/behaviour.md for the rules,
their units (body heights or metres) and their parameters.
"""

from vigil.analytics.base import FrameState, Rule
from vigil.analytics.engine import AnalyticsEngine
from vigil.analytics.occupancy import OccupancySeries
from vigil.analytics.rules import LineCounts

__all__ = ["AnalyticsEngine", "FrameState", "LineCounts", "OccupancySeries", "Rule"]
