"""Issue 6 item 23: every setting is checked against its range, and every setting is a `serve` flag."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hubbub.cli.main import _settings, build_parser
from hubbub.config import Settings

FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _bounds(name: str) -> dict[str, Any]:
    return {k: v for k, v in FIELDS[name].metadata.items() if k in ("min", "max", "choices")}


def _step(value: Any) -> Any:
    return 1 if isinstance(value, int) else value * 1e-6 + 1e-9


def test_item23_port_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"port must be .*65535.*99999"):
        Settings.load(env={}, port=99999)
    out = subprocess.run([sys.executable, "-m", "hubbub", "serve", "--port", "99999", "--data-dir",
                          str(tmp_path / "d")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out
    assert "port" in out.stderr and "65535" in out.stderr and "Traceback" not in out.stderr


def test_item23_every_number_and_word_setting_has_a_range() -> None:
    for name, f in FIELDS.items():
        if isinstance(f.default, (int, float)):
            assert "min" in f.metadata and "max" in f.metadata, name
        assert f.metadata.get("choices") is None or f.default in f.metadata["choices"], name


@pytest.mark.parametrize("name", [n for n in FIELDS if _bounds(n)])
def test_item23_every_setting_at_its_edges(name: str) -> None:
    b = _bounds(name)
    if "choices" in b:
        for ok in b["choices"]:
            assert getattr(Settings.load(env={}, **{name: ok}), name) == ok
        with pytest.raises(ValueError, match=name):
            Settings.load(env={}, **{name: "no-such-choice"})
        return
    lo, hi = b["min"], b["max"]
    assert getattr(Settings.load(env={}, **{name: lo}), name) == lo
    assert getattr(Settings.load(env={}, **{name: hi}), name) == hi
    for bad in (lo - _step(lo), hi + _step(hi)):
        with pytest.raises(ValueError, match=rf"{name} must be between"):
            Settings.load(env={}, **{name: bad})
    # the environment is checked the same way
    with pytest.raises(ValueError, match=name):
        Settings.load(env={f"HUBBUB_{name.upper()}": str(hi + _step(hi))})


@pytest.mark.parametrize("name", list(FIELDS))
def test_item23_every_setting_is_a_serve_flag(name: str) -> None:
    f = FIELDS[name]
    b = _bounds(name)
    value = b["choices"][-1] if "choices" in b else b["max"] if "max" in b else "x-" + name
    args = build_parser().parse_args(["serve", "--" + name.replace("_", "-"), str(value)])
    assert getattr(_settings(args), name) == value
    assert f"--{name.replace('_', '-')}" in build_parser()._subparsers._group_actions[0].choices["serve"].format_help()


def test_item23_log_level_flag_is_accepted_and_checked(tmp_path: Path) -> None:
    args = build_parser().parse_args(["serve", "--log-level", "debug"])
    assert _settings(args).log_level == "debug"
    out = subprocess.run([sys.executable, "-m", "hubbub", "serve", "--log-level", "loud", "--data-dir",
                          str(tmp_path / "d")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "log_level" in out.stderr, out
