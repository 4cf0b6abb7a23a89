"""HTTP routes for files, mounted at /files: upload, signed URLs, downloads (see docs/files.md).

Uploads and URL requests authenticate like a WebSocket does (the user's token and app id, here in
`Authorization: Bearer` and `X-Appid` headers); a download is authorised by its signed URL alone,
because `<img src>` cannot carry a header. Every refusal is JSON with an HTTP status.
"""

from __future__ import annotations

from typing import Any, AsyncIterator

import msgspec
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route

from ..core.hub import Hub
from ..files.service import FileError, Files, meta_json
from ..protocol.errors import ProtocolError
from ..store.base import TokenInfo

MAX_SIGN_BODY = 256 * 1024


class SignRequest(msgspec.Struct):
    ids: list[str]


def _error(status: int, code: str, reason: str) -> JSONResponse:
    return JSONResponse({"error": code, "reason": reason}, status_code=status)


async def _ident(request: Request) -> TokenInfo:
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    appid = request.headers.get("x-appid", "")
    if not token or not appid:
        raise FileError(401, "AUTHFAIL", "send the user token as `Authorization: Bearer TOKEN` and the app id as `X-Appid`")
    hub: Hub = request.app.state.hub
    try:
        return await hub.authenticate(token, appid)
    except ProtocolError as exc:
        raise FileError(401, exc.code, exc.reason) from None


def _files(request: Request) -> Files:
    return request.app.state.files


async def _stream(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        raise FileError(400, "BADREQUEST", "the upload was cut off") from None


async def upload(request: Request) -> Response:
    """`POST /files/upload?name=cat.png[&image=1]`, the raw bytes as the body."""
    files = _files(request)
    try:
        ident = await _ident(request)
        length = request.headers.get("content-length")
        files.check_length(int(length) if length and length.isdigit() else None)
        name = request.query_params.get("name", "")[:512]
        meta = await files.upload(ident, _stream(request), name, image=request.query_params.get("image") == "1")
        urls, _ = await files.sign(ident, [meta.id])  # the uploader's own URL, so it can show the file at once
    except FileError as exc:
        return _error(exc.status, exc.code, exc.reason)
    return JSONResponse({**meta_json(meta), "name": name, "url": urls.get(meta.id, ""),
                         "ttl": request.app.state.settings.file_url_ttl}, status_code=201)


async def sign(request: Request) -> Response:
    """`POST /files/sign {"ids": [...]}` → `{"urls": {id: url}, "denied": [id]}`."""
    try:
        ident = await _ident(request)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_SIGN_BODY:
                raise FileError(413, "TOOBIG", f"request over {MAX_SIGN_BODY} bytes")
        try:
            req = msgspec.json.decode(body, type=SignRequest)
        except msgspec.DecodeError as exc:
            raise FileError(400, "BADREQUEST", f"expected {{\"ids\": [file ids]}}: {exc}") from None
        urls, denied = await _files(request).sign(ident, req.ids[:1000])
    except FileError as exc:
        return _error(exc.status, exc.code, exc.reason)
    return JSONResponse({"urls": urls, "denied": denied, "ttl": request.app.state.settings.file_url_ttl})


async def download(request: Request) -> Response:
    """`GET /files/{id}?u=&e=&s=`: the bytes, with Range, ETag and Cache-Control."""
    q = request.query_params
    try:
        blob, meta, expires = await _files(request).open(request.path_params["id"], q.get("u", ""), q.get("e", ""),
                                                         q.get("s", ""))
    except FileError as exc:
        return _error(exc.status, exc.code, exc.reason)
    etag = f'"{meta.id}"'
    headers: dict[str, Any] = {
        "ETag": etag,
        # the bytes never change under an id; the URL itself expires, so the cache need not outlive it
        "Cache-Control": "private, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",  # an uploaded HTML file must not run as this origin
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return FileResponse(blob.path, media_type=meta.mime, headers=headers, stat_result=None)


def files_mount() -> Mount:
    """The /files routes, with CORS so a page on another origin can upload and fetch with progress."""
    return Mount("/files", routes=[
        Route("/upload", upload, methods=["POST"]),
        Route("/sign", sign, methods=["POST"]),
        Route("/{id}", download, methods=["GET", "HEAD"]),
    ], middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "POST"],
                              allow_headers=["authorization", "x-appid", "content-type", "range"],
                              expose_headers=["content-length", "content-range", "etag", "accept-ranges"],
                              max_age=600)])
