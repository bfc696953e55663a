"""Loading and validating spec files: every problem reported, with file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ftw_observe.spec.issues import SpecError
from ftw_observe.spec.load import load_specs, validate_files, validate_text

REPO = Path(__file__).resolve().parents[3]

VALID = """\
service: api
team: core
slos:
  - name: availability
    description: Requests without a server error.
    sli:
      ratio:
        errors: http_requests_total{job="api",status=~"5.."}
        total: http_requests_total{job="api"}
"""


def issues_of(text: str) -> list[str]:
    spec, issues = validate_text(textwrap.dedent(text), "slo/api.yaml")
    assert spec is None
    return [str(issue) for issue in issues]


def test_the_committed_marketplace_spec_is_valid() -> None:
    loaded = load_specs([REPO / "slo"])
    names = [slo.name for item in loaded for slo in item.spec.slos]
    assert "api-availability" in names
    assert "payout-success" in names


def test_defaults_are_a_thirty_day_period_at_99_9() -> None:
    spec, issues = validate_text(VALID, "slo/api.yaml")
    assert issues == []
    assert spec is not None
    slo = spec.slos[0]
    assert slo.objective == 99.9
    assert slo.period_days == 30
    assert str(slo.error_budget) == "1/1000"


def test_an_unknown_field_is_named_with_its_line() -> None:
    assert issues_of(VALID.replace("    description:", "    periodd: 7d\n    description:")) == [
        "slo/api.yaml:5: slos[0].periodd: unknown field 'periodd'"
    ]


def test_a_missing_field_is_named() -> None:
    found = issues_of(VALID.replace("team: core\n", ""))
    assert found == ["slo/api.yaml:1: team: required field is missing"]


def test_a_selector_that_does_not_parse_is_named_with_its_line() -> None:
    found = issues_of(
        VALID.replace('errors: http_requests_total{job="api",status=~"5.."}', "errors: foo{")
    )
    assert len(found) == 1
    assert found[0].startswith(
        "slo/api.yaml:8: slos[0].sli.ratio.errors: 'foo{' does not parse as PromQL"
    )


@pytest.mark.parametrize("objective", ["0", "100", "-1", "150"])
def test_objectives_outside_zero_to_one_hundred_are_refused(objective: str) -> None:
    found = issues_of(VALID.replace("    sli:", f"    objective: {objective}\n    sli:"))
    assert len(found) == 1
    assert "slo/api.yaml:6: slos[0].objective:" in found[0]
    assert "strictly between 0 and 100" in found[0]


def test_an_unreachable_tier_is_refused_with_the_fix() -> None:
    found = issues_of(VALID.replace("    sli:", "    objective: 90\n    sli:"))
    assert found == [
        "slo/api.yaml:4: slos[0].alerting: tier page-1h can never fire: at objective 90 % it "
        "needs an error ratio of 144 % (14.4 x the error budget); set "
        "alerting.tiers.page-1h.enabled: false"
    ]


def test_disabling_the_unreachable_tier_makes_the_spec_valid() -> None:
    text = VALID.replace(
        "    sli:",
        "    objective: 90\n    alerting:\n      tiers:\n"
        "        page-1h: {enabled: false}\n    sli:",
    )
    spec, issues = validate_text(text, "slo/api.yaml")
    assert issues == []
    assert spec is not None


def test_a_tier_window_longer_than_the_period_is_refused() -> None:
    found = issues_of(VALID.replace("    sli:", "    period: 2d\n    sli:"))
    assert any("tier ticket-3d reads a 3d window, longer than the 2d period" in f for f in found)


def test_duplicate_slo_names_are_refused() -> None:
    second = VALID.split("slos:\n", 1)[1]
    found = issues_of(VALID + second)
    assert found == [
        "slo/api.yaml:10: slos[1].name: duplicate SLO name 'availability' (also slos[0])"
    ]


def test_a_latency_threshold_between_buckets_is_refused() -> None:
    text = VALID.replace(
        """      ratio:
        errors: http_requests_total{job="api",status=~"5.."}
        total: http_requests_total{job="api"}""",
        """      latency:
        histogram: http_request_duration_seconds{job="api"}
        threshold: 0.3""",
    )
    found = issues_of(text)
    assert len(found) == 1
    assert found[0].startswith(
        "slo/api.yaml:9: slos[0].sli.latency.threshold: 0.3 s is not a bucket boundary"
    )


def test_an_unknown_histogram_must_declare_its_buckets() -> None:
    text = VALID.replace(
        """      ratio:
        errors: http_requests_total{job="api",status=~"5.."}
        total: http_requests_total{job="api"}""",
        """      latency:
        histogram: rpc_seconds{job="api"}
        threshold: 0.3""",
    )
    assert "list its bucket boundaries" in issues_of(text)[0]
    declared = text.replace("threshold: 0.3", "threshold: 0.3\n        buckets: [0.1, 0.3, 1]")
    assert validate_text(declared, "slo/api.yaml")[1] == []


def test_a_period_that_is_not_whole_days_is_refused() -> None:
    found = issues_of(VALID.replace("    sli:", "    period: 36h\n    sli:"))
    assert any("slos[0].period: 1d12h is not a whole number of days" in f for f in found)


def test_reserved_labels_cannot_be_overridden() -> None:
    found = issues_of(VALID.replace("team: core\n", "team: core\nlabels: {severity: low}\n"))
    assert found == [
        "slo/api.yaml:3: labels: label 'severity' is set by FTW Observe and cannot be overridden"
    ]


def test_an_unknown_tier_is_named() -> None:
    text = VALID.replace("    sli:", "    alerting:\n      tiers:\n        page-2h: {}\n    sli:")
    assert issues_of(text) == [
        "slo/api.yaml:8: slos[0].alerting.tiers.page-2h: unknown tier; the tiers are "
        "page-1h, page-6h, ticket-1d, ticket-3d"
    ]


def test_every_broken_slo_is_reported_not_just_the_first() -> None:
    second = (
        VALID.split("slos:\n", 1)[1]
        .replace("availability", "other")
        .replace("sli:", "objective: 100\n    sli:")
    )
    broken = VALID.replace("errors: http", "errors: nope{ http") + second
    found = issues_of(broken)
    assert [f.split(": ")[1] for f in found] == ["slos[0].sli.ratio.errors", "slos[1].objective"]


def test_invalid_yaml_names_the_line() -> None:
    assert issues_of("service: api\nslos: [\n")[0].startswith("slo/api.yaml:3: not valid YAML")


def test_a_wrong_version_is_refused() -> None:
    assert issues_of("version: sloth/v1\n" + VALID) == [
        "slo/api.yaml:1: version: expected 'ftw-observe/v1', got 'sloth/v1'"
    ]


def test_the_same_service_in_two_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID)
    (tmp_path / "b.yaml").write_text(VALID)
    loaded, issues = validate_files([tmp_path])
    assert len(loaded) == 2
    assert [str(i) for i in issues] == [
        f"{tmp_path / 'b.yaml'}: service: service 'api' is also defined in {tmp_path / 'a.yaml'}"
    ]


def test_load_specs_raises_with_every_issue(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(VALID.replace("team: core\n", ""))
    (tmp_path / "b.yaml").write_text("- not a mapping\n")
    with pytest.raises(SpecError) as raised:
        load_specs([tmp_path])
    assert len(raised.value.issues) == 2


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    loaded, issues = validate_files([tmp_path])
    assert loaded == []
    assert "no spec files" in str(issues[0])
