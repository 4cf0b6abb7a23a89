"""Real `hubbub serve` processes sharing one PostgreSQL store and one Redis bus, behind a TCP balancer.

    def test_x(cluster_factory):
        c = cluster_factory(3)                       # three nodes, one app, started and ready
        token = c.token("alice", "phone")            # a user and a token (backend API `useradd`)
        Client(c.url, token, c.appid)                # through the balancer: lands on any live node
        Client(c.nodes[1].ws_url, ...)               # or straight to one node
        c.nodes[0].kill()                            # SIGKILL; the balancer skips it from then on
        c.restart(0)                                 # same data folder, a new port, back in the balancer

The balancer stands in for nginx or HAProxy: one listening port, each new TCP connection forwarded to
the next backend in turn, skipping those that refuse. It is plain TCP, so pages, the backend API and
WebSockets all pass. It remembers where each connection went (`balancer.backend_of(port)`, by the
client's local port, and `balancer.open_routes()` with each connection's first request line), so a
test can tell which node holds a client and kill that one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import secrets
import signal
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from hubbub.server.process import ServerProcess, hubbub_cli

APP = "cluster"
APPID = "com.example.cluster"


# -- the balancer ----------------------------------------------------------------------------------


@dataclass
class Route:
    """One forwarded connection: the client's port, the backend index it went to, its first line."""

    client_port: int
    backend: int
    first_line: str = ""
    open: bool = True


class Balancer:
    """Round-robin TCP forwarder on 127.0.0.1, on a loop of its own in a thread (usable from any test).

    `backends` is a list of (host, port) or None for a slot that is out (a node being restarted);
    `set_backend` changes one slot. A backend that refuses the connection is skipped for that
    connection; when all refuse, the client's connection is closed.
    """

    def __init__(self, backends: list[tuple[str, int] | None], connect_timeout: float = 5.0) -> None:
        self.backends = list(backends)
        self.connect_timeout = connect_timeout
        self.routes: list[Route] = []
        self._next = itertools.count()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="balancer")
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> "Balancer":
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def close(self) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            for w in list(self._writers):
                w.close()
        if self._server is not None:
            self._call(stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def set_backend(self, index: int, address: tuple[str, int] | None) -> None:
        self._loop.call_soon_threadsafe(self.backends.__setitem__, index, address)

    def cut(self) -> None:
        """Close every forwarded connection now (both ends), as a network cut does; with every
        backend set to None, new connections are closed at once too."""
        async def close_all() -> None:
            for w in list(self._writers):
                w.transport.abort()
        self._call(close_all())

    def backend_of(self, client_port: int) -> int | None:
        """The backend index of the newest connection from this client port (None if unknown)."""
        for route in reversed(self.routes):
            if route.client_port == client_port:
                return route.backend
        return None

    def open_routes(self, first_line: str = "") -> list[Route]:
        """Connections still open whose first request line starts with `first_line` (e.g. "GET /ws")."""
        return [r for r in list(self.routes) if r.open and r.first_line.startswith(first_line)]

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            upstream = await self._connect(writer.get_extra_info("peername")[1])
            if upstream is None:
                return
            route, (up_reader, up_writer) = upstream
            self._writers.add(up_writer)
            try:
                first = await reader.read(65536)
                route.first_line = first.split(b"\r\n", 1)[0].decode("latin-1")
                up_writer.write(first)
                # one direction ending (a node killed, a client gone) ends the connection both ways
                pumps = [asyncio.ensure_future(_pump(reader, up_writer)),
                         asyncio.ensure_future(_pump(up_reader, writer))]
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
                for p in pumps:
                    p.cancel()
            finally:
                route.open = False
                self._writers.discard(up_writer)
                up_writer.close()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _connect(self, client_port: int) -> tuple[Route, tuple[asyncio.StreamReader, asyncio.StreamWriter]] | None:
        for _ in range(len(self.backends)):
            index = next(self._next) % len(self.backends)
            address = self.backends[index]
            if address is None:
                continue
            try:
                pair = await asyncio.wait_for(asyncio.open_connection(*address), self.connect_timeout)
            except (OSError, asyncio.TimeoutError):
                continue  # refused: a dead node; try the next one
            route = Route(client_port, index)
            self.routes.append(route)
            return route, pair
        return None


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass


# -- the nodes -------------------------------------------------------------------------------------


class Node:
    """One `hubbub serve` child process with a data folder of its own (its control file, its files)."""

    def __init__(self, index: int, data_dir: Path, env: dict[str, str]) -> None:
        self.index = index
        self.data_dir = data_dir
        self.env = env
        self.process: ServerProcess | None = None

    def start(self) -> "Node":
        self.process = ServerProcess(self.data_dir, env=self.env).start()
        return self

    @property
    def url(self) -> str:
        assert self.process is not None
        return self.process.url

    @property
    def ws_url(self) -> str:
        assert self.process is not None
        return self.process.ws_url

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        return host, int(port)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.proc is not None and self.process.proc.poll() is None

    def kill(self) -> int:
        """SIGKILL: no drain, no flush; returns the exit status."""
        assert self.process is not None
        return self.process.kill()

    def terminate(self) -> None:
        """SIGTERM without waiting (a drain test waits for `wait()` itself)."""
        assert self.process is not None and self.process.proc is not None
        self.process.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 60) -> int:
        assert self.process is not None and self.process.proc is not None
        return self.process.proc.wait(timeout)

    def output(self) -> str:
        """The last lines the process printed (for failure messages)."""
        return "\n".join(self.process.output) if self.process else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


def _env(settings: dict[str, Any]) -> dict[str, str]:
    return {"HUBBUB_" + k.upper(): str(v) for k, v in settings.items()}


class Cluster:
    """N nodes on one PostgreSQL database and one Redis bus prefix, one app, and a balancer in front."""

    def __init__(self, root: Path, database_url: str, bus_url: str, bus_prefix: str, n: int = 3,
                 settings: dict[str, Any] | None = None, node_settings: dict[int, dict[str, Any]] | None = None) -> None:
        self.root = root
        self.database_url = database_url
        self.bus_url = bus_url
        self.bus_prefix = bus_prefix
        self.appid = APPID
        self.app_token = ""
        # a short heartbeat, so the others forget a killed node's connections within a second or two
        extra = {"bus_heartbeat": 0.2, "bus_node_timeout": 1.5, "log_level": "warning", **(settings or {})}
        self.env = {"HUBBUB_DATABASE_URL": database_url, "HUBBUB_BUS_URL": bus_url, "HUBBUB_BUS_PREFIX": bus_prefix,
                    **_env(extra)}
        self.nodes = [Node(i, root / f"node{i}", {**self.env, **_env((node_settings or {}).get(i, {}))})
                      for i in range(n)]
        self.balancer: Balancer | None = None

    def start(self) -> "Cluster":
        # the CLI makes the app offline first, which also brings the schema up before any node opens it
        out = hubbub_cli("app", "create", f"{APP}-{secrets.token_hex(4)}", "--json", "--database-url", self.database_url,
                         "--data-dir", str(self.root / "cli"))
        self.app_token = json.loads(out)["token"]
        with concurrent.futures.ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(Node.start, self.nodes))
        self.balancer = Balancer([n.address for n in self.nodes]).start()
        return self

    def close(self) -> None:
        if self.balancer is not None:
            self.balancer.close()
        with concurrent.futures.ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(Node.stop, self.nodes))

    @property
    def url(self) -> str:
        """The balancer's http:// URL (pages, backend API)."""
        assert self.balancer is not None
        return self.balancer.url

    @property
    def ws_url(self) -> str:
        """The balancer's ws:// URL: each connection lands on the next live node."""
        assert self.balancer is not None
        return self.balancer.ws_url

    def kill(self, index: int) -> int:
        """SIGKILL node `index`; the balancer finds it refusing and skips it."""
        return self.nodes[index].kill()

    def restart(self, index: int) -> Node:
        """Start node `index` again (same data folder, a new port) and put it back in the balancer."""
        node = self.nodes[index]
        if node.alive:
            node.stop()
        node.start()
        assert self.balancer is not None
        self.balancer.set_backend(index, node.address)
        return node

    def backend(self, op: str, node: int | None = None, **fields: Any) -> dict[str, Any]:
        """A backend API request (with the app token) to one node, or through the balancer; checks ok."""
        base = self.url if node is None else self.nodes[node].url
        body = json.dumps({"op": op, "token": self.app_token, **fields}).encode()
        request = urllib.request.Request(base + "/backend", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        assert answer.get("result") is True, answer
        return answer

    def token(self, address: str, device: str | None = None) -> str:
        """Create the user (if new) and issue a token for `device` (default: a new device)."""
        spec: dict[str, Any] = {"appid": self.appid}
        if device is not None:
            spec["device"] = device
        return str(self.backend("useradd", user={"address": address, "token": spec})["user"]["token"])

    def __enter__(self) -> "Cluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- fixtures (imported by the conftest of each folder that uses them) -----------------------------


@pytest.fixture
def cluster_factory(tmp_path: Path, pg_url: str, redis_url: str) -> Iterator[Callable[..., Cluster]]:
    """`cluster_factory(n=3, bus_url=None, node_settings=None, **settings)`: a started Cluster, closed
    after the test. `node_settings` maps a node index to settings of that node alone.

    Needs PostgreSQL and Redis (skips without them, fails under HUBBUB_REQUIRE_SERVICES=1). Each
    cluster has a PostgreSQL schema of the test's own and a bus prefix of its own; `bus_url` points
    it at another Redis (a private one a test restarts).
    """
    made: list[Cluster] = []

    def make(n: int = 3, bus_url: str | None = None, node_settings: dict[int, dict[str, Any]] | None = None,
             **settings: Any) -> Cluster:
        prefix = f"hubbub-cluster-{secrets.token_hex(6)}:"
        c = Cluster(tmp_path / f"cluster{len(made)}", pg_url, bus_url or redis_url, prefix, n, settings, node_settings)
        made.append(c)
        return c.start()

    try:
        yield make
    finally:
        for c in made:
            c.close()


@pytest.fixture
def cluster(cluster_factory: Callable[..., Cluster]) -> Cluster:
    """Three nodes behind a balancer (see Cluster)."""
    return cluster_factory(3)
