"""Image fixtures made on the fly with Pillow: nothing binary is committed."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_MARKER = b"GPS-HOME-51.5074N"


def encode(fmt, size=(64, 48), mode="RGB", color=None, **save):
    out = io.BytesIO()
    image = Image.new(mode, size, color if color is not None else _color(mode))
    # Some texture so encoders produce real entropy-coded data.
    for x in range(0, size[0], 7):
        image.putpixel((x, (x * 3) % size[1]), _color(mode, 40))
    image.save(out, fmt, **save)
    return out.getvalue()


def _color(mode, shade=200):
    return {
        "RGB": (shade, 30, 90),
        "RGBA": (shade, 30, 90, 128),
        "L": shade,
        "LA": (shade, 128),
        "CMYK": (10, shade, 30, 0),
        "P": 3,
        "1": 1,
    }.get(mode, shade)


def jpeg_with_gps(size=(80, 40), orientation=6):
    """A JPEG whose EXIF holds a GPS position, a description naming it, and an orientation."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010E] = GPS_MARKER.decode()  # ImageDescription
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.64), 3: "W", 4: (0.0, 7.0, 39.0)}
    return encode("JPEG", size=size, exif=exif.tobytes(), quality=90)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width, height):
    """A tiny PNG whose header claims width x height pixels (a pixel bomb): the IDAT is short."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024, 9))
        + png_chunk(b"IEND", b"")
    )


def png_with_text(text):
    """A valid PNG carrying `text` in a tEXt chunk before IDAT (a payload inside the image)."""
    clean = encode("PNG")
    ihdr_end = 8 + 25
    return clean[:ihdr_end] + png_chunk(b"tEXt", b"Comment\x00" + text) + clean[ihdr_end:]


def jpeg_with_comment(text):
    """A valid JPEG carrying `text` in a COM segment right after SOI."""
    clean = encode("JPEG")
    return clean[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + clean[2:]


def zip_payload():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Main-Class: Evil\n")
        archive.writestr("evil.php", "<?php system($_GET['c']); ?>")
    return out.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def read_image(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image
