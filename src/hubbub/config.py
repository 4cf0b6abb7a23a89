"""Settings: one dataclass, filled from defaults, an optional TOML file, HUBBUB_* variables and flags.

Every limit the server enforces lives here so it can be tuned and tested at its edge.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping


MiB = 1024 * 1024
YEAR = 365 * 24 * 3600


def _s(default: Any, help: str, min: float | None = None, max: float | None = None,
       choices: tuple[str, ...] | None = None) -> Any:
    """A setting: its default, its help, and the range (numbers) or choices (words) it must be in."""
    meta: dict[str, Any] = {"help": help}
    if (min is None) != (max is None):
        raise TypeError("a setting's range needs both its ends")
    if min is not None:
        meta["min"], meta["max"] = min, max
    if choices is not None:
        meta["choices"] = choices
    return field(default=default, metadata=meta)


@dataclass
class Settings:
    """Server settings. Names map to HUBBUB_<NAME> variables and to keys of the TOML file."""

    host: str = _s("127.0.0.1", "address to listen on")
    port: int = _s(8080, "port to listen on (0 = any free port)", min=0, max=65535)
    workers: int = _s(1, "server processes sharing the port (SO_REUSEPORT), supervised by a parent; more than 1 "
                      "needs the PostgreSQL store and the Redis bus", min=1, max=256)
    drain_timeout: float = _s(20.0, "seconds a node has, after SIGTERM, to move its clients to other nodes, finish "
                              "the sends in flight and exit (systemd's TimeoutStopSec must be longer)",
                              min=1.0, max=3600.0)
    drain_close_rate: float = _s(500.0, "connections a draining node closes per second (reconnect-now, 4004), so the "
                                 "other nodes are not stampeded; always done within half of drain_timeout",
                                 min=1.0, max=1e6)
    data_dir: str = _s("./hubbub-data", "folder for the SQLite database and files; created on first start")
    files_dir: str = _s("", "folder of the file store (the files and the key that signs their URLs); empty for "
                           "DATA_DIR/files. Nodes on several machines point it at one shared folder")
    database_url: str = _s("", "store: empty for SQLite in data_dir, sqlite:///path/to/file.db, or "
                              "postgresql://user@host:port/database")
    pg_pool_size: int = _s(4, "PostgreSQL connections for reads per process (writes use one more)", min=1, max=100)
    bus_url: str = _s("", "bus between nodes: empty for in-process (one node), or redis://host:port/db")
    bus_prefix: str = _s("hubbub:", "prefix of the Redis keys and channel (nodes of one cluster share it)")
    bus_heartbeat: float = _s(1.0, "seconds between a node's heartbeats on the bus", min=0.05, max=60.0)
    bus_node_timeout: float = _s(5.0, "seconds without a heartbeat after which a node's connections are forgotten",
                                 min=0.2, max=600.0)
    bus_max_pending_bytes: int = _s(16 * 1024 * 1024, "bytes of bus messages waiting for Redis before new ones are "
                                    "dropped (the bus is a hint)", min=64 * 1024, max=1024 * MiB)
    sqlite_synchronous: str = _s("NORMAL", "SQLite synchronous mode: NORMAL survives a process crash, FULL a power loss",
                                  choices=("NORMAL", "FULL", "EXTRA", "OFF"))
    sqlite_busy_timeout: float = _s(0.05, "seconds a write on the event loop waits for a lock another process holds "
                                    "before a thread waits for it instead", min=0.0, max=5.0)
    sqlite_lock_wait: float = _s(30.0, "seconds a write waits (off the loop) for a lock another process holds "
                                 "before it fails with BUSY, and opening the database for another Hubbub process "
                                 "that holds it", min=0.01, max=3600.0)
    wal_size_limit: int = _s(64 * MiB, "bytes the SQLite WAL file keeps after a checkpoint under load; "
                             "an idle server empties it", min=0, max=64 * 1024 * MiB)
    writer_cache_bytes: int = _s(16 * MiB, "memory for the store writer's caches of log heads, device "
                                 "cursors and the recipients sends look up (SQLite) or of the events this process "
                                 "committed last, which pushes read (PostgreSQL); the least recently written go first", min=0, max=64 * 1024 * MiB)
    operator_token: str = _s("", "operator secret for /stats and the CLI's writes through a running server "
                             "(Authorization: Bearer); empty: a random one per run, in data_dir/server.json (0600)")
    max_frame_bytes: int = _s(65536, "largest WebSocket frame accepted, in bytes", min=1024, max=64 * MiB)
    max_message_bytes: int = _s(32768, "largest message text (message + title), in bytes", min=1, max=64 * MiB)
    max_devices: int = _s(8, "devices of one user online at once", min=1, max=1000)
    max_tabs: int = _s(32, "connections of one device at once (browser tabs that cannot share one)",
                       min=1, max=10_000)
    window: int = _s(1000, "events sent to a device before it must acknowledge", min=1, max=1_000_000)
    window_bytes: int = _s(1024 * 1024, "event bytes sent to a device before it must acknowledge (beside window)",
                           min=1, max=4096 * MiB)
    ack_delay: float = _s(0.02, "seconds a device's ack may wait before its cursor is stored; a send commits the "
                          "acks waiting then in the same transaction (fewer commits under paced traffic); "
                          "acks still streaming in then wait for a pause, up to 4 times this",
                          min=0.0, max=1.0)
    window_timeout: float = _s(60.0, "seconds a device may hold a full window unacknowledged before it is closed",
                               min=0.01, max=24 * 3600.0)
    sends_in_flight_bytes: int = _s(1024 * 1024, "bytes of one connection's sends held until they are answered; "
                                    "beyond it the connection's further frames wait (one send always goes)",
                                    min=1024, max=1024 * MiB)
    max_events_frame_bytes: int = _s(256 * 1024, "largest events frame, in bytes (an event larger than it goes alone)",
                                     min=1, max=64 * MiB)
    rate_limit: float = _s(1000.0, "frames per second a connection may send, sustained", min=0.001, max=1e6)
    rate_burst: int = _s(2000, "frames a connection may send in a burst", min=1, max=10_000_000)
    rate_strikes: int = _s(200, "frames dropped for rate in a row before the connection is closed",
                           min=1, max=10_000_000)
    max_connections: int = _s(10000, "WebSocket connections this node holds at once, authenticated or not",
                              min=1, max=10_000_000)
    gc_threshold: int = _s(50_000, "container objects allocated between two collections of Python's youngest "
                           "generation in `hubbub serve` (gc.set_threshold's first value; Python's default is 700)",
                           min=100, max=10_000_000)
    max_pending_auth: int = _s(1000, "connections waiting to authenticate at once", min=1, max=10_000_000)
    pending_auth_wait: float = _s(10.0, "seconds a connection past max_pending_auth waits, before its handshake, for "
                                  "a place to authenticate (first come, first served) before it is refused with "
                                  "1013; 0 refuses at once", min=0.0, max=3600.0)
    auth_timeout: float = _s(10.0, "seconds a new connection has to authenticate", min=0.01, max=3600.0)
    send_buffer_bytes: int = _s(4 * 1024 * 1024, "bytes queued behind a blocked write before the client is dropped",
                                min=1024, max=4096 * MiB)
    ws_compression: str = _s("off", "permessage-deflate: off, or deflate (about 90 KiB more per connection; "
                             "see docs/architecture.md)", choices=("off", "deflate"))
    close_grace: float = _s(1.0, "seconds a closing connection has to take its last frames and acknowledge them",
                            min=0.0, max=60.0)
    default_expiry: int = _s(7 * 24 * 3600, "message expiry in seconds when a send names none", min=0, max=100 * YEAR)
    max_expiry: int = _s(365 * 24 * 3600, "largest message expiry in seconds", min=0, max=100 * YEAR)
    token_expiry_minutes: int = _s(525600, "user access token lifetime when the backend names none (minutes)",
                                   min=1, max=100 * 525600)
    max_history_page: int = _s(200, "most messages one history request returns", min=1, max=10_000)
    max_history_bytes: int = _s(256 * 1024, "largest history answer, in bytes of its messages (at least one message "
                                "goes, whatever its size; the rest waits for the next page)", min=1024, max=64 * MiB)
    max_group_members: int = _s(1000, "most members of one group", min=1, max=1_000_000)
    max_groups_per_user: int = _s(100, "most groups one user may have created (and not deleted) at once",
                                  min=1, max=1_000_000)
    conversations_per_minute: int = _s(30, "chat-list (conversations) requests per user per minute (each reads "
                                       "the user's whole log)", min=1, max=1_000_000)
    group_ops_per_minute: int = _s(60, "group admin operations (create, set, members, delete) per user per minute",
                                   min=1, max=1_000_000)
    user_write_bytes: int = _s(32 * MiB, "bytes one user's requests may add to event logs per user_write_interval",
                               min=1024, max=1024 * 1024 * MiB)
    user_write_interval: float = _s(60.0, "seconds over which user_write_bytes refills", min=0.001, max=86400.0)
    quota_sync_interval: float = _s(0.1, "seconds between a node's batched updates of the per-user quotas all nodes "
                                    "share in Redis (with a Redis bus)", min=0.01, max=10.0)
    max_backend_body: int = _s(1024 * 1024, "largest backend API request body, in bytes", min=64, max=1024 * MiB)
    max_batch: int = _s(512, "most store operations committed in one transaction", min=1, max=100_000)
    commit_window: float = _s(0.002, "SQLite: seconds a commit waits after the one before, so that steady traffic "
                              "shares commits (a commit after a pause goes at once); 0 commits every loop turn",
                              min=0.0, max=0.1)
    expiry_sweep_interval: float = _s(1.0, "seconds between sweeps for expired messages", min=0.01, max=3600.0)
    call_ring_timeout: float = _s(45.0, "seconds a call rings before it ends with NOANSWER", min=0.1, max=3600.0)
    call_grace: float = _s(5.0, "seconds a call's endpoint may be disconnected (a new leader tab) before the call ends",
                           min=0.0, max=3600.0)
    ice_servers: str = _s("", "STUN/TURN URLs handed to clients for calls, space-separated (stun:host:3478 turn:host:3478)")
    turn_secret: str = _s("", "coturn static-auth-secret: TURN credentials are derived per user, valid turn_ttl seconds")
    turn_ttl: int = _s(86400, "lifetime in seconds of the TURN credentials derived from turn_secret", min=60, max=YEAR)
    turn_username: str = _s("", "fixed TURN username (when turn_secret is not used)")
    turn_credential: str = _s("", "fixed TURN password (when turn_secret is not used)")
    max_upload_bytes: int = _s(100 * 1024 * 1024, "largest file upload, in bytes (answered 413 before more is read)",
                               min=1, max=1024 * 1024 * MiB)
    max_image_bytes: int = _s(128 * 1024 * 1024, "largest decoded picture (width x height x bytes per pixel) "
                              "made a thumbnail of; larger ones are refused", min=1024, max=64 * 1024 * MiB)
    thumbnail_side: int = _s(128, "longest side of the thumbnail made of a picture, in pixels", min=16, max=1024)
    file_url_ttl: int = _s(3600, "seconds a signed file URL is valid (clients renew them)", min=1, max=YEAR)
    file_grace: int = _s(24 * 3600, "seconds before an unattached upload or a recalled message's file is removed",
                         min=0, max=100 * YEAR)
    file_sweep_interval: float = _s(60.0, "seconds between sweeps for files nothing refers to", min=0.01, max=86400.0)
    ws_allowed_origins: str = _s("*", "origins whose pages may open /ws, comma-separated (e.g. https://app.example.com); "
                                  "* for any. Clients that send no Origin (not browsers) are always allowed")
    log_level: str = _s("info", "log level: debug, info, warning, error",
                         choices=("debug", "info", "warning", "error"))
    log_format: str = _s("text", "log lines as text, or json (one object per line, for log collectors)",
                         choices=("text", "json"))

    @classmethod
    def load(cls, toml_path: str | None = None, env: Mapping[str, str] | None = None,
             **overrides: Any) -> "Settings":
        """Defaults < TOML file < HUBBUB_* environment < explicit overrides (flags)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        toml_path = toml_path or env.get("HUBBUB_CONFIG")
        if toml_path:
            with open(toml_path, "rb") as fh:
                data = tomllib.load(fh)
            values.update(data.get("hubbub", data))
        for f in dataclasses.fields(cls):
            key = "HUBBUB_" + f.name.upper()
            if key in env:
                values[f.name] = env[key]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "Settings":
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        out: dict[str, Any] = {}
        for name, value in values.items():
            kind: Any = type(known[name].default)
            try:
                if kind is int and isinstance(value, float) and not value.is_integer():
                    raise ValueError(value)
                out[name] = value if isinstance(value, kind) else kind(value)
            except (TypeError, ValueError):
                raise ValueError(f"setting {name} must be {kind.__name__}, got {value!r}") from None
        return cls(**out)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, check(f.name, getattr(self, f.name), f.metadata))

    @property
    def allowed_origins(self) -> frozenset[str] | None:
        """The origins that may open /ws, or None for any."""
        items = {o.strip().rstrip("/").lower() for o in self.ws_allowed_origins.split(",") if o.strip()}
        return None if not items or "*" in items else frozenset(items)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def files_path(self) -> Path:
        """Where the file store keeps its files: `files_dir`, or DATA_DIR/files."""
        return Path(self.files_dir) if self.files_dir else self.data_path / "files"

    @property
    def file_key_path(self) -> Path:
        """The folder of the key that signs file URLs: beside the files when `files_dir` is set (so the
        nodes sharing them accept each other's URLs), else the data folder (where it always was)."""
        return self.files_path if self.files_dir else self.data_path

    @staticmethod
    def describe() -> list[tuple[str, str, Any]]:
        """(name, help, default) for --help; the help ends with the range or choices the setting takes."""
        out = []
        for f in dataclasses.fields(Settings):
            m = f.metadata
            bounds = (f"{_num(m['min'])} to {_num(m['max'])}" if "min" in m else
                      "one of " + ", ".join(m["choices"]) if "choices" in m else "")
            out.append((f.name, m["help"] + (f" [{bounds}]" if bounds else ""), f.default))
        return out


def check(name: str, value: Any, meta: Mapping[str, Any]) -> Any:
    """`value` as the setting keeps it (a choice in its canonical case), or ValueError saying what
    `name` accepts when it is outside its range or choices."""
    lo, hi, choices = meta.get("min"), meta.get("max"), meta.get("choices")
    if lo is not None and hi is not None and not lo <= value <= hi:
        raise ValueError(f"setting {name} must be between {_num(lo)} and {_num(hi)}, got {value!r}")
    if choices is not None:
        canonical = {c.casefold(): c for c in choices}.get(str(value).casefold())
        if canonical is None:
            raise ValueError(f"setting {name} must be one of {', '.join(choices)}, got {value!r}")
        return canonical
    return value


def _num(v: float) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)
