"""The file service: uploads, signed download URLs, attaching files to messages, garbage collection.

It owns the rules and leaves HTTP to `server/files.py`: an upload arrives as an async iterator of
chunks and leaves as a `FileMeta`; every refusal is a `FileError` carrying the HTTP status, a code
and a reason, which the route turns into a JSON answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, AsyncIterator

from ..config import Settings
from ..protocol.constants import FileType
from ..protocol.errors import ProtocolError
from ..store.base import FileMeta, Store, TokenInfo
from .blobs import Blob, BlobStore, is_blob_id
from .images import BadImage, probe_image
from .signing import Signer
from .sniff import sniff

log = logging.getLogger("hubbub.files")

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".ico")


class FileError(Exception):
    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason


def meta_json(meta: FileMeta) -> dict[str, Any]:
    return {"id": meta.id, "size": meta.size, "mime": meta.mime, "type": meta.type, "width": meta.width,
            "height": meta.height, "thumb": meta.thumb}


class Files:
    """Uploads, downloads and collection of files, over a blob store and the message store."""

    def __init__(self, settings: Settings, store: Store, blobs: BlobStore, signer: Signer) -> None:
        self.settings = settings
        self.store = store
        self.blobs = blobs
        self.signer = signer
        self._decode = asyncio.Semaphore(1)  # one picture decoded at a time: memory stays at max_image_bytes
        self._sweeper: asyncio.Task[None] | None = None

    # -- upload ---------------------------------------------------------------------------------

    def check_length(self, length: int | None) -> None:
        """Refuse a declared Content-Length over the limit before reading any of the body."""
        if length is not None and length > self.settings.max_upload_bytes:
            raise self._too_big()

    def _too_big(self) -> FileError:
        return FileError(413, "TOOBIG", f"file exceeds max_upload_bytes ({self.settings.max_upload_bytes} bytes)")

    async def upload(self, ident: TokenInfo, chunks: AsyncIterator[bytes], name: str = "",
                     image: bool = False) -> FileMeta:
        """Stream an upload to the blob store; `image` (or an image file name) demands a readable picture."""
        limit = self.settings.max_upload_bytes
        up = await self.blobs.begin()
        try:
            async for chunk in chunks:
                if up.size + len(chunk) > limit:
                    raise self._too_big()
                if chunk:
                    await up.write(chunk)
            if up.size == 0:
                raise FileError(400, "BADREQUEST", "empty upload")
            mime, ftype = sniff(up.head)
            blob = await up.commit()
        except BaseException:
            await up.abort()
            raise
        wants_image = image or name.lower().endswith(IMAGE_EXTENSIONS)
        width = height = 0
        thumb = ""
        if ftype == FileType.IMAGE:
            try:
                async with self._decode:
                    info = await asyncio.to_thread(probe_image, blob.path, self.settings.max_image_bytes,
                                                   self.settings.thumbnail_side)
                width, height, thumb = info.width, info.height, info.thumb
            except BadImage as exc:
                if wants_image:
                    raise FileError(422, "BADIMAGE", str(exc)) from None
                ftype = int(FileType.OTHER)  # kept as a plain file; it is nobody's picture
        elif wants_image:
            raise FileError(422, "BADIMAGE", f"not a picture: its bytes are {mime}")
        meta = FileMeta(blob.id, blob.size, mime, ftype, width, height, thumb, _ms())
        await self.store.file_added(meta, ident.uid, _ms())
        return meta

    # -- attaching ------------------------------------------------------------------------------

    async def attach(self, ident: TokenInfo, file: dict[str, Any]) -> dict[str, Any]:
        """A send's `file` naming a stored file: check the sender may use it, fill what the server measured.

        The name and a thumbnail the client made (a video frame) are kept; size, type and picture
        fields come from the server's record, never from the client.
        """
        file_id = file.get("id", "")
        meta = await self.store.file_meta(file_id) if is_blob_id(file_id) else None
        if meta is None or not await self.store.file_access(ident.uid, ident.app_id, file_id):
            raise ProtocolError("NOTFOUND", f"no file {file_id!r} uploaded by or sent to you")
        out = dict(file)
        out.update(url="", size=meta.size, mime=meta.mime, width=meta.width, height=meta.height)
        out["type"] = file.get("type") or meta.type
        if meta.thumb:
            out["thumb"] = meta.thumb
        return out

    async def picture(self, ident: TokenInfo, file_id: str) -> None:
        """A profile picture must be a picture this user uploaded (or can read)."""
        meta = await self.store.file_meta(file_id)
        if meta is None or not await self.store.file_access(ident.uid, ident.app_id, file_id):
            raise ProtocolError("NOTFOUND", f"no file {file_id!r} uploaded by you")
        if meta.type != FileType.IMAGE:
            raise ProtocolError("BADREQUEST", f"a profile picture must be an image, not {meta.mime}")

    # -- download -------------------------------------------------------------------------------

    async def sign(self, ident: TokenInfo, ids: list[str]) -> tuple[dict[str, str], list[str]]:
        """Signed URLs for the files this user may read; the others are listed as denied."""
        urls: dict[str, str] = {}
        denied: list[str] = []
        expires = int(time.time()) + self.settings.file_url_ttl
        for file_id in dict.fromkeys(ids):
            if is_blob_id(file_id) and await self.store.file_access(ident.uid, ident.app_id, file_id):
                urls[file_id] = f"/files/{file_id}?{self.signer.sign(file_id, ident.uid, expires)}"
            else:
                denied.append(file_id)
        return urls, denied

    async def open(self, file_id: str, uid: str, expires: str, signature: str) -> tuple[Blob, FileMeta, int]:
        """Check a signed URL and the user's access now; return the blob, its record and the expiry."""
        try:
            uid_n, exp_n = int(uid), int(expires)
        except ValueError:
            raise FileError(403, "FORBIDDEN", "not a signed file URL") from None
        if not is_blob_id(file_id) or not self.signer.check(file_id, uid_n, exp_n, signature):
            raise FileError(403, "FORBIDDEN", "bad signature")
        if exp_n <= time.time():
            raise FileError(403, "EXPIRED", "this file URL has expired; ask for a new one")
        user = await self.store.user_by_uid(uid_n)
        if user is None or not user.active or not await self.store.file_access(uid_n, user.app_id, file_id):
            raise FileError(403, "FORBIDDEN", "no longer allowed to read this file")
        meta = await self.store.file_meta(file_id)
        blob = self.blobs.get(file_id)
        if meta is None or blob is None:
            raise FileError(404, "NOTFOUND", "file is gone")
        return blob, meta, exp_n

    # -- collection -----------------------------------------------------------------------------

    def start(self) -> None:
        self._sweeper = asyncio.ensure_future(self._sweep_loop())

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.file_sweep_interval)
            try:
                await self.sweep()
            except Exception:
                log.exception("file sweep failed")

    async def sweep(self) -> int:
        """Remove files nothing has referred to for `file_grace` seconds; return how many went."""
        cutoff_s = time.time() - self.settings.file_grace
        cutoff = int(cutoff_s * 1000)
        removed = 0
        for file_id in await self.store.file_garbage(cutoff, 1000):
            if await self.store.file_drop(file_id, cutoff):
                await self.blobs.remove(file_id, unless_newer_than=cutoff_s)
                removed += 1
        sweep_tmp = getattr(self.blobs, "sweep_tmp", None)
        if sweep_tmp is not None:  # parts of uploads cut off by a crash
            await asyncio.to_thread(sweep_tmp, time.time() - max(self.settings.file_grace, 3600))
        return removed


def _ms() -> int:
    return int(time.time() * 1000)
