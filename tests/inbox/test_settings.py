from __future__ import annotations

from pathlib import Path

import pytest

from inbox.settings import ConfigurationError, load_settings


def test_the_checked_in_file_loads_with_the_embedded_defaults() -> None:
    settings = load_settings()
    assert settings.database.is_sqlite
    assert not settings.jobs.uses_arq
    assert settings.database_url.endswith("/var/hub.db")


def test_environment_variables_override_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE__URL", "postgresql+asyncpg://hub@127.0.0.1:5432/hub")
    monkeypatch.setenv("HUB_JOBS__REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = load_settings()
    assert not settings.database.is_sqlite
    assert settings.jobs.uses_arq


def test_every_problem_is_named_with_where_and_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE__URL", "mysql://nope")
    monkeypatch.setenv("HUB_JOBS__MAX_ATTEMPTS", "0")
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    problems = "\n".join(error.value.problems)
    assert "database.url: " in problems and "sqlite+aiosqlite://" in problems
    assert "jobs.max_attempts: " in problems


def test_a_secret_written_in_the_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('[web]\nsecret_key = "hunter2"\n')
    monkeypatch.setenv("HUB_SETTINGS_FILE", str(config))
    with pytest.raises(ConfigurationError, match="HUB_WEB__SECRET_KEY"):
        load_settings()


def test_a_secret_from_the_environment_is_accepted_and_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_WEB__SECRET_KEY", "s3cret")
    settings = load_settings()
    assert settings.web.secret_key is not None
    assert settings.web.secret_key.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)


def test_broken_toml_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("[database\nurl = 1\n")
    monkeypatch.setenv("HUB_SETTINGS_FILE", str(config))
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings()
