"""Outputs config: MQTT broker, webhooks and how the outbox retries them.

Nothing connects anywhere unless configured here: no broker and no webhook by default.
Secrets never sit in the config file: each is read from the environment variable that
a ``*_env`` field names (``password_env: VIGIL_MQTT_PASSWORD``), when it is needed.

    outputs:
      mqtt: {host: broker.lan, username: vigil, password_env: VIGIL_MQTT_PASSWORD}
      webhooks:
        - {name: alerts, url: "https://hooks.example/vigil", secret_env: VIGIL_WEBHOOK_SECRET,
           kinds: [running, loitering]}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from vigil.config.base import StrictModel
from vigil.errors import ConfigError

EnvName = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
TopicLevel = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^#+\s\x00]+$")]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


def secret_from_env(var: str, field: str) -> str:
    """The value of environment variable ``var``; ConfigError naming ``field`` if unset or empty."""
    value = os.environ.get(var)
    if not value:
        raise ConfigError(f"{field}: environment variable {var} is not set (it should hold the secret)")
    return value


class MqttTlsConfig(StrictModel):
    """TLS to the broker; with no files, the system's trusted CAs verify it."""

    ca_file: Path | None = Field(None, description="PEM file of the CA that signed the broker's certificate.")
    cert_file: Path | None = Field(None, description="Client certificate (PEM), for brokers that require one.")
    key_file: Path | None = Field(None, description="Private key (PEM) of cert_file.")
    insecure: bool = Field(False, description="Skip hostname verification (testing only).")

    @model_validator(mode="after")
    def _pair(self) -> MqttTlsConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        return self


class MqttConfig(StrictModel):
    """MQTT broker (Home Assistant / Frigate conventions). QoS 1 throughout."""

    host: str = Field(..., min_length=1, max_length=255, description="Broker host name or IP address.")
    port: int = Field(1883, ge=1, le=65535, description="Broker port (usually 1883, or 8883 with TLS).")
    username: str | None = Field(None, min_length=1, max_length=128, description="User name, if the broker needs one.")
    password_env: EnvName | None = Field(
        None, description="Environment variable that holds the broker password (never the password itself)."
    )
    client_id: str = Field("vigil", min_length=1, max_length=64, description="MQTT client id; unique per broker.")
    topic_prefix: TopicLevel = Field("vigil", description="First topic level: <prefix>/events, <prefix>/available, ...")
    discovery: bool = Field(True, description="Publish Home Assistant MQTT discovery configs (retained).")
    discovery_prefix: TopicLevel = Field("homeassistant", description="Home Assistant's discovery topic prefix.")
    tls: MqttTlsConfig | None = Field(None, description="Connect with TLS; omit for plain TCP.")
    keepalive: float = Field(60.0, ge=5.0, le=3600.0, description="Seconds between keep-alive pings.")
    reconnect_max_delay: float = Field(
        10.0, ge=1.0, le=300.0, description="Longest wait between reconnection attempts (seconds)."
    )
    publish_timeout: float = Field(
        10.0, ge=0.5, le=120.0,
        description="Seconds to wait for the broker to acknowledge a message before retrying it."
    )

    @model_validator(mode="after")
    def _password_needs_user(self) -> MqttConfig:
        if self.password_env is not None and self.username is None:
            raise ValueError("password_env needs a username")
        return self

    def password(self) -> str | None:
        """The broker password from the environment (None if none is configured)."""
        return None if self.password_env is None else secret_from_env(self.password_env, "outputs.mqtt.password_env")


class WebhookConfig(StrictModel):
    """An HTTP endpoint that receives each event record as a signed JSON POST."""

    name: Name = Field(..., description="Name of this webhook (in logs, health and the outbox).")
    url: str = Field(..., min_length=8, max_length=2048, description="http:// or https:// URL to POST to.")
    secret_env: EnvName = Field(
        ..., description="Environment variable holding the HMAC-SHA256 signing secret (see vigil.delivery.webhook)."
    )
    kinds: tuple[Name, ...] = Field((), max_length=64, description="Event kinds to send (empty: all).")
    cameras: tuple[Name, ...] = Field((), max_length=256, description="Cameras whose events to send (empty: all).")
    timeout: float = Field(10.0, ge=0.5, le=120.0, description="Seconds to wait for the endpoint to answer.")

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return v

    def secret(self) -> bytes:
        """The signing secret from the environment."""
        return secret_from_env(self.secret_env, f"outputs.webhooks[{self.name}].secret_env").encode()


class RetryConfig(StrictModel):
    """How the outbox retries a destination that fails: exponential backoff with jitter, capped."""

    initial: float = Field(1.0, ge=0.05, le=60.0, description="Seconds before the first retry.")
    maximum: float = Field(15.0, ge=0.1, le=3600.0, description="Longest wait between retries (seconds).")
    give_up_after: int = Field(
        10, ge=1, le=10_000,
        description="Attempts after which a message the destination rejects outright (HTTP 4xx) is set aside; "
        "unreachable destinations are retried forever.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> RetryConfig:
        if self.maximum < self.initial:
            raise ValueError(f"maximum ({self.maximum}) must not be less than initial ({self.initial})")
        return self


class OutputsConfig(StrictModel):
    """Where events go besides the store. Both outputs deliver from the durable outbox."""

    mqtt: MqttConfig | None = Field(None, description="MQTT broker; omit for none.")
    webhooks: tuple[WebhookConfig, ...] = Field((), max_length=32, description="Webhook endpoints.")
    retry: RetryConfig = Field(default_factory=RetryConfig)  # type: ignore[arg-type]

    @field_validator("webhooks")
    @classmethod
    def _unique(cls, v: tuple[WebhookConfig, ...]) -> tuple[WebhookConfig, ...]:
        names = [w.name for w in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"webhook names must be unique; repeated: {', '.join(dupes)}")
        return v
