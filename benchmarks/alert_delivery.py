"""1,000 alert transitions through the durable outbox to fake PagerDuty and Slack servers.

500 page alerts fire and resolve (1,000 transitions) at a steady rate, as the engine would
enqueue them; the dispatcher routes them with the committed policy (alerts/routing.yaml: each
page to PagerDuty and Slack #incidents) and delivers them, polling every second as
`ftw-observe serve` does. PagerDuty answers 429 (Retry-After: 1) to one request in ten.
Measured: deliveries per second, and per delivery the time from the transition to its
delivery (p50, p99); checked: nothing lost, nothing duplicated, every resolve after its trigger.

Goals: 0 lost, 0 duplicates, p99 < 5 s.

Run:
    .venv/bin/python benchmarks/alert_delivery.py [--alerts 500] [--rate 50] [--database URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ftw_observe.demo.fakes.http import Failure
from ftw_observe.demo.fakes.pagerduty import FakePagerDuty
from ftw_observe.demo.fakes.slack import FakeSlack
from ftw_observe.model import NotificationKind
from ftw_observe.notify.dispatch import Dispatcher
from ftw_observe.notify.policy_file import load_policy
from ftw_observe.notify.receivers import build_senders
from ftw_observe.store import Store, make_store_engine, upgrade_url
from tests.support.notifications import burn_notification

REPO = Path(__file__).resolve().parents[1]


class ThrottlingPagerDuty(FakePagerDuty):
    """A fake PagerDuty that answers 429 to every tenth request."""

    def _take_failure(self, path: str) -> Failure | None:
        self.seen = getattr(self, "seen", 0) + 1
        if self.seen % 10 == 0:
            return Failure(429, 1.0, None, None)
        return super()._take_failure(path)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=500, help="alerts; each fires and resolves")
    parser.add_argument("--rate", type=float, default=50, help="transitions per second")
    parser.add_argument("--database", help="store URL (default: an SQLite file in a temp dir)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ftw-delivery-"))
    url = args.database or f"sqlite:///{workdir / 'store.db'}"
    upgrade_url(url)
    engine = make_store_engine(url)
    store = Store(engine)
    policy = load_policy(REPO / "alerts" / "routing.yaml")
    with ThrottlingPagerDuty() as pagerduty, FakeSlack() as slack:
        env = {
            "PAGERDUTY_ROUTING_KEY": "B3NCHR0UT1NGKEY00000000000000000",
            "PAGERDUTY_EVENTS_URL": pagerduty.url,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.api_url,
        }
        senders = build_senders(policy, status_page_url="http://127.0.0.1:8080", env=env)
        dispatcher = Dispatcher(store.notifications, lambda: policy, senders)
        stop = threading.Event()

        def dispatch_every_second() -> None:
            while not stop.is_set():
                dispatcher.run_once()
                stop.wait(1.0)

        worker = threading.Thread(target=dispatch_every_second)
        base = burn_notification()
        transitions = []
        for index in range(args.alerts):
            labels = {**base.labels, "route": f"/api/r{index:04d}"}
            alert = replace(base, dedup_key=f"ftw/bench/r{index:04d}/page-1h", labels=labels)
            transitions.append(alert)
        # Each alert resolves a quarter of the run after it fired, interleaved with new pages.
        lag = len(transitions) // 4
        schedule = []
        for index in range(len(transitions) + lag):
            if index < len(transitions):
                schedule.append(transitions[index])
            if index >= lag:
                schedule.append(replace(transitions[index - lag], kind=NotificationKind.RESOLVE))
        started = time.perf_counter()
        worker.start()
        for index, notification in enumerate(schedule):
            due = started + index / args.rate
            time.sleep(max(0.0, due - time.perf_counter()))
            store.enqueue([replace(notification, created_at=datetime.now(UTC))])
        deadline = time.monotonic() + 120
        while store.outbox_depth() and time.monotonic() < deadline:
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        stop.set()
        worker.join()

        events = pagerduty.events()
        pd_counts = Counter((e["dedup_key"], e["event_action"]) for e in events)
        posts = slack.posted("incidents")
        slack_counts = Counter(m["metadata"]["event_payload"]["dedup_key"] for m in posts)
        updates = len(slack.calls("chat.update"))
        expected = {t.dedup_key for t in transitions}
        lost = sum(
            1
            for key in expected
            for action in ("trigger", "resolve")
            if not pd_counts[(key, action)]
        ) + sum(1 for key in expected if not slack_counts[key])
        duplicates = sum(n - 1 for n in pd_counts.values() if n > 1) + sum(
            n - 1 for n in slack_counts.values() if n > 1
        )
        order_ok = all(
            [e["event_action"] for e in events if e["dedup_key"] == key] == ["trigger", "resolve"]
            for key in expected
        )
        throttled = sum(1 for r in pagerduty.requests if r.status == 429)
        # Every delivery to a receiver: at most one per receiver of each transition.
        delivered = store.sent(limit=len(schedule) * len(policy.receivers))
        latencies = [(d.sent_at - d.notification.created_at).total_seconds() for d in delivered]
        deliveries = len(delivered)
        print(f"{len(schedule)} transitions at {args.rate:g}/s; {deliveries} deliveries", end="")
        print(f" in {elapsed:.1f} s")
        print(f"PagerDuty answered 429 to {throttled} requests")
        print(f"throughput: {deliveries / elapsed:.1f} deliveries/s")
        print(
            f"transition to delivery: p50 {statistics.median(latencies):.2f} s, "
            f"p99 {percentile(latencies, 0.99):.2f} s, max {max(latencies):.2f} s"
        )
        print(f"lost {lost}, duplicates {duplicates}, resolves after triggers: {order_ok}")
        print(f"Slack: {len(posts)} messages, {updates} updated on resolve")
        print(f"goal p99 < 5 s: p99/goal = {percentile(latencies, 0.99) / 5:.3f}")
    engine.dispose()
    print("rerun: .venv/bin/python benchmarks/alert_delivery.py", " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
