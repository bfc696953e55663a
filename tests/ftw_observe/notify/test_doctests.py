"""The usage examples in the incident rules' docstrings stay true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from ftw_observe.notify import incidents, live, recovery


@pytest.mark.parametrize("module", [incidents, live, recovery])
def test_docstring_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
