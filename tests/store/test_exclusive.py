"""One process per SQLite database: a second store or server on the same file is refused with the
holder's pid, waits for a short holder (a CLI command), and a crashed holder leaves nothing behind."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hubbub.store.exclusive import StoreInUse
from hubbub.store.sqlite import SQLiteStore


async def test_a_second_store_on_the_file_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    first = SQLiteStore(tmp_path / "db")
    await first.open()
    try:
        second = SQLiteStore(tmp_path / "db", lock_wait=0.2)
        started = time.monotonic()
        with pytest.raises(StoreInUse, match=f"pid {os.getpid()}"):
            await second.open()
        assert time.monotonic() - started >= 0.2, "it waited lock_wait first"
    finally:
        await first.close()
    again = SQLiteStore(tmp_path / "db", lock_wait=0.2)
    await again.open()  # closed: free
    await again.close()


async def test_a_store_waits_for_a_holder_that_lets_go_within_lock_wait(tmp_path: Path) -> None:
    first = SQLiteStore(tmp_path / "db")
    await first.open()
    await first.upsert_user(1, "alice", None, None, 0)

    async def let_go() -> None:
        await asyncio.sleep(0.3)
        await first.close()
    closing = asyncio.ensure_future(let_go())
    second = SQLiteStore(tmp_path / "db", lock_wait=5)
    await second.open()
    try:
        await closing
        assert (await second.user(1, "alice")) is not None
    finally:
        await second.close()


HOLDER = """
import asyncio, sys
from hubbub.store.sqlite import SQLiteStore
async def main():
    store = SQLiteStore(sys.argv[1])
    await store.open()
    print("holding", flush=True)
    await asyncio.sleep(3600)
asyncio.run(main())
"""


def _holder(path: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


async def test_a_killed_holder_leaves_the_database_free(tmp_path: Path) -> None:
    proc = _holder(tmp_path / "db")
    try:
        with pytest.raises(StoreInUse, match=f"pid {proc.pid}"):
            await SQLiteStore(tmp_path / "db", lock_wait=0.1).open()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    store = SQLiteStore(tmp_path / "db", lock_wait=0.1)
    await store.open()
    await store.close()


def test_serve_on_a_data_folder_another_process_serves_is_a_clear_error(tmp_path: Path) -> None:
    proc = _holder(tmp_path / "hubbub.db")
    try:
        out = subprocess.run([sys.executable, "-m", "hubbub", "serve", "--data-dir", str(tmp_path), "--port", "0",
                              "--sqlite-lock-wait", "0.1"], capture_output=True, text=True, timeout=60)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert out.returncode == 2, out.stderr
    assert f"in use by another Hubbub process (pid {proc.pid})" in out.stderr
    assert "Traceback" not in out.stderr
