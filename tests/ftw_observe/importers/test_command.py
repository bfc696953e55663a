"""The import command: YAML on stdout or into files, warnings on stderr, exit 1 on bad input."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml
from typer.testing import CliRunner

from ftw_observe.importers.command import import_specs
from ftw_observe.spec.load import validate_files

from .helpers import openslo_slo, openslo_text, sloth_slo, sloth_text

DATA = Path(__file__).parent / "data"


def run(*args: str | Path) -> typer.testing.Result:
    app = typer.Typer()
    app.command()(import_specs)
    return CliRunner().invoke(app, [str(arg) for arg in args])


def test_stdout_holds_the_converted_yaml_and_stderr_the_warnings() -> None:
    result = run(DATA / "sloth-checkout.yaml")
    assert result.exit_code == 0, result.stderr
    golden = (DATA / "sloth-checkout.checkout.expected.yaml").read_text(encoding="utf-8")
    source = DATA / "sloth-checkout.yaml"
    expected = golden.replace("from sloth-checkout.yaml", f"from {source}")
    assert result.stdout == expected
    assert "warning: " in result.stderr
    assert "tier page-1h disabled" in result.stderr


def test_several_services_on_stdout_are_separate_documents(tmp_path: Path) -> None:
    source = tmp_path / "two.yaml"
    source.write_text(openslo_text(openslo_slo(), openslo_slo("w", service="web")), "utf-8")
    result = run(source)
    assert result.exit_code == 0, result.stderr
    assert [doc["service"] for doc in yaml.safe_load_all(result.stdout)] == ["api", "web"]


def test_output_is_a_file_for_one_service(tmp_path: Path) -> None:
    target = tmp_path / "slo" / "checkout.yaml"
    result = run(DATA / "sloth-checkout.yaml", "--output", target)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"wrote {target}\n"
    loaded, issues = validate_files([target])
    assert issues == []
    assert loaded[0].spec.service == "checkout"


def test_output_is_a_directory_for_several_services(tmp_path: Path) -> None:
    result = run(DATA / "sloth-checkout.yaml", DATA / "openslo-search.yaml", "-o", tmp_path / "slo")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "slo").iterdir()) == ["checkout.yaml", "search.yaml"]
    assert validate_files([tmp_path / "slo"])[1] == []


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "checkout.yaml"
    target.write_text("edited by hand\n", encoding="utf-8")
    result = run(DATA / "sloth-checkout.yaml", "-o", target)
    assert result.exit_code == 1
    assert f"error: {target}: exists; not overwritten" in result.stderr
    assert target.read_text(encoding="utf-8") == "edited by hand\n"


def test_team_and_period_options_apply_to_sloth_specs(tmp_path: Path) -> None:
    source = tmp_path / "sloth.yaml"
    source.write_text(sloth_text(labels={}), encoding="utf-8")
    result = run(source, "--team", "payments", "--period", "28d")
    assert result.exit_code == 0, result.stderr
    doc = yaml.safe_load(result.stdout)
    assert (doc["team"], doc["slos"][0]["period"]) == ("payments", "28d")


def test_bad_input_exits_1_naming_file_and_field(tmp_path: Path) -> None:
    source = tmp_path / "sloth.yaml"
    source.write_text(sloth_text(sloth_slo(sli={"plugin": {"id": "x"}})), encoding="utf-8")
    result = run(source)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"error: {source}: slos[0].sli.plugin: SLI plugins" in result.stderr
    assert "1 problem found; nothing imported" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_yaml_and_missing_files_exit_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: [\n", encoding="utf-8")
    result = run(broken, tmp_path / "missing.yaml")
    assert result.exit_code == 1
    assert f"error: {broken}:2: not valid YAML" in result.stderr
    assert f"error: {tmp_path / 'missing.yaml'}: cannot read" in result.stderr
    assert "2 problems found" in result.stderr


def test_the_same_service_from_two_files_is_refused(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(sloth_text(), encoding="utf-8")
    second.write_text(sloth_text(), encoding="utf-8")
    result = run(first, second)
    assert result.exit_code == 1
    assert f"error: {second}: service: api.yaml is also imported from {first}" in result.stderr
