"""Checking and re-encoding uploaded product images. No database, no storage: bytes in, bytes out.

Every upload is treated as hostile until proven to be a plain picture (docs/images.md):

- size: at most `SELLSAFE_IMAGE_MAX_BYTES`, and never more than that (+1) is read;
- type by content: Pillow may only try the JPEG, PNG and WebP decoders; the file's name and the
  browser's content type are never looked at;
- structure: `verify()` first, then a full decode (`load()`), so truncated or corrupt files fail;
- polyglots: bytes after the image's own end marker (a ZIP, HTML or PHP payload) are refused;
- pixel bombs: the pixel count from the header is checked before any decoding, and Pillow's own
  decompression-bomb warning is raised as an error;
- re-encoding: the stored file is rebuilt from the decoded pixels only, so EXIF (GPS), XMP,
  comments, text chunks and anything hidden in them are gone. EXIF orientation is applied first.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from PIL import Image, ImageCms, ImageOps

from sellsafe.core.errors import DomainError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
MAX_SIDE = 4096
THUMBNAIL_SIDE = 400
FIELD = "image"

# Pillow format name -> (content type, file extension). Nothing else is ever decoded.
FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
CONTENT_TYPES = frozenset(content_type for content_type, _ in FORMATS.values())
EXTENSIONS = {content_type: extension for content_type, extension in FORMATS.values()}

NOT_AN_IMAGE = "This file is not a JPEG, PNG or WebP image. Upload a photo in one of those formats."
DAMAGED = "This image is damaged or incomplete and cannot be read. Export it again and retry."
EXTRA_DATA = (
    "This file has extra data hidden after the picture (for example a motion photo's video or an "
    "attached archive). Save it again as a plain JPEG, PNG or WebP and retry."
)
EMPTY = "The file is empty. Choose an image to upload."


class ImageRejected(DomainError):
    """An upload that is not an acceptable image; the message says why, in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field=FIELD)


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    original_format: str
    original_width: int
    original_height: int


def max_bytes() -> int:
    return int(getattr(settings, "SELLSAFE_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "SELLSAFE_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def too_large_message() -> str:
    return f"This file is too large. Images can be up to {_megabytes(max_bytes())}."


def read_limited(upload: IO[bytes] | Any) -> bytes:
    """Read the upload, but never more than the limit + 1 bytes (the extra byte tells us it was
    over). A declared size over the limit is refused before reading anything."""
    limit = max_bytes()
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise ImageRejected(too_large_message())
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if not isinstance(data, bytes):
        raise ImageRejected(NOT_AN_IMAGE)
    if len(data) > limit:
        raise ImageRejected(too_large_message())
    if not data:
        raise ImageRejected(EMPTY)
    return data


# --- Where the image really ends (polyglot detection) ---------------------------------------------


def _png_end(data: bytes) -> int | None:
    """Offset just after the IEND chunk, walking chunk lengths (not searching for b"IEND")."""
    pos = 8
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return pos if pos <= len(data) else None
    return None


def _webp_end(data: bytes) -> int | None:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    (size,) = struct.unpack("<I", data[4:8])
    end = 8 + size + (size & 1)
    return end if end <= len(data) + (size & 1) else None


_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0-7 carry no length


def _jpeg_end(data: bytes) -> int | None:
    """Offset just after the EOI marker, walking segments by their lengths and scanning entropy-
    coded data for the next real marker: an EXIF thumbnail's own EOI inside APP1 is skipped."""
    if data[:2] != b"\xff\xd8":
        return None
    pos = 2
    size = len(data)
    while pos < size:
        if data[pos] != 0xFF:
            return None
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            return None
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return pos
        if marker in _STANDALONE:
            continue
        if pos + 2 > size:
            return None
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2:
            return None
        pos += length
        if marker == 0xDA:  # start of scan: entropy-coded data until the next marker
            while True:
                found = data.find(b"\xff", pos)
                if found < 0 or found + 1 >= size:
                    return None
                following = data[found + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos = found + 1 if following == 0xFF else found + 2
                    continue
                pos = found
                break
    return None


def trailing_bytes(data: bytes, image_format: str) -> int:
    """How many bytes follow the image's end marker (0 for a clean file)."""
    finder = {"PNG": _png_end, "WEBP": _webp_end, "JPEG": _jpeg_end}[image_format]
    end = finder(data)
    if end is None:
        raise ImageRejected(DAMAGED)
    return max(0, len(data) - end)


# --- Opening safely -------------------------------------------------------------------------------


def _pixel_bomb_message(width: int, height: int) -> str:
    size = f" ({width} x {height})" if width and height else ""
    return (
        f"This image has too many pixels{size}. Images can have up to "
        f"{max_pixels() // 1_000_000} megapixels; make it smaller and retry."
    )


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected(_pixel_bomb_message(0, 0)) from error
    except Exception as error:  # UnidentifiedImageError, SyntaxError, struct errors...
        raise ImageRejected(NOT_AN_IMAGE) from error
    if image.format not in FORMATS:  # pragma: no cover - formats= already ensures it
        raise ImageRejected(NOT_AN_IMAGE)
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageRejected(DAMAGED)
    if width * height > max_pixels():
        raise ImageRejected(_pixel_bomb_message(width, height))
    return image


def inspect(data: bytes) -> tuple[str, int, int]:
    """Format and size from the header only (no decoding), after the size and pixel checks."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with _open(data) as image:
            return str(image.format), image.size[0], image.size[1]


def decode(data: bytes) -> Image.Image:
    """Fully decoded, checked image (still carrying its metadata in `.info`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with _open(data) as probe:
                probe.verify()
            image = _open(data)
            if image.format == "JPEG":
                # Decode at a reduced scale when the result would be downscaled anyway.
                image.draft(image.mode, (MAX_SIDE, MAX_SIDE))
            image.load()
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageRejected(_pixel_bomb_message(0, 0)) from error
        except Exception as error:  # truncated data, bad CRC, broken Huffman tables...
            raise ImageRejected(DAMAGED) from error
    if getattr(image, "n_frames", 1) < 1:  # pragma: no cover - defensive
        raise ImageRejected(DAMAGED)
    return image


# --- Re-encoding ----------------------------------------------------------------------------------


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colour-manage into sRGB when the file carries an ICC profile; the profile itself is then
    dropped with the rest of the metadata. A profile that cannot be used is simply ignored."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, target, outputMode=mode)
    except Exception:
        return image
    return converted if converted is not None else image


def _target_mode(image: Image.Image, image_format: str) -> str:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if image_format == "JPEG":
        return "L" if image.mode in ("1", "L", "I", "I;16", "F") else "RGB"
    if image_format == "PNG" and image.mode in ("1", "L", "LA", "RGB", "RGBA"):
        return image.mode
    if image_format == "PNG" and image.mode in ("I", "I;16", "F"):
        return "L"
    return "RGBA" if has_alpha else "RGB"


def _strip(image: Image.Image) -> Image.Image:
    """A new image holding only the pixels: no info dict, no EXIF, no XMP, no ICC, no text."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, image_format: str) -> bytes:
    out = io.BytesIO()
    if image_format == "JPEG":
        image.save(out, "JPEG", quality=85, progressive=True, optimize=True)
    elif image_format == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()


def process(data: bytes) -> ProcessedImage:
    """Check `data` completely and return a clean re-encoded copy in the same format."""
    image_format, original_width, original_height = inspect(data)
    if trailing_bytes(data, image_format):
        raise ImageRejected(EXTRA_DATA)
    image = decode(data)
    try:
        transposed = ImageOps.exif_transpose(image) or image
        transposed = _to_srgb(transposed)
        mode = _target_mode(transposed, image_format)
        if transposed.mode != mode:
            if transposed.mode == "P":
                transposed = transposed.convert("RGBA" if mode in ("RGBA", "LA") else "RGB")
            transposed = transposed.convert(mode)
        if max(transposed.size) > MAX_SIDE:
            transposed.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        clean = _strip(transposed)
        encoded = _encode(clean, image_format)
    except ImageRejected:
        raise
    except Exception as error:
        raise ImageRejected(DAMAGED) from error
    finally:
        image.close()
    content_type, extension = FORMATS[image_format]
    return ProcessedImage(
        data=encoded,
        content_type=content_type,
        extension=extension,
        width=clean.size[0],
        height=clean.size[1],
        original_format=image_format,
        original_width=original_width,
        original_height=original_height,
    )


def process_upload(upload: IO[bytes] | Any) -> ProcessedImage:
    return process(read_limited(upload))


def thumbnail(data: bytes) -> bytes:
    """A WebP of at most THUMBNAIL_SIDE px from one of our own stored (already clean) images."""
    image = decode(data)
    try:
        small = ImageOps.exif_transpose(image) or image
        mode = "RGBA" if small.mode in ("RGBA", "LA", "PA", "P") else "RGB"
        small = small.convert(mode)
        small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        _strip(small).save(out, "WEBP", quality=80, method=4)
    finally:
        image.close()
    return out.getvalue()
