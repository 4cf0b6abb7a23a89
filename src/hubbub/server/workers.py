"""`hubbub serve --workers N`: N server processes on one port, supervised by their parent.

Each worker is a whole node (its own hub, bus connection and store pool) listening on the same
port with SO_REUSEPORT, so the kernel spreads new connections evenly over the workers' accept
queues (docs/architecture.md says why not one shared socket). The parent serves nothing: it
reserves the port (a socket bound with SO_REUSEPORT that never listens, so port 0 resolves once
and the port stays this server's while a worker restarts), forks the workers, prints the
"serving on" line once every worker listens, writes the control file (server.json) for the CLI,
restarts a worker that dies, and on SIGTERM or SIGINT passes SIGTERM on (each worker drains) and
exits when they have. Workers ignore SIGINT: a terminal's Ctrl-C reaches the whole process group,
and the parent's forwarded SIGTERM is the one that counts (a second one stops them at once).

Workers share the PostgreSQL store and the Redis bus; the SQLite store and the in-process bus
are refused (cli/main.py), since each worker would hold state only one process may hold.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import select
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

from ..bus import REDIS_SCHEMES
from ..config import Settings
from ..store import POSTGRES_SCHEMES
from .control import operator_token, remove_control_file, write_control_file

KILL_MARGIN = 5.0
"""Seconds past drain_timeout after which the parent SIGKILLs a worker that has not exited."""


def refusal(settings: Settings) -> str | None:
    """Why these settings cannot run several workers, or None."""
    if settings.workers <= 1:
        return None
    missing = []
    if not settings.database_url.startswith(POSTGRES_SCHEMES):
        missing.append("the PostgreSQL store (--database-url postgresql://...): a SQLite database is written "
                       "by one process, which keeps its state in memory")
    if not settings.bus_url.startswith(REDIS_SCHEMES):
        missing.append("the Redis bus (--bus-url redis://...): the in-process bus reaches no other process"
                       if not settings.bus_url else f"the Redis bus (--bus-url redis://...), not {settings.bus_url!r}")
    if not missing:
        return None
    return f"--workers {settings.workers} needs " + "; and ".join(missing)


@dataclass
class RestartPolicy:
    """How long to wait before restarting a worker that died: `base` seconds, doubled for each death
    in a row that came within `stable` seconds of its start, at most `cap`. (No I/O.)"""

    base: float = 0.5
    cap: float = 30.0
    stable: float = 60.0
    _streak: dict[int, int] = field(default_factory=dict)

    def died(self, slot: int, ran_for: float) -> float:
        streak = self._streak.get(slot, 0) + 1 if ran_for < self.stable else 1
        self._streak[slot] = streak
        return min(self.cap, self.base * 2 ** (streak - 1))


def reserve(host: str, port: int) -> tuple[list[socket.socket], int]:
    """Sockets bound to every address of `host` on one port (port 0: a free one), with SO_REUSEPORT,
    not listening: they hold the port for the workers and take no connection themselves."""
    infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    addresses = list(dict.fromkeys((family, str(address[0])) for family, _t, _p, _c, address in infos))
    for attempt in range(10):
        held: list[socket.socket] = []
        chosen = port
        try:
            for family, address in addresses:
                if chosen:
                    _not_listened_on(family, address, chosen)
                sock = socket.socket(family, socket.SOCK_STREAM)
                held.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((address, chosen))
                chosen = sock.getsockname()[1]
            return held, chosen
        except OSError as exc:
            for sock in held:
                sock.close()
            # port 0 picked a port free on one address but not on the next: pick again
            if port != 0 or exc.errno != errno.EADDRINUSE or attempt == 9:
                raise OSError(exc.errno, f"could not serve on {host}:{port}: {exc.strerror or exc}") from None
    raise AssertionError("unreachable")


def _not_listened_on(family: int, address: str, port: int) -> None:
    """Raise EADDRINUSE if a socket listens on address:port, SO_REUSEPORT or not. The sockets of
    `reserve` would share the port with another server's workers (same user, SO_REUSEPORT: the
    kernel allows it), and clients would land at random on two unrelated servers. A probe with
    SO_REUSEADDR alone is refused by any listener, yet not by a port in TIME_WAIT (a restart)."""
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        probe.bind((address, port))


@dataclass
class _Worker:
    slot: int
    pid: int
    started: float
    ready: bool = False


class Supervisor:
    """The parent of `hubbub serve --workers N` (see module docstring). `run()` returns the exit code."""

    def __init__(self, settings: Settings, announce: Callable[[int], None]) -> None:
        self.settings = settings
        self.announce = announce
        self.policy = RestartPolicy()
        self.workers: dict[int, _Worker] = {}     # by pid
        self.restarts: dict[int, float] = {}      # slot -> when to start it again
        self.stops = 0                            # SIGTERM/SIGINT received
        self.forwarded = 0
        self.failed = False                       # a worker had to be killed, or did not start
        self.port = 0
        self.token = operator_token(settings.operator_token)
        self._parent = os.getpid()

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> int:
        held, self.port = reserve(self.settings.host, self.settings.port)
        ready_r, self._ready_w = os.pipe()
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        announced = False
        buffer = b""
        deadline = 0.0
        try:
            for slot in range(self.settings.workers):
                self._spawn(slot, held, ready_r)
            while self.workers or (self.restarts and not self.stops):
                readable, _w, _x = select.select([ready_r], [], [], 0.1)
                if readable:
                    buffer += os.read(ready_r, 4096)
                    *lines, buffer = buffer.split(b"\n")
                    for line in lines:
                        worker = self.workers.get(int(line.split()[1]))
                        if worker is not None:
                            worker.ready = True
                if not announced and len(self.workers) == self.settings.workers and \
                        all(w.ready for w in self.workers.values()):
                    announced = True
                    write_control_file(self.settings.data_path, _local_url(self.settings.host, self.port), self.token)
                    self.announce(self.port)
                self._reap(announced)
                if self.stops > self.forwarded:  # a signal came: each worker drains (a second: stops)
                    self.forwarded = self.stops
                    self.restarts.clear()
                    deadline = time.monotonic() + self.settings.drain_timeout + KILL_MARGIN
                    self._signal_all(signal.SIGTERM)
                elif self.stops and time.monotonic() > deadline and self.workers:
                    self.failed = True
                    self._signal_all(signal.SIGKILL)
                    deadline = float("inf")
                now = time.monotonic()
                for slot, when in list(self.restarts.items()):
                    if when <= now and not self.stops:
                        del self.restarts[slot]
                        self._spawn(slot, held, ready_r)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self.workers:  # an error in the loop: leave no worker behind
                self._signal_all(signal.SIGKILL)
                for pid in list(self.workers):
                    os.waitpid(pid, 0)
            remove_control_file(self.settings.data_path)
            os.close(ready_r)
            os.close(self._ready_w)
            for sock in held:
                sock.close()
        return 1 if self.failed else 0

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stops += 1

    def _signal_all(self, sig: int) -> None:
        for pid in list(self.workers):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def _reap(self, announced: bool) -> None:
        while self.workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            worker = self.workers.pop(pid, None)
            if worker is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            if self.stops:
                if code != 0:
                    self.failed = True
                continue
            if not announced:  # a worker that cannot start (a setting, the database): give up, say so
                print(f"hubbub: error: worker {worker.slot} exited with {_describe(code)} before it was ready",
                      file=sys.stderr, flush=True)
                self.failed = True
                self.stops += 1
                continue
            delay = self.policy.died(worker.slot, time.monotonic() - worker.started)
            print(f"hubbub: worker {worker.slot} (pid {pid}) exited with {_describe(code)}; "
                  f"restarting it in {delay:g} s", file=sys.stderr, flush=True)
            self.restarts[worker.slot] = time.monotonic() + delay

    # -- a worker -------------------------------------------------------------------------------

    def _spawn(self, slot: int, held: list[socket.socket], ready_r: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            self.workers[pid] = _Worker(slot, pid, time.monotonic())
            return
        code = 2
        try:  # the child: never returns into the parent's code
            os.close(ready_r)
            for sock in held:
                sock.close()
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _die_with_parent(self._parent)
            code = self._work(slot)
        except BaseException as exc:  # noqa: BLE001 - the child reports and exits whatever happened
            print(f"hubbub: error: worker {slot}: {exc}", file=sys.stderr, flush=True)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def _work(self, slot: int) -> int:
        from .run import serve
        settings = dataclasses.replace(self.settings, port=self.port, operator_token=self.token, workers=1)
        ready_w = self._ready_w

        def ready(port: int) -> None:
            os.write(ready_w, f"{slot} {os.getpid()}\n".encode())
        serve(settings, on_ready=ready, reuse_port=True, control_file=False, signals=(signal.SIGTERM,))
        return 0


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGTERM (drain) this worker should the parent die without passing a signal on."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)


def _describe(code: int) -> str:
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"code {code}"


def _local_url(host: str, port: int) -> str:
    from .run import local_url
    return local_url(host, port)
