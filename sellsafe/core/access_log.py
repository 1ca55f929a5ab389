"""gunicorn's access log without the secrets some paths carry.

Links that are their own key (a buyer's order link, an invitation, "this wasn't me") would sit in
plain text in every access log and log shipper. `RedactingLogger` replaces those path segments
before gunicorn formats the line: `gunicorn --logger-class sellsafe.core.access_log.RedactingLogger`.
Query strings are dropped for the same reason.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# A path segment that follows one of these is a secret token.
_SECRET_AFTER = re.compile(r"(/store/[^/]+/orders/|/invitations/|/account/not-me/)[^/?#\s]+")


def redact(path: str) -> str:
    path = path.split("?", 1)[0]
    return _SECRET_AFTER.sub(r"\1[redacted]", path)


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if not isinstance(value, str):
                continue
            if key in ("q", "{query_string}e"):
                atoms[key] = ""
            elif "/" in value:
                atoms[key] = _SECRET_AFTER.sub(r"\1[redacted]", value.split("?", 1)[0])
        path = redact(str(atoms.get("U", "")))
        atoms["r"] = f"{atoms.get('m', '')} {path} {atoms.get('H', '')}"
        return atoms
