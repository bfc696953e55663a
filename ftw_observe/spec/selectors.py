"""PromQL checks for spec fields, using the promql-parser grammar."""

from __future__ import annotations

from dataclasses import dataclass

import promql_parser

WINDOW_PLACEHOLDER = "{{window}}"


@dataclass(frozen=True)
class Selector:
    """A parsed vector selector: metric name and label matchers in PromQL spelling.

    >>> Selector.parse('http_requests_total{job="api"}').with_suffix("_count")
    'http_requests_total_count{job="api"}'
    """

    metric: str
    matchers: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Selector:
        """Parse a vector selector; raise ValueError saying what is wrong."""
        expr = _parse(text)
        if not isinstance(expr, promql_parser.VectorSelector):
            raise ValueError(f'{text!r} is not a vector selector such as metric{{label="value"}}')
        if expr.offset is not None or expr.at is not None:
            raise ValueError(f"{text!r}: offset and @ modifiers are not allowed in an SLI selector")
        if expr.matchers.or_matchers:
            raise ValueError(f"{text!r}: 'or' matchers are not allowed in an SLI selector")
        matchers = [m for m in expr.matchers.matchers if m.name != "__name__"]
        if expr.name is None:
            raise ValueError(f"{text!r} needs a metric name")
        return cls(expr.name, tuple(format_matcher(m) for m in matchers))

    def text(self, *extra: str) -> str:
        """Return the selector in PromQL, with extra matchers appended."""
        matchers = ",".join((*self.matchers, *extra))
        return f"{self.metric}{{{matchers}}}" if matchers else self.metric

    def with_suffix(self, suffix: str, *extra: str) -> str:
        """Return the selector for a sibling series (`_bucket`, `_count`) of a histogram."""
        return Selector(self.metric + suffix, self.matchers).text(*extra)


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def format_matcher(matcher: promql_parser.Matcher) -> str:
    """Return a label matcher in PromQL, its value quoted and escaped."""
    ops = (
        (promql_parser.MatchOp.Equal, "="),
        (promql_parser.MatchOp.NotEqual, "!="),
        (promql_parser.MatchOp.Re, "=~"),
        (promql_parser.MatchOp.NotRe, "!~"),
    )
    op = next(spelling for kind, spelling in ops if matcher.op == kind)
    return f"{matcher.name}{op}{_quote(matcher.value)}"


def _parse(text: str) -> promql_parser.Expr:
    if not isinstance(text, str) or not text.strip():
        raise ValueError("empty PromQL")
    try:
        return promql_parser.parse(text)
    except ValueError as error:
        raise ValueError(f"{text!r} does not parse as PromQL: {error}") from None
    except BaseException as error:  # the Rust parser panics on some inputs
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        raise ValueError(f"{text!r} does not parse as PromQL") from None


def check_selector(text: str) -> str:
    """Return a vector selector unchanged if it parses; raise ValueError otherwise."""
    Selector.parse(text)
    return text.strip()


def check_query(text: str) -> str:
    """Return a PromQL query unchanged if it parses; raise ValueError otherwise."""
    _parse(text)
    return text


def substitute_window(query: str, window: str) -> str:
    """Return a raw query with its `{{window}}` placeholders replaced."""
    return query.replace(WINDOW_PLACEHOLDER, window)


def check_raw_query(text: str) -> str:
    """Return a raw query if it has `{{window}}` and parses; raise ValueError otherwise."""
    if WINDOW_PLACEHOLDER not in text:
        raise ValueError(f"{text!r} must use {WINDOW_PLACEHOLDER} as the range of its rates")
    _parse(substitute_window(text, "5m"))
    return text.strip()


def vector_selectors(query: str) -> list[str]:
    """Return the vector selectors a query reads, in order, without duplicates."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            matchers = [format_matcher(m) for m in node.matchers.matchers if m.name != "__name__"]
            text = Selector(node.name or "", tuple(matchers)).text()
            if text not in found:
                found.append(text)
            return
        if isinstance(node, promql_parser.MatrixSelector):
            walk(node.vector_selector)
            return
        for attribute in ("expr", "lhs", "rhs", "param"):
            child = getattr(node, attribute, None)
            if isinstance(child, promql_parser.Expr):
                walk(child)
        for argument in getattr(node, "args", None) or []:
            walk(argument)

    walk(_parse(substitute_window(query, "5m")))
    return found
