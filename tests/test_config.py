"""Settings: defaults < TOML file < HUBBUB_* environment < flags, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubbub.config import Settings


def test_precedence(tmp_path: Path) -> None:
    toml = tmp_path / "hubbub.toml"
    toml.write_text('port = 9000\nmax_devices = 3\nhost = "0.0.0.0"\n')
    s = Settings.load(str(toml), env={"HUBBUB_PORT": "9100", "HUBBUB_RATE_LIMIT": "12.5"}, host="127.0.0.2")
    assert s.port == 9100 and s.max_devices == 3 and s.rate_limit == 12.5 and s.host == "127.0.0.2"
    assert Settings.load(env={}).port == 8080


def test_toml_section_and_env_config_path(tmp_path: Path) -> None:
    toml = tmp_path / "h.toml"
    toml.write_text("[hubbub]\nwindow = 50\n")
    assert Settings.load(env={"HUBBUB_CONFIG": str(toml)}).window == 50


def test_unknown_and_mistyped_settings_are_clear_errors(tmp_path: Path) -> None:
    toml = tmp_path / "h.toml"
    toml.write_text("prot = 1\n")
    with pytest.raises(ValueError, match="unknown setting.*prot"):
        Settings.load(str(toml), env={})
    with pytest.raises(ValueError, match="max_devices must be int"):
        Settings.load(env={"HUBBUB_MAX_DEVICES": "many"})


def test_every_setting_is_described() -> None:
    for name, help_, _default in Settings.describe():
        assert help_, name
