"""Fixtures for the counting tests (the fakes themselves are in countfakes.py)."""

from __future__ import annotations

import pytest
from countfakes import BlobDetector


@pytest.fixture
def blob_detector() -> BlobDetector:
    return BlobDetector()
