"""Alertmanager configuration that hands every Prometheus alert to the FTW Observe engine."""

from __future__ import annotations

from ftw_observe.alertmanager.config import TIERS, alertmanager_config

__all__ = ["TIERS", "alertmanager_config"]
