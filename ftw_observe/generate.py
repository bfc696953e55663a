"""`ftw-observe generate`: build every generated file from `slo/`, write it or check it is fresh."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ftw_observe.alertmanager.config import alertmanager_config
from ftw_observe.alertmanager.direct import DirectPath
from ftw_observe.dashboards import dashboard_outputs, is_generated_output
from ftw_observe.dashboards.build import listed
from ftw_observe.dashboards.infrastructure import UID as INFRASTRUCTURE_UID
from ftw_observe.dashboards.infrastructure import threshold_panel_ids
from ftw_observe.deploy.model import DeployConfig
from ftw_observe.rules.compile import SLO_RULES_NOTE, compile_service
from ftw_observe.rules.render import render_yaml
from ftw_observe.rules.self_monitoring import self_monitoring_rule_groups
from ftw_observe.rules.thresholds import threshold_alerts, threshold_rule_groups
from ftw_observe.spec.load import LoadedSpec, load_specs

# Their URLs and file paths come from the deployment config: the header says where to change them.
_DEPLOY = " and the deployment config"
SELF_MONITORING_SOURCE = "ftw_observe/rules/self_monitoring.py" + _DEPLOY
ALERTMANAGER_SOURCE = "ftw_observe/alertmanager/config.py" + _DEPLOY
GENERATED_PATTERNS = (
    "alerts/*.rules.yml",
    "alerts/alertmanager.yml",
    "dashboards/*.json",
    "dashboards/provisioning/*.yaml",
    "dashboards/README.md",
)


@dataclass(frozen=True)
class Output:
    """A generated file: its path relative to the project root and its full text."""

    path: str
    text: str


def _source(root: Path, file: str) -> str:
    path = Path(file).resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def build_outputs(
    root: Path, slo_dir: str = "slo", deploy: DeployConfig | None = None
) -> list[Output]:
    """Return every generated file for the specs under `root/slo_dir`; raise SpecError.

    Every URL and file path that is not in a spec comes from `deploy` (its defaults if None).
    """
    deploy = deploy or DeployConfig()
    specs: list[LoadedSpec] = load_specs([root / slo_dir])
    outputs = [
        Output(
            f"alerts/{Path(item.file).stem}.rules.yml",
            render_yaml(
                compile_service(item.spec, deploy),
                _source(root, item.file) + _DEPLOY,
                SLO_RULES_NOTE,
            ),
        )
        for item in specs
        if item.spec.slos  # a file of threshold alerts only has no SLO rules
    ]
    outputs.extend(_thresholds(root, specs, deploy))
    own = self_monitoring_rule_groups(
        runbook_url=f"{deploy.engine_url}/runbooks/ftw-observe#{{alert}}"
    )
    outputs.append(
        Output("alerts/ftw-observe.rules.yml", render_yaml({"groups": own}, SELF_MONITORING_SOURCE))
    )
    group_labels = sorted(
        {label for item in specs for slo in item.spec.slos for label in slo.group_by}
    )
    direct = DirectPath(
        routing_key_file=deploy.pagerduty_routing_key_file,
        slack_token_file=deploy.slack_token_file,
        pagerduty_url=deploy.pagerduty_events_url,
        slack_api_url=deploy.slack_api_url,
    )
    config = alertmanager_config(
        webhook_url=deploy.webhook_url,
        token_file=deploy.webhook_token_file,
        equal_labels=group_labels,
        direct=direct,
    )
    outputs.append(Output("alerts/alertmanager.yml", render_yaml(config, ALERTMANAGER_SOURCE)))
    dashboards = dashboard_outputs([item.spec for item in specs], deploy)
    outputs.extend(Output(path, text) for path, text in dashboards)
    return sorted(outputs, key=lambda output: output.path)


def _thresholds(root: Path, specs: list[LoadedSpec], deploy: DeployConfig) -> list[Output]:
    """Return the threshold rule file of the specs' thresholds; none if they have none.

    Links go to the infrastructure dashboard's panel of each alert when the specs list that
    dashboard; otherwise only alerts with their own `dashboard` get a link.
    """
    alerts = threshold_alerts([item.spec for item in specs])
    if not alerts:
        return []
    infrastructure = "infrastructure" in listed([item.spec for item in specs])
    dashboard = f"{deploy.grafana_url}/d/{INFRASTRUCTURE_UID}?viewPanel={{panel}}"
    groups = threshold_rule_groups(
        alerts,
        runbook_url=f"{deploy.engine_url}/runbooks/thresholds#{{alert}}",
        dashboard_url=dashboard if infrastructure else None,
        panel_ids=threshold_panel_ids(alerts),
    )
    files = [_source(root, item.file) for item in specs if item.spec.thresholds]
    source = ", ".join(files) + _DEPLOY
    return [Output("alerts/thresholds.rules.yml", render_yaml({"groups": groups}, source))]


def _orphans(root: Path, outputs: list[Output]) -> list[Path]:
    """Return generated files on disk that no source produces any more."""
    wanted = {root / output.path for output in outputs}
    found = {path for pattern in GENERATED_PATTERNS for path in root.glob(pattern)}
    return sorted(
        path
        for path in found - wanted
        if path.is_file() and is_generated_output(path.read_text(encoding="utf-8"))
    )


def stale_files(root: Path, outputs: list[Output]) -> list[str]:
    """Return the generated files that are missing, differ, or have no source any more."""
    stale = []
    for output in outputs:
        path = root / output.path
        if not path.is_file() or path.read_text(encoding="utf-8") != output.text:
            stale.append(output.path)
    stale.extend(path.relative_to(root).as_posix() for path in _orphans(root, outputs))
    return sorted(stale)


def write_outputs(root: Path, outputs: list[Output]) -> list[str]:
    """Write generated files that changed and delete orphans; return what changed."""
    changed = stale_files(root, outputs)
    for path in _orphans(root, outputs):
        path.unlink()
    for output in outputs:
        if output.path in changed:
            target = root / output.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(output.text, encoding="utf-8")
    return changed
