"""A second HTTP server on another origin, serving a test app page (as a mesibo app is served from
its own site while it loads the SDK from Hubbub). `__SDK_ORIGIN__` in .html files becomes the SDK
server's origin."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _Handler(SimpleHTTPRequestHandler):
    sdk_origin = ""

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.suffix != ".html" or not path.is_file():
            return super().send_head()
        body = path.read_text().replace("__SDK_ORIGIN__", self.sdk_origin).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        import io
        return io.BytesIO(body)


class PageServer:
    """Serves `folder` on http://localhost:PORT (another origin than the SDK's 127.0.0.1 server)."""

    def __init__(self, folder: Path, sdk_origin: str) -> None:
        handler = type("Handler", (_Handler,), {"sdk_origin": sdk_origin})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
        self.origin = f"http://localhost:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
