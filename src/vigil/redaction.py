"""Masking of credentials in URLs and text, so that no password reaches a log line, an error or an output."""

from __future__ import annotations

import contextlib
import re

# scheme://user:pass@host  (greedy up to the last '@' before the path, since passwords may hold '@')
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/\s'\"?#]*)@")
# ?user=...&password=...&token=...  (cameras that take credentials in the query)
_SECRET_QUERY = re.compile(
    r"(?i)(?P<key>[?&;](?:user(?:name)?|login|pass(?:word|wd)?|pwd|token|access_token|auth|"
    r"api_?key|key|secret|sig(?:nature)?)=)[^&#\s'\"]*"
)


def redact(text: str) -> str:
    """``text`` with every URL's ``user:pass@`` and secret query values replaced by ``***``."""
    text = _USERINFO.sub(r"\g<scheme>***@", text)
    return _SECRET_QUERY.sub(r"\g<key>***", text)


def scrub(error: BaseException) -> BaseException:
    """``error`` with credentials masked in its arguments (FFmpeg errors carry the URL).

    Done in place so that a chained cause (``raise ... from error``) shown in a
    traceback does not reveal a password either.
    """
    with contextlib.suppress(AttributeError, TypeError):  # exotic exception types keep their args
        error.args = tuple(redact(a) if isinstance(a, str) else a for a in error.args)
    return error
