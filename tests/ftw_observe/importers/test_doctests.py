"""The usage examples in the importer's docstrings stay true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from ftw_observe.importers import common, convert, openslo, openslo_sli, sloth


@pytest.mark.parametrize("module", [common, convert, openslo, openslo_sli, sloth])
def test_docstring_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
