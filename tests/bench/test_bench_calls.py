"""The call set-up benchmark runs end to end on a tiny size and writes its figures (no timing asserted)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import need_service

from .test_benchmarks import run_bench


def test_bench_calls_connects_every_call(tmp_path: Path) -> None:
    if not os.path.exists("/usr/bin/chromium"):
        need_service("/usr/bin/chromium is missing (scripts/test.sh installs Debian's chromium)")
    r = run_bench("bench_calls.py", tmp_path, "--calls", "2", "--warmup", "1")
    for layout in ("one_tab", "follower_of_three_tabs"):
        assert r[layout]["connected"]["n"] == r[layout]["ring"]["n"] == r[layout]["answered"]["n"] == 2
        assert 0 < r[layout]["ring"]["p50"] <= r[layout]["answered"]["p50"] <= r[layout]["connected"]["p50"]
