"""Checking and re-encoding uploads (no database): every hostile case gets a clear ImageRejected."""

import io
import random
import tracemalloc

import pytest
from PIL import Image

from sellsafe.catalog import images
from tests.catalog_images.helpers import (
    GPS_MARKER,
    encode,
    jpeg_with_comment,
    jpeg_with_gps,
    png_claiming,
    png_with_text,
    read_image,
    upload,
    zip_payload,
)


def rejected(data):
    with pytest.raises(images.ImageRejected) as caught:
        images.process(data)
    assert caught.value.field == "image"
    return caught.value.message


def test_exif_gps_is_gone_and_orientation_is_applied():
    original = jpeg_with_gps(size=(80, 40), orientation=6)
    assert GPS_MARKER in original and b"Exif" in original
    assert read_image(original).getexif().get_ifd(0x8825)

    result = images.process(original)

    assert GPS_MARKER not in result.data
    assert b"GPS" not in result.data
    assert b"Exif" not in result.data
    stored = read_image(result.data)
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info and "xmp" not in stored.info
    assert "icc_profile" not in stored.info
    # Orientation 6 (rotate 90): the pixels are turned, so nothing relies on the dropped tag.
    assert (result.width, result.height) == (40, 80) == stored.size
    assert result.content_type == "image/jpeg" and stored.format == "JPEG"
    assert stored.info.get("progressive") or stored.info.get("progression")


@pytest.mark.parametrize(
    ("fmt", "mode", "content_type"),
    [
        ("PNG", "RGB", "image/png"),
        ("PNG", "RGBA", "image/png"),
        ("PNG", "P", "image/png"),
        ("PNG", "LA", "image/png"),
        ("WEBP", "RGB", "image/webp"),
        ("WEBP", "RGBA", "image/webp"),
        ("JPEG", "L", "image/jpeg"),
        ("JPEG", "CMYK", "image/jpeg"),
    ],
)
def test_jpeg_png_and_webp_are_accepted_and_re_encoded(fmt, mode, content_type):
    result = images.process(encode(fmt, mode=mode))

    assert result.content_type == content_type
    stored = read_image(result.data)
    assert stored.format == fmt
    assert stored.size == (64, 48)
    assert stored.mode in ("L", "LA", "RGB", "RGBA")
    assert images.trailing_bytes(result.data, fmt) == 0


def test_png_text_and_icc_metadata_are_dropped():
    icc = b"\x00" * 8  # not a usable profile: ignored, and dropped with the rest
    data = png_with_text(b"<script>alert(1)</script>")
    image = read_image(data)
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=None, icc_profile=icc)
    for source in (data, out.getvalue()):
        result = images.process(source)
        assert b"<script>" not in result.data
        assert "icc_profile" not in read_image(result.data).info


def test_large_images_are_scaled_down_to_the_maximum_side():
    result = images.process(encode("PNG", size=(5000, 200)))

    assert max(result.width, result.height) == images.MAX_SIDE
    assert (result.original_width, result.original_height) == (5000, 200)


@pytest.mark.parametrize(
    "payload",
    [b"<script>alert(document.cookie)</script>", b"<?php system($_GET['c']); ?>"],
)
def test_payload_inside_the_image_is_not_in_the_stored_bytes(payload):
    for data in (jpeg_with_comment(payload), png_with_text(payload)):
        assert payload in data
        result = images.process(data)
        assert payload not in result.data
        assert b"<?php" not in result.data and b"<script" not in result.data


@pytest.mark.parametrize(
    "payload",
    [
        zip_payload(),
        b"<html><script>alert(1)</script></html>",
        b"<?php system($_GET['c']); ?>",
    ],
    ids=["zip", "html", "php"],
)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_polyglot_with_data_after_the_image_is_refused(fmt, payload):
    message = rejected(encode(fmt) + payload)

    assert "extra data" in message


def test_jpeg_whose_exif_thumbnail_has_its_own_end_marker_is_not_a_polyglot():
    thumb = encode("JPEG", size=(16, 16))
    exif = Image.Exif()
    exif[0x010E] = "has a thumbnail"
    data = encode("JPEG", exif=exif.tobytes() + thumb)  # an embedded EOI inside APP1
    assert images.process(data).content_type == "image/jpeg"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_image_is_refused(fmt):
    data = encode(fmt, size=(400, 300), quality=95) if fmt != "PNG" else encode(fmt, (400, 300))
    message = rejected(data[: len(data) * 2 // 3])

    assert message in (images.DAMAGED, images.NOT_AN_IMAGE)


def test_truncated_jpeg_says_damaged():
    data = encode("JPEG", size=(400, 300), quality=95)
    assert rejected(data[: len(data) - 200]) == images.DAMAGED


def test_pixel_bomb_is_refused_from_its_header_without_decoding():
    bomb = png_claiming(50_000, 50_000)
    assert len(bomb) < 200

    tracemalloc.start()
    try:
        message = rejected(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "too many pixels" in message and "40 megapixels" in message
    assert peak < 5 * 1024 * 1024


def test_pixel_bomb_under_pillows_own_limit_is_refused_by_ours(settings):
    settings.SELLSAFE_IMAGE_MAX_PIXELS = 1_000_000
    tracemalloc.start()
    try:
        message = rejected(png_claiming(2000, 2000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert "2000 x 2000" in message and "1 megapixels" in message
    assert peak < 2 * 1024 * 1024


def test_oversize_file_is_refused_reading_at_most_the_limit_plus_one(settings):
    settings.SELLSAFE_IMAGE_MAX_BYTES = 1000

    class Spy(io.BytesIO):
        asked: list[int] = []

        def read(self, size=-1):
            self.asked.append(size)
            return super().read(size)

    stream = Spy(b"\xff" * 50_000)
    with pytest.raises(images.ImageRejected) as caught:
        images.read_limited(stream)

    assert "too large" in caught.value.message and "MB" in caught.value.message
    assert stream.asked == [1001]


def test_oversize_upload_with_a_declared_size_is_refused_before_reading(settings):
    settings.SELLSAFE_IMAGE_MAX_BYTES = 1000

    class Declared:
        size = 5000

        def read(self, size=-1):
            raise AssertionError("read although the declared size is over the limit")

    big = Declared()

    with pytest.raises(images.ImageRejected, match="too large"):
        images.read_limited(big)


def _gif():
    return encode("GIF", mode="P")


def _bmp():
    return encode("BMP")


def _tiff():
    return encode("TIFF")


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


@pytest.mark.parametrize(
    "data",
    [
        _gif(),
        _gif() + zip_payload(),  # a GIFAR
        _bmp(),
        _tiff(),
        SVG,
        b"<!DOCTYPE html><html><body>not a photo</body></html>",
        b"just some text",
        zip_payload(),
        b"\xff\xd8\xff",  # a JPEG signature and nothing else
        b"\x89PNG\r\n\x1a\n",
        b"RIFF\x00\x00\x00\x00WEBP",
    ],
    ids=[
        "gif",
        "gifar",
        "bmp",
        "tiff",
        "svg",
        "html",
        "text",
        "zip",
        "jpeg-magic",
        "png-magic",
        "webp-magic",
    ],
)
def test_other_types_are_refused_with_a_clear_message(data):
    assert rejected(data) in (images.NOT_AN_IMAGE, images.DAMAGED)


def test_empty_file_is_refused():
    with pytest.raises(images.ImageRejected, match="empty"):
        images.process_upload(upload(b""))


def test_file_name_and_content_type_are_ignored():
    png = encode("PNG")
    result = images.process_upload(upload(png, name="photo.jpg", content_type="image/jpeg"))
    assert result.content_type == "image/png" and result.extension == "png"

    with pytest.raises(images.ImageRejected):
        images.process_upload(upload(b"<html>hi</html>", name="photo.jpg"))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_mangled_files_only_ever_raise_image_rejected(fmt):
    """Random byte flips, cuts and splices: a clear refusal or a clean image, never a crash."""
    base = encode(fmt, size=(120, 90))
    rng = random.Random(fmt)
    for _ in range(150):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(1, len(data))]
        try:
            result = images.process(bytes(data))
        except images.ImageRejected:
            continue
        assert read_image(result.data).format == fmt


def test_thumbnail_is_a_small_webp():
    small = images.thumbnail(images.process(encode("PNG", size=(1200, 600))).data)
    image = read_image(small)
    assert image.format == "WEBP" and image.size == (400, 200)
