"""Which dashboards a spec set gets: the shared ones always, the deployment's own when listed."""

from __future__ import annotations

from ftw_observe.dashboards import build_dashboards
from ftw_observe.spec.model import ServiceSpec

SHARED = ["ftw-executive", "ftw-observe-health", "ftw-slo-detail", "ftw-slo-overview"]


def _spec(service: str, *dashboards: str) -> ServiceSpec:
    return ServiceSpec.model_validate(
        {"service": service, "team": service, "dashboards": list(dashboards)}
    )


def _uids(*specs: ServiceSpec) -> list[str]:
    return sorted(name.removesuffix(".json") for name in build_dashboards(specs))


def _executive_rows(*specs: ServiceSpec) -> list[str]:
    executive = build_dashboards(specs)["ftw-executive.json"]
    return [panel["title"] for panel in executive["panels"] if panel["type"] == "row"]


def test_a_spec_set_that_lists_none_gets_the_shared_dashboards_only() -> None:
    assert _uids(_spec("payments")) == SHARED


def test_each_listed_dashboard_is_written() -> None:
    assert _uids(_spec("platform", "infrastructure")) == sorted([*SHARED, "ftw-infrastructure"])


def test_dashboards_listed_by_several_files_are_written_once() -> None:
    found = _uids(_spec("a", "business"), _spec("b", "business", "marketplace"))
    assert found == sorted([*SHARED, "ftw-business", "ftw-marketplace"])


def test_the_launch_plan_row_needs_both_the_business_and_the_marketplace() -> None:
    assert "Against the launch plan" not in _executive_rows(_spec("a", "business"))
    both = _executive_rows(_spec("a", "business", "marketplace"))
    assert "Against the launch plan" in both
