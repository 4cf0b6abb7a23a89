"""Bytes a group change makes the server write: the amplification that issue 6 item 3 removed.

One admin renames a group of --members members --changes times, then changes one member's flags.
Each change appends one event to every member's log; the bench sums the bytes those events hold
in the store (SQLite, `events.body`) and prints them per change and per member. Before member
deltas every event carried the whole member list (about 1.8 MB per rename of 200 members).
The hub runs in this process on a real SQLite file; quotas are lifted so that nothing is refused.

    python bench/bench_group_writes.py [--members 200] [--changes 20] [--json out.json]
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import benchlib as bl

from hubbub.bus.local import LocalBus
from hubbub.config import Settings
from hubbub.core.admin import Admin
from hubbub.core.hub import Hub
from hubbub.protocol import frames as f
from hubbub.store.base import TokenInfo
from hubbub.store.sqlite import SQLiteStore


async def run(members: int, changes: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-group-"))
    settings = Settings.load(env={}, data_dir=str(folder), group_ops_per_minute=1_000_000,
                             user_write_bytes=1 << 40, max_groups_per_user=1_000_000)
    hub = Hub(settings, SQLiteStore(folder / "hubbub.db"), LocalBus())
    await hub.start()
    try:
        admin = Admin(hub)
        app, _ = await admin.create_app("bench")
        owner = await admin.add_user(app, "owner")
        names = [f"m{i:05d}" for i in range(members)]
        for name in names:
            await admin.add_user(app, name)
        ident = TokenInfo(owner.uid, app.id, owner.address, "bench", "d1", 0, False, True)

        def stored() -> int:
            return int(hub.store.db.execute("SELECT coalesce(sum(length(body)), 0) FROM events").fetchone()[0])

        before = stored()
        gid = (await hub.group_create(ident, f.GroupCreate(name="bench", members=names)))["gid"]
        created = stored() - before
        before = stored()
        for i in range(changes):
            await hub.group_set(ident, f.GroupSet(gid=gid, name=f"bench {i}"))
        renamed = stored() - before
        before = stored()
        await hub.group_members(ident, f.GroupMembers(gid=gid, add=[names[0]], flags=1))
        flags = stored() - before
    finally:
        await hub.stop()
    logs = members + 1
    return {"members": logs, "changes": changes, "create_bytes": created, "rename_bytes_each": renamed / changes,
            "rename_bytes_per_member": renamed / changes / logs, "member_change_bytes": flags}


def main() -> None:
    p = bl.parser(__doc__ or "")
    p.add_argument("--members", type=int, default=200)
    p.add_argument("--changes", type=int, default=20)
    args = p.parse_args()
    r = asyncio.run(run(args.members, args.changes))
    print(f"group of {r['members']} members: create {r['create_bytes']} bytes; "
          f"a rename {r['rename_bytes_each']:.0f} bytes ({r['rename_bytes_per_member']:.0f} per member); "
          f"one member's flags {r['member_change_bytes']} bytes")

    def draw(ax: Any, res: dict[str, Any]) -> None:
        ax.bar(["create", "rename", "one member"], [res["create_bytes"], res["rename_bytes_each"],
                                                    res["member_change_bytes"]])
        ax.set_ylabel("bytes written to event logs")
    bl.finish(args, r, draw)


if __name__ == "__main__":
    main()
