"""YAML documents: lines kept for errors, and aliases that cannot expand without bound."""

from __future__ import annotations

import pytest
import yaml

from ftw_observe.spec.document import MAX_VALUES, check_expansion, load_all, parse_document
from ftw_observe.spec.load import validate_text
from tests.support.yaml_bomb import alias_bomb

# The parsers must refuse the bomb at once; building it would take gigabytes and minutes.
pytestmark = pytest.mark.timeout(20)


def test_an_alias_bomb_is_refused_by_the_spec_loader() -> None:
    spec, issues = validate_text("service: api\nteam: core\nslos: []\n" + alias_bomb(), "x.yaml")
    assert spec is None
    assert [issue.message for issue in issues] == [
        f"not a valid spec document: the document holds over {MAX_VALUES:,} values once its "
        "aliases are expanded"
    ]


def test_an_alias_bomb_is_refused_by_load_all() -> None:
    with pytest.raises(ValueError, match="once its aliases are expanded"):
        load_all(alias_bomb())


def test_ordinary_anchors_and_aliases_still_load() -> None:
    text = "defaults: &d {for: 2m, severity: page}\na: *d\nb: *d\n"
    doc, issues = parse_document(text, "x.yaml")
    assert issues == []
    assert doc is not None
    assert doc.data["a"] == doc.data["b"] == {"for": "2m", "severity": "page"}


def test_the_limit_counts_every_value_an_alias_writes_out() -> None:
    # The mapping, its two keys, [1, 2, 3] (4 values) and [*a, *a] (1 + 2 * 4 values): 16.
    text = "a: &a [1, 2, 3]\nb: [*a, *a]\n"
    root = yaml.compose(text)
    assert root is not None
    check_expansion(root, limit=16)
    with pytest.raises(ValueError, match="over 15 values"):
        check_expansion(root, limit=15)


def test_an_alias_inside_its_own_value_is_refused() -> None:
    with pytest.raises((ValueError, yaml.YAMLError)):
        load_all("a: &a [1, *a]\n")
