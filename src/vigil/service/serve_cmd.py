"""`vigil serve [CONFIG | --demo]`: run the cameras, event store, outputs, API and web UI until stopped.

``--demo`` serves the example config shipped with Vigil (a looping demo video as a camera).
The listen address comes from ``server:`` in the config; ``--host``/``--port`` override it.
Ctrl-C or SIGTERM stops everything cleanly (workers, delivery, database).
"""

from __future__ import annotations

import argparse
import errno
import logging
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.config import load_yaml
from vigil.config.service import ServiceConfig
from vigil.errors import ConfigError, VigilError
from vigil.service.serve import ServeOptions, Service

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger(__name__)


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", type=Path, nargs="?", help="serve config (YAML with cameras:); see docs/serve.md")
    p.add_argument("--demo", action="store_true", help="serve the example config: a looping demo video as a camera")
    p.add_argument("--host", default=None, help="address to listen on (overrides server.host)")
    p.add_argument("--port", type=int, default=None, help="TCP port (overrides server.port)")
    p.add_argument("--data-dir", type=Path, default=None, help="data directory (overrides storage.data_dir)")
    p.add_argument("--no-ui", action="store_true", help="serve the API only")


def load_service_config(args: argparse.Namespace) -> tuple[Path, ServiceConfig]:
    """The config file named on the command line (or the demo's), with the overrides applied."""
    if args.demo and args.config is not None:
        raise ConfigError("give either a config file or --demo, not both")
    if args.demo:
        from vigil.demo import demo_config_path

        path = demo_config_path()
    elif args.config is None:
        raise ConfigError("no config: give a serve config file (see docs/serve.md) or --demo")
    else:
        path = args.config
    cfg = load_yaml(path, ServiceConfig)
    server: dict[str, object] = {}
    if args.host is not None:
        server["host"] = args.host
    if args.port is not None:
        server["port"] = args.port
    update: dict[str, object] = {}
    if server:
        update["server"] = cfg.server.model_validate({**cfg.server.model_dump(), **server})
    if args.data_dir is not None:
        update["storage"] = cfg.storage.model_validate({**cfg.storage.model_dump(), "data_dir": args.data_dir})
    if update:
        try:
            cfg = ServiceConfig.model_validate({**cfg.model_dump(), **update})
        except ValueError as e:
            raise ConfigError(f"--host/--port/--data-dir: {e}") from e
    return path, cfg


def check_port(host: str, port: int) -> None:
    """Fail early, with a clear message, when the address cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            why = "already in use" if e.errno == errno.EADDRINUSE else (e.strerror or str(e))
            raise ConfigError(f"server {host}:{port}: cannot listen there: {why}") from e


def _announce(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _when_listening(server: uvicorn.Server, notices: list[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not server.started and not server.should_exit and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        for text in notices:
            _announce(text)


class _Stopped(Exception):
    """SIGINT or SIGTERM: stop cleanly."""


def _stop_on(signum: int, _frame: object) -> None:
    raise _Stopped(signal.Signals(signum).name)


def _reload(service: Service, args: argparse.Namespace) -> None:
    """Apply the config file again (SIGHUP); a bad file is reported and the running config stays."""
    try:
        _, cfg = load_service_config(args)
        service.reload(cfg)
    except VigilError as e:
        log.error("reload of %s refused, the running config stays: %s", args.config, e)


def run_serve_command(args: argparse.Namespace) -> int:
    import uvicorn

    path, cfg = load_service_config(args)
    check_port(cfg.server.host, cfg.server.port)
    notices: list[str] = []  # shown once the server listens, so a printed link works when it appears
    service = Service(cfg, ServeOptions(ui=not args.no_ui, announce=notices.append))
    log.info("vigil serve: %s, %d camera(s), data in %s", path, len(cfg.cameras), service.data_dir)
    # uvicorn handles the signals while it runs and re-raises them when it has shut down:
    # these handlers then unwind to the finally below, which stops the cameras and stores.
    previous = {sig: signal.signal(sig, _stop_on) for sig in (signal.SIGINT, signal.SIGTERM)}
    if args.config is not None:  # SIGHUP: read the file again; only the cameras that changed restart
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, lambda *_: _reload(service, args))
    service.start()
    try:
        assert service.app is not None
        server = uvicorn.Server(
            uvicorn.Config(
                service.app, host=cfg.server.host, port=cfg.server.port, log_level="warning", access_log=False,
                proxy_headers=False, server_header=False,
            )
        )  # fmt: skip
        notices.append(f"Vigil is running at {service.base_url()}/ (Ctrl-C stops it)")
        threading.Thread(target=_when_listening, args=(server, notices), name="announce", daemon=True).start()
        server.run()
    except _Stopped as e:
        log.info("vigil serve: %s received", e)
    finally:
        log.info("vigil serve: stopping")
        try:
            service.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    _announce("Vigil stopped.")
    return 0
