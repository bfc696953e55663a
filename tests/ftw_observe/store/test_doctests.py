"""The usage examples in the store's docstrings stay true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from ftw_observe.store import codec, database, incident_rows, report_reads, retention


@pytest.mark.parametrize("module", [codec, database, incident_rows, report_reads, retention])
def test_docstring_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
