"""Shared fixtures. Tests that need the shared data skip with a reason when it is absent."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import PostgresCluster, pg_bindir

from vigil.eval.datadir import find_data_dir


@pytest.fixture(scope="session")
def data_dir() -> Path:
    d = find_data_dir()
    if d is None:
        pytest.skip("shared benchmark data not found (set VIGIL_DATA or put it at ../shared/data)")
    return d


@pytest.fixture(scope="session")
def models_dir(data_dir: Path) -> Path:
    d = Path(os.environ.get("VIGIL_MODELS", data_dir / "models"))
    if not (d / "yolox_nano.onnx").is_file():
        pytest.skip(f"yolox_nano.onnx not found in {d} (set VIGIL_MODELS)")
    return d


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    bindir = pg_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql, or set VIGIL_PG_BINDIR)")
    cluster = PostgresCluster(bindir)
    try:
        cluster.start()
    except Exception:
        shutil.rmtree(cluster.root, ignore_errors=True)
        raise
    yield cluster
    cluster.stop()
