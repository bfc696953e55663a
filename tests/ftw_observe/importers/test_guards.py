"""What imported SLOs get of the minimum-errors guard: only SLIs that count events have it."""

from __future__ import annotations

from typing import Any

from ftw_observe.importers.convert import import_text, render_spec
from ftw_observe.spec.load import validate_text
from ftw_observe.spec.model import SLOSpec

from .helpers import metric, openslo_slo, openslo_text, ratio, sloth_slo, sloth_text


def imported_slo(text: str) -> tuple[dict[str, Any], SLOSpec]:
    """Return the one imported SLO as written, and as validated."""
    [(name, doc)] = import_text(text, "in.yaml").specs
    spec, issues = validate_text(render_spec(doc, "in.yaml"), name)
    assert spec is not None, issues
    return doc["slos"][0], spec.slos[0]


def test_a_sloth_ratio_gets_the_default_guard_without_writing_it() -> None:
    written, slo = imported_slo(sloth_text())
    assert "alerting" not in written
    assert slo.min_errors("page-1h") == 3


def test_sloth_rates_that_became_increases_get_the_guard_written_out() -> None:
    events = {
        "error_query": 'sum by (job) (rate(req_total{code=~"5.."}[{{.window}}]))',
        "total_query": "sum by (job) (rate(req_total[{{.window}}]))",
    }
    written, slo = imported_slo(sloth_text(sloth_slo(sli={"events": events})))
    assert written["alerting"] == {"min_errors": 3}
    assert slo.min_errors("page-1h") == 3


def test_a_sloth_error_ratio_has_no_counts_and_no_guard() -> None:
    query = "1 - avg(avg_over_time(up[{{.window}}]))"
    written, slo = imported_slo(sloth_text(sloth_slo(sli={"raw": {"error_ratio_query": query}})))
    assert "min_errors" not in written.get("alerting", {})
    assert slo.min_errors("page-1h") == 0


def test_openslo_raw_queries_keep_no_guard_they_may_be_rates() -> None:
    indicator = ratio(bad="sum(rate(bad_total[{{window}}]))", total="sum(rate(all[{{window}}]))")
    written, slo = imported_slo(openslo_text(openslo_slo(indicator={"spec": indicator})))
    assert "min_errors" not in written.get("alerting", {})
    assert slo.min_errors("page-1h") == 0


def test_openslo_selectors_become_a_ratio_with_the_default_guard() -> None:
    indicator = {
        "ratioMetric": {"counter": True, "bad": metric("bad_total"), "total": metric("all_total")}
    }
    _, slo = imported_slo(openslo_text(openslo_slo(indicator={"spec": indicator})))
    assert slo.sli.ratio is not None
    assert slo.min_errors("ticket-3d") == 3
