"""Create the benchmark's app, users and device tokens straight in the store; run by
`benchlib.make_tokens` in a child process.

A child of its own so that the database (its schema, its SQLite page size) is made by the hubbub
package the servers run: `PYTHONPATH` first, then the installed one, as for `python -m hubbub`.
In the loader process `benchlib` puts this checkout's `src` first, so a baseline tree's servers
(`bench_scale.py --baseline`, or `PYTHONPATH=... bench/bench_messages.py`) would otherwise have
found a database made by this checkout's code.

Reads {"data": DIR, "addresses": [...], "env": {HUBBUB_...}, "appid": ...} on stdin; prints
{"tokens": [...]} on stdout, a token per address in their order.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from hubbub.cli.main import offline_admin
from hubbub.config import Settings
from hubbub.core.admin import AdminError


async def make(data: str, addresses: list[str], env: dict[str, str], appid: str) -> list[str]:
    settings = Settings.load(env=env, data_dir=data)
    async with offline_admin(settings) as admin:
        try:
            app = await admin.app_named("bench")
        except AdminError:
            app, _token = await admin.create_app("bench")

        async def one(address: str) -> str:
            user = await admin.add_user(app, address)
            return await admin.issue_token(user, appid, "d1")
        out: list[str] = []
        for i in range(0, len(addresses), 500):  # many at once: the store commits them in batches
            out += await asyncio.gather(*(one(a) for a in addresses[i:i + 500]))
        return out


def main() -> None:
    spec: dict[str, Any] = json.load(sys.stdin)
    tokens = asyncio.run(make(spec["data"], spec["addresses"], spec["env"], spec["appid"]))
    json.dump({"tokens": tokens}, sys.stdout)


if __name__ == "__main__":
    main()
