"""Waiting in tests for a condition with a deadline, never for a fixed time (the machine is loaded)."""

from __future__ import annotations

import asyncio
from typing import Callable


async def until(check: Callable[[], object], timeout: float = 30.0, what: str = "a condition") -> None:
    """Poll `check()` until it holds; fail after `timeout` seconds (a bound on a failure, not a timing)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.02)
