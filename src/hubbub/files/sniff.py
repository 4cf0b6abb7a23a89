"""A file's type from its first bytes (puremagic's signature table), never from what the client says."""

from __future__ import annotations

import puremagic

from ..protocol.constants import FileType

GENERIC = "application/octet-stream"


def sniff(head: bytes) -> tuple[str, int]:
    """(MIME type, MESIBO_FILETYPE_*) of a file starting with `head`."""
    mime = GENERIC
    try:
        matches = puremagic.magic_string(head) if head else []
    except (puremagic.PureError, ValueError):
        matches = []
    for m in matches:
        if m.mime_type:
            mime = m.mime_type
            break
    return mime, file_type(mime)


def file_type(mime: str) -> int:
    major = mime.split("/", 1)[0]
    if major == "image":
        return int(FileType.IMAGE)
    if major == "video":
        return int(FileType.VIDEO)
    if major == "audio":
        return int(FileType.AUDIO)
    return int(FileType.OTHER)
