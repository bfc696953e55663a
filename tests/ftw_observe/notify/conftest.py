"""Fixtures of the router's tests: a dispatcher over a real store and the fake receivers."""

from __future__ import annotations

import pytest

from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.store import Store
from tests.support.dispatch import Rig


@pytest.fixture
def rig(store: Store, fake_pagerduty: FakePagerDuty, fake_slack: FakeSlack) -> Rig:
    """A dispatcher on each store backend, routing by the committed policy to both fakes."""
    return Rig(store, fake_pagerduty, fake_slack)
