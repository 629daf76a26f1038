#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: scylla_keyspace
short_description: A keyspace of ScyllaDB or Apache Cassandra, its replication and its tables
version_added: 0.2.0
description:
  - Makes the keyspace exist with C(NetworkTopologyStrategy) and O(replication_factor) replicas in one
    datacenter, and every table of O(tables) exist with its C(default_time_to_live).
  - Reads the schema first and runs only the statements that are needed (C(CREATE KEYSPACE),
    C(ALTER KEYSPACE), C(CREATE TABLE), C(ALTER TABLE ... default_time_to_live)); reports them in
    RV(statements). In check mode it runs none of them and reports what it would run.
  - Columns of an existing table are never altered or dropped (data is never destroyed here).
options:
  name:
    description: The keyspace.
    type: str
    required: true
  replication_factor:
    description: Replicas in O(datacenter).
    type: int
    required: true
  datacenter:
    description: Datacenter of the replicas; by default the coordinator's (C(system.local)).
    type: str
  tables:
    description: Tables of the keyspace.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Table name.
        type: str
        required: true
      columns:
        description: Column and primary key definitions, as inside C(CREATE TABLE (...)).
        type: str
        required: true
      options:
        description: Further C(WITH) options of the C(CREATE TABLE) (for example a clustering order).
        type: str
        default: ""
      default_time_to_live:
        description: Seconds rows live by default; 0 for ever. Kept on existing tables.
        type: int
        default: 0
extends_documentation_fragment:
  - multidb.platform.cql
notes:
  - Supports check mode.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Application keyspace with its tables
  multidb.platform.scylla_keyspace:
    login_hosts: ["127.0.0.1:9042", "127.0.0.1:9043", "127.0.0.1:9044"]
    login_user: platform_admin
    login_password: "{{ scylla_admin_password }}"
    name: app
    replication_factor: 3
    tables:
      - name: conversation_history
        columns: "conversation_id uuid, ts timeuuid, role text, content text, PRIMARY KEY (conversation_id, ts)"
        options: "CLUSTERING ORDER BY (ts DESC)"
        default_time_to_live: 2592000
"""

RETURN = r"""
statements:
  description: The statements run (in check mode, that would run), in order. They hold no secrets.
  returned: always
  type: list
  elements: str
datacenter:
  description: Datacenter of the replicas.
  returned: always
  type: str
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.cql import connect, cql_argument_spec, require_driver

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
NTS = "org.apache.cassandra.locator.NetworkTopologyStrategy"


def _replication(datacenter, factor):
    return "{'class': 'NetworkTopologyStrategy', '%s': %d}" % (datacenter.replace("'", "''"), factor)


def main():
    module = AnsibleModule(
        argument_spec=cql_argument_spec(
            name=dict(type="str", required=True),
            replication_factor=dict(type="int", required=True),
            datacenter=dict(type="str"),
            tables=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                columns=dict(type="str", required=True),
                options=dict(type="str", default=""),
                default_time_to_live=dict(type="int", default=0),
            )),
        ),
        supports_check_mode=True,
    )
    require_driver(module)
    p = module.params
    bad = [n for n in [p["name"]] + [t["name"] for t in p["tables"]] if not IDENTIFIER.match(n)]
    if bad:
        module.fail_json(msg="not lowercase CQL identifiers (a letter, then letters, digits, _; at most 48): %s"
                         % ", ".join(bad))
    if p["replication_factor"] < 1:
        module.fail_json(msg="replication_factor must be at least 1")

    ks = p["name"]
    statements = []
    cql = connect(module)
    try:
        datacenter = p["datacenter"] or cql.rows("SELECT data_center FROM system.local", consistency="ONE")[0]["data_center"]
        wanted = {"class": NTS, datacenter: str(p["replication_factor"])}
        found = cql.rows("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s", [ks], "ONE")
        if not found:
            statements.append("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = %s"
                              % (ks, _replication(datacenter, p["replication_factor"])))
        elif found[0]["replication"] != wanted:
            statements.append("ALTER KEYSPACE %s WITH replication = %s"
                              % (ks, _replication(datacenter, p["replication_factor"])))
        tables = {} if not found else {
            row["table_name"]: row["default_time_to_live"]
            for row in cql.rows("SELECT table_name, default_time_to_live FROM system_schema.tables "
                                "WHERE keyspace_name = %s", [ks], "ONE")}
        for table in p["tables"]:
            ttl = table["default_time_to_live"]
            if table["name"] not in tables:
                options = (table["options"] + " AND ") if table["options"] else ""
                statements.append("CREATE TABLE IF NOT EXISTS %s.%s (%s) WITH %sdefault_time_to_live = %d"
                                  % (ks, table["name"], table["columns"], options, ttl))
            elif tables[table["name"]] != ttl:
                statements.append("ALTER TABLE %s.%s WITH default_time_to_live = %d" % (ks, table["name"], ttl))
        if not module.check_mode:
            for statement in statements:
                cql.execute(statement)
    except Exception as e:
        module.fail_json(msg="%s: %s" % (e.__class__.__name__, e), statements=statements)
    finally:
        cql.cluster.shutdown()
    module.exit_json(changed=bool(statements), statements=statements, datacenter=datacenter)


if __name__ == "__main__":
    main()
