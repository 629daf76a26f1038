"""Weaviate: API keys only (no anonymous access); the application key is confined to data
operations on its collections by RBAC; vectors and the schema survive a restart."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import docker
import pytest
import requests
import yaml

REPO = Path(__file__).resolve().parent.parent
DIM = 1536  # a common embedding size; the collection's HNSW index takes the first vector's dimension
TIMEOUT = 10


@pytest.fixture(scope="module")
def wv(services):
    if "weaviate" not in services:
        pytest.skip("weaviate is not enabled")
    return services["weaviate"]


@pytest.fixture(scope="module")
def collection(inventory_vars) -> dict:
    """The first declared collection (inventory override, else the role's default)."""
    declared = inventory_vars.get("multidb_weaviate_collections")
    if not declared:
        declared = yaml.safe_load((REPO / "roles/weaviate/defaults/main.yml").read_text())["weaviate_collections"]
    return declared[0]


def _url(wv, path: str) -> str:
    return f"{wv.get('scheme', 'http')}://{wv['host']}:{wv['port']}{path}"


def _auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def _app(secrets) -> dict:
    return _auth(secrets["weaviate_app_api_key"])


def _vector(hot: int, noise: float = 0.0) -> list[float]:
    """A unit-ish vector pointing at axis `hot`, slightly tilted towards the next axis."""
    v = [0.0] * DIM
    v[hot % DIM] = 1.0
    v[(hot + 1) % DIM] = noise
    return v


def _object(collection: dict, oid: str, content: str, vector: list[float]) -> dict:
    props = {}
    for p in collection.get("properties", []):
        if p["data_type"] == "text":
            props[p["name"]] = content
        elif p["data_type"] == "int":
            props[p["name"]] = 1
    return {"class": collection["name"], "id": oid, "properties": props, "vector": vector}


def _delete(wv, secrets, collection, oids):
    for oid in oids:
        requests.delete(_url(wv, f"/v1/objects/{collection['name']}/{oid}"), headers=_app(secrets), timeout=TIMEOUT)


def test_unauthenticated_request_refused(wv):
    assert requests.get(_url(wv, "/v1/schema"), timeout=TIMEOUT).status_code == 401
    assert requests.get(_url(wv, "/v1/objects"), timeout=TIMEOUT).status_code == 401
    # readiness stays open to the health check
    assert requests.get(_url(wv, "/v1/.well-known/ready"), timeout=TIMEOUT).status_code == 200


def test_wrong_key_refused(wv):
    r = requests.get(_url(wv, "/v1/schema"), headers=_auth("wrong-" + uuid.uuid4().hex), timeout=TIMEOUT)
    assert r.status_code == 401, r.text


def test_collection_declared_as_configured(wv, secrets, collection):
    r = requests.get(_url(wv, f"/v1/schema/{collection['name']}"),
                     headers=_auth(secrets["weaviate_admin_api_key"]), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    live = r.json()
    assert live.get("vectorizer", "none") == "none"
    live_props = {p["name"]: ",".join(p["dataType"]) for p in live.get("properties", [])}
    for p in collection.get("properties", []):
        assert live_props.get(p["name"]) == p["data_type"], (p, live_props)


def test_app_key_inserts_and_finds_nearest_vector(wv, secrets, collection):
    oids = [str(uuid.uuid4()) for _ in range(3)]
    batch = [_object(collection, oid, f"pytest doc {i}", _vector(i * 7, 0.05)) for i, oid in enumerate(oids)]
    r = requests.post(_url(wv, "/v1/batch/objects"), json={"objects": batch}, headers=_app(secrets), timeout=30)
    assert r.status_code == 200, r.text
    errors = [o["result"].get("errors") for o in r.json() if o.get("result", {}).get("errors")]
    assert not errors, errors
    try:
        text_prop = next(p["name"] for p in collection["properties"] if p["data_type"] == "text")
        query = (
            "{ Get { %s(nearVector: {vector: %s}, limit: 1) { %s _additional { id distance } } } }"
            % (collection["name"], _vector(7, 0.1), text_prop)
        )
        r = requests.post(_url(wv, "/v1/graphql"), json={"query": query}, headers=_app(secrets), timeout=30)
        assert r.status_code == 200, r.text
        body = r.json()
        assert not body.get("errors"), body["errors"]
        hits = body["data"]["Get"][collection["name"]]
        assert len(hits) == 1
        assert hits[0]["_additional"]["id"] == oids[1], hits
        assert hits[0][text_prop] == "pytest doc 1"
        assert hits[0]["_additional"]["distance"] < 0.01
    finally:
        _delete(wv, secrets, collection, oids)


def test_app_key_cannot_change_the_schema(wv, secrets, collection):
    name = "PytestForbidden" + uuid.uuid4().hex[:8]
    r = requests.post(_url(wv, "/v1/schema"), json={"class": name, "vectorizer": "none"},
                      headers=_app(secrets), timeout=TIMEOUT)
    assert r.status_code == 403, r.text
    r = requests.delete(_url(wv, f"/v1/schema/{collection['name']}"), headers=_app(secrets), timeout=TIMEOUT)
    assert r.status_code == 403, r.text
    # nor manage roles (listing them shows none)
    r = requests.post(_url(wv, "/v1/authz/roles"), json={"name": "pytest-escalate", "permissions": [
        {"action": "create_collections", "collections": {"collection": "*"}}]}, headers=_app(secrets), timeout=TIMEOUT)
    assert r.status_code == 403, r.text
    r = requests.get(_url(wv, "/v1/authz/roles"), headers=_app(secrets), timeout=TIMEOUT)
    assert r.status_code == 403 or r.json() == [], r.text


def test_app_key_sees_no_other_user(wv, secrets):
    """Users are server-wide: the app key reads its own identity only. Weaviate answers the
    list of database users with the users the caller may read (none), and refuses to show
    another user or that user's roles."""
    r = requests.get(_url(wv, "/v1/users/own-info"), headers=_app(secrets), timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["username"] == wv["app_user"], r.text
    r = requests.get(_url(wv, "/v1/users/db"), headers=_app(secrets), timeout=TIMEOUT)
    assert r.status_code == 403 or r.json() == [], r.text
    for path in (f"/v1/users/db/{wv['username']}", f"/v1/authz/users/{wv['username']}/roles/db"):
        r = requests.get(_url(wv, path), headers=_app(secrets), timeout=TIMEOUT)
        assert r.status_code == 403, f"{path}: {r.status_code} {r.text}"


def _wait_ready(wv, deadline: float = 120):
    end = time.monotonic() + deadline
    while True:
        try:
            if requests.get(_url(wv, "/v1/.well-known/ready"), timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > end:
            raise AssertionError("weaviate not ready after restart")
        time.sleep(1)


def test_data_survives_container_restart(wv, secrets, collection):
    oid = str(uuid.uuid4())
    obj = _object(collection, oid, "pytest persistent", _vector(11))
    r = requests.post(_url(wv, "/v1/objects"), json=obj, headers=_app(secrets), timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    try:
        docker.from_env().containers.get(wv["container"]).restart(timeout=30)
        _wait_ready(wv)
        r = requests.get(_url(wv, f"/v1/objects/{collection['name']}/{oid}?include=vector"),
                         headers=_app(secrets), timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["vector"][11] == pytest.approx(1.0)
        # the application key's role survived too (it is in the Raft log on the volume)
        assert requests.get(_url(wv, "/v1/schema"), headers=_app(secrets), timeout=TIMEOUT).status_code == 200
    finally:
        _delete(wv, secrets, collection, [oid])
