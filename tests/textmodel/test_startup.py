"""A missing or corrupt model file stops the service at start with a message naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from intake.textmodel import ModelError, active_model, default_model
from web.app import create_app
from web.settings import Settings


def _settings(tmp_path: Path, model: Path | None) -> Settings:
    return Settings(data_dir=tmp_path / "data", model_path=model, _env_file=None)  # type: ignore[call-arg]


def test_create_app_refuses_a_missing_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"gone\.npz: file not found"):
        create_app(_settings(tmp_path, tmp_path / "gone.npz"))


def test_create_app_refuses_a_corrupt_model(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(ModelError, match=r"bad\.npz: corrupt or not a model file"):
        create_app(_settings(tmp_path, bad))


def test_serve_exits_with_the_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    env = {"PETITION_MODEL_PATH": str(bad), "PETITION_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(main, ["serve", "--port", "1"], env=env)
    assert result.exit_code == 2
    assert "cannot start: text model" in result.stderr and "bad.npz" in result.stderr


def test_create_app_activates_the_given_model(tmp_path: Path) -> None:
    shipped = tmp_path / "copy.npz"
    shipped.write_bytes(Path(default_model().path).read_bytes())
    app = create_app(_settings(tmp_path, shipped))
    assert app.state.model.path == str(shipped)
    assert active_model() is app.state.model
    create_app(_settings(tmp_path, None))  # back to the shipped one
    assert active_model() is default_model()


def test_status_prints_the_model_and_its_scores() -> None:
    result = CliRunner().invoke(main, ["model", "status"])
    assert result.exit_code == 0, result.output
    assert "shipped" in result.stdout and "version" in result.stdout and "heldback" in result.stdout


def test_status_fails_on_a_bad_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["model", "status", "--path", str(tmp_path / "x.npz")])
    assert result.exit_code == 1 and "file not found" in result.stderr
