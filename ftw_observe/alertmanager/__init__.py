"""Alertmanager configuration: Prometheus alerts to the engine, its own alerts straight out."""

from __future__ import annotations

from ftw_observe.alertmanager.config import TIERS, alertmanager_config
from ftw_observe.alertmanager.direct import DirectPath

__all__ = ["TIERS", "DirectPath", "alertmanager_config"]
