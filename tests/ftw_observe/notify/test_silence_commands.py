"""`silence add|list|expire` against a served engine, with the API token from where it is kept."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import Result

from ftw_observe.notify.engine_api import ApiToken, TokenError, find_token
from tests.conftest import free_port
from tests.ftw_observe.api.seed import marketplace_specs
from tests.ftw_observe.conftest import SERVER_API_TOKEN, Server
from tests.support.cli import run_cli
from tests.support.terminal import BOX, run_in_terminal, run_piped, script

TOKEN_ENV = {"FTW_API_TOKEN": SERVER_API_TOKEN}


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run a command with the server's token in FTW_API_TOKEN (unless `env` says otherwise)."""
    return run_cli(*args, env=TOKEN_ENV if env is None else env)


def test_silence_add_list_and_expire_through_the_api(server: Server):
    url = ["--url", server.url]

    added = run(
        "silence",
        "add",
        "service=marketplace",
        "slo=~api-.*",
        "--reason",
        "deploy",
        "--author",
        "ana",
        "--duration",
        "2h",
        *url,
    )
    assert added.exit_code == 0, added.output
    first, second = added.output.strip().splitlines()
    found = re.match(
        r"silence ([0-9a-f-]{36}) active until .* UTC: service=marketplace, slo=~api-\.\*$", first
    )
    assert found, added.output
    assert re.fullmatch(r"  mutes \d+ of \d+ known alerts; announced in the ticket channel", second)
    silence_id = found.group(1)

    window = run(
        "silence",
        "add",
        "service=host",
        "--reason",
        "disk swap",
        "--starts",
        "1h",
        "--duration",
        "30m",
        *url,
        env={**TOKEN_ENV, "USER": "bo"},
    )
    assert window.exit_code == 0, window.output
    assert re.match(r"silence \S+ pending from .* UTC until .* UTC: service=host\n", window.output)

    listed = run("silence", "list", *url)
    assert listed.exit_code == 0, listed.output
    assert silence_id in listed.output
    assert "pending" in listed.output
    assert "bo" in listed.output

    expired = run("silence", "expire", silence_id, *url)
    assert expired.exit_code == 0, expired.output
    assert expired.output.startswith(f"silence {silence_id} expired until")
    assert silence_id not in run("silence", "list", *url).output
    assert silence_id in run("silence", "list", "--all", *url).output


def test_silence_until_takes_an_iso_time(server: Server):
    until = datetime.now(UTC) + timedelta(days=3)
    result = run(
        "silence",
        "add",
        "slo=payout-success",
        "--reason",
        "provider migration",
        "--until",
        f"{until:%Y-%m-%dT%H:%M}",
        "--url",
        server.url,
    )

    assert result.exit_code == 0, result.output
    assert f"until {until:%Y-%m-%d %H:%M} UTC" in result.output


def test_a_silence_longer_than_the_engine_allows_is_refused(server: Server):
    result = run(
        "silence",
        "add",
        "slo=payout-success",
        "--reason",
        "r",
        "--until",
        "2099-01-01T00:00",
        "--url",
        server.url,
    )

    assert result.exit_code == 2, result.output
    assert "error: ends_at: the silence would last" in result.output
    assert "longer than the 7d a silence may last" in result.output


def test_a_mute_all_silence_needs_force_and_says_so(server: Server):
    args = ["silence", "add", "severity=~.+", "--reason", "r", "--duration", "1h"]

    refused = run(*args, "--url", server.url)
    forced = run(*args, "--force", "--url", server.url)

    assert refused.exit_code == 2, refused.output
    assert "error: matchers: these matchers would mute" in refused.output
    assert "--force" in refused.output
    assert forced.exit_code == 0, forced.output
    assert "(every one); announced in the ticket channel" in forced.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["service", "--reason", "x", "--duration", "1h"], "'service' is not a matcher"),
        (["slo=~.*", "--reason", "x", "--duration", "1h"], "would silence every alert"),
        (["service=x", "--reason", "x"], "give --duration (such as 2h) or --until"),
        (["service=x", "--reason", "x", "--duration", "1h", "--until", "2h"], "give --duration"),
        (["service=x", "--reason", "x", "--until", "tomorrow"], "--until: 'tomorrow' is neither"),
        (
            ["service=x", "--reason", "x", "--duration", "2 hours"],
            "duration: '2 hours' is not a duration",
        ),
    ],
)
def test_silence_add_exits_2_on_bad_input(server: Server, args: list[str], message: str):
    result = run("silence", "add", *args, "--url", server.url)

    assert result.exit_code == 2, result.output
    assert message in result.output


def test_silence_commands_say_when_the_engine_is_unreachable_or_the_silence_unknown(
    server: Server,
):
    down = run("silence", "list", "--url", f"http://127.0.0.1:{free_port()}")
    unknown = run("silence", "expire", "no-such-id", "--url", server.url)

    assert down.exit_code == 1
    assert "error: cannot reach http://127.0.0.1:" in down.output
    assert unknown.exit_code == 1
    assert "HTTP 404: no silence 'no-such-id'" in unknown.output


ADD = ["silence", "add", "service=marketplace", "--reason", "deploy", "--duration", "1h"]


def private_file(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_silence_add_reads_the_token_from_ftw_api_token(server: Server):
    result = run(*ADD, "--url", server.url, env={"FTW_API_TOKEN": SERVER_API_TOKEN})

    assert result.exit_code == 0, result.output
    assert SERVER_API_TOKEN not in result.output


def test_silence_add_reads_the_token_from_token_file(server: Server, tmp_path: Path):
    token = private_file(tmp_path / "token", SERVER_API_TOKEN + "\n")

    result = run(*ADD, "--url", server.url, "--token-file", str(token), env={})

    assert result.exit_code == 0, result.output


def test_silence_add_reads_the_file_ftw_api_token_file_names(server: Server, tmp_path: Path):
    token = private_file(tmp_path / "token", SERVER_API_TOKEN)

    result = run(*ADD, "--url", server.url, env={"FTW_API_TOKEN_FILE": str(token)})

    assert result.exit_code == 0, result.output


def test_silence_commands_read_the_token_the_demo_keeps_under_ftw_home(
    server: Server, tmp_path: Path
):
    private_file(tmp_path / "api-token", SERVER_API_TOKEN + "\n")

    added = run(*ADD, "--url", server.url, env={"FTW_HOME": str(tmp_path)})
    silence_id = added.output.split()[1]
    expired = run(
        "silence", "expire", silence_id, "--url", server.url, env={"FTW_HOME": str(tmp_path)}
    )

    assert added.exit_code == 0, added.output
    assert expired.exit_code == 0, expired.output


def test_without_a_token_a_write_says_where_to_put_one_and_calls_nobody():
    result = run(*ADD, "--url", f"http://127.0.0.1:{free_port()}", env={})

    assert result.exit_code == 1
    assert "error: changing silences needs the engine's API token" in result.output
    assert "FTW_API_TOKEN" in result.output
    assert "--token-file" in result.output
    assert ".ftw/api-token" in result.output
    assert "cannot reach" not in result.output


def test_a_wrong_token_is_named_by_where_it_came_from_never_by_its_value(server: Server):
    result = run(*ADD, "--url", server.url, env={"FTW_API_TOKEN": "wrong-token-value"})

    assert result.exit_code == 1
    assert "refused the API token from FTW_API_TOKEN (HTTP 401)" in result.output
    assert "wrong-token-value" not in result.output


@pytest.mark.parametrize("content", [None, ""])
def test_an_unusable_token_file_exits_2_naming_it(tmp_path: Path, content: str | None):
    path = tmp_path / "token"
    if content is not None:
        private_file(path, content)

    result = run(*ADD, "--url", "http://127.0.0.1:1", "--token-file", str(path), env={})

    assert result.exit_code == 2, result.output
    assert f"--token-file {path}:" in result.output


def test_find_token_takes_the_first_place_that_has_one(tmp_path: Path):
    explicit = private_file(tmp_path / "explicit", "from-option")
    named = private_file(tmp_path / "named", "from-named-file")
    private_file(tmp_path / "api-token", "from-home")
    every = {
        "FTW_API_TOKEN": "from-env",
        "FTW_API_TOKEN_FILE": str(named),
        "FTW_HOME": str(tmp_path),
    }

    assert find_token(explicit, every) == ApiToken("from-option", f"--token-file {explicit}")
    assert find_token(None, every) == ApiToken("from-env", "FTW_API_TOKEN")
    without_env = {k: v for k, v in every.items() if k != "FTW_API_TOKEN"}
    assert find_token(None, without_env).value == "from-named-file"  # type: ignore[union-attr]
    assert find_token(None, {"FTW_HOME": str(tmp_path)}).value == "from-home"  # type: ignore[union-attr]
    assert find_token(None, {"FTW_HOME": str(tmp_path / "empty")}) is None
    with pytest.raises(TokenError, match="FTW_API_TOKEN_FILE=/nonexistent: cannot read"):
        find_token(None, {"FTW_API_TOKEN_FILE": "/nonexistent"})


MESSAGES = "route=/api/jobs/{job_id}/messages"


def _add(server: Server, *matchers: str, extra: tuple[str, ...] = ()) -> Result:
    args = ["--reason", "deploy", "--author", "ana", "--duration", "2h", "--url", server.url]
    return run("silence", "add", *matchers, *args, *extra)


def test_silence_add_quiet_prints_only_the_new_id(server: Server):
    result = _add(server, "slo=bid-response", extra=("-q",))

    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"[0-9a-f-]{36}\n", result.stdout)


def test_silence_add_json_is_the_new_silence(server: Server):
    result = _add(server, "slo=bid-response", extra=("-o", "json"))

    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["matchers"] == ["slo=bid-response"]
    assert created["state"] == "active"


@pytest.mark.parametrize("args", [["-o", "json"], ["--json"]])
def test_silence_list_json_parses_to_the_silences(server: Server, args: list[str]):
    silence_id = _add(server, "slo=bid-response", extra=("-q",)).stdout.strip()

    result = run("silence", "list", "--url", server.url, *args)

    assert result.exit_code == 0, result.output
    assert [silence["id"] for silence in json.loads(result.stdout)] == [silence_id]


def _slo_silences(server: Server) -> list[str]:
    names = [slo.name for spec in marketplace_specs() for slo in spec.slos]
    ids = [_add(server, f"slo={name}", MESSAGES, extra=("-q",)).stdout.strip() for name in names]
    assert all(ids)
    return [*ids, *(f"slo={name}" for name in names), MESSAGES]


def test_silence_list_piped_at_80_columns_is_plain_and_whole(server: Server):
    wanted = _slo_silences(server)

    ran = run_piped([script("ftw-observe"), "silence", "list", "--url", server.url], columns=80)

    assert ran.returncode == 0, ran.stderr
    for text in wanted:
        assert text in ran.stdout
    assert "…" not in ran.stdout
    assert "\x1b" not in ran.stdout
    assert not BOX & set(ran.stdout)


def test_silence_list_in_a_terminal_fits_80_columns_with_ids_and_matchers_whole(server: Server):
    wanted = _slo_silences(server)

    ran = run_in_terminal([script("ftw-observe"), "silence", "list", "--url", server.url])

    assert ran.returncode == 0, ran.stderr
    for text in wanted:
        assert text in ran.stdout
    assert "…" not in ran.stdout
    assert max(len(line) for line in ran.stdout.splitlines()) <= 80


def test_silence_list_wide_shows_the_reason(server: Server):
    _add(server, "slo=bid-response")

    result = run("silence", "list", "--url", server.url, "-o", "wide")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == [
        "id",
        "state",
        "matchers",
        "starts",
        "ends",
        "author",
        "reason",
    ]
    assert "deploy" in result.stdout
