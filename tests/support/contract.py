"""Hold what a deployable exports against the metric contract of `ftw_observe.spec.contract`."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from ftw_observe.spec.contract import CONTRACT, ContractMetric


def _shape(metric: ContractMetric, exposition: str) -> tuple[str, set[str], tuple[float, ...]]:
    for family in text_string_to_metric_families(exposition):
        if family.name != metric.name:
            continue
        labels: set[str] = set()
        bounds: set[float] = set()
        for sample in family.samples:
            if sample.name.endswith(("_created", "_sum", "_count")):
                continue
            labels |= set(sample.labels) - {"le"}
            if "le" in sample.labels and sample.labels["le"] != "+Inf":
                bounds.add(float(sample.labels["le"]))
        return family.type, labels, tuple(sorted(bounds))
    return "missing", set(), ()


def contract_differences(exposition: str, source: str) -> dict[str, str]:
    """Return, per contract metric of `source`, how the exposition differs from the contract."""
    differences = {}
    for metric in (m for m in CONTRACT if m.source == source):
        kind, labels, buckets = _shape(metric, exposition)
        expected = (metric.type, set(metric.labels), metric.buckets)
        if (kind, labels, buckets) != expected:
            differences[metric.name] = f"exported {(kind, labels, buckets)}, contract {expected}"
    return differences
