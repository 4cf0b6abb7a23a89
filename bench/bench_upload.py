"""Upload memory benchmark: one large file streamed to a server in a child process.

Measures the server's resident memory while a file of --mb megabytes (default 500) is uploaded over
loopback through the Python client (which streams it from disk), then downloaded once: the peak RSS
above the idle server (the kernel's high-water mark, reset after start-up through /proc/PID/clear_refs)
and the throughput. Goal: under 64 MB above idle for a 500 MB upload.

    .venv/bin/python bench/bench_upload.py [--mb 500] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hubbub.client import Files
from hubbub.server.process import ServerProcess, hubbub_cli

APPID = "com.example.bench"


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def make_file(path: Path, mb: int) -> None:
    block = os.urandom(1024 * 1024)
    with open(path, "wb") as fh:
        for i in range(mb):
            fh.write(block[i % 251:] + block[:i % 251])  # every megabyte different, cheaply


async def run(mb: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        hubbub_cli("app", "create", "bench", "--data-dir", str(data))
        token = hubbub_cli("user", "add", "up", "--app", "bench", "--appid", APPID, "--data-dir", str(data)).split()[-1]
        src = Path(tmp) / "big.bin"
        make_file(src, mb)
        env = {"HUBBUB_MAX_UPLOAD_BYTES": str((mb + 1) * 1024 * 1024)}
        with ServerProcess(data, env=env) as server:
            files = Files(server.url, token, APPID, timeout=600)
            await files.upload(b"warm-up", "w.txt")  # first request: imports, caches
            await asyncio.sleep(0.5)
            idle_kb = status_kb(server.pid, "VmRSS")
            Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
            t0 = time.perf_counter()
            meta = await files.upload(src, "big.bin")
            up_s = time.perf_counter() - t0
            upload_peak_kb = status_kb(server.pid, "VmHWM")
            t0 = time.perf_counter()
            await files.download(meta["id"], Path(tmp) / "back.bin")
            down_s = time.perf_counter() - t0
            peak_kb = status_kb(server.pid, "VmHWM")
            assert (Path(tmp) / "back.bin").stat().st_size == src.stat().st_size
    return {"mb": mb, "idle_rss_mb": round(idle_kb / 1024, 1),
            "upload_peak_above_idle_mb": round((upload_peak_kb - idle_kb) / 1024, 1),
            "peak_above_idle_mb": round((peak_kb - idle_kb) / 1024, 1),
            "upload_mb_per_s": round(mb / up_s, 1), "download_mb_per_s": round(mb / down_s, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=500, help="size of the uploaded file in megabytes")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()
    figures = asyncio.run(run(args.mb))
    for k, v in figures.items():
        print(f"{k:28} {v}")
    print("goal: peak above idle < 64 MB:", "met" if figures["peak_above_idle_mb"] < 64 else "NOT met")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    sys.exit(main())
