"""File transfer for the Python client: upload a path or bytes, fetch a received file (docs/files.md).

Files travel over HTTP beside the WebSocket (httpx): an upload streams the file in chunks with a
progress callback, a download asks the server for a signed URL and streams the bytes to memory or a
path. The WebSocket carries only the message with the file's id.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, AsyncIterator, Callable
from urllib.parse import urlsplit, urlunsplit

import httpx

Progress = Callable[[int, int], None]
"""progress(bytes done, bytes in all)."""

CHUNK = 256 * 1024


class FileTransferError(Exception):
    """The server refused an upload or a download; `status` and `code` say why."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(f"{status} {code}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason


def http_base(ws_url: str) -> str:
    """The server's HTTP origin from its WebSocket URL (ws://host:port/ws → http://host:port)."""
    parts = urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, "", "", ""))


async def _raise_for(resp: httpx.Response) -> None:
    if resp.status_code < 400:
        return
    await resp.aread()
    try:
        body = resp.json()
        code, reason = body.get("error", "ERROR"), body.get("reason", "")
    except ValueError:
        code, reason = "ERROR", resp.text[:200]
    raise FileTransferError(resp.status_code, code, reason)


class Files:
    """Uploads and downloads for one user (token and app id) of one server."""

    def __init__(self, base: str, token: str, appid: str, timeout: float = 60.0) -> None:
        self.base = base.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "X-Appid": appid}
        self._timeout = timeout

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self._timeout)

    async def upload(self, source: str | os.PathLike[str] | bytes, name: str | None = None,
                     progress: Progress | None = None, image: bool = False) -> dict[str, Any]:
        """Upload a file; return what the server measured (`id`, `size`, `mime`, `type`, `thumb`...)."""
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            total = len(data)
            name = name or ""

            async def chunks() -> AsyncIterator[bytes]:
                for i in range(0, total, CHUNK):
                    yield data[i:i + CHUNK]
        else:
            path = Path(source)
            total = path.stat().st_size
            name = name if name is not None else path.name

            async def chunks() -> AsyncIterator[bytes]:
                with open(path, "rb") as fh:
                    while chunk := await asyncio.to_thread(fh.read, CHUNK):
                        yield chunk

        async def counted() -> AsyncIterator[bytes]:
            done = 0
            if progress:
                progress(0, total)
            async for chunk in chunks():
                yield chunk
                done += len(chunk)
                if progress:
                    progress(done, total)

        params = {"name": name}
        if image:
            params["image"] = "1"
        headers = {**self._headers, "Content-Length": str(total), "Content-Type": "application/octet-stream"}
        async with self._client() as http:
            try:
                resp = await http.post(f"{self.base}/files/upload", params=params, headers=headers,
                                       content=counted())
            except httpx.RemoteProtocolError as exc:  # the server answered early (413) and closed
                raise FileTransferError(413, "TOOBIG", f"the server stopped the upload: {exc}") from None
            await _raise_for(resp)
            return resp.json()

    async def urls(self, ids: list[str]) -> dict[str, Any]:
        """Signed URLs for these file ids: `{"urls": {id: absolute url}, "denied": [id]}`."""
        async with self._client() as http:
            resp = await http.post(f"{self.base}/files/sign", json={"ids": ids}, headers=self._headers)
            await _raise_for(resp)
            body = resp.json()
        body["urls"] = {k: self.base + v for k, v in body["urls"].items()}
        return body

    async def url(self, file_id: str) -> str:
        body = await self.urls([file_id])
        if file_id not in body["urls"]:
            raise FileTransferError(403, "FORBIDDEN", f"not allowed to read file {file_id}")
        return str(body["urls"][file_id])

    async def download(self, file: dict[str, Any] | str, dest: str | os.PathLike[str] | None = None,
                       progress: Progress | None = None) -> bytes | Path:
        """Fetch a file (a message's `file` object, or an id); bytes, or the path `dest` written to."""
        file_id = file if isinstance(file, str) else file.get("id", "")
        url = await self.url(file_id) if file_id else str(file["url"])  # type: ignore[index]
        return await self.get(url, dest, progress)

    async def get(self, url: str, dest: str | os.PathLike[str] | None = None,
                  progress: Progress | None = None, headers: dict[str, str] | None = None) -> bytes | Path:
        """GET a (signed) file URL, streaming to `dest` when given."""
        async with self._client() as http, http.stream("GET", url, headers=headers) as resp:
            await _raise_for(resp)
            total = int(resp.headers.get("content-length", 0))
            done = 0
            parts: list[bytes] = []
            fh = open(dest, "wb") if dest is not None else None
            try:
                async for chunk in resp.aiter_bytes(CHUNK):
                    if fh is not None:
                        await asyncio.to_thread(fh.write, chunk)
                    else:
                        parts.append(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
            finally:
                if fh is not None:
                    fh.close()
        return Path(dest) if dest is not None else b"".join(parts)


__all__ = ["Files", "FileTransferError", "Progress", "http_base"]
