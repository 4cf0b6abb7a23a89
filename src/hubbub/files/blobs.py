"""Bytes addressed by their SHA-256: the same bytes are stored once.

`BlobStore` is what the server needs; `LocalBlobStore` keeps the bytes in a directory, which several
nodes may share: an upload is written to a temporary file and renamed into place atomically (a rename
over an existing blob replaces it with the same bytes), and removal first renames the blob into a trash
folder, then checks that no upload landed on it meanwhile. Writes run in a worker thread, a chunk at a
time, so the event loop never blocks on the disk and memory holds one chunk.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from ..private import private_dir

BLOB_ID = re.compile(r"^[0-9a-f]{64}$")


def is_blob_id(value: str) -> bool:
    return bool(BLOB_ID.match(value))


@dataclass(frozen=True, slots=True)
class Blob:
    id: str
    size: int
    path: Path  # a local path the server can send (a future object store may download to one)


class Upload(Protocol):
    """One upload in progress: feed it chunks, then commit or abort."""

    size: int
    head: bytes  # the first bytes, for sniffing

    async def write(self, chunk: bytes) -> None: ...
    async def commit(self) -> Blob: ...
    async def abort(self) -> None: ...


class BlobStore(Protocol):
    async def begin(self) -> Upload: ...
    def get(self, blob_id: str) -> Blob | None: ...
    async def remove(self, blob_id: str, unless_newer_than: float) -> bool: ...


HEAD_BYTES = 8192


class _LocalUpload:
    def __init__(self, store: "LocalBlobStore", path: Path, fh: BinaryIO) -> None:
        self._store = store
        self._path = path
        self._fh = fh
        self._hash = hashlib.sha256()
        self.size = 0
        self.head = b""

    def _write(self, chunk: bytes) -> None:
        self._fh.write(chunk)
        self._hash.update(chunk)  # releases the GIL for large chunks

    async def write(self, chunk: bytes) -> None:
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        self.size += len(chunk)
        await asyncio.to_thread(self._write, chunk)

    async def commit(self) -> Blob:
        blob_id = self._hash.hexdigest()
        final = self._store.path_of(blob_id)

        def finish() -> None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            private_dir(final.parent)
            os.replace(self._path, final)  # atomic; over an existing blob it puts back the same bytes
        await asyncio.to_thread(finish)
        return Blob(blob_id, self.size, final)

    async def abort(self) -> None:
        def drop() -> None:
            self._fh.close()
            self._path.unlink(missing_ok=True)
        await asyncio.to_thread(drop)


class LocalBlobStore:
    """Blobs in `root/ab/<sha256>`; temporary files in `root/tmp`, removed ones pass through `root/trash`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"
        self.trash = self.root / "trash"
        for d in (self.root, self.tmp, self.trash):  # private messages' files: the server's user only
            private_dir(d)

    def path_of(self, blob_id: str) -> Path:
        if not is_blob_id(blob_id):
            raise ValueError("not a blob id")
        return self.root / blob_id[:2] / blob_id

    async def begin(self) -> Upload:
        path = self.tmp / f"{secrets.token_hex(12)}.part"
        fh = await asyncio.to_thread(lambda: os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb"))
        return _LocalUpload(self, path, fh)

    def get(self, blob_id: str) -> Blob | None:
        if not is_blob_id(blob_id):
            return None
        path = self.path_of(blob_id)
        try:
            return Blob(blob_id, path.stat().st_size, path)
        except FileNotFoundError:
            return None

    async def remove(self, blob_id: str, unless_newer_than: float) -> bool:
        """Remove a blob unless an upload put it back after `unless_newer_than` (a Unix time)."""
        def run() -> bool:
            path = self.path_of(blob_id)
            moved = self.trash / f"{blob_id}.{secrets.token_hex(6)}"
            try:
                os.replace(path, moved)
            except FileNotFoundError:
                return False
            if moved.stat().st_mtime > unless_newer_than:  # an upload landed on it just now: put it back
                try:
                    os.link(moved, path)
                except FileExistsError:
                    pass
                moved.unlink()
                return False
            moved.unlink()
            return True
        return await asyncio.to_thread(run)

    def sweep_tmp(self, older_than: float) -> int:
        """Delete temporary files of uploads cut off by a crash (older than a Unix time)."""
        count = 0
        for p in list(self.tmp.iterdir()) + list(self.trash.iterdir()):
            try:
                if p.stat().st_mtime < older_than:
                    p.unlink()
                    count += 1
            except FileNotFoundError:
                pass
        return count
