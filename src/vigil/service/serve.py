"""`Service`: everything `vigil serve` runs, put together.

    service = Service(load_yaml(path, ServiceConfig))
    service.start()           # store, outbox, retention, one worker per camera, the API app
    uvicorn.run(service.app)  # (what `vigil serve` does, with signal handling)
    service.stop()

- **Cameras** run in worker processes under the :class:`Supervisor`; their events come back
  with stable ids and are recorded in the :class:`EventStore`, which queues them in the
  durable outbox for MQTT and webhooks (:class:`OutboxWorker`). Clips and snapshots the
  workers record are attached to their events; zone counts go to the store's time series
  and to MQTT; preview frames go to the :class:`FrameHub` for snapshots and live views.
- **Retention** deletes old media and events by age, total size and free disk: the
  tightest limits of all cameras' ``recording.retention`` apply to the one data directory.
- **API and web UI**: :func:`vigil.api.create_app` with auth on the same database, plus the
  web UI when the package has it.
- **First start**: with no admin user yet, a one-time setup link is printed (no default
  password); ``vigil users add`` is the other way in.

Callbacks from workers run on the supervisor's monitor thread; store failures there are
logged and never stop the cameras.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Self

from fastapi import FastAPI

from vigil.api import ApiDeps, create_app
from vigil.api.sysinfo import LocalSystem
from vigil.auth import AuthStore
from vigil.auth.first_run import ensure_setup_token
from vigil.config.recording import RetentionConfig
from vigil.config.service import CameraConfig, ServiceConfig
from vigil.delivery import OutboxWorker, build_outputs
from vigil.delivery.factory import Outputs
from vigil.demo import fetch_demo_sources
from vigil.errors import CameraNotFoundError, VigilError
from vigil.events import EventStore
from vigil.events.engine import make_engine
from vigil.recording.disk import GB
from vigil.recording.retention import Retention
from vigil.service import health as msgs
from vigil.service.frames import FrameHub, Preview
from vigil.service.overrides import Overrides
from vigil.service.registry import ServiceRegistry
from vigil.service.supervisor import Supervisor, SupervisorSettings

log = logging.getLogger(__name__)

Announce = Callable[[str], None]
"""Shows a line to the operator at the console (the setup link)."""


def combined_retention(cameras: list[CameraConfig]) -> RetentionConfig:
    """The tightest retention limits of all cameras (they share one data directory)."""
    configs = [c.recording.retention for c in cameras] or [RetentionConfig()]  # type: ignore[call-arg]
    caps = [r.max_total_gb for r in configs if r.max_total_gb is not None]
    return RetentionConfig(
        max_age_days=min(r.max_age_days for r in configs),
        max_total_gb=min(caps) if caps else None,
        min_free_gb=max(r.min_free_gb for r in configs),
        interval=min(r.interval for r in configs),
    )


def describe(event: Any) -> str:
    """One log line for an event record: what, where, who (track ids only)."""
    attrs = event.attributes
    where = ", ".join(f"{k} {attrs[k]}" for k in ("zone", "line", "direction") if attrs.get(k) is not None)
    ids = ", ".join(str(i) for i in sorted(event.track_ids)[:8])
    return f"{event.camera}: {event.kind} {event.phase}" + (f" ({where})" if where else "") + (
        f" tracks {ids}" if ids else ""
    )


@dataclass(slots=True)
class ServeOptions:
    """What the command line adds to the config. ``ui``: mount the web UI when available."""

    supervisor: SupervisorSettings = field(default_factory=SupervisorSettings)
    ui: bool = True
    announce: Announce | None = None
    public_url: str | None = None


class Service:
    """The running system. ``start()`` / ``stop()``; ``app`` is the ASGI app to serve."""

    def __init__(self, config: ServiceConfig, options: ServeOptions | None = None) -> None:
        self.config = config
        self.options = options or ServeOptions()
        self.data_dir = config.storage.data_dir.expanduser().resolve()
        self.store: EventStore | None = None
        self.auth: AuthStore | None = None
        self.outputs: Outputs | None = None
        self.outbox: OutboxWorker | None = None
        self.retention: Retention | None = None
        self.supervisor: Supervisor | None = None
        self.registry: ServiceRegistry | None = None
        self.frames = FrameHub(self._viewers_changed)
        self.app: FastAPI | None = None
        self.setup_token: str | None = None
        self._started = False

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Open the store, start delivery, retention and the cameras, and build the app."""
        if self._started:
            return
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise VigilError(f"storage.data_dir {self.data_dir}: cannot create it: {e.strerror or e}") from e
        fetch_demo_sources(self.config.cameras)  # a demo video is fetched once, here, not in each worker
        url = self.config.storage.url()
        self.outputs = build_outputs(self.config.outputs)
        self.store = EventStore(url, routes=self.outputs.routes)
        self.auth = AuthStore(make_engine(url))
        self.outbox = OutboxWorker(self.store, self.outputs.publishers, retry=self.config.outputs.retry)
        overrides = Overrides(self.data_dir)
        cameras = [overrides.apply(c) for c in self.config.cameras]
        store = self.store
        self.retention = Retention(
            self.data_dir, combined_retention(cameras), delete_events=lambda days: store.delete_older_than(days).media_paths
        )
        settings = self.options.supervisor
        settings = replace(settings, worker=replace(settings.worker, data_dir=self.data_dir))
        self.supervisor = Supervisor(cameras, on_event=self._on_event, settings=settings, on_message=self._on_message)
        self.registry = ServiceRegistry(cameras, self.supervisor, self.frames, overrides)
        self.app = self._build_app()
        self.outbox.start()
        self.retention.start()
        self.supervisor.start()
        self._started = True
        self._first_run()

    def stop(self) -> None:
        """Stop cameras, retention and delivery, then close the store (each step even if another fails)."""
        self.frames.close()
        steps: list[tuple[str, Callable[[], object]]] = []
        if self.supervisor is not None:
            steps.append(("cameras", self.supervisor.stop))
        if self.retention is not None:
            steps.append(("retention", self.retention.stop))
        if self.outbox is not None:
            steps.append(("outbox", self.outbox.stop))
        if self.store is not None:
            steps.append(("event store", self.store.close))
        if self.auth is not None:
            steps.append(("auth store", self.auth.engine.dispose))
        for what, step in steps:
            try:
                step()
            except Exception:
                log.exception("stopping %s failed", what)
        self._started = False

    def reload(self, config: ServiceConfig) -> list[str]:
        """Apply a changed config file while running: cameras that changed, were added or were removed
        restart or stop, the others run on untouched. Returns those cameras. Changes to server,
        storage, outputs or auth need a restart of `vigil serve` (a warning says so)."""
        if self.registry is None or self.supervisor is None:
            raise VigilError("reload: the service is not running")
        for part in ("server", "storage", "outputs", "auth"):
            if getattr(config, part) != getattr(self.config, part):
                log.warning("reload: %s changed; it takes effect when vigil serve restarts", part)
        fetch_demo_sources(config.cameras)
        overrides = Overrides(self.data_dir)
        cameras = [overrides.apply(c) for c in config.cameras]
        self.config = config.model_copy(update={"server": self.config.server, "storage": self.config.storage,
                                                "outputs": self.config.outputs, "auth": self.config.auth})  # fmt: skip
        before = set(self.registry.camera_ids())
        touched = self.registry.replace_all(cameras)
        for name in before - {c.camera for c in cameras}:  # removed: no stale snapshot
            self.frames.forget(name)
        log.info("reload: cameras restarted, started or stopped: %s", ", ".join(touched) or "none")
        return touched

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- pieces ----------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        assert self.store is not None and self.auth is not None and self.registry is not None
        deps = _api_deps(self)
        app = create_app(deps)
        if self.options.ui:
            try:
                from vigil.web import mount_ui
            except ImportError:
                log.warning("web UI not available in this installation; serving the API only")
            else:
                mount_ui(app)
        return app

    def _first_run(self) -> None:
        assert self.auth is not None
        token = ensure_setup_token(self.auth, self.config.auth.setup_token_ttl_s)
        self.setup_token = token
        if token is None:
            return
        link = f"{self.base_url()}/setup#token={token}"
        text = (
            "No admin user exists yet. Open this one-time link to create one "
            f"(valid {self.config.auth.setup_token_ttl_s / 3600:.0f} h):\n    {link}\n"
            "or run: vigil users add NAME --role admin --config FILE"
        )
        if self.options.announce is not None:
            self.options.announce(text)
        else:
            log.warning("%s", text)

    def base_url(self) -> str:
        if self.options.public_url:
            return self.options.public_url.rstrip("/")
        host = self.config.server.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.config.server.port}"

    # -- what workers send (monitor thread) ---------------------------------------------

    def _on_event(self, e: msgs.WorkerEvent) -> None:
        store = self.store
        if store is None:
            return
        try:
            store.record(
                e.event, at=datetime.fromtimestamp(e.wall, UTC), run=e.run, event_id=getattr(e, "eid", None) or None
            )
        except VigilError as err:
            log.error("camera %s: event %s not stored: %s", e.camera, e.event.kind, err)
            return
        if e.event.phase in ("start", "instant"):
            log.info("%s", describe(e.event))
        else:
            log.debug("%s", describe(e.event))

    def _on_message(self, msg: object) -> None:
        try:
            self._dispatch(msg)
        except VigilError as err:
            log.error("%s from camera %s not stored: %s", type(msg).__name__, getattr(msg, "camera", "?"), err)

    def _dispatch(self, msg: object) -> None:
        store = self.store
        if store is None:
            return
        if isinstance(msg, msgs.WorkerFrame):
            self.frames.put(msg.camera, Preview(msg.jpeg, msg.wall, msg.width, msg.height, tuple(msg.tracks)))
        elif isinstance(msg, msgs.WorkerMedia):
            if msg.eid is not None:  # continuous segments belong to no event; retention finds them on disk
                store.attach_media(msg.eid, msg.kind, msg.path, msg.started_at, msg.ended_at)
        elif isinstance(msg, msgs.WorkerCounts):
            at = datetime.fromtimestamp(msg.wall, UTC)
            store.record_counts(msg.camera, msg.counts, at)
            if self.outputs is not None and self.outputs.mqtt is not None:
                self.outputs.mqtt.publish_counts(msg.camera, msg.counts)
        elif isinstance(msg, msgs.WorkerHeat):
            record_heat = getattr(store, "record_heat", None)
            if record_heat is not None:
                cells = [int(v) for v in msg.array().ravel()]
                record_heat(msg.camera, datetime.fromtimestamp(msg.wall, UTC), msg.grid_w, msg.grid_h, cells)

    def _viewers_changed(self, camera: str, n: int) -> None:
        if self.supervisor is not None:
            try:
                self.supervisor.set_viewers(camera, n)
            except CameraNotFoundError:  # disabled, or removed meanwhile: nothing to speed up
                log.debug("camera %s: not running; %d viewer(s) not passed on", camera, n)


def _api_deps(service: Service) -> ApiDeps:
    assert service.store is not None and service.auth is not None and service.registry is not None
    return ApiDeps(
        events=service.store, auth=service.auth, cameras=service.registry, data_dir=service.data_dir,
        auth_settings=service.config.auth, system=_system_provider(service),
    )  # fmt: skip


def _system_provider(service: Service) -> LocalSystem:
    assert service.retention is not None
    cap = service.retention.config.max_total_gb
    return LocalSystem(service.data_dir, None if cap is None else int(cap * GB), service.outbox)


__all__ = ["ServeOptions", "Service", "combined_retention", "describe"]
