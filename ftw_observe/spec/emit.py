"""Write YAML the way the project's files read: block style, key order kept, no wrapping."""

from __future__ import annotations

from typing import Any

import yaml


class _Block(yaml.SafeDumper):
    """Block-style YAML: multi-line strings as literal blocks, shared values written in full."""

    def ignore_aliases(self, data: Any) -> bool:
        """Write shared values out in full: anchors read badly in files people open."""
        return True


class _IndentedBlock(_Block):
    """Block-style YAML with lists indented under their key, as hand-written specs are."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        """Indent block sequences under their key."""
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Block.add_representer(str, _represent_str)


def block_yaml(document: Any, *, indent_lists: bool = False) -> str:
    """Return `document` as block-style YAML; long expressions are never wrapped.

    >>> print(block_yaml({"b": ["x"], "a": "two\\nlines"}, indent_lists=True), end="")
    b:
      - x
    a: |-
      two
      lines
    """
    dumper = _IndentedBlock if indent_lists else _Block
    return yaml.dump(
        document,
        Dumper=dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=10_000,
    )
