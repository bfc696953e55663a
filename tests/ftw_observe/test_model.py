"""The values every layer speaks: the examples in their docstrings stay true."""

from __future__ import annotations

import doctest

from ftw_observe import model


def test_docstring_examples_run() -> None:
    result = doctest.testmod(model)
    assert result.attempted > 0
    assert result.failed == 0
