"""The mute-all judgement: a silence is measured against every alert that can really fire."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from ftw_observe.matching import coverage as coverage_module
from ftw_observe.matching.coverage import Coverage, coverage, mute_all_message
from ftw_observe.matching.silences import parse_matchers
from ftw_observe.rules.catalogue import alert_catalogue
from ftw_observe.spec.load import load_specs

REPO = Path(__file__).resolve().parents[3]
CATALOGUE = alert_catalogue(item.spec for item in load_specs([REPO / "slo"]))


def judged(*matchers: str) -> Coverage:
    return coverage(parse_matchers(matchers), CATALOGUE)


@pytest.mark.parametrize(
    "matchers",
    [
        ["severity=~.+"],
        ['severity!=""'],
        ["severity!="],
        ['alertname=~".*."'],
        ["alertname!="],
        ["service=~.+"],
        ["alertname!=NoSuchAlert", "service!="],
        ["severity=~page|ticket|critical|warning"],
        ["severity!~info", "alertname=~.+"],
    ],
)
def test_matchers_that_select_every_known_alert_mute_all(matchers: list[str]):
    found = judged(*matchers)

    assert found.mutes_all
    assert found.muted == found.known == len(CATALOGUE)


@pytest.mark.parametrize(
    "matchers",
    [
        ["service=marketplace"],
        ["slo=api-availability"],
        ["severity=ticket"],
        ["severity=~page|critical"],
        ["alertname!=FTWObservePrometheusUnreachable", "severity=~.+"],
        ["component!=ftw-observe", "severity=~.+"],
        ["team=~.+"],
    ],
)
def test_a_silence_that_spares_some_alert_does_not_mute_all(matchers: list[str]):
    found = judged(*matchers)

    assert not found.mutes_all
    assert 0 < found.muted < found.known


def test_a_silence_matching_no_known_alert_mutes_none():
    assert judged("service=checkout") == Coverage(0, len(CATALOGUE))


def test_an_empty_catalogue_never_counts_as_mute_all():
    assert not coverage(parse_matchers(["severity=~.+"]), []).mutes_all


def test_the_refusal_says_how_many_alerts_and_how_to_force():
    message = mute_all_message(judged("severity=~.+"))

    assert f"would mute {len(CATALOGUE)} of the {len(CATALOGUE)} alerts" in message
    assert '"force": true' in message
    assert "--force" in message


def test_the_examples_in_the_docstrings_hold():
    assert doctest.testmod(coverage_module).failed == 0
