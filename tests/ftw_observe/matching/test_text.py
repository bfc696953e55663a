"""What text labels and annotations may hold, and how a refusal is worded."""

from __future__ import annotations

import pytest

from ftw_observe.matching.text import TextFault, first_fault, mapping_problem, shown_name


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("db1", None),
        ("naïve café 日本 🔥", None),
        ("a\x00b", TextFault.CONTROL_CHARACTER),
        ("line\nbreak", TextFault.CONTROL_CHARACTER),
        ("tab\there", TextFault.CONTROL_CHARACTER),
        ("escape\x1b[31m", TextFault.CONTROL_CHARACTER),
        ("delete\x7f", TextFault.CONTROL_CHARACTER),
        ("c1\x85", TextFault.CONTROL_CHARACTER),
        ("lone \ud800 high", TextFault.INVALID_UNICODE),
        ("lone \udc80 low", TextFault.INVALID_UNICODE),
    ],
)
def test_labels_refuse_control_characters_and_lone_surrogates(
    text: str, fault: TextFault | None
) -> None:
    found = first_fault(text)

    assert (found[0] if found else None) is fault


def test_annotations_keep_tabs_and_line_breaks_but_not_nul() -> None:
    prose = {"description": "Line one\r\n\tindented line two\n"}

    assert mapping_problem("annotations", prose, prose=True) is None
    problem = mapping_problem("annotations", {"description": "a\x00b"}, prose=True)
    assert problem is not None
    assert problem.sentence() == ("annotations['description'] holds U+0000, a control character")


def test_a_refused_name_is_described_never_quoted() -> None:
    problem = mapping_problem("labels", {"inst\ud800ance": "db1"})

    assert problem is not None
    assert problem.fault is TextFault.INVALID_UNICODE
    assert problem.sentence() == (
        "labels: a name holds U+D800, a lone UTF-16 surrogate (not valid Unicode text)"
    )


def test_a_long_name_is_shortened_in_messages() -> None:
    assert shown_name("x" * 500) == repr("x" * 64 + "…")
