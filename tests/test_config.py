"""Configuration: bad values stop `triage` with one line, writes are off by default."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from triage.config import ConfigError, load_settings

RunTriage = Callable[..., subprocess.CompletedProcess[str]]

SETTING_NAMES = ("DATABASE_URL", "REDIS_URL", "DQT_API_URL", "DQT_API_KEY")


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRIAGE_ALLOW_WRITES", "maybe"),
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "memcached://localhost"),
        ("DQT_API_URL", "ftp://dqt.example"),
        ("TRIAGE_PENDING_TRN_DAYS", "-1"),
        ("TRIAGE_SIDEKIQ_VERSION", "5"),
        ("TRIAGE_DQT_TIMEOUT_SECONDS", "soon"),
    ],
)
def test_bad_value_stops_start_up_with_one_line(
    run_triage: RunTriage, name: str, value: str
) -> None:
    result = run_triage(**{name: value})

    line = assert_one_line_error(result, name, "configuration error")
    assert result.returncode == 2
    assert result.stdout == ""
    assert line.startswith("triage: ")


def test_bad_value_in_dot_env_file_is_reported_the_same_way(
    tmp_path: Path, run_triage: RunTriage
) -> None:
    (tmp_path / ".env").write_text("TRIAGE_ALLOW_WRITES=perhaps\n")

    result = run_triage("sandbox", "status")

    assert_one_line_error(result, "TRIAGE_ALLOW_WRITES")


def test_some_but_not_all_service_urls_is_refused(
    tmp_path: Path, run_triage: RunTriage
) -> None:
    url = f"postgresql://postgres@/register?host={tmp_path}"

    result = run_triage(DATABASE_URL=url)

    line = assert_one_line_error(result, "REDIS_URL", "DQT_API_URL")
    assert "configuration error" in line


def test_unreachable_database_is_one_line(
    tmp_path: Path, run_triage: RunTriage
) -> None:
    # Sockets in a folder of our own that nothing listens on: no network at all.
    result = run_triage(
        DATABASE_URL=f"postgresql://postgres@/register?host={tmp_path}",
        REDIS_URL=f"unix://{tmp_path}/redis.sock",
        DQT_API_URL="http://127.0.0.1:9/",
        DQT_API_KEY="not-used",
    )

    assert_one_line_error(result, "PostgreSQL unreachable")
    assert result.returncode == 3


def test_data_dir_that_is_a_file_is_one_line(
    tmp_path: Path, run_triage: RunTriage
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")

    result = run_triage("sandbox", "status", TRIAGE_DATA_DIR=str(not_a_folder))

    assert_one_line_error(result, "TRIAGE_DATA_DIR")


def test_unknown_command_is_argparse_usage_not_a_traceback(
    run_triage: RunTriage,
) -> None:
    result = run_triage("no-such-command")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "invalid choice" in result.stderr


# --- settings in-process ----------------------------------------------------------


@pytest.fixture
def clean_settings_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No settings from the environment, no `.env` in the working folder."""
    for name in list(os.environ):
        if name in SETTING_NAMES or name.startswith("TRIAGE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


SERVICES = {
    "database_url": "postgresql://register@db.invalid/register",
    "redis_url": "redis://redis.invalid:6379/0",
    "dqt_api_url": "https://dqt.invalid/",
}


def test_writes_are_off_against_configured_services(clean_settings_env: Path) -> None:
    settings = load_settings(**SERVICES)

    assert settings.uses_sandbox is False
    assert settings.writes_enabled is False


def test_writes_are_on_in_the_sandbox(clean_settings_env: Path) -> None:
    settings = load_settings()

    assert settings.uses_sandbox is True
    assert settings.writes_enabled is True


@pytest.mark.parametrize(
    ("value", "sandbox", "expected"),
    [
        ("true", False, True),
        ("1", False, True),
        ("false", True, False),
        ("0", True, False),
    ],
)
def test_allow_writes_overrides_the_default(
    clean_settings_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    value: str,
    sandbox: bool,
    expected: bool,
) -> None:
    monkeypatch.setenv("TRIAGE_ALLOW_WRITES", value)

    settings = load_settings() if sandbox else load_settings(**SERVICES)

    assert settings.uses_sandbox is sandbox
    assert settings.writes_enabled is expected


def test_api_key_never_shows_in_repr_or_dump(
    clean_settings_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DQT_API_KEY", "s3cr3t-key-value")

    settings = load_settings(**SERVICES)

    assert settings.dqt_api_key is not None
    assert settings.dqt_api_key.get_secret_value() == "s3cr3t-key-value"
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert "s3cr3t-key-value" not in text


def test_config_error_names_the_setting(clean_settings_env: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(database_url="mysql://x")

    assert str(raised.value).startswith("DATABASE_URL: ")
    assert "\n" not in str(raised.value)


def test_data_dir_comes_from_the_environment(
    clean_settings_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(clean_settings_env / "elsewhere"))

    assert load_settings().triage_data_dir == clean_settings_env / "elsewhere"


# --- .env.example -------------------------------------------------------------------

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def test_env_example_documents_every_setting() -> None:
    from triage.config import Settings

    names = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    }

    assert names == {field.upper() for field in Settings.model_fields}


def test_env_example_as_dot_env_gives_the_defaults(clean_settings_env: Path) -> None:
    (clean_settings_env / ".env").write_text(ENV_EXAMPLE.read_text())

    settings = load_settings()

    assert settings.uses_sandbox is True
    assert settings.dqt_api_key is None
    assert settings.triage_allow_writes is None
    assert settings.triage_sidekiq_version == "6"
    assert settings.triage_pending_trn_days == 7
