"""MQTT against a real Mosquitto broker, checked with a plain paho subscriber."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from vigil.config.outputs import OutputsConfig
from vigil.delivery import MqttPublisher, PublishError, Topics, build_outputs
from vigil.delivery._broker import LocalMosquitto
from vigil.delivery.mqtt import object_id, topic_level
from vigil.events import EventMessage

from .conftest import Subscriber, mqtt_config

AT = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def message(eid: str, phase: str, rule: str = "loiter door", kind: str = "loitering",
            camera: str = "front/door") -> EventMessage:
    return EventMessage(
        event_id=eid, message_id=f"{eid}-{phase}", phase=phase, camera=camera, kind=kind, rule=rule,
        zone="door", line=None, at=AT, started_at=AT, ended_at=AT if phase == "end" else None, t=1.0,
        started=1.0, track_ids=(1,), attributes={"rule": rule}, confidence=1.0,
    )


def test_topic_names_are_safe() -> None:
    t = Topics("vigil", "homeassistant")
    assert t.state("front/door", "loiter door") == "vigil/front_door/loiter_door/state"
    assert t.count("cam+1", "zone#a") == "vigil/cam_1/zone_a/count"
    assert t.rule_discovery("front door", "run.fast") == "homeassistant/binary_sensor/vigil_front_door_run_fast/config"
    assert t.count_discovery("c", "z") == "homeassistant/sensor/vigil_c_z_count/config"
    assert topic_level(" / ") == "_" and object_id("a b", "c") == "a_b_c"


def test_events_state_and_discovery(
    mosquitto: LocalMosquitto, prefix: str, subscribe: Callable[..., Subscriber]
) -> None:
    sub = subscribe(mosquitto, f"{prefix}/#", f"{prefix}-ha/#")
    topics = Topics(prefix, f"{prefix}-ha")
    state = topics.state("front/door", "loiter door")
    with MqttPublisher(mqtt_config(mosquitto, prefix)) as pub:
        assert pub.wait_connected(5)
        sub.wait_for(lambda ms: any(m.topic == f"{prefix}/available" and m.payload == b"online" for m in ms))
        pub.publish(message("a", "start"))
        pub.publish(message("b", "start"))  # a second event of the same rule
        pub.publish(message("a", "end"))  # still ON: b is active
        sub.wait_for(lambda ms: sum(m.topic == f"{prefix}/events" for m in ms) == 3)
        assert [m.payload for m in sub.on(state)] == [b"ON"]
        pub.publish(message("b", "end"))
        pub.publish(message("c", "instant", rule="gate", kind="line_crossing"))
        sub.wait_for(lambda ms: sum(m.topic == f"{prefix}/events" for m in ms) == 5)
        sub.wait_for(lambda ms: len([m for m in ms if m.topic == state]) == 2)

    events = [m.json() for m in sub.on(f"{prefix}/events")]
    assert [(e["id"], e["phase"]) for e in events] == [("a", "start"), ("b", "start"), ("a", "end"), ("b", "end"),
                                                       ("c", "instant")]
    assert events[0]["camera"] == "front/door" and events[0]["zone"] == "door"
    assert not any(m.retain for m in sub.on(f"{prefix}/events"))
    # ON with the first start, OFF only once both events ended; unchanged states are not resent
    assert [m.payload for m in sub.on(state)] == [b"ON", b"OFF"]
    assert len(sub.on(topics.rule_discovery("front/door", "loiter door"))) == 1
    # instant events have no state topic
    assert not any(m.topic.endswith("/gate/state") for m in sub.messages)

    disc = sub.on(topics.rule_discovery("front/door", "loiter door"))
    assert disc
    config = disc[0].json()
    assert config["state_topic"] == state
    assert config["availability_topic"] == f"{prefix}/available"
    assert config["unique_id"] == object_id(prefix, "front/door", "loiter door")
    assert config["device"]["identifiers"] == [object_id(prefix, "front/door")]
    assert sub.on(f"{prefix}/available")[-1].payload == b"offline"  # graceful stop says so

    # retained: a newcomer gets the last state, the discovery config and availability at once
    late = subscribe(mosquitto, f"{prefix}/#", f"{prefix}-ha/#")
    got = late.wait_for(lambda ms: len({m.topic for m in ms}) >= 3)
    retained = {m.topic: m.payload for m in got if m.retain}
    assert retained[state] == b"OFF"
    assert retained[f"{prefix}/available"] == b"offline"
    assert topics.rule_discovery("front/door", "loiter door") in retained


def test_counts_are_retained_with_a_sensor_config(
    mosquitto: LocalMosquitto, prefix: str, subscribe: Callable[..., Subscriber]
) -> None:
    topics = Topics(prefix, f"{prefix}-ha")
    sub = subscribe(mosquitto, f"{prefix}/+/+/count", f"{prefix}-ha/sensor/#")
    with MqttPublisher(mqtt_config(mosquitto, prefix)) as pub:
        assert pub.wait_connected(5)
        pub.publish_counts("cam1", {"door": 3, "hall": 0})
        pub.publish_counts("cam1", {"door": 3, "hall": 1})  # door unchanged: not sent again
        sub.wait_for(lambda ms: len(ms) == 5)
    assert [m.payload for m in sub.on(topics.count("cam1", "door"))] == [b"3"]
    assert [m.payload for m in sub.on(topics.count("cam1", "hall"))] == [b"0", b"1"]
    sensor = sub.on(topics.count_discovery("cam1", "door"))[0].json()
    assert sensor["state_topic"] == topics.count("cam1", "door") and sensor["state_class"] == "measurement"


def test_last_will_says_offline_when_the_process_dies(
    mosquitto: LocalMosquitto, prefix: str, subscribe: Callable[..., Subscriber]
) -> None:
    sub = subscribe(mosquitto, f"{prefix}/available")
    code = textwrap.dedent(f"""
        import sys, time
        from vigil.config.outputs import MqttConfig
        from vigil.delivery.mqtt import MqttPublisher
        pub = MqttPublisher(MqttConfig(host="127.0.0.1", port={mosquitto.port}, topic_prefix="{prefix}",
                                       client_id="dying-{prefix}"))
        pub.start()
        assert pub.wait_connected(10)
        print("ready", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        sub.wait_for(lambda ms: [m.payload for m in ms] == [b"online"])
        os.kill(proc.pid, signal.SIGKILL)  # no goodbye: the broker publishes the will
        sub.wait_for(lambda ms: [m.payload for m in ms] == [b"online", b"offline"])
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_not_connected_is_a_retryable_error(own_mosquitto: LocalMosquitto, prefix: str) -> None:
    own_mosquitto.stop()
    with MqttPublisher(mqtt_config(own_mosquitto, prefix)) as pub:
        with pytest.raises(PublishError, match="not connected") as e:
            pub.publish(message("a", "start"))
        assert not e.value.permanent


def test_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = OutputsConfig.model_validate(
        {"mqtt": {"host": "127.0.0.1", "username": "vigil", "password_env": "VIGIL_TEST_MQTT_PW"}}
    )
    assert cfg.mqtt is not None
    monkeypatch.delenv("VIGIL_TEST_MQTT_PW", raising=False)
    from vigil.errors import ConfigError

    with pytest.raises(ConfigError, match=r"outputs\.mqtt\.password_env: environment variable VIGIL_TEST_MQTT_PW"):
        build_outputs(cfg)
    monkeypatch.setenv("VIGIL_TEST_MQTT_PW", "s3cret")
    assert cfg.mqtt.password() == "s3cret"
    outputs = build_outputs(cfg)
    assert [r.destination for r in outputs.routes] == ["mqtt"] and outputs.mqtt is not None
