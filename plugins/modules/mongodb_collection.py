#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mongodb_collection
short_description: Ensure a MongoDB collection and its indexes (including TTL) idempotently
version_added: 0.1.0
description:
  - Creates the collection when missing and ensures each index in O(indexes) by name, comparing its
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
    description: Collection name.
    type: str
    required: true
  indexes:
    description: Indexes to ensure.
    type: list
    elements: dict
    default: []
    suboptions:
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
"""

RETURN = r"""
collection_created:
  description: Whether the collection was (or, in check mode, would be) created.
  type: bool
  returned: always
indexes_created:
  description: Names of the indexes created.
  type: list
  elements: str
  returned: always
indexes_updated:
  description: Names of the TTL indexes whose expireAfterSeconds was changed.
  type: list
  elements: str
  returned: always
unmanaged_indexes:
  description: Names of indexes on the collection that are not in O(indexes) (besides C(_id_)).
  type: list
  elements: str
  returned: always
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


def main():
    module = AnsibleModule(
        argument_spec=mongodb_argument_spec(
            database=dict(type="str", required=True),
            name=dict(type="str", required=True),
            indexes=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                keys=dict(type="dict", required=True, no_log=False),
                unique=dict(type="bool", default=False),
                sparse=dict(type="bool", default=False),
                expire_after_seconds=dict(type="int"),
            )),
        ),
        supports_check_mode=True,
    )
    p = module.params
    names = [i["name"] for i in p["indexes"]]
    if len(names) != len(set(names)):
        module.fail_json(msg="index names must be unique: %s" % names)
    try:
        wanted = dict((i["name"], wanted_spec(i)) for i in p["indexes"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))

    client = mongodb_client(module)

    result = dict(changed=False, collection_created=False, indexes_created=[], indexes_updated=[], unmanaged_indexes=[])
    where = "%s.%s" % (p["database"], p["name"])
    before = {}
    after = {}
    try:
        db = client[p["database"]]
        exists = p["name"] in db.list_collection_names(filter={"name": p["name"]})
        existing = {}
        if exists:
            for info in db[p["name"]].list_indexes():
                if info["name"] != "_id_":
                    existing[info["name"]] = existing_spec(info)
        else:
            result["collection_created"] = True
            if not module.check_mode:
                db.create_collection(p["name"])
        before = dict(existing)
        after = dict(existing)

        problems = []
        for name, spec in wanted.items():
            cur = existing.get(name)
            if cur is None:
                result["indexes_created"].append(name)
                after[name] = spec
                continue
            fixed = ("keys", "unique", "sparse")
            diff = [k for k in fixed if cur[k] != spec[k]]
            if (cur["expire_after_seconds"] is None) != (spec["expire_after_seconds"] is None):
                diff.append("expire_after_seconds (TTL added or removed)")
            if diff:
                problems.append("index %s on %s differs in %s (have %s, want %s); drop it by hand or give "
                                "the new definition another name" % (name, where, ", ".join(diff), cur, spec))
            elif cur["expire_after_seconds"] != spec["expire_after_seconds"]:
                result["indexes_updated"].append(name)
                after[name] = spec
        if problems:
            module.fail_json(msg="; ".join(problems), **result)
        result["unmanaged_indexes"] = sorted(set(existing) - set(wanted))

        if not module.check_mode:
            coll = db[p["name"]]
            for name in result["indexes_created"]:
                spec = wanted[name]
                options = dict(name=name)
                if spec["unique"]:
                    options["unique"] = True
                if spec["sparse"]:
                    options["sparse"] = True
                if spec["expire_after_seconds"] is not None:
                    options["expireAfterSeconds"] = spec["expire_after_seconds"]
                coll.create_index(spec["keys"], **options)
            for name in result["indexes_updated"]:
                db.command("collMod", p["name"],
                           index={"name": name, "expireAfterSeconds": wanted[name]["expire_after_seconds"]})
    except OperationFailure as exc:
        module.fail_json(msg="%s: %s" % (where, exc), code=exc.code, **result)
    except PyMongoError as exc:
        module.fail_json(msg="%s: %s" % (where, exc), **result)
    finally:
        client.close()

    result["changed"] = bool(result["collection_created"] or result["indexes_created"] or result["indexes_updated"])
    if module._diff:
        result["diff"] = dict(
            before={"collection": where if not result["collection_created"] else None, "indexes": before},
            after={"collection": where, "indexes": after},
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
