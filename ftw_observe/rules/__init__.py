"""Prometheus rule generation: SLO recording and alerting rules, threshold alerts."""
