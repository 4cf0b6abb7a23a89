"""Issue 6 item 9: the CLI writes through a running server instead of taking the database's lock."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from .test_cli import hubbub, no_traceback


def test_item09_cli_writes_through_the_running_server(server: Any, tmp_path: Path) -> None:
    data_dir = server.settings.data_dir
    control = Path(data_dir) / "server.json"
    assert stat.S_IMODE(control.stat().st_mode) == 0o600, "the operator secret is the owner's alone"
    writer = server.hub.store._writer
    before = writer.operations
    p = hubbub("app", "create", "shop", "--json", "--data-dir", data_dir, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    app = json.loads(p.stdout)
    assert app["name"] == "shop" and app["token"].startswith("app_")
    p = hubbub("user", "add", "alice", "--app", "shop", "--appid", "com.shop", "--json", "--data-dir", data_dir,
               cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["token"].startswith("usr_")
    assert writer.operations > before, "the server's writer committed them"
    p = hubbub("app", "list", "--data-dir", data_dir, cwd=tmp_path)
    assert p.returncode == 0 and "shop" in p.stdout
    # errors come back as errors, with the CLI's exit code
    p = hubbub("app", "create", "shop", "--data-dir", data_dir, cwd=tmp_path)
    assert p.returncode == 2 and "shop" in p.stderr
    no_traceback(p)
    p = hubbub("user", "add", "bob", "--app", "nope", "--appid", "com.shop", "--data-dir", data_dir, cwd=tmp_path)
    assert p.returncode == 2 and "nope" in p.stderr
    no_traceback(p)


def test_item09_a_stale_control_file_falls_back_to_the_database(tmp_path: Path) -> None:
    """A server that died left its file behind: the CLI sees nobody answers and writes itself."""
    d = tmp_path / "d"
    d.mkdir()
    (d / "server.json").write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": 2**22 + 7, "token": "x"}))
    p = hubbub("app", "create", "shop", "--data-dir", str(d), cwd=tmp_path)
    assert p.returncode == 0 and p.stdout.startswith("app_"), p.stderr
