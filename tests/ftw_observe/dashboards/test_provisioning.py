"""The provisioned datasource stands beside Grafana's own, and every dashboard resolves to it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import yaml

from ftw_observe.dashboards.provisioning import datasources


def _provisioned() -> dict[str, Any]:
    (datasource,) = yaml.safe_load(datasources("http://127.0.0.1:9090", "15s"))["datasources"]
    return dict(datasource)


def _references(node: object) -> Iterator[Mapping[str, Any]]:
    """Yield every datasource reference anywhere in dashboard JSON."""
    if isinstance(node, Mapping):
        reference = node.get("datasource")
        if isinstance(reference, Mapping):
            yield reference
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


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
        name: {_resolve(str(ref.get("uid")), dashboard) for ref in _references(dashboard)}
        for name, dashboard in dashboards.items()
    }
    assert resolved == {name: {uid} for name in dashboards}


def test_the_datasource_variable_defaults_to_it_by_uid_and_name(dashboards):
    datasource = _provisioned()
    for dashboard in dashboards.values():
        (variable,) = [i for i in dashboard["templating"]["list"] if i["type"] == "datasource"]
        current = variable["current"]
        assert (current["value"], current["text"]) == (datasource["uid"], datasource["name"])
