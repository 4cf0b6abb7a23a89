"""`hubbub serve --workers N`: real processes on one port. Both workers take connections, a message
crosses from one to the other, a killed worker is restarted, the CLI's control file reaches them,
SIGTERM ends them all with code 0; SQLite or the in-process bus is refused."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from hubbub.client import Client
from hubbub.server.process import ServerProcess
from hubbub.server.workers import RestartPolicy, reserve

from ..waiting import until

APPID = "com.example.workers"


def serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hubbub", "serve", "--port", "0", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def test_workers_need_postgres_and_redis(tmp_path: Path) -> None:
    out = serve("--workers", "2", "--data-dir", str(tmp_path))
    assert out.returncode == 2
    assert "--workers 2 needs the PostgreSQL store" in out.stderr and "the Redis bus" in out.stderr
    assert "serving on" not in out.stdout
    out = serve("--workers", "2", "--data-dir", str(tmp_path), "--database-url", "postgresql://nobody@127.0.0.1:1/x")
    assert out.returncode == 2 and "the Redis bus" in out.stderr and "PostgreSQL" not in out.stderr
    out = serve("--workers", "2", "--data-dir", str(tmp_path), "--database-url", "postgresql://nobody@127.0.0.1:1/x",
                "--bus-url", "nats://127.0.0.1:4222")
    assert out.returncode == 2 and "the Redis bus (--bus-url redis://...), not 'nats://127.0.0.1:4222'" in out.stderr


def test_a_worker_that_cannot_start_ends_the_command(tmp_path: Path) -> None:
    out = serve("--workers", "2", "--data-dir", str(tmp_path), "--database-url", "postgresql://nobody@127.0.0.1:1/x",
                "--bus-url", "redis://127.0.0.1:1/0")
    assert out.returncode == 1 and "serving on" not in out.stdout
    assert "before it was ready" in out.stderr and "worker" in out.stderr


def test_restart_policy_backs_off_a_crashing_worker_and_forgives_a_stable_one() -> None:
    p = RestartPolicy(base=0.5, cap=4.0, stable=60.0)
    assert [p.died(0, ran_for=1.0) for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert p.died(1, ran_for=1.0) == 0.5  # each slot on its own
    assert p.died(0, ran_for=3600.0) == 0.5  # it had run well: a fresh start


def test_a_port_another_server_listens_on_with_reuseport_is_refused() -> None:
    """Another `serve --workers` (its workers listen with SO_REUSEPORT) on the port: without a check the
    kernel lets this one share it, and clients land at random on two unrelated servers."""
    other = socket.socket()
    other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    other.bind(("127.0.0.1", 0))
    other.listen()
    try:
        with pytest.raises(OSError, match="could not serve on 127.0.0.1:.*in use"):
            reserve("127.0.0.1", other.getsockname()[1])
    finally:
        other.close()
    held, port = reserve("127.0.0.1", 0)  # a free port still works
    for sock in held:
        sock.close()
    assert port > 0


def children(pid: int) -> set[int]:
    try:
        return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode()


def node_pids(url: str, want: int, timeout: float = 60) -> dict[str, int]:
    """{bus node id: pid} of the workers, scraping /metrics on new connections until `want` answered
    (the kernel hashes each connection to one worker)."""
    found: dict[str, int] = {}
    deadline = time.monotonic() + timeout
    while len(found) < want:
        assert time.monotonic() < deadline, f"only saw {found}"
        m = re.search(r'hubbub_node_info\{node="(\w+)",pid="(\d+)"\}', get(url + "/metrics"))
        assert m is not None
        found[m.group(1)] = int(m.group(2))
    return found


def node_of(c: Client) -> str:
    assert c.connection is not None and c.connection.response is not None
    return c.connection.response.headers["X-Hubbub-Node"]


async def first_messages(c: Client, n: int) -> list[str]:
    got: list[str] = []
    async for ev in c.events():
        if ev.get("k") == "msg" and ev.get("dir") != "out":  # not the echo of its own sends
            got.append(ev["message"])
            if len(got) == n:
                break
    return got


async def test_two_workers_share_the_port_and_the_work(tmp_path: Path, pg_url: str, redis_url: str,
                                                     bus_prefix: str) -> None:
    data = tmp_path / "data"
    env = {"HUBBUB_DATABASE_URL": pg_url, "HUBBUB_BUS_URL": redis_url, "HUBBUB_BUS_PREFIX": bus_prefix,
           "HUBBUB_BUS_HEARTBEAT": "0.2", "HUBBUB_BUS_NODE_TIMEOUT": "1.5", "HUBBUB_DRAIN_TIMEOUT": "10"}
    server = ServerProcess(data, env=env, command=[sys.executable, "-m", "hubbub", "serve", "--workers", "2",
                                                   "--port", "0", "--data-dir", str(data)])
    server.start()
    clients: list[Client] = []
    try:
        parent = server.pid
        workers = children(parent)
        assert len(workers) == 2
        assert json.loads((data / "server.json").read_text())["pid"] == parent  # the parent's, for the CLI

        # the CLI's writes go through the control file to a worker (the operator secret is shared)
        cli_env = {**os.environ, **env}
        app = json.loads(await asyncio.to_thread(
            lambda: subprocess.run([sys.executable, "-m", "hubbub", "app", "create", "w", "--json", "--data-dir",
                                    str(data)], capture_output=True, text=True, env=cli_env, timeout=60,
                                   check=True).stdout))
        tokens = {}
        for i in range(16):
            out = await asyncio.to_thread(_backend, server.url, app["token"], {"address": f"u{i}",
                                                                               "token": {"appid": APPID}})
            tokens[f"u{i}"] = out["user"]["token"]

        # both workers take connections (the kernel spreads them) and report themselves
        pids = await asyncio.to_thread(node_pids, server.url, 2)
        assert set(pids.values()) == workers
        for address, token in tokens.items():
            c = Client(server.ws_url, token, APPID)
            await c.connect()
            clients.append(c)
        by_node: dict[str, list[Client]] = {}
        for c in clients:
            by_node.setdefault(node_of(c), []).append(c)
        assert set(by_node) == set(pids), "16 connections all on one worker"
        a_node, b_node = sorted(by_node)
        a, b = by_node[a_node][0], by_node[b_node][0]

        # a message sent through one worker reaches a client on the other, and back
        assert (await a.send(b.welcome["address"], "a to b"))["status"] == 1
        assert (await b.send(a.welcome["address"], "b to a"))["status"] == 1
        assert await asyncio.wait_for(first_messages(b, 1), 30) == ["a to b"]
        assert await asyncio.wait_for(first_messages(a, 1), 30) == ["b to a"]

        # a worker killed: restarted by the parent; its clients come back (to either worker)
        victim = pids[a_node]
        os.kill(victim, signal.SIGKILL)
        await until(lambda: len(children(parent)) == 2 and victim not in children(parent), 60, "a new worker")
        await until(lambda: all(c.connected for c in clients), 60, "every client back")
        new_pids = await asyncio.to_thread(node_pids, server.url, 2)
        assert set(new_pids.values()) == children(parent) and victim not in new_pids.values()
        assert (await b.send(a.welcome["address"], "after the restart"))["status"] == 1
        assert await asyncio.wait_for(first_messages(a, 1), 30) == ["after the restart"]
        assert "restarting it" in "\n".join(server.output)

        # SIGTERM: the parent passes it on, every worker drains (its clients get 4004), all exit 0,
        # the control file goes
        assert server.proc is not None
        server.proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(server.proc.wait, 60) == 0, "\n".join(server.output)
        assert all(c.last_close_code == 4004 for c in clients)
        assert not any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in new_pids.values())
        assert not (data / "server.json").exists()
    finally:
        for c in clients:
            await c.close()
        server.stop()


def _alive(pid: int) -> bool:
    """Not exited (a zombie waiting for its parent counts as exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _backend(url: str, token: str, user: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"op": "useradd", "token": token, "user": user}).encode()
    req = urllib.request.Request(url + "/backend", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        out: dict[str, Any] = json.loads(r.read())
    assert out.get("result") is True, out
    return out
