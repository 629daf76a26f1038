"""MongoDB: a database of the test's own with documents of varied BSON types, a unique and a compound index."""

from __future__ import annotations

import datetime
import hashlib
import random

DATABASE = "multidb_backup_test"
DOCS = 400
CATEGORIES = 7
INDEXES = [  # name, keys, unique
    ("sku_unique", [("sku", 1)], True),
    ("category_created", [("category", 1), ("created_at", -1)], False),
]


def _client(svc, secrets):
    import pymongo

    kwargs = {}
    if svc.get("tls"):
        kwargs = {"tls": True, **({"tlsCAFile": svc["ca_bundle"]} if str(svc.get("ca_bundle") or "").startswith("/")
                                  else {})}
    return pymongo.MongoClient(svc["host"], int(svc["port"]), username=svc["username"],
                               password=secrets["mongodb_admin_password"],
                               authSource=svc.get("auth_database") or "admin", serverSelectionTimeoutMS=10000,
                               **kwargs)


def _decimal128_supported(db) -> bool:
    """FerretDB 1.x has no Decimal128 (the stand-in); MongoDB has."""
    return "ferretdbVersion" not in db.client.admin.command("buildInfo")


def _document(i: int, decimals: bool) -> dict:
    from bson import Binary, Int64, ObjectId
    from bson.decimal128 import Decimal128

    rng = random.Random(i)
    doc = {
        "_id": ObjectId(f"{i:024x}"),
        "sku": f"SKU-{i:05d}",
        "category": f"c{i % CATEGORIES}",
        "title": f"item {i} " + "ä€😀"[i % 3] * (i % 20),
        "price_cents": rng.randint(0, 1_000_000),
        "big": Int64(2**40 + i),
        "ratio": rng.uniform(-1e6, 1e6),
        "active": i % 3 == 0,
        "missing": None,
        # milliseconds: BSON dates have no more
        "created_at": datetime.datetime(2024, 1, 1) + datetime.timedelta(minutes=37 * i, milliseconds=i),
        "tags": [f"t{rng.randint(0, 20)}" for _ in range(i % 5)],
        "dims": {"w": rng.randint(1, 100), "h": rng.randint(1, 100), "unit": "mm",
                 "history": [{"at": j, "by": f"u{j}"} for j in range(i % 3)]},
        "blob": Binary(rng.randbytes(16 + i % 48)),
        "uuid": Binary(hashlib.md5(str(i).encode()).digest(), 4),
    }
    if decimals:
        doc["amount"] = Decimal128(f"{i}.{i % 100:02d}")
    return doc


def write(svc, secrets):
    with _client(svc, secrets) as client:
        db = client[DATABASE]
        decimals = _decimal128_supported(db)
        for name, keys, unique in INDEXES:
            db.items.create_index(keys, name=name, unique=unique)
        # an empty collection with an index of its own: it must come back too
        db.empty.create_index([("key", 1)], name="key_1")
        existing = {d["_id"] for d in db.items.find({}, {"_id": 1})}
        docs = [d for d in (_document(i, decimals) for i in range(DOCS)) if d["_id"] not in existing]
        if docs:
            db.items.insert_many(docs)


def _query(db):
    return db.items.find({"category": "c3"}).sort([("created_at", -1)]).limit(5)


def fingerprint(svc, secrets):
    from bson import json_util

    with _client(svc, secrets) as client:
        db = client[DATABASE]
        docs = list(db.items.find().sort("_id", 1))
        digest = hashlib.sha256()
        for doc in docs:
            digest.update(json_util.dumps(doc, json_options=json_util.CANONICAL_JSON_OPTIONS,
                                          sort_keys=False).encode())
        indexes = {
            coll: sorted((ix["name"], list(ix["key"].items()), bool(ix.get("unique", False)))
                         for ix in db[coll].list_indexes())
            for coll in sorted(db.list_collection_names())
        }
        return {
            "collections": sorted(db.list_collection_names()),
            "documents": len(docs),
            "sha256": digest.hexdigest(),
            "indexes": indexes,
            "index_used": _index_used(db),
            "query": [str(d["_id"]) for d in _query(db)],
            "unique_enforced": _unique_enforced(db),
        }


def _index_used(db):
    """MongoDB: the compound index is the winning plan of the query. FerretDB 1.x on SQLite pushes no
    filter or sort down (explain shows a SCAN, hint() is ignored): there the indexes are proven by
    their specifications and the unique one by a refused duplicate only."""
    plan = _query(db).explain()
    if "ferretdbVersion" in plan.get("serverInfo", {}):
        return "not shown by FerretDB (no pushdown)"
    return "'indexName': 'category_created'" in repr(plan["queryPlanner"]["winningPlan"])


def _unique_enforced(db) -> bool:
    import pymongo

    try:
        db.items.insert_one({"sku": "SKU-00000", "probe": True})
    except pymongo.errors.DuplicateKeyError:
        return True
    db.items.delete_many({"probe": True})
    return False


def destroy(svc, secrets):
    with _client(svc, secrets) as client:
        client.drop_database(DATABASE)


BULK = "100,000 documents of ~1 KiB (1 KiB of hex text each) with a secondary index"


def bulk(svc, secrets):
    """The benchmark's data volume (scripts/bench_backup.py): a collection of its own in the test's
    database, each document an id, a number, a category and 1 KiB of text (the hex of 512 random
    bytes: text that compresses about as well as text does, not to nothing), indexed by category."""
    with _client(svc, secrets) as client:
        coll = client[DATABASE].bench
        coll.drop()
        coll.create_index([("category", 1), ("n", 1)], name="category_n")
        rng = random.Random(100_000)
        for start in range(0, 100_000, 5_000):
            coll.insert_many([{"_id": i, "n": i, "category": f"c{i % CATEGORIES}", "body": rng.randbytes(512).hex()}
                              for i in range(start, start + 5_000)], ordered=False)
