"""A throwaway Mosquitto broker on loopback, for tests and the outage benchmark.

Needs the ``mosquitto`` binary (Debian: ``apt-get install mosquitto``); never uses a
system-wide broker. The port stays the same across ``stop()``/``start()`` so clients
reconnect to it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from vigil.errors import OutputError

SEARCH = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto")


def find_mosquitto() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return next((p for p in SEARCH if Path(p).is_file()), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalMosquitto:
    """``mosquitto -c <tmp>/mosquitto.conf`` listening on 127.0.0.1:``port``, anonymous.

    persistence: keep sessions and retained messages in the temp dir across restarts (as a
    production broker would), so durable subscribers get what was published while they
    were away.
    """

    def __init__(self, port: int | None = None, binary: str | None = None, persistence: bool = False) -> None:
        binary = binary or find_mosquitto()
        if binary is None:
            raise OutputError("mosquitto: binary not found (apt-get install mosquitto)")
        self.binary = binary
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self._dir = Path(tempfile.mkdtemp(prefix="vigil-mosquitto-"))
        self.config = self._dir / "mosquitto.conf"
        lines = [f"listener {self.port} {self.host}", "allow_anonymous true", "log_dest stderr", "log_type error"]
        if persistence:
            lines += ["persistence true", f"persistence_location {self._dir}/"]
        else:
            lines.append("persistence false")
        if os.geteuid() == 0:
            lines.append("user root")  # else it switches to 'mosquitto', who cannot write the temp dir
        self.config.write_text("\n".join(lines) + "\n")
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        if self.running:
            return
        self._proc = subprocess.Popen(
            [self.binary, "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise OutputError(f"mosquitto on port {self.port}: exited at start: {err.strip()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise OutputError(f"mosquitto on port {self.port}: not listening after {timeout} s")

    def stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        if self._proc.stderr is not None:
            self._proc.stderr.close()
        self._proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> LocalMosquitto:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
