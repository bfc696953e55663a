"""The API's catalogue of SLOs: the links it gives each one."""

from __future__ import annotations

from ftw_observe.api.catalog import Catalog
from ftw_observe.deploy.model import DeployConfig
from tests.ftw_observe.api.seed import marketplace_specs


def test_an_slos_links_point_at_the_configured_engine_and_grafana() -> None:
    deploy = DeployConfig(
        engine_url="https://ftw.example.com", grafana_url="https://grafana.example.com"
    )
    catalog = Catalog(marketplace_specs(), deploy)
    entry = catalog.find("marketplace", "api-availability")
    assert entry is not None
    links = catalog.links(entry)
    assert links.runbook == "https://ftw.example.com/runbooks/marketplace/api-availability"
    assert links.dashboard == (
        "https://grafana.example.com/d/ftw-slo-detail?var-service=marketplace"
        "&var-slo=api-availability"
    )
    assert links.detail == "/slos/marketplace/api-availability", "the status page's own path"
