"""The `hubbub` command: serve, administer apps and users, demo, and a terminal client."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
from typing import Any, AsyncIterator, Sequence
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..bus.local import LocalBus
from ..config import Settings
from ..core.admin import Admin, AdminError
from ..core.hub import Hub
from ..core.operations import OPERATIONS
from ..server.control import read_control_file
from ..private import private_dir
from ..store import open_store


class CLIError(Exception):
    """A user error: printed as `hubbub: error: ...` with exit code 2."""


def _settings(args: argparse.Namespace, **extra: object) -> Settings:
    overrides = {name: getattr(args, name, None) for name, _help, _default in Settings.describe()}
    overrides.update(extra)
    try:
        return Settings.load(getattr(args, "config", None), **overrides)
    except (ValueError, OSError) as exc:
        raise CLIError(str(exc)) from None


@contextlib.asynccontextmanager
async def offline_admin(settings: Settings) -> AsyncIterator[Admin]:
    """Admin over the store directly, for commands run beside (or without) a server."""
    hub = Hub(settings, open_store(settings), LocalBus())
    await hub.store.open()
    try:
        yield Admin(hub)
    finally:
        await hub.store.close()


def _add_store_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", help="data folder (HUBBUB_DATA_DIR; default ./hubbub-data)")
    p.add_argument("--database-url", help="store URL instead of SQLite in the data folder (HUBBUB_DATABASE_URL)")
    p.add_argument("--config", help="TOML settings file (HUBBUB_CONFIG)")


SETTINGS_EPILOG = ("Every setting is a flag, a HUBBUB_<NAME> environment variable and a key of the TOML file; "
                   "flags win over the environment, which wins over the file. Each is checked against its "
                   "range when the server starts.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hubbub", description="Hubbub: self-hosted real-time messaging.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the server", epilog=SETTINGS_EPILOG)
    for name, help_, default in Settings.describe():  # every setting is a flag too, checked by Settings
        serve.add_argument("--" + name.replace("_", "-"), metavar=name.upper(),
                           help=f"{help_} (HUBBUB_{name.upper()}; default {default!r})")
    serve.add_argument("--config", help="TOML settings file (HUBBUB_CONFIG)")

    app = sub.add_parser("app", help="manage apps").add_subparsers(dest="app_command", required=True, metavar="ACTION")
    create = app.add_parser("create", help="create an app and print its secret app token")
    create.add_argument("name")
    create.add_argument("--json", action="store_true", help="print JSON with the app id and name too")
    _add_store_args(create)
    lst = app.add_parser("list", help="list apps")
    lst.add_argument("--json", action="store_true")
    _add_store_args(lst)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="user_command", required=True,
                                                                       metavar="ACTION")
    add = user.add_parser("add", help="add a user (or issue a new token) and print a user access token")
    add.add_argument("address")
    add.add_argument("--app", required=True, help="app name")
    add.add_argument("--appid", required=True, help="the app id the client will use (mesibo's setAppName)")
    add.add_argument("--name", help="display name")
    add.add_argument("--device", help="device id (default: a new device)")
    add.add_argument("--expiry", type=int, help="token lifetime in minutes")
    add.add_argument("--json", action="store_true")
    _add_store_args(add)

    db = sub.add_parser("db", help="manage the database").add_subparsers(dest="db_command", required=True,
                                                                      metavar="ACTION")
    up = db.add_parser("upgrade", help="bring the database's schema to this release's (stores also do it on start)")
    _add_store_args(up)

    demo = sub.add_parser(
        "demo", help="run a server with a demo app and users, and print what to open",
        description="Start a server with the app id com.hubbub.demo and the users alice and bob, print the "
                    "example page URLs (one per user), the API docs URL and terminal commands, and serve "
                    "until Ctrl-C. Without --data-dir the data lives in a new temporary folder that is "
                    "removed on exit, so every demo starts fresh.")
    demo.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    demo.add_argument("--port", type=int, help="port (default: any free port)")
    demo.add_argument("--data-dir", help="keep the demo's data in this folder (default: a temporary folder)")

    send = sub.add_parser("send", help="send one message and print the server's answer",
                          description="Exit code 0 when the answer is SENT, 1 for a failure status "
                                      "(INVALIDDEST, BLOCKED...), 2 for usage, connection or auth errors.")
    _add_client_args(send)
    send.add_argument("to", metavar="TO", help="recipient address (ignored with --gid)")
    send.add_argument("message", metavar="MESSAGE")
    send.add_argument("--gid", type=int, default=0, help="send to this group instead")
    send.add_argument("--title", default="")
    send.add_argument("--expiry", type=int, help="seconds (0 = only if the recipient is online)")
    send.add_argument("--json", action="store_true", help="print the whole answer as JSON")

    listen = sub.add_parser("listen", help="print incoming events as they arrive, one line each")
    _add_client_args(listen)
    listen.add_argument("--count", type=int, help="stop after this many events")
    listen.add_argument("--after", type=int, help="resume after this seq (default: the device's cursor)")
    listen.add_argument("--json", action="store_true", help="print each event as one JSON line")
    return parser


def _add_client_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", default=os.environ.get("HUBBUB_URL"),
                   help="server WebSocket URL, e.g. ws://127.0.0.1:8080/ws (an http:// base URL works too; "
                        "HUBBUB_URL)")
    p.add_argument("--token", default=os.environ.get("HUBBUB_TOKEN"), help="user access token (HUBBUB_TOKEN)")
    p.add_argument("--appid", default=os.environ.get("HUBBUB_APPID"), help="app id of the token (HUBBUB_APPID)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server (default 30)")


async def _operate(settings: Settings, op: str, **args: Any) -> Any:
    """Run an operator command through the server running on this data folder, else on the store."""
    server = read_control_file(settings.data_path)
    if server is not None:
        try:
            return await asyncio.to_thread(_post_control, server, op, args)
        except urllib.error.URLError as exc:
            if not isinstance(exc.reason, ConnectionRefusedError):
                raise CLIError(f"the server at {server['url']} did not answer: {exc.reason}") from None
            # the server is gone and left its file behind: nobody holds the database, write it here
    async with offline_admin(settings) as admin:
        return await OPERATIONS[op](admin, **args)


def _post_control(server: dict[str, Any], op: str, args: dict[str, Any]) -> Any:
    request = urllib.request.Request(server["url"] + "/control", data=json.dumps({"op": op, "args": args}).encode(),
                                     headers={"Authorization": f"Bearer {server['token']}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["result"]
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read())
        except ValueError:
            raise CLIError(f"the server answered HTTP {exc.code}") from None
        raise AdminError(body.get("error", "FAIL"), body.get("reason", f"HTTP {exc.code}")) from None


async def _app_create(args: argparse.Namespace) -> int:
    app = await _operate(_settings(args), "app_create", name=args.name)
    print(json.dumps(app) if args.json else app["token"])
    return 0


async def _app_list(args: argparse.Namespace) -> int:
    apps = await _operate(_settings(args), "app_list")
    if args.json:
        print(json.dumps(apps))
    else:
        for a in apps:
            print(f"{a['id']}\t{a['name']}")
    return 0


async def _user_add(args: argparse.Namespace) -> int:
    user = await _operate(_settings(args), "user_add", app=args.app, address=args.address, appid=args.appid,
                          name=args.name, device=args.device, expiry=args.expiry)
    print(json.dumps(user) if args.json else user["token"])
    return 0


async def _db_upgrade(args: argparse.Namespace) -> int:
    from ..store.migrate import HEAD
    settings = _settings(args)
    try:
        store = open_store(settings)
        await store.open()  # opening migrates (alembic) to the newest revision
        await store.close()
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    except Exception as exc:  # the database refused or could not be reached
        raise CLIError(f"could not upgrade the database: {exc}") from None
    print(f"database schema at revision {HEAD}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from ..server.run import serve
    from ..server.workers import Supervisor, refusal
    settings = _settings(args)
    problem = refusal(settings)
    if problem:
        raise CLIError(problem)

    def ready(port: int) -> None:
        print(f"hubbub: serving on http://{settings.host}:{port}", flush=True)
    try:
        private_dir(settings.data_path)
        if settings.workers > 1:
            return Supervisor(settings, ready).run()
        serve(settings, on_ready=ready)
    except (ValueError, OSError) as exc:  # a setting the store or bus refuses, a folder we cannot make, a taken port
        raise CLIError(str(exc)) from None
    return 0


DEMO_APP = "demo"
DEMO_APPID = "com.hubbub.demo"
DEMO_USERS = (("alice", "Alice"), ("bob", "Bob"))


def _demo(args: argparse.Namespace) -> int:
    """Serve a ready-to-try setup; everything runs in this process on SQLite."""
    from ..server.run import serve
    temp = args.data_dir is None
    data_dir = tempfile.mkdtemp(prefix="hubbub-demo-") if temp else args.data_dir
    extra: dict[str, Any] = {"data_dir": data_dir, "port": 0 if args.port is None else args.port}
    if "HUBBUB_LOG_LEVEL" not in os.environ:
        extra["log_level"] = "warning"  # keep the instructions readable
    try:
        settings = _settings(args, **extra)
        private_dir(settings.data_path)
        tokens = asyncio.run(_demo_setup(settings))

        def ready(port: int) -> None:
            base = f"http://{settings.host}:{port}"
            ws = f"ws://{settings.host}:{port}/ws"
            where = f"{data_dir} (temporary, removed on exit)" if temp else data_dir
            lines = [
                f"hubbub: serving on {base}",
                f"hubbub demo: app id {DEMO_APPID}, users alice and bob, data in {where}",
                "",
                "Open the example page as each user (two browsers, or two windows):",
                f"  alice: {base}/example?{urlencode({'token': tokens['alice', 'web'], 'appid': DEMO_APPID})}",
                f"  bob:   {base}/example?{urlencode({'token': tokens['bob', 'web'], 'appid': DEMO_APPID})}",
                f"Backend API docs: {base}/docs",
                "",
                "Or from a terminal (bob listens, alice sends):",
                f"  hubbub listen --url {ws} --token {tokens['bob', 'cli']} --appid {DEMO_APPID}",
                f"  hubbub send --url {ws} --token {tokens['alice', 'cli']} --appid {DEMO_APPID} bob 'hello bob'",
                "",
                "Ctrl-C to stop.",
            ]
            print("\n".join(lines), flush=True)

        # SIGTERM before the server runs (or after) is a clean exit too, so the temporary folder
        # is still removed
        previous = signal.signal(signal.SIGTERM, _terminated)
        try:
            serve(settings, on_ready=ready)
        except _Terminated:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
    finally:
        if temp:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


class _Terminated(Exception):
    """SIGTERM reached the demo."""


def _terminated(signum: int, frame: object) -> None:
    raise _Terminated()


async def _demo_setup(settings: Settings) -> dict[tuple[str, str], str]:
    """The demo app and users, with one token per (user, device): the page and the terminal are
    separate devices, so a terminal `listen` does not sign the browser out."""
    async with offline_admin(settings) as admin:
        try:
            app = await admin.app_named(DEMO_APP)
        except AdminError:
            app, _token = await admin.create_app(DEMO_APP)
        tokens: dict[tuple[str, str], str] = {}
        for address, name in DEMO_USERS:
            user = await admin.add_user(app, address, name)
            for device in ("web", "cli"):
                tokens[address, device] = await admin.issue_token(user, DEMO_APPID, device)
    return tokens


def _client_args(args: argparse.Namespace) -> tuple[str, str, str]:
    missing = [f"--{n}" for n in ("url", "token", "appid") if not getattr(args, n)]
    if missing:
        raise CLIError(f"{', '.join(missing)} required (or HUBBUB_URL, HUBBUB_TOKEN, HUBBUB_APPID)")
    return _ws_url(args.url), args.token, args.appid


def _ws_url(url: str) -> str:
    """Accept the server's http:// base URL as well as its ws:// endpoint."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path if parts.path not in ("", "/") else "/ws"
    if scheme not in ("ws", "wss") or not parts.netloc:
        raise CLIError(f"bad URL {url!r}: expected ws://HOST:PORT/ws or http://HOST:PORT")
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


async def _send(args: argparse.Namespace) -> int:
    from ..client import Client
    from ..protocol.constants import Status
    url, token, appid = _client_args(args)

    async def run() -> dict[str, Any]:
        async with Client(url, token, appid, open_timeout=args.timeout) as c:
            return await c.send(args.to, args.message, gid=args.gid, title=args.title, expiry=args.expiry)
    try:
        res = await asyncio.wait_for(run(), args.timeout)
    except asyncio.TimeoutError:
        raise CLIError(f"no answer from {url} within {args.timeout:g} s") from None
    status = res.get("status", 0)
    try:
        name = Status(status).name
    except ValueError:
        name = hex(status)
    if args.json:
        print(json.dumps({**res, "status_name": name}), flush=True)
    else:
        print(f"{name} mid={res.get('mid')}" + (" (duplicate)" if res.get("dup") else ""), flush=True)
    return 0 if status == Status.SENT else 1


def _describe(ev: dict[str, Any]) -> str:
    """One readable line per event."""
    from ..protocol.constants import Activity, Status

    def name(enum: Any, value: Any) -> str:
        try:
            return enum(value).name
        except ValueError:
            return str(value)
    k = ev.get("k")
    seq = f"[{ev['seq']}] " if "seq" in ev else ""
    where = f" (group {ev['gid']})" if ev.get("gid") else ""
    if k == "msg":
        arrow = f"{ev.get('from')} -> {ev.get('peer') or 'group'}" if ev.get("dir") == "out" else f"{ev.get('from')}"
        title = f"[{ev['title']}] " if ev.get("title") else ""
        return f"{seq}{arrow}{where}: {title}{ev.get('message', '')}  (mid {ev.get('mid')})"
    if k == "status":
        # a group's members delivered together come in one event, named in `peers`; one recipient's
        # messages delivered together, in `mids`
        who = f"peers {', '.join(ev['peers'])}" if "peers" in ev else f"peer {ev.get('peer')}"
        what = f"mids {', '.join(map(str, ev['mids']))}" if "mids" in ev else f"mid {ev.get('mid')}"
        return f"{seq}status {name(Status, ev.get('status'))} {what} {who}{where}"
    if k == "presence":
        return f"presence {ev.get('from')}{where}: {name(Activity, ev.get('activity'))}"
    rest = " ".join(f"{key}={json.dumps(v)}" for key, v in ev.items() if key not in ("seq", "k", "ts"))
    return f"{seq}{k} {rest}"


async def _listen(args: argparse.Namespace) -> int:
    from ..client import Client
    url, token, appid = _client_args(args)
    if args.count is not None and args.count < 0:
        raise CLIError("--count must be 0 or more")
    if args.count == 0:
        return 0
    seen = 0
    async with Client(url, token, appid, after=args.after, open_timeout=args.timeout) as c:
        async for ev in c.events():
            print(json.dumps(ev) if args.json else _describe(ev), flush=True)
            seen += 1
            if args.count is not None and seen >= args.count:
                break
    return 0


COMMANDS = {
    ("app", "create"): _app_create,
    ("app", "list"): _app_list,
    ("user", "add"): _user_add,
    ("db", "upgrade"): _db_upgrade,
    ("send", None): _send,
    ("listen", None): _listen,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from ..client import HubbubError, RequestError
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "demo":
            return _demo(args)
        action = getattr(args, f"{args.command}_command", None)
        return asyncio.run(COMMANDS[(args.command, action)](args))
    except RequestError as exc:  # the server refused the request (TOOBIG, BADREQUEST...)
        print(f"hubbub: error: {exc}", file=sys.stderr)
        return 1
    except HubbubError as exc:  # cannot connect, AUTHFAIL, signed out...
        print(f"hubbub: error: {exc}", file=sys.stderr)
        return 2
    except (CLIError, AdminError) as exc:
        print(f"hubbub: error: {getattr(exc, 'reason', exc)}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the port is taken, the data folder cannot be created
        print(f"hubbub: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
