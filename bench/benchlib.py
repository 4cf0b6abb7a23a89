"""What the benchmarks share: servers in child processes, a lean raw WebSocket loader, process
figures from /proc, a progress bar, `--json` and `--plot`.

The loader speaks WebSocket by hand (an asyncio Protocol, no task per connection) so that one
loader process can hold 15,000 connections cheaply and open them fast; like a browser it offers
permessage-deflate and inflates what the server compresses. matplotlib is optional (the `bench`
extra); without it `--plot` says so and the figures are still printed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any, Callable, Sequence

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from hubbub.client.acks import AckPolicy  # noqa: E402
from hubbub.server.process import ServerProcess  # noqa: E402

APPID = "com.example.bench"
BROWSER_DEFLATE = "permessage-deflate; client_max_window_bits"
"""What Chromium and Firefox offer on every WebSocket."""


# -- the process ------------------------------------------------------------------------------------

def raise_nofile() -> int:
    """Raise this process's soft file-descriptor limit to its hard limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def install_uvloop() -> None:
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass


def rss_kb(pid: int) -> int:
    """Resident set size of a process, in KiB (Linux /proc)."""
    return rss_parts(pid)["VmRSS"]


def rss_parts(pid: int) -> dict[str, int]:
    """VmRSS and its parts RssAnon (heap, stacks), RssFile (mapped files: code, SQLite's mmap) and
    RssShmem, in KiB (Linux /proc)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
            out[name] = int(value.split()[0])
    if "VmRSS" not in out:
        raise RuntimeError(f"no VmRSS for {pid}")
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """pid and every process descended from it (a server's workers), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def processes_named(comm: str) -> list[tuple[int, str]]:
    """(pid, command line) of every process on this machine whose name is `comm`."""
    out = []
    for path in Path("/proc").glob("[0-9]*/comm"):
        try:
            if path.read_text().strip() == comm:
                out.append((int(path.parent.name), (path.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                            .decode(errors="replace").strip()))
        except OSError:
            continue
    return out


def postgres_processes(database: str) -> dict[str, list[int]]:
    """The PostgreSQL processes on this machine that work for `database`: its backends (their title
    names the database) and the server's own processes (postmaster, WAL writer, checkpointer...),
    which every database shares. Empty when PostgreSQL runs elsewhere."""
    backends, shared = [], []
    for pid, cmd in processes_named("postgres"):
        words = cmd.split()
        if not cmd.startswith("postgres:"):
            shared.append(pid)  # the postmaster
        elif database in words:
            backends.append(pid)
        elif not any(w.startswith("127.") or w.startswith("[local]") or "(" in w for w in words):
            shared.append(pid)  # a background process: no client address in its title
    return {"backends": backends, "shared": shared}


class CpuProbe:
    """CPU seconds of named groups of processes between `start()` and `stop()`.

    Each group is a function listing its pids, asked at both ends: a process that appears meanwhile
    (a new pooled connection's backend) counts all its CPU, one that exits is lost (none should).
    """

    def __init__(self, groups: dict[str, Callable[[], Sequence[int]]]) -> None:
        self.groups = groups
        self.before: dict[str, dict[int, float]] = {}

    def _read(self) -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {}
        for name, pids in self.groups.items():
            out[name] = {}
            for pid in pids():
                try:
                    out[name][pid] = cpu_seconds(pid)
                except (OSError, IndexError):
                    pass
        return out

    def start(self) -> None:
        self.before = self._read()

    def stop(self) -> dict[str, float]:
        """CPU seconds per group since start()."""
        after = self._read()
        return {name: sum(cpu - self.before.get(name, {}).get(pid, 0.0) for pid, cpu in after[name].items())
                for name in self.groups}


def pct(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (nearest rank) of values, or None when there are none."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(round(p / 100 * len(s))) - 1))]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(1000 * seconds, 2)


class Progress:
    """A one-line progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(1, total), 0
        self.tty = sys.stderr.isatty()
        self._last = 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.tty and (now - self._last > 0.1 or self.done >= self.total):
            self._last = now
            filled = int(30 * min(self.done, self.total) / self.total)
            sys.stderr.write(f"\r{self.label:<34} [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}")
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()

    def finish(self) -> None:
        if self.done < self.total:
            self.advance(self.total - self.done)


# -- arguments and output ---------------------------------------------------------------------------

def parser(doc: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=doc.splitlines()[0], epilog="\n".join(doc.splitlines()[1:]),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", metavar="FILE", help="write the figures to this file")
    p.add_argument("--plot", metavar="FILE", help="draw the figure to this PNG (needs matplotlib: the bench extra)")
    return p


def finish(args: argparse.Namespace, results: dict[str, Any], draw: Callable[[Any, dict[str, Any]], None]) -> None:
    """Write --json and --plot. `draw(axes, results)` draws on one matplotlib Axes."""
    results = {"machine": machine(), **results}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
        print(f"figures written to {args.json}")
    if args.plot:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            sys.exit("--plot needs matplotlib: pip install 'hubbub[bench]'")
        fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
        draw(ax, results)
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        fig.savefig(args.plot)
        print(f"figure drawn to {args.plot}")


def machine() -> dict[str, Any]:
    """What the figures depend on: cores, and how busy the machine was (load average) as they were taken."""
    return {"cores": os.cpu_count(), "loadavg_1min": round(os.getloadavg()[0], 2), "python": sys.version.split()[0]}


# -- servers ----------------------------------------------------------------------------------------

def make_tokens(data: Path, addresses: Sequence[str], env: dict[str, str] | None = None) -> list[str]:
    """Create app `bench` and one user with one device token per address, in bulk, straight in the store.

    `env` is what the servers will get on top of this process's environment (`HUBBUB_*` settings,
    a baseline's `PYTHONPATH`): the store is made in a child process with it, by the package the
    servers run (maketokens.py says why)."""
    env = env or {}
    spec = {"data": str(data), "addresses": list(addresses), "appid": APPID,
            "env": {k: v for k, v in env.items() if k.startswith("HUBBUB_")}}
    out = subprocess.run([sys.executable, str(HERE / "maketokens.py")], input=json.dumps(spec),
                         capture_output=True, text=True, env={**os.environ, **env}, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"creating the benchmark's users failed:\n{out.stderr[-2000:]}")
    return list(json.loads(out.stdout)["tokens"])


def hubbub_server(data: Path, env: dict[str, str] | None = None) -> ServerProcess:
    """A Hubbub server in a child process on a free port, with its rate limits out of the way."""
    # a load generator is one client: lift the per-client and per-node limits it would hit by design
    # (a fan-out sender writes a message into every member's log: 300 sends to 1,000 members passed
    # the default 32 MiB a minute of user_write_bytes)
    return ServerProcess(data, {"HUBBUB_RATE_LIMIT": "1000000", "HUBBUB_RATE_BURST": "1000000",
                                "HUBBUB_MAX_CONNECTIONS": "1000000", "HUBBUB_USER_WRITE_BYTES": str(1 << 40),
                                **(env or {})})


def script_server(script: str | Path, *args: str) -> ServerProcess:
    """A server from a Python script file that prints 'listening on http://...' when ready."""
    return ServerProcess("", command=[sys.executable, str(script), *args], ready=r"listening on (http://\S+)")


def tempdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="hubbub-bench-")


# -- the loader: a raw WebSocket client -------------------------------------------------------------

class RawWS(asyncio.Protocol):
    """A WebSocket client connection with no task of its own: frames in through `on_text`.

    Sends are masked with a zero key (allowed by RFC 6455; the XOR is then a no-op). Offers
    permessage-deflate like a browser when `offer` is set, and inflates compressed frames.
    """

    def __init__(self, host: str, path: str, offer: str | None) -> None:
        self.host, self.path, self.offer = host, path, offer
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.opened.add_done_callback(_retrieved)  # a handshake given up on (timeout) may fail later
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.buf = bytearray()
        self.upgraded = False
        self.inflate: Any = None
        self.takeover = True
        self.extensions = ""
        self.close_code = 0  # the server's close frame, once one came
        self.close_reason = ""
        self._waiter: asyncio.Future[str] | None = None
        self._texts: list[str] = []

    # what a subclass or a user overrides
    def on_text(self, text: str) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(text)
        else:
            self._texts.append(text)

    async def recv(self, timeout: float = 30) -> str:
        if self._texts:
            return self._texts.pop(0)
        self._waiter = asyncio.get_running_loop().create_future()
        return await asyncio.wait_for(asyncio.shield(self._waiter), timeout)

    # the protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        key = base64.b64encode(os.urandom(16)).decode()
        ext = f"Sec-WebSocket-Extensions: {self.offer}\r\n" if self.offer else ""
        transport.write((f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                         f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                         f"{ext}\r\n").encode())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed during the handshake: {exc}"))
        if not self.closed.done():
            self.closed.set_result(None)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ConnectionError("closed"))

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.upgraded:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).decode("latin-1")
            del self.buf[:end + 4]
            if not head.startswith("HTTP/1.1 101"):
                self.opened.set_exception(ConnectionError(head.splitlines()[0]))
                self.transport.close()  # type: ignore[union-attr]
                return
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "sec-websocket-extensions":
                    self.extensions = value.strip()
            if "permessage-deflate" in self.extensions:
                self.takeover = "server_no_context_takeover" not in self.extensions
                self.inflate = zlib.decompressobj(-15)
            self.upgraded = True
            self.opened.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buf = self.buf
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n, at = b1 & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, at = struct.unpack_from("!H", buf, 2)[0], 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, at = struct.unpack_from("!Q", buf, 2)[0], 10
            if len(buf) < at + n:
                return
            payload = bytes(buf[at:at + n])
            del buf[:at + n]
            op = b0 & 0x0F
            if op == 1:
                if b0 & 0x40:
                    if not self.takeover:
                        self.inflate = zlib.decompressobj(-15)
                    payload = self.inflate.decompress(payload + b"\x00\x00\xff\xff")
                self.on_text(payload.decode())
            elif op == 9:
                self._write(0xA, payload)
            elif op == 8:
                if len(payload) >= 2:
                    self.close_code = struct.unpack_from("!H", payload)[0]
                    self.close_reason = payload[2:].decode("utf-8", "replace")
                self._write(0x8, payload[:2])
                self.transport.close()  # type: ignore[union-attr]
                return

    def _write(self, op: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | op, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | op, 0xFE, n)
        else:
            head = struct.pack("!BBQ", 0x80 | op, 0xFF, n)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(head + b"\x00\x00\x00\x00" + payload)

    def send(self, text: str) -> None:
        self._write(0x1, text.encode())

    def abort(self) -> None:
        """Drop the connection without a close frame, as a network blip does."""
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        self._write(0x8, struct.pack("!H", 1000))
        if self.transport is not None:
            self.transport.close()


def _retrieved(fut: "asyncio.Future[None]") -> None:
    if not fut.cancelled():
        fut.exception()


async def open_ws(url: str, offer: str | None = BROWSER_DEFLATE, factory: type[RawWS] = RawWS,
                  timeout: float = 30, **kwargs: Any) -> RawWS:
    """Open a WebSocket to ws://host:port/path with the raw client."""
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.rpartition(":")
    loop = asyncio.get_running_loop()
    _t, proto = await asyncio.wait_for(
        loop.create_connection(lambda: factory(hostport, "/" + path, offer, **kwargs), host, int(port)), timeout)
    await asyncio.wait_for(asyncio.shield(proto.opened), timeout)
    return proto


def auth_frame(token: str, after: int | None = None) -> str:
    frame: dict[str, Any] = {"t": "auth", "v": 1, "token": token, "appid": APPID}
    if after is not None:
        frame["after"] = after
    return json.dumps(frame, separators=(",", ":"))


async def open_many(count: int, opener: Callable[[int], Any], label: str, concurrency: int = 100) -> list[Any]:
    """Run opener(i) for i in range(count), `concurrency` at once, with a progress bar; results in order."""
    progress = Progress(label, count)
    gate = asyncio.Semaphore(concurrency)
    out: list[Any] = [None] * count

    async def one(i: int) -> None:
        async with gate:
            out[i] = await opener(i)
        progress.advance()
    await asyncio.gather(*(one(i) for i in range(count)))
    progress.finish()
    return out


class Acker:
    """Acknowledges events as Hubbub's clients do (hubbub.client and the browser SDK alike): the
    client's own rule (`hubbub.client.acks.AckPolicy`: after ACK_EVERY events, else ACK_DELAY after
    the first one waiting), with the timer here and `send(text)` to write the ack frame. With
    `each`, every events frame is acknowledged at once instead (the server's worst case)."""

    def __init__(self, send: Callable[[str], Any], each: bool = False) -> None:
        self.send = send
        self.each = each
        self.seen = 0
        self.policy = AckPolicy()
        self.timer: asyncio.TimerHandle | None = None

    def applied(self, seq: int) -> None:
        """Events up to seq were applied."""
        self.seen = max(self.seen, seq)
        if self.each or self.policy.due_now(self.seen):
            self.flush()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(self.policy.delay, self.flush)

    def flush(self) -> None:
        self.cancel()
        seq = self.policy.take(self.seen)
        if seq is not None:
            self.send('{"t":"ack","seq":%d}' % seq)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


class Peer(RawWS):
    """A Hubbub client on the raw loader: acknowledges events as the clients do (`Acker`; each
    events frame at once with `ack_each`), hands each `msg` event to `on_message(peer, event)`, and
    matches `res` answers to `request()` futures."""

    def __init__(self, host: str, path: str, offer: str | None, ack_each: bool = False) -> None:
        super().__init__(host, path, offer)
        self.on_message: Callable[["Peer", dict[str, Any]], None] | None = None
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.next_r = 0
        self.last_seq = 0
        self.welcome: dict[str, Any] = {}
        self.acks = Acker(self.send, ack_each)

    def on_text(self, text: str) -> None:
        if text.startswith('{"t":"events"'):
            events = json.loads(text)["events"]
            if self.on_message is not None:
                for e in events:
                    if e.get("k") == "msg":
                        self.on_message(self, e)
            self.last_seq = events[-1]["seq"]
            self.acks.applied(self.last_seq)
        elif text.startswith('{"t":"res"'):
            frame = json.loads(text)
            fut = self.pending.pop(frame.get("r"), None)
            if fut is not None and not fut.done():
                fut.set_result(frame)
        else:
            super().on_text(text)

    def request(self, frame: dict[str, Any]) -> "asyncio.Future[dict[str, Any]]":
        """Send a request frame (its `r` is set here); the future gets the `res` answer."""
        self.next_r += 1
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[self.next_r] = fut
        self.send(json.dumps({**frame, "r": self.next_r}, separators=(",", ":")))
        return fut

    def send_message(self, to: str = "", gid: int = 0, text: str = "") -> "asyncio.Future[dict[str, Any]]":
        return self.request({"t": "send", "cid": f"c{self.next_r + 1}", "to": to, "gid": gid, "message": text})

    def abort(self) -> None:
        self.acks.cancel()
        super().abort()

    def close(self) -> None:
        self.acks.cancel()
        super().close()


async def connect_peer(url: str, token: str, after: int | None = None, offer: str | None = BROWSER_DEFLATE,
                       timeout: float = 30, ack_each: bool = False) -> Peer:
    """Open, authenticate, wait for the welcome. Raises ConnectionError when refused."""
    peer = await open_ws(url, offer, factory=Peer, timeout=timeout, ack_each=ack_each)
    peer.send(auth_frame(token, after))
    text = await peer.recv(timeout)
    frame = json.loads(text)
    if frame.get("t") != "welcome":
        peer.abort()
        raise ConnectionError(f"not welcomed: {text[:200]}")
    peer.welcome = frame
    peer.last_seq = max(peer.last_seq, frame["after"])
    peer.acks.policy.known(frame["after"])
    return peer
