"""`vigil check-config FILE`: validate a serve (or analyze) config and report every problem with its line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import yaml

from vigil.config import AnalysisConfig, load_yaml
from vigil.config.service import ServiceConfig
from vigil.errors import ConfigError


def missing_secrets(cfg: ServiceConfig) -> list[str]:
    """Environment variables the config names for secrets but that are not set."""
    wanted: list[tuple[str, str]] = []
    if cfg.storage.database_password_env:
        wanted.append(("storage.database_password_env", cfg.storage.database_password_env))
    if cfg.outputs.mqtt is not None and cfg.outputs.mqtt.password_env:
        wanted.append(("outputs.mqtt.password_env", cfg.outputs.mqtt.password_env))
    for i, hook in enumerate(cfg.outputs.webhooks):
        wanted.append((f"outputs.webhooks.{i}.secret_env", hook.secret_env))
    return [f"{where}: environment variable {name} is not set" for where, name in wanted if name not in os.environ]


def _is_service_config(path: Path) -> bool:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return True  # let the loader produce the precise error
    return isinstance(data, dict) and "cameras" in data


def run_check_config_command(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        if _is_service_config(path):
            cfg = load_yaml(path, ServiceConfig)
            warnings = missing_secrets(cfg)
            summary = f"{path}: ok ({len(cfg.cameras)} camera{'s' if len(cfg.cameras) != 1 else ''})"
        else:
            acfg = load_yaml(path, AnalysisConfig)
            warnings = []
            summary = f"{path}: ok (analysis config for camera {acfg.camera!r})"
    except ConfigError as e:
        for problem in str(e).split("; "):
            sys.stderr.write(f"{problem}\n")
        return 2
    for w in warnings:
        sys.stderr.write(f"{path}: warning: {w}\n")
    sys.stdout.write(summary + "\n")
    return 0
