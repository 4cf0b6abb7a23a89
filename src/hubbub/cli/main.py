"""The `hubbub` command: serve, administer apps and users, demo, and a terminal client."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from typing import AsyncIterator, Sequence

from ..bus.local import LocalBus
from ..config import Settings
from ..core.admin import Admin, AdminError
from ..core.hub import Hub
from ..store import open_store


class CLIError(Exception):
    """A user error: printed as `hubbub: error: ...` with exit code 2."""


def _settings(args: argparse.Namespace, **extra: object) -> Settings:
    overrides = {k: getattr(args, k, None) for k in ("host", "port", "data_dir", "database_url")}
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


def _settings_help() -> str:
    lines = ["settings (each also HUBBUB_<NAME> in the environment, or NAME = value in the TOML file):"]
    for name, help_, default in Settings.describe():
        lines.append(f"  {name:<22} {help_} (default: {default!r})")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hubbub", description="Hubbub: self-hosted real-time messaging.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the server", epilog=_settings_help(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--host", help="address to listen on (HUBBUB_HOST; default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (HUBBUB_PORT; default 8080; 0 = any free port)")
    _add_store_args(serve)

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
    return parser


async def _app_create(args: argparse.Namespace) -> int:
    async with offline_admin(_settings(args)) as admin:
        app, token = await admin.create_app(args.name)
    if args.json:
        print(json.dumps({"id": app.id, "name": app.name, "token": token}))
    else:
        print(token)
    return 0


async def _app_list(args: argparse.Namespace) -> int:
    async with offline_admin(_settings(args)) as admin:
        apps = await admin.store.list_apps()
    if args.json:
        print(json.dumps([{"id": a.id, "name": a.name, "created": a.created} for a in apps]))
    else:
        for a in apps:
            print(f"{a.id}\t{a.name}")
    return 0


async def _user_add(args: argparse.Namespace) -> int:
    async with offline_admin(_settings(args)) as admin:
        app = await admin.app_named(args.app)
        user = await admin.add_user(app, args.address, args.name)
        token = await admin.issue_token(user, args.appid, args.device, args.expiry)
    if args.json:
        print(json.dumps({"uid": user.uid, "address": user.address, "token": token}))
    else:
        print(token)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from ..server.run import serve
    settings = _settings(args)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    serve(settings, on_ready=lambda port: print(f"hubbub: serving on http://{settings.host}:{port}", flush=True))
    return 0


COMMANDS = {
    ("app", "create"): _app_create,
    ("app", "list"): _app_list,
    ("user", "add"): _user_add,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        action = getattr(args, f"{args.command}_command", None)
        return asyncio.run(COMMANDS[(args.command, action)](args))
    except (CLIError, AdminError) as exc:
        print(f"hubbub: error: {getattr(exc, 'reason', exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
