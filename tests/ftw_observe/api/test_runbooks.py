"""Runbooks served at the URLs alerts link to."""

from __future__ import annotations

from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from ftw_observe.api.app import create_app
from ftw_observe.api.runbooks import anchor, render_markdown

REPO = Path(__file__).resolve().parents[3]


SHIPPED = REPO / "docs" / "runbooks"


def client(store, *directories: Path) -> TestClient:
    dirs = directories or (SHIPPED,)
    return TestClient(create_app(store=store, specs=[], runbook_dirs=dirs))


def team_runbooks(directory: Path) -> Path:
    """Write a team's runbook directory: its service's runbook and its own `thresholds.md`."""
    directory.mkdir()
    (directory / "checkout.md").write_text("# Checkout\n\n## checkout-availability\n\nPay.\n")
    return directory


def test_every_alert_runbook_link_resolves_to_a_section(store) -> None:
    http = client(store)
    for rules in sorted((REPO / "alerts").glob("*.rules.yml")):
        for group in yaml.safe_load(rules.read_text())["groups"]:
            for rule in group["rules"]:
                url = rule.get("annotations", {}).get("runbook_url")
                if not url:
                    continue
                path = url.removeprefix("http://localhost:8080")
                response = http.get(path, follow_redirects=True)
                assert response.status_code == 200, url
                section = response.url.fragment or path.split("#", 1)[-1]
                assert f'id="{section}"' in response.text, (url, section)


def test_an_unknown_runbook_is_a_404_that_says_so(store) -> None:
    response = client(store).get("/runbooks/nope")
    assert response.status_code == 404
    assert "no runbook called &#39;nope&#39;" in response.text


def test_paths_outside_the_runbook_directory_are_refused(store) -> None:
    assert client(store).get("/runbooks/..%2F..%2Fpyproject").status_code == 404


def test_a_teams_runbook_is_served_from_its_own_directory(store, tmp_path: Path) -> None:
    http = client(store, team_runbooks(tmp_path / "team"), SHIPPED)
    response = http.get("/runbooks/checkout")
    assert response.status_code == 200
    assert 'id="checkout-availability"' in response.text


def test_the_shipped_runbooks_stay_served_behind_a_teams_directory(store, tmp_path: Path) -> None:
    http = client(store, team_runbooks(tmp_path / "team"), SHIPPED)
    response = http.get("/runbooks/ftw-observe")
    assert response.status_code == 200
    assert 'id="watchdog"' in response.text


def test_a_teams_runbook_comes_before_a_shipped_one_of_the_same_name(store, tmp_path: Path) -> None:
    team = team_runbooks(tmp_path / "team")
    (team / "thresholds.md").write_text("# Our thresholds\n\n## Checkout queue age\n")
    response = client(store, team, SHIPPED).get("/runbooks/thresholds")
    assert 'id="checkout-queue-age"' in response.text
    assert 'id="host-high-cpu-utilization"' not in response.text


def test_an_unknown_runbook_names_every_directory_searched(store, tmp_path: Path) -> None:
    team = team_runbooks(tmp_path / "team")
    response = client(store, team, SHIPPED).get("/runbooks/nope")
    assert response.status_code == 404
    assert f"in {team} or {SHIPPED}" in response.text


def test_markdown_is_escaped_and_headings_get_anchors() -> None:
    page = render_markdown("## Host high CPU\n\nRun `top` <script>x</script>\n- one\n- **two**\n")
    assert '<h2 id="host-high-cpu">Host high CPU</h2>' in page
    assert "<code>top</code> &lt;script&gt;" in page
    assert "<li><strong>two</strong></li>" in page
    assert anchor("Marketplace high p95 latency") == "marketplace-high-p95-latency"
