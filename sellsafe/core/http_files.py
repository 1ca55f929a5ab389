"""Serving a stored, re-encoded image: the recorded content type, never sniffed, never run."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

# An image opened directly can do nothing: no scripts, no plugins, no same-origin access.
IMAGE_CSP = "default-src 'none'; sandbox"
NOT_FOUND = "Not found."


def stored_image_response(
    *, name: str, content_type: str, filename: str, cache_control: str
) -> FileResponse:
    """The stored file `name` as an inline image; 404 when it is missing or unreadable."""
    if not name:
        raise Http404(NOT_FOUND)
    try:
        stored = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404(NOT_FOUND) from error
    response = FileResponse(stored, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache_control
    # NoStoreMiddleware replaces Cache-Control on signed-in responses unless told otherwise.
    response.sellsafe_private_cache = True  # type: ignore[attr-defined]
    response["Content-Security-Policy"] = IMAGE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
