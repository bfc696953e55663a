"""Alert links: a spec's templates, or the defaults, filled from the deployment config."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from ftw_observe.dashboards.slo_queries import DETAIL_UID
from ftw_observe.deploy.model import DeployConfig
from ftw_observe.rules.annotations import fill_link, slo_links
from ftw_observe.spec.load import validate_text
from ftw_observe.spec.model import ServiceSpec

DEPLOY = DeployConfig(
    engine_url="https://ftw.example.com/", grafana_url="https://grafana.example.com/"
)
SPEC = """\
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


def spec_of(text: str) -> ServiceSpec:
    spec, issues = validate_text(text, "slo/api.yaml")
    assert spec is not None, issues
    return spec


def test_fill_link_fills_the_slo_and_the_deployments_urls() -> None:
    spec = spec_of(SPEC)
    template = "{engine_url}/runbooks/{service}/{slo}#{tier} {grafana_url}/d/x"
    assert fill_link(template, spec, spec.slos[0], DEPLOY, "page-1h") == (
        "https://ftw.example.com/runbooks/api/availability#page-1h https://grafana.example.com/d/x"
    )


def test_a_configured_url_with_a_trailing_slash_gives_no_double_slash() -> None:
    spec = spec_of(SPEC)
    link = fill_link("{engine_url}/runbooks", spec, spec.slos[0], DEPLOY)
    assert link == "https://ftw.example.com/runbooks"


def test_without_links_an_slo_gets_the_engines_runbook_and_the_detail_dashboard() -> None:
    spec = spec_of(SPEC)
    assert slo_links(spec, spec.slos[0], DEPLOY) == {
        "runbook_url": "https://ftw.example.com/runbooks/api/availability",
        "dashboard_url": (
            "https://grafana.example.com/d/ftw-slo-detail?var-service=api&var-slo=availability"
        ),
    }


def test_the_default_dashboard_link_opens_the_detail_dashboard_on_the_slo() -> None:
    spec = spec_of(SPEC)
    parts = urlsplit(slo_links(spec, spec.slos[0], DeployConfig())["dashboard_url"])
    assert parts.path == f"/d/{DETAIL_UID}"
    assert parse_qs(parts.query) == {"var-service": ["api"], "var-slo": ["availability"]}


def test_an_slos_own_link_wins_over_its_services_and_the_default() -> None:
    text = (
        SPEC.replace("slos:\n", 'links: {runbook: "https://wiki.example.com/{slo}"}\nslos:\n')
        + '    alerting: {runbook: "https://wiki.example.com/own/{slo}"}\n'
    )
    spec = spec_of(text)
    links = slo_links(spec, spec.slos[0], DEPLOY)
    assert links["runbook_url"] == "https://wiki.example.com/own/availability"


def test_a_services_link_wins_over_the_default() -> None:
    spec = spec_of(SPEC.replace("slos:\n", 'links: {dashboard: "{grafana_url}/d/mine"}\nslos:\n'))
    links = slo_links(spec, spec.slos[0], DEPLOY)
    assert links["dashboard_url"] == "https://grafana.example.com/d/mine"
