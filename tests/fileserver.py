"""A loopback HTTP server of a folder's files, counting requests (download tests; never the network)."""

from __future__ import annotations

import http.server
import threading
from functools import partial
from pathlib import Path


class FileServer:
    """Serves ``root`` at ``url`` (127.0.0.1, a free port); ``hits`` counts GET requests."""

    def __init__(self, root: Path) -> None:
        self.hits = 0
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                super().do_GET()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
