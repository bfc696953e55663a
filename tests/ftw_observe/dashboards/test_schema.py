"""Every generated dashboard validates against the Grafana JSON schemas and round-trips."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from ftw_observe.dashboards.layout import panels_of, to_dict
from ftw_observe.dashboards.sdk import models

SCHEMAS = Path(__file__).resolve().parent / "schemas"
KINDS = ("bargauge", "gauge", "stat", "table", "timeseries")


def _load(name: str) -> dict[str, Any]:
    with (SCHEMAS / f"{name}.jsonschema.json").open(encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
    return data


def _dashboard_schema() -> dict[str, Any]:
    """Return the dashboard schema with its three known departures from Grafana's model fixed.

    The schema is generated from Grafana's CUE, where these fields are `number | null` or
    `any`; the generator kept only `number` and `object`:
    - a threshold's base step has value null (-Infinity); the schema's own description
      says "Nulls currently appear here when serializing -Infinity to JSON";
    - field override matchers take a string or number (`byName` takes the field name,
      `byFrameRefID` a refId), and override values are whatever the property is (a unit
      string, a number of decimals, a list of links).
    Nothing else is relaxed.
    """
    schema = copy.deepcopy(_load("dashboard"))
    definitions = schema["definitions"]
    definitions["Threshold"]["properties"]["value"] = {"type": ["number", "null"]}
    definitions["MatcherConfig"]["properties"]["options"] = {}
    definitions["DynamicConfigValue"]["properties"]["value"] = {}
    return schema


def _errors(schema: dict[str, Any], instance: object) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}"
        for error in Draft7Validator(schema).iter_errors(instance)
    ]


def test_every_dashboard_validates(dashboards):
    schema = _dashboard_schema()
    problems = {name: _errors(schema, dashboard) for name, dashboard in dashboards.items()}
    assert problems == {name: [] for name in dashboards}


def test_panel_options_field_config_and_targets_validate_against_their_kinds(dashboards):
    query = _load("prometheus")
    problems = []
    for name, dashboard in dashboards.items():
        for panel in panels_of(dashboard):
            if panel["type"] == "row":
                continue
            assert panel["type"] in KINDS
            kind = _load(panel["type"])
            options = {"$ref": "#/definitions/Options", "definitions": kind["definitions"]}
            problems += [
                f"{name} {panel['title']}: {e}" for e in _errors(options, panel["options"])
            ]
            if "FieldConfig" in kind["definitions"]:
                custom = {"$ref": "#/definitions/FieldConfig", "definitions": kind["definitions"]}
                found = _errors(custom, panel["fieldConfig"]["defaults"].get("custom", {}))
                problems += [f"{name} {panel['title']}: {e}" for e in found]
            for target in panel["targets"]:
                problems += [f"{name} {panel['title']}: {e}" for e in _errors(query, target)]
    assert problems == []


def test_every_dashboard_round_trips_through_the_sdk_models(dashboards):
    for dashboard in dashboards.values():
        assert to_dict(models.Dashboard.from_json(copy.deepcopy(dashboard))) == dashboard


def test_round_trip_decodes_typed_panels_and_prometheus_targets(dashboards):
    model = models.Dashboard.from_json(copy.deepcopy(dashboards["ftw-slo-detail.json"]))
    panels = [panel for panel in model.panels or [] if isinstance(panel, models.Panel)]
    assert panels
    target = panels[0].targets[0] if panels[0].targets else None
    assert type(target).__module__ == "grafana_foundation_sdk.models.prometheus"
