"""Redis: keys of every type under a prefix of the test's own, binary values, TTLs, a stream's consumer group."""

from __future__ import annotations

import hashlib
import random

PREFIX = b"multidb_backup_test:"
PER_TYPE = 60
TYPES = ("string", "binary", "hash", "list", "set", "zset", "stream")
# Every 4th key expires, far enough ahead not to expire during a round trip; the fingerprint checks that
# the TTL is still set and not longer than it was written (a restore must neither drop nor extend it).
TTL_EVERY = 4


def _ttl(i: int) -> int:
    return 86_400 + 97 * i


def _client(svc, secrets):
    import redis

    tls = bool(svc.get("tls"))
    return redis.Redis(host=svc["host"], port=svc["port"], username=svc["username"],
                       password=secrets["redis_admin_password"], db=int(svc.get("database") or 0),
                       ssl=tls, ssl_ca_certs=svc.get("ca_bundle") if tls else None, socket_timeout=30,
                       decode_responses=False)


def _key(kind: str, i: int) -> bytes:
    return PREFIX + f"{kind}:{i:03d}".encode()


def write(svc, secrets):
    r = _client(svc, secrets)
    pipe = r.pipeline(transaction=False)
    for i in range(PER_TYPE):
        pipe.set(_key("string", i), f"value {i} " + "é" * (i % 7))
        # every byte value, rotated, and a NUL in the middle: values that are not text
        pipe.set(_key("binary", i), bytes((i + b) % 256 for b in range(256)) + b"\x00" + i.to_bytes(4, "big"))
        pipe.hset(_key("hash", i), mapping={f"field{j}": f"{i}-{j}" for j in range(1 + i % 5)} | {b"bin\xff": b"\x00\x01"})
        pipe.delete(_key("list", i))
        pipe.rpush(_key("list", i), *[f"item {j}" for j in range(1 + i % 6)], b"\xfe\xff")
        pipe.sadd(_key("set", i), *[f"member {j}" for j in range(1 + i % 8)])
        pipe.zadd(_key("zset", i), {f"z{j}": j * 1.5 - i for j in range(1 + i % 9)})
        pipe.delete(_key("stream", i))
        for j in range(1 + i % 4):
            # explicit ids: the same data on every write
            pipe.xadd(_key("stream", i), {"n": str(j), "payload": b"\x00\xff" * j}, id=f"{1_700_000_000_000 + i}-{j}")
        if i % TTL_EVERY == 0:
            for kind in TYPES:
                pipe.expire(_key(kind, i), _ttl(i))
    pipe.execute()
    # a consumer group with a delivered, unacknowledged entry: RDB carries it, a key-by-key copy might not
    group_stream = _key("stream", 1)
    try:
        r.xgroup_create(group_stream, "readers", id="0")
    except Exception as err:  # noqa: BLE001 - BUSYGROUP on a second write
        if "BUSYGROUP" not in str(err):
            raise
    if not r.xpending(group_stream, "readers")["pending"]:
        r.xreadgroup("readers", "reader-1", {group_stream: ">"}, count=1)


def _value(r, key: bytes, kind: bytes):
    if kind == b"string":
        return r.get(key)
    if kind == b"hash":
        return sorted(r.hgetall(key).items())
    if kind == b"list":
        return r.lrange(key, 0, -1)
    if kind == b"set":
        return sorted(r.smembers(key))
    if kind == b"zset":
        return r.zrange(key, 0, -1, withscores=True)
    if kind == b"stream":
        return [(eid, sorted(fields.items())) for eid, fields in r.xrange(key)]
    return None


def fingerprint(svc, secrets):
    r = _client(svc, secrets)
    keys = sorted(r.scan_iter(match=PREFIX + b"*", count=1000))
    digest = hashlib.sha256()
    types: dict[str, int] = {}
    ttl_problems = []
    with_ttl = 0
    for key in keys:
        kind = r.type(key)
        types[kind.decode()] = types.get(kind.decode(), 0) + 1
        digest.update(repr((key, kind, _value(r, key, kind))).encode())
        i = int(key.rsplit(b":", 1)[1])
        pttl = r.pttl(key)
        expected = _ttl(i) * 1000 if i % TTL_EVERY == 0 else None
        if expected is None:
            ok = pttl == -1
        else:
            ok = 0 < pttl <= expected
            with_ttl += ok
        if not ok:
            ttl_problems.append(f"{key.decode()}: pttl {pttl}, written {expected}")
    stream = _key("stream", 1)
    groups = [(g["name"], g["last-delivered-id"], g["pending"]) for g in r.xinfo_groups(stream)] if r.exists(stream) else []
    return {"keys": len(keys), "types": types, "sha256": digest.hexdigest(), "keys_with_ttl": with_ttl,
            "ttl_problems": ttl_problems[:10], "stream_groups": repr(groups)}


def destroy(svc, secrets):
    r = _client(svc, secrets)
    keys = list(r.scan_iter(match=PREFIX + b"*", count=1000))
    for start in range(0, len(keys), 500):
        r.delete(*keys[start:start + 500])


# The backup benchmark's data volume (scripts/bench_backup.py), not used by the tests.
BULK = "100,000 string keys of 1 KiB (random bytes)"


def bulk(svc, secrets):
    """Random values: the RDB's LZF compression cannot shrink them (a repeated pattern shrank the
    backup to 30 % of the data)."""
    client = _client(svc, secrets)
    rng = random.Random(100_000)
    for start in range(0, 100_000, 5_000):
        pipe = client.pipeline(transaction=False)
        for i in range(start, start + 5_000):
            pipe.set(b"multidb_bench:" + str(i).encode(), rng.randbytes(1024))
        pipe.execute()
