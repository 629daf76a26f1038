"""Redis: no anonymous access; the application user is confined to its prefix; ACL survives a restart."""

from __future__ import annotations

import time

import docker
import pytest
import redis


@pytest.fixture(scope="module")
def rd(services):
    if "redis" not in services:
        pytest.skip("redis is not enabled")
    return services["redis"]


def _app(rd, secrets) -> redis.Redis:
    return redis.Redis(host=rd["host"], port=rd["port"], username="app",
                       password=secrets["redis_app_password"], socket_timeout=5)


def test_unauthenticated_command_refused(rd):
    anon = redis.Redis(host=rd["host"], port=rd["port"], socket_timeout=5)
    with pytest.raises(redis.exceptions.AuthenticationError):
        anon.get("app:anything")


def test_wrong_password_refused(rd):
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(host=rd["host"], port=rd["port"], username="app", password="wrong", socket_timeout=5).ping()


def test_app_user_reads_and_writes_its_prefix(rd, secrets):
    app = _app(rd, secrets)
    assert app.ping()
    app.set("app:test:key", "value", ex=60)
    assert app.get("app:test:key") == b"value"
    app.delete("app:test:key")


def test_app_user_confined(rd, secrets):
    app = _app(rd, secrets)
    with pytest.raises(redis.exceptions.NoPermissionError):
        app.set("other:key", "x")
    with pytest.raises(redis.exceptions.NoPermissionError):
        app.flushall()
    with pytest.raises(redis.exceptions.NoPermissionError):
        app.config_get("requirepass")
    # server-wide: every client's script cache, another client's script, the server's functions
    for command in (("SCRIPT", "FLUSH"), ("SCRIPT", "KILL"), ("FUNCTION", "FLUSH"), ("FUNCTION", "DELETE", "lib"),
                    ("FUNCTION", "LOAD", "#!lua name=pytest\nredis.register_function('f', function() return 1 end)")):
        with pytest.raises(redis.exceptions.NoPermissionError):
            app.execute_command(*command)
    # what the application needs still works: scripts on its own keys
    assert app.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, "app:test:script", "x") == b"OK"
    app.delete("app:test:script")


def test_data_and_acl_survive_container_restart(rd, secrets):
    app = _app(rd, secrets)
    app.set("app:test:persist", "kept")
    docker.from_env().containers.get(rd["container"]).restart(timeout=10)
    deadline = time.monotonic() + 60
    while True:
        try:
            assert _app(rd, secrets).get("app:test:persist") == b"kept"
            break
        except (redis.exceptions.ConnectionError, redis.exceptions.BusyLoadingError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    _app(rd, secrets).delete("app:test:persist")
