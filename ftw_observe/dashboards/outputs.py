"""Every file `ftw-observe generate` writes under `dashboards/`, as (path, text) pairs."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ftw_observe.dashboards.build import build_dashboards
from ftw_observe.dashboards.catalogue import MARKDOWN_MARK, catalogue
from ftw_observe.dashboards.layout import render_json
from ftw_observe.dashboards.provisioning import (
    DASHBOARDS_FILE,
    DATASOURCES_FILE,
    dashboards_provider,
    datasources,
)
from ftw_observe.deploy.model import DeployConfig
from ftw_observe.rules.render import GENERATED_MARK, is_generated
from ftw_observe.spec.model import ServiceSpec

DASHBOARDS_DIR = "dashboards"
CATALOGUE_FILE = f"{DASHBOARDS_DIR}/README.md"
GENERATED_PATTERNS = (
    f"{DASHBOARDS_DIR}/*.json",
    f"{DASHBOARDS_DIR}/provisioning/*.yaml",
    CATALOGUE_FILE,
)


def dashboard_outputs(
    specs: Sequence[ServiceSpec], deploy: DeployConfig | None = None
) -> list[tuple[str, str]]:
    """Return every dashboard file (relative path, full text), sorted by path.

    `deploy` says where the datasource points (the defaults' local Prometheus if None).
    """
    deploy = deploy or DeployConfig()
    dashboards = build_dashboards(specs)
    outputs = [(f"{DASHBOARDS_DIR}/{name}", render_json(data)) for name, data in dashboards.items()]
    outputs.append((DASHBOARDS_FILE, dashboards_provider()))
    datasource = datasources(deploy.prometheus_url, deploy.scrape_interval, deploy)
    outputs.append((DATASOURCES_FILE, datasource))
    outputs.append((CATALOGUE_FILE, catalogue(dashboards, deploy.prometheus_url)))
    return sorted(outputs)


def is_generated_output(text: str) -> bool:
    """Tell whether a YAML, Markdown or dashboard JSON file was written by the generator.

    JSON has no comments: a generated dashboard says so at the end of its `description`.
    """
    if is_generated(text) or text.startswith(MARKDOWN_MARK):
        return True
    try:
        document = json.loads(text)
    except ValueError:
        return False
    description = document.get("description") if isinstance(document, dict) else None
    return isinstance(description, str) and GENERATED_MARK in description
