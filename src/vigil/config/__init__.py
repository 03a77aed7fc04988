"""Configuration: pydantic models (unknown keys are errors) and a YAML loader with line numbers."""

from vigil.config.loader import load_yaml, parse_yaml
from vigil.config.models import AnalysisConfig, DetectorConfig, TrackerConfig

__all__ = ["AnalysisConfig", "DetectorConfig", "TrackerConfig", "load_yaml", "parse_yaml"]
