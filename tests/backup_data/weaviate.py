"""Weaviate: a collection of the test's own with objects that carry explicit vectors (HNSW, cosine)."""

from __future__ import annotations

import hashlib
import json
import random
import uuid

import requests

COLLECTION = "MultidbBackupTest"
OBJECTS = 300
DIM = 32
NAMESPACE = uuid.UUID("6f2d1a8e-6b0c-4a53-9a56-0d3c1f2b7e41")


def _api(svc, secrets):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secrets['weaviate_admin_api_key']}"
    return session, f"{svc.get('scheme', 'http')}://{svc['host']}:{svc['port']}"


def _vector(seed: int) -> list[float]:
    rng = random.Random(seed)
    # exactly representable in float32, so what is read back is what was written
    return [round(rng.uniform(-1, 1), 4) for _ in range(DIM)]


def _object(i: int) -> dict:
    return {"class": COLLECTION, "id": str(uuid.uuid5(NAMESPACE, str(i))), "vector": _vector(i),
            "properties": {"title": f"object {i} " + "y" * (i % 40), "n": i, "score": i / 7,
                           "tags": [f"t{i % 3}", f"t{i % 5}"]}}


def _cosine(a, b) -> float:
    norm = (sum(x * x for x in a) * sum(y * y for y in b)) ** 0.5
    return sum(x * y for x, y in zip(a, b)) / norm if norm else 0.0


def write(svc, secrets):
    session, url = _api(svc, secrets)
    if session.get(f"{url}/v1/schema/{COLLECTION}", timeout=30).status_code == 404:
        session.post(f"{url}/v1/schema", timeout=30, json={
            "class": COLLECTION, "vectorizer": "none", "vectorIndexType": "hnsw",
            "vectorIndexConfig": {"distance": "cosine"},
            "properties": [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]},
                           {"name": "score", "dataType": ["number"]}, {"name": "tags", "dataType": ["text[]"]}],
        }).raise_for_status()
    for start in range(0, OBJECTS, 100):
        response = session.post(f"{url}/v1/batch/objects", timeout=60,
                                json={"objects": [_object(i) for i in range(start, min(start + 100, OBJECTS))]})
        response.raise_for_status()
        errors = [r["result"]["errors"] for r in response.json() if r.get("result", {}).get("errors")]
        assert not errors, errors


def fingerprint(svc, secrets):
    session, url = _api(svc, secrets)
    schema = session.get(f"{url}/v1/schema/{COLLECTION}", timeout=30)
    schema.raise_for_status()
    schema = schema.json()
    objects, after = [], None
    while True:
        params = {"class": COLLECTION, "include": "vector", "limit": 100}
        if after:
            params["after"] = after
        page = session.get(f"{url}/v1/objects", params=params, timeout=60)
        page.raise_for_status()
        batch = page.json().get("objects") or []
        if not batch:
            break
        objects += [(o["id"], json.dumps(o["properties"], sort_keys=True), o.get("vector")) for o in batch]
        after = batch[-1]["id"]
    objects.sort()
    query = "{Get{%s(nearVector:{vector:%s}, limit:5){_additional{id}}}}" % (COLLECTION, json.dumps(_vector(10_000)))
    result = session.post(f"{url}/v1/graphql", json={"query": query}, timeout=30)
    result.raise_for_status()
    assert not result.json().get("errors"), result.json()
    nearest = [o["_additional"]["id"] for o in result.json()["data"]["Get"][COLLECTION]]
    # the same 5 by brute force over what was read: the vector index answers like the data
    target = _vector(10_000)
    exact = sorted(objects, key=lambda o: -_cosine(o[2] or [0.0] * DIM, target))[:5]
    return {"objects": len(objects), "sha256": hashlib.sha256(repr(objects).encode()).hexdigest(),
            "distance": schema["vectorIndexConfig"]["distance"],
            "properties": sorted((p["name"], p["dataType"][0]) for p in schema["properties"]),
            "nearest": nearest, "index_agrees": nearest == [o[0] for o in exact]}


def destroy(svc, secrets):
    session, url = _api(svc, secrets)
    session.delete(f"{url}/v1/schema/{COLLECTION}", timeout=30).raise_for_status()


# The backup benchmark's data volume (scripts/bench_backup.py), not used by the tests.
BULK = "10,000 objects with a 384-dimension vector (HNSW, cosine)"


def bulk(svc, secrets):
    session, url = _api(svc, secrets)
    name = "MultidbBench"
    session.delete(f"{url}/v1/schema/{name}", timeout=30)
    session.post(f"{url}/v1/schema", timeout=30, json={
        "class": name, "vectorizer": "none", "vectorIndexType": "hnsw", "vectorIndexConfig": {"distance": "cosine"},
        "properties": [{"name": "title", "dataType": ["text"]}]}).raise_for_status()
    rng = random.Random(5)
    for start in range(0, 10_000, 500):
        objects = [{"class": name, "id": str(uuid.uuid5(NAMESPACE, f"bench-{i}")),
                    "vector": [rng.uniform(-1, 1) for _ in range(384)], "properties": {"title": f"document {i}"}}
                   for i in range(start, start + 500)]
        response = session.post(f"{url}/v1/batch/objects", json={"objects": objects}, timeout=300)
        response.raise_for_status()
