"""Stream URLs may carry credentials: outputs never show them."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def redact_url(text: str) -> str:
    """Drop user and password from a URL (``rtsp://u:p@host/x`` -> ``rtsp://host/x``);
    other text is returned unchanged."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if not parts.scheme or "@" not in parts.netloc:
        return text
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
