#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: scylla_schema
short_description: Export the schema of ScyllaDB or Apache Cassandra keyspaces, or create what of it is missing
version_added: 0.4.0
description:
  - O(state=described) reads the schema of O(keyspaces) (default every keyspace that is not a system one) with
    the server's own C(DESCRIBE KEYSPACE), one row per keyspace, user type, function, aggregate, table, index
    and materialized view, with the C(CREATE) statement the server itself would use to recreate it, in the
    order it must be created. Also returns the server's product and version, asked from the server
    (C(system.versions) on ScyllaDB, C(system.local) on Apache Cassandra). Changes nothing; runs in check mode.
  - O(state=present) takes such a O(schema) (a backup's) and creates every object of it that does not exist,
    in its order. An existing keyspace keeps its replication and an existing table its columns and options;
    nothing is altered or dropped. Reports what it creates in RV(statements); in check mode it runs none of them.
  - Server-side C(DESCRIBE) exists since Apache Cassandra 4.0 and ScyllaDB 5.4 (Enterprise 2024.1); an older
    server fails the module with its own error.
options:
  state:
    description: V(described) to read the schema, V(present) to create what of O(schema) is missing.
    type: str
    choices: [described, present]
    default: described
  keyspaces:
    description: Keyspaces to describe (O(state=described)); by default every keyspace whose name does not start with C(system).
    type: list
    elements: str
  schema:
    description: Rows of an earlier RV(schema) (O(state=present)), each C(keyspace), C(type), C(name) and C(create_statement).
    type: list
    elements: dict
extends_documentation_fragment:
  - multidb.platform.cql
notes:
  - Supports check mode.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Read the schema of every application keyspace
  multidb.platform.scylla_schema:
    login_hosts: ["127.0.0.1:9042", "127.0.0.1:9043", "127.0.0.1:9044"]
    login_user: platform_admin
    login_password: "{{ scylla_admin_password }}"
  register: schema

- name: Recreate what of it is missing
  multidb.platform.scylla_schema:
    login_hosts: ["127.0.0.1:9042"]
    login_user: platform_admin
    login_password: "{{ scylla_admin_password }}"
    state: present
    schema: "{{ schema.schema }}"
"""

RETURN = r"""
server:
  description: The server's C(product) (C(scylla) or C(cassandra)) and C(version).
  returned: always
  type: dict
keyspaces:
  description: The keyspaces described (O(state=described)) or of O(schema) (O(state=present)).
  returned: always
  type: list
  elements: str
schema:
  description: One row per schema object in creation order, C(keyspace), C(type), C(name), C(create_statement).
  returned: state=described
  type: list
  elements: dict
tables:
  description: The tables (not the views) of RV(schema) or O(schema), each C(keyspace) and C(name).
  returned: always
  type: list
  elements: dict
statements:
  description: The statements run (in check mode, that would run) to create the missing objects, in order.
  returned: state=present
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.cql import (
    connect, cql_argument_spec, require_driver, server)

try:
    from cassandra import InvalidRequest
except ImportError:  # reported by require_driver
    InvalidRequest = Exception


def quoted(name):
    """A CQL identifier as DESCRIBE takes it (double quotes keep the case; inner quotes doubled)."""
    return '"%s"' % name.replace('"', '""')


def describe(cql, keyspace):
    """The keyspace's objects in creation order, or None when it does not exist."""
    try:
        rows = cql.rows("DESCRIBE KEYSPACE %s" % quoted(keyspace), consistency="ONE")
    except InvalidRequest as e:
        if "not found" in str(e).lower() or "does not exist" in str(e).lower():
            return None
        raise
    return [{"keyspace": r["keyspace_name"], "type": r["type"], "name": r["name"],
             "create_statement": r["create_statement"]} for r in rows]


def main():
    module = AnsibleModule(
        argument_spec=cql_argument_spec(
            state=dict(type="str", choices=["described", "present"], default="described"),
            keyspaces=dict(type="list", elements="str"),
            schema=dict(type="list", elements="dict"),
        ),
        required_if=[("state", "present", ("schema",))],
        supports_check_mode=True,
    )
    require_driver(module)
    p = module.params
    result = dict(changed=False)
    cql = connect(module)
    try:
        product, version = server(cql)
        result["server"] = dict(product=product, version=version)
        if p["state"] == "described":
            keyspaces = p["keyspaces"]
            if keyspaces is None:
                keyspaces = sorted(r["name"] for r in cql.rows("DESCRIBE KEYSPACES", consistency="ONE")
                                   if not r["name"].startswith("system"))
            schema = []
            for keyspace in keyspaces:
                rows = describe(cql, keyspace)
                if rows is None:
                    module.fail_json(msg="keyspace %s does not exist" % keyspace, **result)
                schema.extend(rows)
            result.update(keyspaces=keyspaces, schema=schema)
        else:
            schema = p["schema"]
            keyspaces = list(dict.fromkeys(row["keyspace"] for row in schema))
            statements = []
            for keyspace in keyspaces:
                existing = {(r["type"], r["name"]) for r in describe(cql, keyspace) or []}
                statements.extend(row["create_statement"] for row in schema
                                  if row["keyspace"] == keyspace and (row["type"], row["name"]) not in existing)
            if not module.check_mode:
                for statement in statements:
                    cql.execute(statement)
            result.update(changed=bool(statements), keyspaces=keyspaces, statements=statements)
        result["tables"] = [{"keyspace": row["keyspace"], "name": row["name"]} for row in schema if row["type"] == "table"]
    except Exception as e:
        module.fail_json(msg="%s: %s" % (e.__class__.__name__, e), **result)
    finally:
        cql.cluster.shutdown()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
