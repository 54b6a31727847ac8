"""Shared fixtures: the real knowledge base, and a small valid one to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from matcher.kb import KnowledgeBase, default_data_dir, load_kb

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture(scope="session")
def real_kb() -> KnowledgeBase:
    return load_kb(default_data_dir())


@pytest.fixture
def mini_kb(tmp_path: Path) -> Path:
    """A writable copy of the small valid knowledge base."""
    dst = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, dst)
    return dst
