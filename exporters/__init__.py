"""Prometheus exporters for the marketplace's business and infrastructure metrics."""
