"""Grafana file-provisioning files: the dashboards folder provider and the Prometheus datasource.

Grafana reads providers from `<provisioning>/dashboards/*.yaml` and datasources from
`<provisioning>/datasources/*.yaml`; `dashboards/README.md` says where to copy these two.
"""

from __future__ import annotations

from typing import Any

from ftw_observe.deploy.model import DeployConfig
from ftw_observe.rules.render import render_yaml

SOURCE = "ftw_observe/dashboards/provisioning.py"
DASHBOARDS_FILE = "dashboards/provisioning/dashboards.yaml"
DATASOURCES_FILE = "dashboards/provisioning/datasources.yaml"
# A name and uid of its own, so the provisioned datasource never collides with the "Prometheus"
# most Grafanas already have; dashboards select it by uid through their `datasource` variable.
PROMETHEUS_NAME = "FTW Observe Prometheus"
PROMETHEUS_UID = "ftw-observe-prometheus"
DASHBOARDS_DIR_VARIABLE = "FTW_DASHBOARDS_DIR"
FOLDER = "FTW Observe"


def _with_comment(text: str, comment: str) -> str:
    """Insert comment lines right after the generated-file header."""
    header, _, body = text.partition("\n")
    lines = "".join(f"# {line}\n" if line else "#\n" for line in comment.splitlines())
    return f"{header}\n{lines}{body}"


def dashboards_provider() -> str:
    """Return the dashboard provider that loads every JSON file of the dashboards folder."""
    document: dict[str, Any] = {
        "apiVersion": 1,
        "providers": [
            {
                "name": "ftw-observe",
                "orgId": 1,
                "folder": FOLDER,
                "type": "file",
                "disableDeletion": False,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 30,
                "options": {
                    "path": "${" + DASHBOARDS_DIR_VARIABLE + "}",
                    "foldersFromFilesStructure": False,
                },
            }
        ],
    }
    comment = (
        "Copy to <grafana provisioning>/dashboards/ftw-observe.yaml and set\n"
        f"{DASHBOARDS_DIR_VARIABLE} in Grafana's environment to the absolute path of this\n"
        "repository's dashboards/ directory (Grafana expands it). Grafana rereads the\n"
        "JSON files every 30 s, so `ftw-observe generate` updates them without a restart."
    )
    return _with_comment(render_yaml(document, SOURCE), comment)


def _literal(value: str) -> str:
    """Escape a value Grafana would otherwise expand as an environment variable."""
    return value.replace("$", "$$")


def _file(path: str) -> str:
    """Refer to a file Grafana reads (trimming white space) when it loads the datasource."""
    return "$__file{" + path + "}"


def credentials(deploy: DeployConfig) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Return the datasource's top-level fields, jsonData and secureJsonData for Prometheus.

    Secrets are `$__file{path}` references, never values: the file is safe to commit.
    """
    top: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    secure: dict[str, Any] = {}
    headers = [(name, _literal(value)) for name, value in deploy.prometheus_headers.items()]
    if deploy.prometheus_bearer_token_file:
        headers.insert(0, ("Authorization", f"Bearer {_file(deploy.prometheus_bearer_token_file)}"))
    user, password = deploy.prometheus_basic_auth_user, deploy.prometheus_basic_auth_password_file
    if user and password:
        top = {"basicAuth": True, "basicAuthUser": _literal(user)}
        secure["basicAuthPassword"] = _file(password)
    if deploy.prometheus_ca_file:
        extra["tlsAuthWithCACert"] = True
        secure["tlsCACert"] = _file(deploy.prometheus_ca_file)
    cert, key = deploy.prometheus_client_cert_file, deploy.prometheus_client_key_file
    if cert and key:
        extra["tlsAuth"] = True
        secure["tlsClientCert"] = _file(cert)
        secure["tlsClientKey"] = _file(key)
    for number, (name, value) in enumerate(headers, start=1):
        extra[f"httpHeaderName{number}"] = name
        secure[f"httpHeaderValue{number}"] = value
    return top, extra, secure


def datasources(
    prometheus_url: str, scrape_interval: str, deploy: DeployConfig | None = None
) -> str:
    """Return the Prometheus datasource every dashboard's `datasource` variable defaults to.

    `deploy` adds the credentials of a secured Prometheus (none by default).
    """
    top, extra, secure = credentials(deploy or DeployConfig())
    document: dict[str, Any] = {
        "apiVersion": 1,
        "datasources": [
            {
                "name": PROMETHEUS_NAME,
                "uid": PROMETHEUS_UID,
                "type": "prometheus",
                "access": "proxy",
                "url": prometheus_url,
                **top,
                # Never the default: that stays whatever the Grafana had, its panels unchanged.
                "isDefault": False,
                "editable": False,
                "jsonData": {"httpMethod": "POST", "timeInterval": scrape_interval, **extra},
                **({"secureJsonData": secure} if secure else {}),
            }
        ],
    }
    comment = (
        "Copy to <grafana provisioning>/datasources/ftw-observe.yaml. The dashboards'\n"
        f"`datasource` variable defaults to uid {PROMETHEUS_UID}. url and timeInterval\n"
        "(Prometheus's scrape interval, from which Grafana computes $__rate_interval) are\n"
        "the deploy config's prometheus_url and scrape_interval."
    )
    return _with_comment(render_yaml(document, SOURCE), comment)
