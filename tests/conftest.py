"""Shared fixtures: the real knowledge base, one engine per kind for the whole session, and a small valid
knowledge base to break on purpose."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# ranx compiles its metrics with numba on first use (minutes on a cold machine); over a few hundred prospects plain
# Python gives the same numbers at once. Set before anything imports numba.
os.environ.setdefault("NUMBA_DISABLE_JIT", "1")

import pytest  # noqa: E402

from matcher import Matcher, MatcherConfig  # noqa: E402
from matcher.kb import KnowledgeBase, default_data_dir, load_kb  # noqa: E402
from tests.fakes import HashEncoder  # noqa: E402

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture(scope="session")
def real_kb() -> KnowledgeBase:
    return load_kb(default_data_dir())


@pytest.fixture(scope="session")
def fake_matcher(real_kb: KnowledgeBase) -> Matcher:
    """The real knowledge base with a deterministic fake encoder: for tests where the model is not the point."""
    return Matcher(real_kb, HashEncoder())


@pytest.fixture(scope="session")
def real_matcher(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    """The engine users get (real encoder, tuned parameters), loaded once for the whole session."""
    return Matcher.load(MatcherConfig(cache_dir=tmp_path_factory.mktemp("cache")))


@pytest.fixture
def mini_kb(tmp_path: Path) -> Path:
    """A writable copy of the small valid knowledge base."""
    dst = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, dst)
    return dst
