"""Pictures: dimensions and a small thumbnail, made with Pillow, refusing hostile input.

A decompression bomb (a small file that decodes to gigabytes) is refused from its header, before any
pixel is decoded: the decoded size (width x height x bytes per pixel, after JPEG draft mode has picked
the smallest scale that still covers the thumbnail) must fit `max_bytes`. A truncated or corrupt file
fails while decoding, with Pillow's truncated-image tolerance left off. Either way the caller gets
`BadImage` with a reason, never a crash. Runs in a worker thread (it is CPU-bound).
"""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

THUMB_MAX_CHARS = 12000
"""A thumbnail travels inside every copy of the message (protocol limit 16 KiB); keep it well under."""

_BITS = {"1": 1, "L": 8, "P": 8, "LA": 16, "PA": 16, "RGB": 24, "YCbCr": 24, "LAB": 24, "HSV": 24,
         "RGBA": 32, "RGBa": 32, "RGBX": 32, "CMYK": 32, "I": 32, "F": 32, "I;16": 16, "I;16B": 16,
         "I;16L": 16, "I;16N": 16}


class BadImage(ValueError):
    """A file that claims to be a picture and cannot be made one; the reason is for the client."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    width: int
    height: int
    thumb: str  # a data: URL, usable as <img src>


def decoded_bytes(width: int, height: int, mode: str) -> int:
    return (width * height * _BITS.get(mode, 32) + 7) // 8


def probe_image(path: Path, max_bytes: int, side: int) -> ImageInfo:
    """Measure the picture at `path` and make a JPEG thumbnail whose longest side is `side`."""
    # Pillow's own bomb check (a warning, an error at twice the limit) is a backstop to ours below
    Image.MAX_IMAGE_PIXELS = max(max_bytes * 8, 1)  # a pixel takes at least one bit
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as im:
                width, height = im.size
                if width <= 0 or height <= 0:
                    raise BadImage("image has no pixels")
                if im.format == "JPEG":
                    im.draft("RGB", (side, side))  # decode at 1/2..1/8 scale: less memory and time
                need = decoded_bytes(im.size[0], im.size[1], im.mode)
                if need > max_bytes:
                    raise BadImage(f"image of {width}x{height} pixels would take {need} bytes to decode, over "
                                   f"max_image_bytes ({max_bytes}): refused as too large or a decompression bomb")
                im.load()
                thumb = _thumbnail(im, side)
        except BadImage:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise BadImage(f"image refused as a decompression bomb: {exc}") from None
        except UnidentifiedImageError:
            raise BadImage("not a picture Pillow can read") from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated / corrupt data
            raise BadImage(f"truncated or corrupt image: {exc}") from None
    return ImageInfo(width, height, thumb)


def _thumbnail(im: Image.Image, side: int) -> str:
    im = ImageOps.exif_transpose(im)
    im.thumbnail((side, side))
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        im = flat
    elif im.mode != "RGB":
        im = im.convert("RGB")
    for quality in (75, 50, 30):
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=quality, optimize=True)
        url = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
        if len(url) <= THUMB_MAX_CHARS:
            return url
    im.thumbnail((side // 2, side // 2))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=30)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
