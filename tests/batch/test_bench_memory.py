"""`matcher bench-batch` reports the batch command's own peak memory, not that of the process that started it."""

from __future__ import annotations

import sys

import pytest

from matcher.batch.bench import _run

CHILD = "b = bytearray(40 * 2**20)\nfor i in range(0, len(b), 4096): b[i] = 1"


def test_peak_is_the_commands_not_the_callers() -> None:
    held = bytearray(300 * 2**20)  # the caller holds 300 MB, as the bench does with its engine
    for i in range(0, len(held), 4096):
        held[i] = 1
    seconds, peak = _run([sys.executable, "-c", CHILD])
    assert seconds > 0
    assert 40 <= peak < 150  # Linux would have reported the caller's 300 MB as the child's
    del held


def test_a_failing_command_says_what_it_printed() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        _run([sys.executable, "-c", "import sys; sys.exit('boom')"])
