"""The routing policy: the committed file loads, and every mistake is named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftw_observe.burnrate import TIER_NAMES
from ftw_observe.notify.policy_file import load_policy, validate_policy_text
from ftw_observe.spec.issues import SpecError
from ftw_observe.spec.load import load_specs
from tests.support.yaml_bomb import alias_bomb

ROOT = Path(__file__).resolve().parents[3]
ROUTING = ROOT / "alerts" / "routing.yaml"

VALID = """\
receivers:
  pager:
    pagerduty: {routing_key_env: PAGERDUTY_ROUTING_KEY}
  chat:
    slack: {channel: "#slo-alerts"}
routes:
  - name: pages
    match: {severity: page}
    receivers: [pager, chat]
default_receivers: [chat]
"""


def issues_of(text: str) -> list[tuple[int | None, str, str]]:
    policy, issues = validate_policy_text(text, "alerts/routing.yaml")
    assert policy is None
    assert {issue.file for issue in issues} == {"alerts/routing.yaml"}
    return [(issue.line, issue.field, issue.message) for issue in issues]


def test_the_committed_policy_loads_with_the_launch_plan_receivers():
    policy = load_policy(ROUTING)

    assert policy.receivers["pagerduty-oncall"].pagerduty is not None
    assert policy.receivers["pagerduty-oncall"].pagerduty.routing_key_env == (
        "PAGERDUTY_ROUTING_KEY"
    )
    channels = {
        name: receiver.slack.channel
        for name, receiver in policy.receivers.items()
        if receiver.slack
    }
    assert channels == {"slack-incidents": "#incidents", "slack-slo-alerts": "#slo-alerts"}
    assert policy.default_receivers == ["slack-slo-alerts"]
    assert [route.name for route in policy.routes] == ["pages", "tickets", "info"]


def test_the_tier_inhibitions_cover_every_group_by_label_of_the_specs():
    policy = load_policy(ROUTING)
    group_labels = {
        label
        for loaded in load_specs([ROOT / "slo"])
        for slo in loaded.spec.slos
        for label in slo.group_by
    }
    tier_rules = [rule for rule in policy.inhibit if "tier" in rule.source]

    assert len(tier_rules) == len(TIER_NAMES) - 1
    for rule in tier_rules:
        assert {"service", "slo"} | group_labels <= set(rule.equal), rule.name


def test_a_valid_policy_loads_from_a_file(tmp_path: Path):
    path = tmp_path / "routing.yaml"
    path.write_text(
        VALID.replace("{routing_key_env: PAGERDUTY_ROUTING_KEY}", "{routing_key_file: pd-key}")
    )
    (tmp_path / "pd-key").write_text("0123456789abcdef0123456789abcdef\n")

    policy = load_policy(path)
    pagerduty = policy.receivers["pager"].pagerduty

    assert pagerduty is not None
    assert pagerduty.routing_key_file == str(tmp_path / "pd-key")  # relative to the file
    assert pagerduty.routing_key({}) == "0123456789abcdef0123456789abcdef"
    assert policy.routes[0].repeat_interval is None
    assert policy.repeat_seconds(["pager"], None) == 4 * 3600
    assert policy.repeat_seconds(["chat"], None) == 24 * 3600


def test_a_routing_key_from_the_environment_is_read_at_runtime():
    policy, _ = validate_policy_text(VALID, "routing.yaml")

    assert policy is not None
    pagerduty = policy.receivers["pager"].pagerduty
    assert pagerduty is not None
    assert pagerduty.routing_key({"PAGERDUTY_ROUTING_KEY": " abc "}) == "abc"
    assert pagerduty.routing_key({}) is None


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path):
    with pytest.raises(SpecError, match=r"missing\.yaml: cannot read"):
        load_policy(tmp_path / "missing.yaml")


def test_unknown_fields_receivers_and_labels_are_named_with_their_line():
    text = VALID.replace("    receivers: [pager, chat]", "    receivers: [pager, chat, phone]")
    text = text.replace("match: {severity: page}", "match: {sevrity: page}")
    text = text.replace("default_receivers: [chat]", "default_receivers: [chat]\ngroup_wait: 30s")

    assert issues_of(text) == [(11, "group_wait", "unknown field 'group_wait'")]
    found = issues_of(text.replace("\ngroup_wait: 30s", ""))
    assert found[0][:2] == (8, "routes[0].match.sevrity")
    assert found[0][2].startswith("unknown label 'sevrity'; add it to labels:")
    assert found[1] == (9, "routes[0].receivers[2]", "no receiver 'phone' (defined: chat, pager)")


def test_bad_matchers_and_durations_are_named_with_their_line():
    text = VALID.replace(
        "    match: {severity: page}",
        '    match: {severity: "~[", tier: ["!a", b], slo: 5}\n    repeat_interval: 4 hours',
    )

    assert issues_of(text) == [
        (
            8,
            "routes[0].match.severity",
            "'[' is not a regular expression RE2 accepts: missing ]: [",
        ),
        (
            8,
            "routes[0].match.slo",
            "a value or a list of values, as strings (quote numbers and booleans)",
        ),
        (
            8,
            "routes[0].match.tier",
            "'!a': a list matches any of its values; negate a single value",
        ),
        (
            9,
            "routes[0].repeat_interval",
            "'4 hours' is not a duration such as 30s, 5m, 1h30m or 30d",
        ),
    ]


def test_regexes_re2_cannot_run_are_named_with_their_line():
    text = VALID.replace("match: {severity: page}", "match: {severity: page, slo: '~(?!api-).*'}")
    text += "inhibit:\n  - {source: {severity: page}, target: {slo: [x, '~(a)\\1']}}\n"

    assert issues_of(text) == [
        (
            8,
            "routes[0].match.slo",
            "'(?!api-).*' is not a regular expression RE2 accepts: invalid perl operator: "
            "(?!; lookarounds are not supported",
        ),
        (
            12,
            "inhibit[0].target.slo",
            "'(a)\\\\1' is not a regular expression RE2 accepts: invalid escape sequence: "
            "\\1; backreferences are not supported",
        ),
    ]


def test_a_repeat_interval_of_zero_disables_reminders():
    policy, issues = validate_policy_text(
        VALID.replace(
            "    receivers: [pager, chat]", "    receivers: [pager]\n    repeat_interval: 0"
        ),
        "routing.yaml",
    )

    assert issues == []
    assert policy is not None
    assert policy.routes[0].repeat_interval == 0
    five = VALID.replace("receivers: [pager, chat]", "receivers: [pager]\n    repeat_interval: 5")
    assert issues_of(five) == [
        (
            10,
            "routes[0].repeat_interval",
            "write a duration with its unit, such as 4h (0 disables reminders)",
        )
    ]


@pytest.mark.parametrize(
    ("replace", "by", "line", "field", "message"),
    [
        (
            "{routing_key_env: PAGERDUTY_ROUTING_KEY}",
            "{routing_key: 0123456789abcdef0123456789abcdef}",
            3,
            "receivers.pager.pagerduty.routing_key",
            "a PagerDuty key never goes in this committed file: use routing_key_env",
        ),
        (
            "{routing_key_env: PAGERDUTY_ROUTING_KEY}",
            "{routing_key_env: 0123456789abcdef0123456789abcdef}",
            3,
            "receivers.pager.pagerduty.routing_key_env",
            "names an environment variable such as PAGERDUTY_ROUTING_KEY (uppercase letters, "
            "digits and _), never the key itself",
        ),
        (
            '{channel: "#slo-alerts"}',
            '{channel: "#slo-alerts", token: "xoxb-1111111111-2222222222-abcdefabcdef"}',
            5,
            "receivers.chat.slack.token",
            "tokens never go in this committed file: Slack's comes from SLACK_BOT_TOKEN",
        ),
        (
            "name: pages",
            "name: xoxb-1111111111-2222222222-abcdefabcdef",
            7,
            "routes[0].name",
            "this looks like a Slack token; secrets never go in this file",
        ),
        (
            '{channel: "#slo-alerts"}',
            '{channel: "https://hooks.slack.com/services/T0/B0/XYZ"}',
            5,
            "receivers.chat.slack.channel",
            "this looks like a Slack webhook URL; secrets never go in this file",
        ),
    ],
)
def test_secrets_in_the_file_are_refused(
    replace: str, by: str, line: int, field: str, message: str
):
    found = issues_of(VALID.replace(replace, by))

    assert (line, field, message) in found
    assert all("0123456789abcdef" not in text and "abcdefabcdef" not in text for *_, text in found)


def test_a_receiver_needs_exactly_one_kind_and_one_key_source():
    both = VALID.replace(
        '    slack: {channel: "#slo-alerts"}',
        '    slack: {channel: "#slo-alerts"}\n    pagerduty: {routing_key_env: A}',
    )
    bad = VALID.replace(
        '    slack: {channel: "#slo-alerts"}',
        '    slack: {channel: "slo-alerts"}\n'
        "    pagerduty: {routing_key_env: A, routing_key_file: b}",
    )

    assert issues_of(both) == [
        (4, "receivers.chat", "a receiver is either pagerduty: {...} or slack: {...}")
    ]
    assert issues_of(bad) == [
        (
            5,
            "receivers.chat.slack.channel",
            "'slo-alerts' is not a channel: use #channel-name or an ID like C0123ABCD",
        ),
        (6, "receivers.chat.pagerduty", "give exactly one of routing_key_env and routing_key_file"),
    ]


def test_inhibit_rules_need_matchers_on_both_sides_and_known_equal_labels():
    text = VALID + "inhibit:\n  - source: {}\n    target: {tier: a}\n    equal: [bogus]\n"

    assert issues_of(text) == [(12, "inhibit[0].source", "give at least one matcher")]
    found = issues_of(text.replace("source: {}", "source: {tier: b}"))
    assert [(line, field) for line, field, _ in found] == [(14, "inhibit[0].equal[0]")]


def test_extra_labels_are_declared_under_labels():
    text = VALID.replace("match: {severity: page}", "match: {territory: '9'}")

    assert issues_of(text)[0][1] == "routes[0].match.territory"
    policy, issues = validate_policy_text("labels: [territory]\n" + text, "routing.yaml")
    assert issues == []
    assert policy is not None


def test_yaml_errors_and_non_mappings_are_reported():
    assert issues_of("receivers: [")[0][2].startswith("not valid YAML")
    assert issues_of("- a\n") == [(1, "", "a routing policy is a mapping with receivers")]
    assert issues_of("receivers: {}\ndefault_receivers: []\n") == [
        (1, "receivers", "list at least one receiver"),
        (2, "default_receivers", "list at least one receiver"),
    ]


@pytest.mark.timeout(20)
def test_an_alias_bomb_in_the_policy_is_refused_without_expanding_it():
    policy, issues = validate_policy_text(alias_bomb(), "routing.yaml")
    assert policy is None
    assert [issue.message for issue in issues] == [
        "not a valid spec document: the document holds over 100,000 values once its aliases "
        "are expanded"
    ]
