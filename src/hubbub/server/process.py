"""A Hubbub server in a child process, for tools that must kill or restart it (benchmarks, crash tests).

The child is `python -m hubbub serve --port 0`; its first "serving on" line tells the URL. Its
output is drained in a thread afterwards (so a chatty server never blocks on a full pipe) and the
last lines are kept for error messages.
"""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Sequence


def hubbub_cli(*args: str, timeout: float = 60) -> str:
    """Run a `hubbub` command in a child process; return its stdout, or raise with its stderr."""
    out = subprocess.run([sys.executable, "-m", "hubbub", *args], capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"hubbub {' '.join(args[:2])} failed ({out.returncode}): {out.stderr.strip()}")
    return out.stdout.strip()


class ServerProcess:
    """`with ServerProcess(data_dir) as server: server.ws_url ...`; `kill()` for a hard stop."""

    def __init__(self, data_dir: str | Path, env: dict[str, str] | None = None,
                 command: Sequence[str] | None = None, ready: str = r"serving on (http://\S+)") -> None:
        self.command = list(command or [sys.executable, "-m", "hubbub", "serve", "--port", "0",
                                        "--data-dir", str(data_dir)])
        self.env = {**os.environ, "HUBBUB_LOG_LEVEL": "warning", **(env or {})}
        self.ready = re.compile(ready)
        self.url = ""
        self.output: collections.deque[str] = collections.deque(maxlen=50)
        self.proc: subprocess.Popen[str] | None = None

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> "ServerProcess":
        self.proc = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=self.env)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip())
            m = self.ready.search(line)
            if m:
                self.url = m.group(1)
                threading.Thread(target=self._drain, daemon=True).start()
                return self
        raise RuntimeError("server did not start:\n" + "\n".join(self.output))

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip())

    def kill(self) -> int:
        """SIGKILL: no shutdown, no flush. Returns the exit status."""
        assert self.proc is not None
        self.proc.kill()
        return self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
