"""One process per SQLite database: a lock file beside it, held while the store is open.

The SQLite node assumes it is its database's only writer: it caches log heads, device cursors and
recipients (directory.py), and its bus wakes only its own connections. A second server on the same
file would answer from stale caches and never wake the first one's clients, so it is refused, with
the holder's pid in the message. The lock is an advisory `flock` on `<database>.lock`, which the
kernel drops when the process ends, so a crash leaves nothing to clean up. A CLI command that writes
the file while no server runs holds it too, for as long as the command; a server starting
meanwhile waits for it (up to `sqlite_lock_wait`).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from pathlib import Path

from ..private import private_file

POLL = 0.05
"""Seconds between attempts while another process holds the lock."""


class StoreInUse(OSError):
    """Another process holds the database (a server, or a CLI command writing it)."""


async def hold(database: Path, wait: float) -> int:
    """Take the lock of `database` (waiting up to `wait` seconds); return its file descriptor."""
    path = private_file(Path(str(database) + ".lock"))
    fd = os.open(path, os.O_RDWR)
    try:  # refused, failed or cancelled while waiting: the descriptor goes with it
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                    raise StoreInUse(f"{database} is in use by another Hubbub process (pid {holder}); one process "
                                     "serves a SQLite database (several need PostgreSQL: see docs/deploy.md)") from None
                await asyncio.sleep(POLL)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
    except BaseException:
        os.close(fd)
        raise
    return fd


def release(fd: int) -> None:
    """Let the database go (closing the descriptor drops the lock)."""
    os.close(fd)
