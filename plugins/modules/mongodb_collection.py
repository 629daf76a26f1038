#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mongodb_collection
short_description: Ensure MongoDB collections and their indexes (including TTL) idempotently
version_added: 0.1.0
description:
  - Ensures one collection (O(name), O(indexes)) or several (O(collections)) over one connection.
  - Creates a collection when missing and ensures each index in O(indexes) by name, comparing its
    keys and options with the existing index (C(community.mongodb.mongodb_index) compares names
    only, so a changed TTL would silently be kept).
  - A changed C(expireAfterSeconds) of an existing TTL index is applied in place with C(collMod).
    Any other difference (keys, C(unique), C(sparse), adding or removing a TTL) fails with an
    explanation instead of dropping the index (rebuilding an index is an operator's decision).
  - Indexes of the collection not listed are left alone and returned in RV(unmanaged_indexes).
  - Validators are not handled here; use C(community.mongodb.mongodb_schema).
  - Supports check mode and diff mode.
  - O(login_user) needs C(createCollection), C(createIndex) and C(collMod) on O(database).
options:
  database:
    description: Database of the collection.
    type: str
    required: true
  name:
    description:
      - Collection name (one collection). Exactly one of O(name) and O(collections) is required.
    type: str
  indexes:
    description: Indexes to ensure on O(name).
    type: list
    elements: dict
    default: []
    suboptions: &index_options
      name:
        description: Index name (the identity of the index).
        type: str
        required: true
      keys:
        description: Ordered mapping of field to direction (V(1), V(-1)) or index type (V(text), V(hashed), V(2dsphere)).
        type: dict
        required: true
      unique:
        description: Unique index.
        type: bool
        default: false
      sparse:
        description: Sparse index.
        type: bool
        default: false
      expire_after_seconds:
        description: Makes it a TTL index (single date field); documents expire this many seconds after the field's time.
        type: int
  collections:
    description:
      - Several collections, each ensured as O(name) and O(indexes) would be, in this order, over one
        connection (one module run instead of one per collection). Names must be unique.
    type: list
    elements: dict
    suboptions:
      name:
        description: Collection name.
        type: str
        required: true
      indexes:
        description: Indexes to ensure on this collection.
        type: list
        elements: dict
        default: []
        suboptions: *index_options
extends_documentation_fragment:
  - multidb.platform.mongodb
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Sessions collection with a TTL index
  multidb.platform.mongodb_collection:
    login_user: root
    login_password: "{{ mongodb_admin_password }}"
    database: app
    name: sessions
    indexes:
      - name: last_seen_ttl
        keys: {last_seen: 1}
        expire_after_seconds: 86400
  no_log: false

- name: Every collection of the application in one run
  multidb.platform.mongodb_collection:
    login_user: root
    login_password: "{{ mongodb_admin_password }}"
    database: app
    collections:
      - name: conversations
        indexes:
          - {name: user_created, keys: {user_id: 1, created_at: -1}}
      - name: documents
"""

RETURN = r"""
collection_created:
  description: Whether the collection was (or, in check mode, would be) created.
  type: bool
  returned: with O(name)
indexes_created:
  description: Names of the indexes created.
  type: list
  elements: str
  returned: with O(name)
indexes_updated:
  description: Names of the TTL indexes whose expireAfterSeconds was changed.
  type: list
  elements: str
  returned: with O(name)
unmanaged_indexes:
  description: Names of indexes on the collection that are not in O(indexes) (besides C(_id_)).
  type: list
  elements: str
  returned: with O(name)
collections:
  description:
    - One entry per collection of O(collections), in order, with the keys above and C(name),
      C(changed). A collection after one that failed is not looked at.
  type: list
  elements: dict
  returned: with O(collections)
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.mongodb_common import (
    mongodb_argument_spec, mongodb_client)

try:
    from pymongo.errors import OperationFailure, PyMongoError
except ImportError:
    pass  # mongodb_client() fails the module with the reason


def normalise_direction(value):
    """1, 1.0, '1' -> 1; 'text' stays 'text'."""
    if isinstance(value, bool):
        raise ValueError("index direction must be 1, -1 or an index type, not a boolean")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return str(value)


def wanted_spec(index):
    keys = [(str(k), normalise_direction(v)) for k, v in index["keys"].items()]
    if not keys:
        raise ValueError("index %s has no keys" % index["name"])
    return {
        "keys": keys,
        "unique": bool(index["unique"]),
        "sparse": bool(index["sparse"]),
        "expire_after_seconds": index["expire_after_seconds"],
    }


def existing_spec(info):
    ttl = info.get("expireAfterSeconds")
    return {
        "keys": [(str(k), normalise_direction(v)) for k, v in info["key"].items()],
        "unique": bool(info.get("unique", False)),
        "sparse": bool(info.get("sparse", False)),
        "expire_after_seconds": int(ttl) if ttl is not None else None,
    }


INDEX_OPTIONS = dict(
    name=dict(type="str", required=True),
    keys=dict(type="dict", required=True, no_log=False),
    unique=dict(type="bool", default=False),
    sparse=dict(type="bool", default=False),
    expire_after_seconds=dict(type="int"),
)


class IndexConflict(Exception):
    """An existing index differs in what can only change by rebuilding it."""


def plan_collection(db, name, wanted):
    """What ensuring collection `name` with the `wanted` index specs changes (nothing done yet)."""
    where = "%s.%s" % (db.name, name)
    result = dict(name=name, collection_created=False, indexes_created=[], indexes_updated=[], unmanaged_indexes=[])
    existing = {}
    if name in db.list_collection_names(filter={"name": name}):
        for info in db[name].list_indexes():
            if info["name"] != "_id_":
                existing[info["name"]] = existing_spec(info)
    else:
        result["collection_created"] = True
    after = dict(existing)
    problems = []
    for index, spec in wanted.items():
        cur = existing.get(index)
        if cur is None:
            result["indexes_created"].append(index)
            after[index] = spec
            continue
        fixed = ("keys", "unique", "sparse")
        diff = [k for k in fixed if cur[k] != spec[k]]
        if (cur["expire_after_seconds"] is None) != (spec["expire_after_seconds"] is None):
            diff.append("expire_after_seconds (TTL added or removed)")
        if diff:
            problems.append("index %s on %s differs in %s (have %s, want %s); drop it by hand or give "
                            "the new definition another name" % (index, where, ", ".join(diff), cur, spec))
        elif cur["expire_after_seconds"] != spec["expire_after_seconds"]:
            result["indexes_updated"].append(index)
            after[index] = spec
    if problems:
        raise IndexConflict("; ".join(problems))
    result["unmanaged_indexes"] = sorted(set(existing) - set(wanted))
    result["changed"] = bool(result["collection_created"] or result["indexes_created"] or result["indexes_updated"])
    diff = dict(before={"collection": None if result["collection_created"] else where, "indexes": existing},
                after={"collection": where, "indexes": after})
    return result, diff


def apply_collection(db, result, wanted):
    """Makes the changes plan_collection() found."""
    name = result["name"]
    if result["collection_created"]:
        db.create_collection(name)
    coll = db[name]
    for index in result["indexes_created"]:
        spec = wanted[index]
        options = dict(name=index)
        if spec["unique"]:
            options["unique"] = True
        if spec["sparse"]:
            options["sparse"] = True
        if spec["expire_after_seconds"] is not None:
            options["expireAfterSeconds"] = spec["expire_after_seconds"]
        coll.create_index(spec["keys"], **options)
    for index in result["indexes_updated"]:
        db.command("collMod", name, index={"name": index, "expireAfterSeconds": wanted[index]["expire_after_seconds"]})


def wanted_indexes(module, collection, indexes):
    names = [i["name"] for i in indexes]
    if len(names) != len(set(names)):
        module.fail_json(msg="index names of %s must be unique: %s" % (collection, names))
    try:
        return dict((i["name"], wanted_spec(i)) for i in indexes)
    except ValueError as exc:
        module.fail_json(msg="%s: %s" % (collection, exc))


def main():
    module = AnsibleModule(
        argument_spec=mongodb_argument_spec(
            database=dict(type="str", required=True),
            name=dict(type="str"),
            indexes=dict(type="list", elements="dict", default=[], options=INDEX_OPTIONS),
            collections=dict(type="list", elements="dict", options=dict(
                name=dict(type="str", required=True),
                indexes=dict(type="list", elements="dict", default=[], options=INDEX_OPTIONS),
            )),
        ),
        required_one_of=[("name", "collections")],
        mutually_exclusive=[("name", "collections")],
        supports_check_mode=True,
    )
    p = module.params
    several = p["collections"] is not None
    if several and p["indexes"]:
        module.fail_json(msg="indexes belongs to name; with collections, give each collection its indexes")
    wanted_collections = p["collections"] if several else [dict(name=p["name"], indexes=p["indexes"])]
    names = [c["name"] for c in wanted_collections]
    if len(names) != len(set(names)):
        module.fail_json(msg="collection names must be unique: %s" % names)
    wanted = [(c["name"], wanted_indexes(module, c["name"], c["indexes"])) for c in wanted_collections]

    client = mongodb_client(module)
    results = []
    diffs = []
    where = p["database"]
    try:
        db = client[p["database"]]
        for name, indexes in wanted:
            where = "%s.%s" % (p["database"], name)
            result, diff = plan_collection(db, name, indexes)
            if result["changed"] and not module.check_mode:
                apply_collection(db, result, indexes)
            results.append(result)
            diffs.append(diff)
    except (IndexConflict, PyMongoError) as exc:
        failed = dict(collections=results) if several else {}
        if isinstance(exc, OperationFailure):
            failed["code"] = exc.code
        msg = str(exc) if isinstance(exc, IndexConflict) else "%s: %s" % (where, exc)
        module.fail_json(msg=msg, changed=any(r["changed"] for r in results), **failed)
    finally:
        client.close()

    changed = any(r["changed"] for r in results)
    if several:
        out = dict(changed=changed, collections=results)
        diff = dict(before=dict((r["name"], d["before"]) for r, d in zip(results, diffs)),
                    after=dict((r["name"], d["after"]) for r, d in zip(results, diffs)))
    else:
        out = dict((k, v) for k, v in results[0].items() if k not in ("name",))
        diff = diffs[0]
    if module._diff:
        out["diff"] = diff
    module.exit_json(**out)


if __name__ == "__main__":
    main()
