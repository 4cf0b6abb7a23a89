"""The `hubbub` command run as a subprocess: admin commands, send/listen, serve --help, demo."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from hubbub.config import Settings

pytestmark = pytest.mark.timeout(60)


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("HUBBUB_")}


def hubbub(*args: str, cwd: Path, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hubbub", *args], capture_output=True, text=True,
                          cwd=cwd, env=env(), timeout=timeout)


def no_traceback(p: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout, p.stderr


def test_app_create_prints_token_alone(tmp_path: Path) -> None:
    p = hubbub("app", "create", "shop", "--data-dir", str(tmp_path / "d"), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("app_")

    p = hubbub("app", "create", "shop2", "--json", "--data-dir", str(tmp_path / "d"), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["name"] == "shop2" and data["token"].startswith("app_") and isinstance(data["id"], int)

    p = hubbub("app", "create", "shop", "--data-dir", str(tmp_path / "d"), cwd=tmp_path)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.startswith("hubbub: error:") and "shop" in p.stderr
    no_traceback(p)

    p = hubbub("app", "list", "--data-dir", str(tmp_path / "d"), cwd=tmp_path)
    assert p.returncode == 0 and "shop" in p.stdout and "shop2" in p.stdout


def test_user_add_prints_token(tmp_path: Path) -> None:
    d = str(tmp_path / "d")
    assert hubbub("app", "create", "shop", "--data-dir", d, cwd=tmp_path).returncode == 0
    p = hubbub("user", "add", "alice", "--app", "shop", "--appid", "com.shop", "--data-dir", d, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().startswith("usr_") and len(p.stdout.splitlines()) == 1
    p = hubbub("user", "add", "alice", "--app", "nope", "--appid", "com.shop", "--data-dir", d, cwd=tmp_path)
    assert p.returncode == 2 and "nope" in p.stderr
    no_traceback(p)


def test_serve_help_lists_every_setting(tmp_path: Path) -> None:
    p = hubbub("serve", "--help", cwd=tmp_path)
    assert p.returncode == 0
    for name, _help, _default in Settings.describe():
        assert "--" + name.replace("_", "-") in p.stdout, name


def client_args(server: Any, token: str, appid: str | None = None) -> list[str]:
    return ["--url", server.ws_url, "--token", token, "--appid", appid or server.appid]


def test_send_and_listen(server: Any, tmp_path: Path) -> None:
    alice, bob = server.token("alice", "cli"), server.token("bob", "cli")
    p = hubbub("send", *client_args(server, alice), "bob", "hello bob", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert re.fullmatch(r"SENT mid=\d+\n", p.stdout)
    # the server's http:// base URL is accepted too
    p = hubbub("send", "--url", server.url, "--token", alice, "--appid", server.appid, "bob", "second", "--json",
               cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["status_name"] == "SENT"

    p = hubbub("listen", *client_args(server, bob), "--count", "2", "--json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    events = [json.loads(line) for line in p.stdout.splitlines()]
    assert [e["message"] for e in events] == ["hello bob", "second"]
    assert events[1]["seq"] == events[0]["seq"] + 1

    # plain lines; resuming from seq 0 repeats the log from the start
    p = hubbub("listen", *client_args(server, bob), "--count", "1", "--after", "0", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("[1] alice: hello bob")


def test_listen_prints_events_as_they_arrive(server: Any, tmp_path: Path) -> None:
    bob = server.token("bob", "cli")
    alice = server.token("alice", "cli")
    proc = subprocess.Popen([sys.executable, "-m", "hubbub", "listen", *client_args(server, bob), "--count", "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env())
    try:
        for i in range(3):
            assert hubbub("send", *client_args(server, alice), "bob", f"live {i}", cwd=tmp_path).returncode == 0
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert [line.split(": ", 1)[1].split("  (")[0] for line in out.splitlines()] == ["live 0", "live 1", "live 2"]


def test_send_failure_status_exit_1(server: Any, tmp_path: Path) -> None:
    p = hubbub("send", *client_args(server, server.token("alice")), "nobody", "hi", cwd=tmp_path)
    assert p.returncode == 1
    assert p.stdout.startswith("INVALIDDEST")


def test_client_errors_are_messages_not_tracebacks(server: Any, tmp_path: Path) -> None:
    token = server.token("alice")
    p = hubbub("send", *client_args(server, token, "com.wrong"), "bob", "hi", cwd=tmp_path)
    assert p.returncode == 2 and "hubbub: error: AUTHFAIL" in p.stderr and "appid" in p.stderr
    no_traceback(p)
    p = hubbub("listen", *client_args(server, "usr_bogus"), cwd=tmp_path)
    assert p.returncode == 2 and "unknown token" in p.stderr
    no_traceback(p)
    p = hubbub("send", "--url", "ws://127.0.0.1:9/ws", "--token", token, "--appid", server.appid, "bob", "hi",
               cwd=tmp_path)
    assert p.returncode == 2 and "cannot connect to ws://127.0.0.1:9/ws" in p.stderr
    no_traceback(p)
    p = hubbub("send", "--url", "not a url", "--token", token, "--appid", server.appid, "bob", "hi", cwd=tmp_path)
    assert p.returncode == 2 and "bad URL" in p.stderr
    no_traceback(p)
    p = hubbub("send", "--token", token, "bob", "hi", cwd=tmp_path)
    assert p.returncode == 2 and "--url" in p.stderr
    no_traceback(p)


def read_until(proc: subprocess.Popen[str], pattern: str, timeout: float = 20) -> list[str]:
    """Lines from proc's stdout up to the first matching `pattern`."""
    lines: list[str] = []
    found = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if re.search(pattern, line):
                found.set()
                return
    threading.Thread(target=reader, daemon=True).start()
    if not found.wait(timeout):
        proc.kill()
        raise AssertionError(f"no {pattern!r} in output: {lines}")
    return lines


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def test_serve_subprocess(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "hubbub", "serve", "--port", "0", "--data-dir",
                             str(tmp_path / "d")], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, cwd=tmp_path, env=env())
    try:
        lines = read_until(proc, r"serving on http://")
        base = re.search(r"http://\S+", lines[-1]).group(0)  # type: ignore[union-attr]
        assert get_json(base + "/health") == {"ok": True}
    finally:
        proc.terminate()
        proc.wait(15)
    assert (tmp_path / "d").is_dir()


def test_demo_starts_answers_health_and_its_commands_work(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "hubbub", "demo"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=tmp_path, env=env())
    try:
        lines = read_until(proc, r"Ctrl-C")
        text = "\n".join(lines)
        base = re.search(r"serving on (http://\S+)", text).group(1)  # type: ignore[union-attr]
        assert get_json(base + "/health") == {"ok": True}
        pages = re.findall(rf"{re.escape(base)}/example\?token=usr_\S+&appid=com\.hubbub\.demo", text)
        assert len(pages) == 2
        assert f"{base}/docs" in text
        data_dir = re.search(r"data in (\S+) \(temporary", text).group(1)  # type: ignore[union-attr]
        assert Path(data_dir).is_dir()
        # the printed terminal commands work as printed
        send_line = next(line for line in lines if "hubbub send" in line)
        listen_line = next(line for line in lines if "hubbub listen" in line)
        p = hubbub(*shlex.split(send_line)[1:], cwd=tmp_path)
        assert p.returncode == 0 and p.stdout.startswith("SENT"), p.stderr
        p = hubbub(*shlex.split(listen_line)[1:], "--count", "1", cwd=tmp_path)
        assert p.returncode == 0 and "alice: hello bob" in p.stdout, p.stderr
    finally:
        proc.terminate()
        proc.wait(15)
    assert not Path(data_dir).exists()  # the temporary data folder is removed on exit
    assert not any(tmp_path.iterdir())  # and nothing was left in the working folder


def test_serve_on_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "hubbub", "serve", "--port", str(port), "--data-dir",
                              str(tmp_path / "d")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert f"hubbub: error: could not serve on 127.0.0.1:{port}" in out.stderr
    assert "Traceback" not in out.stderr


def test_listen_names_the_members_of_a_shared_group_status() -> None:
    """`hubbub listen` prints a group's DELIVERED event for several members with all their addresses."""
    from hubbub.cli.main import _describe
    shared = _describe({"seq": 4, "k": "status", "mid": 9, "cid": "c", "peers": ["bob", "carol"], "gid": 3,
                        "status": 2, "ts": 1})
    assert shared == "[4] status DELIVERED mid 9 peers bob, carol (group 3)"
    one = _describe({"seq": 5, "k": "status", "mid": 9, "cid": "c", "peer": "dave", "gid": 3, "status": 3, "ts": 2})
    assert one == "[5] status READ mid 9 peer dave (group 3)"


def test_listen_names_the_messages_of_a_shared_status() -> None:
    """`hubbub listen` prints one recipient's DELIVERED event for several messages with all their mids."""
    from hubbub.cli.main import _describe
    shared = _describe({"seq": 6, "k": "status", "mid": 9, "cid": "a", "peer": "bob", "gid": 0, "status": 2,
                        "ts": 1, "mids": [9, 11], "cids": ["a", "b"]})
    assert shared == "[6] status DELIVERED mids 9, 11 peer bob"
