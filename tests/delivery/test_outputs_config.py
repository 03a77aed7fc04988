"""Outputs and storage config: defaults connect nowhere, bounds, secrets from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from vigil.config.outputs import OutputsConfig
from vigil.config.storage import StorageConfig
from vigil.delivery import build_outputs
from vigil.errors import ConfigError


def test_nothing_is_configured_by_default() -> None:
    outputs = build_outputs(OutputsConfig())
    assert (outputs.routes, outputs.publishers, outputs.mqtt) == ([], [], None)


def test_webhooks_become_filtered_routes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", "abc")
    cfg = OutputsConfig.model_validate({"webhooks": [
        {"name": "all", "url": "https://example.org/a", "secret_env": "HOOK_SECRET"},
        {"name": "door", "url": "http://10.0.0.5:8080/b", "secret_env": "HOOK_SECRET",
         "kinds": ["loitering"], "cameras": ["front"], "timeout": 3},
    ]})
    outputs = build_outputs(cfg)
    assert [p.name for p in outputs.publishers] == ["webhook:all", "webhook:door"]
    everything, door = outputs.routes
    assert everything.accepts("any", "running")
    assert door.accepts("front", "loitering") and not door.accepts("back", "loitering")
    assert not door.accepts("front", "running")
    monkeypatch.delenv("HOOK_SECRET")
    with pytest.raises(ConfigError, match=r"outputs.webhooks\[all\].secret_env: environment variable HOOK_SECRET"):
        build_outputs(cfg)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mqtt": {"host": "b", "port": 0}}, "greater than or equal to 1"),
        ({"mqtt": {"host": "b", "password_env": "X"}}, "password_env needs a username"),
        ({"mqtt": {"host": "b", "password": "plain"}}, "Extra inputs are not permitted"),
        ({"mqtt": {"host": "b", "topic_prefix": "a/#"}}, "should match pattern"),
        ({"mqtt": {"host": "b", "tls": {"cert_file": "c.pem"}}}, "cert_file and key_file go together"),
        ({"webhooks": [{"name": "a", "url": "ftp://x/y", "secret_env": "S"}]}, "http:// or https://"),
        ({"webhooks": [{"name": "a", "url": "https://x/y"}]}, "secret_env"),
        ({"webhooks": [{"name": "a", "url": "https://x/y", "secret_env": "not valid"}]}, "should match pattern"),
        ({"webhooks": [{"name": "a", "url": "https://x/y", "secret_env": "S"}] * 2}, "repeated: a"),
        ({"retry": {"initial": 5, "maximum": 2}}, "must not be less than initial"),
    ],
)
def test_invalid_outputs(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        OutputsConfig.model_validate(data)


def test_every_field_is_described() -> None:
    from vigil.config.outputs import MqttConfig, MqttTlsConfig, RetryConfig, WebhookConfig

    for model in (OutputsConfig, MqttConfig, MqttTlsConfig, RetryConfig, WebhookConfig, StorageConfig):
        for name, field in model.model_fields.items():
            if name not in ("retry",):
                assert field.description, f"{model.__name__}.{name} has no description"


def test_storage_defaults_to_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    cfg = StorageConfig.model_validate({"data_dir": tmp_path / "data"})
    assert cfg.url() == f"sqlite:///{(tmp_path / 'data' / 'vigil.db').resolve()}"


def test_storage_postgres_password_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = StorageConfig.model_validate(
        {"database_url": "postgresql://vigil@db.lan:5432/vigil", "database_password_env": "VIGIL_DB_PW"})
    monkeypatch.setenv("VIGIL_DB_PW", "p@ss/word")
    assert cfg.url() == "postgresql+psycopg://vigil:p%40ss%2Fword@db.lan:5432/vigil"
    monkeypatch.delenv("VIGIL_DB_PW")
    with pytest.raises(ConfigError, match=r"storage\.database_password_env: environment variable VIGIL_DB_PW"):
        cfg.url()
    assert StorageConfig.model_validate({"database_url": "postgresql://vigil@db/v"}).url() == "postgresql://vigil@db/v"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"database_url": "mysql://u@h/db"}, "unsupported database 'mysql'"),
        ({"database_url": "postgresql://u:hunter2@h/db"}, "database_password_env"),
        ({"database_password_env": "X"}, "needs a database_url"),
    ],
)
def test_invalid_storage(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as e:
        StorageConfig.model_validate(data)
    # the config loader reports errors()[i]["msg"]: no password there
    assert all("hunter2" not in err["msg"] for err in e.value.errors())


def test_yaml_errors_name_the_line() -> None:
    from vigil.config.loader import parse_yaml

    text = "mqtt:\n  host: broker.lan\n  port: 70000\nwebhooks: []\n"
    with pytest.raises(ConfigError, match=r"outputs\.yaml:3: mqtt\.port: .*less than or equal to 65535"):
        parse_yaml(text, OutputsConfig, "outputs.yaml")
    assert parse_yaml("mqtt: {host: b}\n", OutputsConfig).mqtt is not None
