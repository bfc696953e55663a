"""The provisioned datasource stands beside Grafana's own, and every dashboard resolves to it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from ftw_observe.dashboards.lint import references
from ftw_observe.dashboards.provisioning import PROMETHEUS_NAME, PROMETHEUS_UID, datasources
from ftw_observe.deploy import DeployConfig


def _provisioned() -> dict[str, Any]:
    (datasource,) = yaml.safe_load(datasources("http://127.0.0.1:9090", "15s"))["datasources"]
    return dict(datasource)


def _resolve(uid: str, dashboard: Mapping[str, Any]) -> str:
    """Return the uid a reference selects when the dashboard opens: variables give their default."""
    if not uid.startswith("$"):
        return uid
    name = uid.removeprefix("${").removesuffix("}") if uid.startswith("${") else uid[1:]
    defaults = [
        str((item.get("current") or {}).get("value"))
        for item in dashboard["templating"]["list"]
        if item["type"] == "datasource" and item["name"] == name
    ]
    return defaults[0] if len(defaults) == 1 else f"{uid} (no datasource variable {name!r})"


def test_the_datasource_is_not_grafanas_default():
    assert _provisioned()["isDefault"] is False


def test_the_datasource_has_a_name_and_uid_of_its_own():
    datasource = _provisioned()
    assert (datasource["name"], datasource["uid"]) == (
        "FTW Observe Prometheus",
        "ftw-observe-prometheus",
    )


@pytest.mark.parametrize("uid", ["${datasource}", "$datasource", "ftw-observe-prometheus"])
def test_resolve_follows_the_variable_to_its_default(uid):
    dashboard = {
        "templating": {
            "list": [
                {
                    "type": "datasource",
                    "name": "datasource",
                    "current": {"value": "ftw-observe-prometheus"},
                }
            ]
        }
    }
    assert _resolve(uid, dashboard) == "ftw-observe-prometheus"


def test_resolve_names_a_missing_variable():
    dashboard: dict[str, Any] = {"templating": {"list": []}}
    assert _resolve("${ds}", dashboard) == "${ds} (no datasource variable 'ds')"


def test_every_datasource_reference_of_every_dashboard_resolves_to_it(dashboards):
    uid = _provisioned()["uid"]
    resolved = {
        name: {_resolve(str(ref.get("uid")), dashboard) for ref in references(dashboard)}
        for name, dashboard in dashboards.items()
    }
    assert resolved == {name: {uid} for name in dashboards}


def test_the_datasource_variable_defaults_to_it_by_uid_and_name(dashboards):
    datasource = _provisioned()
    for dashboard in dashboards.values():
        (variable,) = [i for i in dashboard["templating"]["list"] if i["type"] == "datasource"]
        current = variable["current"]
        assert (current["value"], current["text"]) == (datasource["uid"], datasource["name"])


def _secured(**fields: Any) -> dict[str, Any]:
    deploy = DeployConfig(**fields)
    text = datasources(deploy.prometheus_url, deploy.scrape_interval, deploy)
    (datasource,) = yaml.safe_load(text)["datasources"]
    return dict(datasource)


def test_by_default_the_datasource_carries_no_credentials():
    datasource = _provisioned()
    assert "secureJsonData" not in datasource
    assert "basicAuth" not in datasource


def test_a_bearer_token_and_tenant_become_headers_read_from_files():
    datasource = _secured(
        prometheus_url="https://mimir.internal/prometheus",
        prometheus_bearer_token_file="/run/secrets/mimir-token",
        prometheus_headers={"X-Scope-OrgID": "team-a"},
    )

    assert datasource["url"] == "https://mimir.internal/prometheus"
    assert datasource["jsonData"]["httpHeaderName1"] == "Authorization"
    assert datasource["jsonData"]["httpHeaderName2"] == "X-Scope-OrgID"
    assert datasource["secureJsonData"] == {
        "httpHeaderValue1": "Bearer $__file{/run/secrets/mimir-token}",
        "httpHeaderValue2": "team-a",
    }


def test_basic_auth_refers_to_the_password_file():
    datasource = _secured(
        prometheus_basic_auth_user="grafana", prometheus_basic_auth_password_file="/s/pw"
    )

    assert (datasource["basicAuth"], datasource["basicAuthUser"]) == (True, "grafana")
    assert datasource["secureJsonData"] == {"basicAuthPassword": "$__file{/s/pw}"}


def test_tls_files_are_referenced_with_their_switches_on():
    datasource = _secured(
        prometheus_url="https://prometheus.internal",
        prometheus_ca_file="/tls/ca.pem",
        prometheus_client_cert_file="/tls/client.pem",
        prometheus_client_key_file="/tls/client.key",
    )

    assert datasource["jsonData"]["tlsAuthWithCACert"] is True
    assert datasource["jsonData"]["tlsAuth"] is True
    assert datasource["secureJsonData"] == {
        "tlsCACert": "$__file{/tls/ca.pem}",
        "tlsClientCert": "$__file{/tls/client.pem}",
        "tlsClientKey": "$__file{/tls/client.key}",
    }


def test_a_dollar_in_a_header_value_is_not_expanded_by_grafana():
    datasource = _secured(prometheus_headers={"X-Scope-OrgID": "a$b"})
    assert datasource["secureJsonData"]["httpHeaderValue1"] == "a$$b"


def test_the_secured_datasource_keeps_its_name_and_uid():
    datasource = _secured(prometheus_bearer_token_file="/t")
    assert (datasource["name"], datasource["uid"]) == (PROMETHEUS_NAME, PROMETHEUS_UID)
