"""The web UI of `vigil serve`: a single-page app served from the package, no build step.

    app = create_app(deps)
    mount_ui(app)          # /, the client routes (/events, /cameras/A, ...) and /static/...

The UI is hand-written ES modules and CSS under ``static/``; charts use the vendored uPlot
(``static/vendor/uplot``, MIT). Every page talks to the REST API under /api with the
browser's session cookie and the CSRF token; nothing is loaded from another origin.
"""

from vigil.web.ui import (
    CLIENT_ROUTES,
    PUBLIC_UI_ROUTES,
    SECURITY_HEADERS,
    STATIC_DIR,
    mount_ui,
)

__all__ = ["CLIENT_ROUTES", "PUBLIC_UI_ROUTES", "SECURITY_HEADERS", "STATIC_DIR", "mount_ui"]
