"""`--log-format json`: every log line the server writes (aiohttp's included) is one JSON object (for log collectors)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path


def test_serve_writes_json_log_lines(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "hubbub", "serve", "--port", "0", "--data-dir", str(tmp_path / "d"),
                             "--log-format", "json", "--log-level", "info"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while "serving on" not in proc.stdout.readline():
            assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines, "the server logged nothing at info level"
    records = [json.loads(ln) for ln in lines]  # each line parses, or the test fails here
    assert all({"asctime", "levelname", "name", "message"} <= set(r) for r in records)
    assert any(r["name"].startswith("hubbub.server") for r in records)
