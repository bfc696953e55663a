"""The engine reads exactly the series the rule compiler records."""

from __future__ import annotations

import re
from pathlib import Path

import promql_parser

from ftw_observe.burnrate import WINDOWS
from ftw_observe.engine.evaluate import series_query, targets
from ftw_observe.rules import names
from ftw_observe.rules.compile import compile_service
from ftw_observe.spec.load import load_specs, validate_text

MARKETPLACE = Path(__file__).resolve().parents[3] / "slo" / "marketplace.yaml"
MARKETPLACE_SPEC = load_specs([MARKETPLACE])[0].spec
RAW_SERVICE = """\
service: synthetic-raw
team: sre
slos:
  - name: raw-ratio
    description: A raw error ratio.
    objective: 99
    sli:
      raw:
        error_ratio: sum(rate(errors_total[{{window}}])) / sum(rate(requests_total[{{window}}]))
  - name: counted
    description: Counted.
    objective: 99
    sli:
      ratio:
        errors: requests_total{status="500"}
        total: requests_total
"""


def recorded() -> set[str]:
    compiled = compile_service(load_specs([MARKETPLACE])[0].spec)
    return {
        rule["record"]
        for group in compiled["groups"]
        for rule in group["rules"]
        if "record" in rule
    }


def test_every_series_the_engine_reads_is_recorded() -> None:
    assert set(names.recorded_counts(WINDOWS)) <= recorded()


def selected_names(query: str) -> set[str]:
    pattern = re.fullmatch(r'\{__name__=~"(.*)",service=~"marketplace"\}', query)
    assert pattern is not None
    return {name for name in recorded() if re.fullmatch(pattern.group(1), name)}


def test_the_query_selects_the_counts_and_coverage_and_no_other_recorded_series() -> None:
    selected = selected_names(series_query(targets([MARKETPLACE_SPEC])))
    counted = {
        n for n, (kind, _) in names.recorded_counts(WINDOWS).items() if kind != "error_ratio"
    }
    assert selected == counted
    assert names.windowed(names.BURN_RATE, 3600) not in selected


def test_slis_with_counts_are_not_read_twice_through_their_ratios() -> None:
    selected = selected_names(series_query(targets([MARKETPLACE_SPEC])))
    assert names.windowed(names.ERROR_RATIO, 3600) not in selected


def test_a_raw_sli_s_ratios_are_read_for_that_slo_only() -> None:
    spec = validate_text(RAW_SERVICE, "raw.yaml")[0]
    assert spec is not None
    query = series_query(targets([spec]))
    ratios = re.search(r'or \{__name__=~"([^"]*)",service="synthetic-raw",slo=~"([^"]*)"\}', query)
    assert ratios is not None
    assert re.fullmatch(ratios.group(1), names.windowed(names.ERROR_RATIO, 3600))
    assert ratios.group(2) == "raw\\\\-ratio"


def test_the_query_is_valid_promql_where_names_hold_dashes() -> None:
    spec = validate_text(RAW_SERVICE, "raw.yaml")[0]
    assert spec is not None
    promql_parser.parse(series_query(targets([spec])))
