"""The usage examples in the engine's docstrings stay true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from ftw_observe.engine import activity, chain_metrics, heartbeat, logs, watchdog
from ftw_observe.rules import names


@pytest.mark.parametrize("module", [activity, chain_metrics, heartbeat, logs, watchdog, names])
def test_docstring_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
