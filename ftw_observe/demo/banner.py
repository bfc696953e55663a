"""What the demo prints once the whole stack is up: where everything is and what to try."""

from __future__ import annotations

from dataclasses import dataclass

from ftw_observe.demo.stack import DemoStack


@dataclass(frozen=True)
class Hints:
    """How the commands in the banner are spelled for this run.

    Usage::

        Hints(bin_dir=".venv/bin", rate=20, interval=5, logs="/srv/.ftw/logs")
    """

    bin_dir: str  # where the console scripts are, as a person would type it
    rate: float  # load generator requests per second
    interval: float  # seconds between live figures
    logs: str
    drill_options: str = ""  # e.g. " --home DIR" when the demo's home is not the default
    routes_options: str = ""  # e.g. " --policy FILE" when the project is not the cwd


def ready_banner(stack: DemoStack, hints: Hints) -> str:
    """Return the URLs of every part, how to drill or break things, and where pages go."""
    engine, marketplace = stack.engine_url, stack.marketplace_url
    prometheus, binary = stack.prometheus_url, hints.bin_dir
    lines = [
        f"demo: the whole stack is up; the load generator sends {hints.rate:g} requests/s.",
        f"  status page       {engine}/",
        f"  engine API docs   {engine}/docs",
        f"  Prometheus        {prometheus}/   (alerts: {prometheus}/alerts)",
        f"  Alertmanager      {stack.alertmanager_url}/",
        f"  marketplace docs  {marketplace}/docs",
        f"  exporter metrics  {stack.exporter_url}/metrics   (business, Postgres, Redis, host)",
        f"  logs              {hints.logs}/",
        "Prove the pager works: in another terminal, `make drill` "
        f"(or `{binary}/ftw-observe demo --drill{hints.drill_options}`)",
        "breaks job posting, waits for the page and its resolve, and prints the times and "
        "budget spent.",
        "Or break things by hand and watch the status page, or "
        f"`{binary}/ftw-observe status --url {engine}`:",
        f"  export FTW_OPERATOR_KEY=$(cat {stack.operator_key_file})",
        f"  {binary}/ftw-loadgen fault set --url {marketplace} --route /api/jobs --error-ratio 1",
        f"  {binary}/ftw-loadgen fault clear --url {marketplace}",
        "Where would a page go:",
        f"  {binary}/ftw-observe alerts routes service=marketplace severity=page tier=page-1h"
        + hints.routes_options,
        *silences_note(stack, binary),
        *receivers_note(stack),
        f"Live figures every {hints.interval:g} s; Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def receivers_note(stack: DemoStack) -> list[str]:
    """Return where pages go: the configured receivers, or the fakes and what they received."""
    if not (stack.fake_pagerduty_url or stack.fake_slack_url):
        return ["Pages go to the PagerDuty and Slack configured in the environment."]
    lines = ["Local fakes stand in for unconfigured receivers; what they received:"]
    if stack.fake_pagerduty_url:
        lines.append(
            f"  fake PagerDuty    {stack.fake_pagerduty_url}/_fake/received"
            "   (set PAGERDUTY_ROUTING_KEY for the real one)"
        )
    if stack.fake_slack_url:
        lines.append(
            f"  fake Slack        {stack.fake_slack_url}/_fake/received"
            "   (set SLACK_BOT_TOKEN for the real one)"
        )
    return lines


def silences_note(stack: DemoStack, binary: str) -> list[str]:
    """Return how to set a silence: where the API token is (never the token itself)."""
    if stack.api_token_file is None:
        return []
    return [
        "Silence alerts (writes need the engine's API token, kept in "
        f"{stack.api_token_file}; every silence is announced in the ticket channel):",
        f"  export FTW_API_TOKEN=$(cat {stack.api_token_file})",
        f"  {binary}/ftw-observe silence add service=marketplace --reason deploy --duration 1h "
        f"--url {stack.engine_url}",
    ]
