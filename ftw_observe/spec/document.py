"""A YAML document that remembers the line of every field, so errors can point at it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from ftw_observe.spec.issues import Path, SpecIssue, field_name

# A spec or policy holds hundreds of values; an alias bomb ("billion laughs") holds billions
# once its aliases are written out, and would take gigabytes to build or validate.
MAX_VALUES = 100_000


@dataclass
class Document:
    """A parsed YAML document and the line where each field starts."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int | None:
        """Return the line of a field, or of its closest enclosing field that has one."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None


def _scalar(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    return loader.construct_object(node, deep=True)


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path, doc: Document) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, (*path, "<key>"), doc)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise _Problem(key_node.start_mark.line + 1, path, "keys must be plain strings")
            if key in result:
                raise _Problem(key_node.start_mark.line + 1, path, f"duplicate key {key!r}")
            child: Path = (*path, str(key))
            doc.lines[child] = key_node.start_mark.line + 1
            result[key] = _build(loader, value_node, child, doc)
        doc.lines.pop((*path, "<key>"), None)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), doc) for i, item in enumerate(node.value)]
    return _scalar(loader, node)  # type: ignore[arg-type]


def check_expansion(root: yaml.Node, limit: int = MAX_VALUES) -> None:
    """Raise ValueError when `root`, with every alias written out, holds over `limit` values.

    Counted on the composed node graph, where an alias is one shared node: linear in the
    document's size, whatever the aliases would expand to.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise ValueError("a YAML alias refers to a value that contains it")
        active.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        total = 1
        for child in children:
            total += size(child)
            if total > limit:
                raise ValueError(
                    f"the document holds over {limit:,} values once its aliases are expanded"
                )
        active.discard(key)
        sizes[key] = total
        return total

    size(root)


def load_all(text: str) -> list[Any]:
    """Load every YAML document of `text` safely, refusing alias bombs; raise yaml.YAMLError."""
    loader = yaml.SafeLoader(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            check_expansion(node)
            documents.append(loader.construct_document(node))
        return documents
    finally:
        loader.dispose()


class _Problem(Exception):
    def __init__(self, line: int, path: Path, message: str) -> None:
        super().__init__(message)
        self.line, self.path, self.message = line, path, message


def parse_document(text: str, file: str) -> tuple[Document | None, list[SpecIssue]]:
    """Parse one YAML document; return it, or the issues that stop it from parsing."""
    doc = Document(file, None)
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            if root is not None:
                check_expansion(root)
            doc.data = None if root is None else _build(loader, root, (), doc)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        return None, [SpecIssue(file, line, "", f"not valid YAML: {error.problem or error}")]
    except yaml.YAMLError as error:
        return None, [SpecIssue(file, None, "", f"not valid YAML: {error}")]
    except _Problem as problem:
        return None, [SpecIssue(file, problem.line, field_name(problem.path), problem.message)]
    except (ValueError, TypeError, RecursionError) as error:
        return None, [SpecIssue(file, None, "", f"not a valid spec document: {error}")]
    if not isinstance(doc.data, dict):
        message = "a spec file must be a mapping with service, and slos or thresholds"
        return None, [SpecIssue(file, 1, "", message)]
    return doc, []
