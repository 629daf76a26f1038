#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cql_execute
short_description: Run one CQL statement against ScyllaDB or Apache Cassandra
version_added: 0.1.0
description:
  - Connects with the DataStax/Apache C(cassandra-driver) to the given endpoints only (a white-list
    load-balancing policy ignores the peers' internal addresses, so the nodes' published
    C(127.0.0.1) ports are enough) and runs one statement at the requested consistency level.
  - The module does not decide idempotency by itself. Read the state with O(read_only=true)
    (never reports a change and also runs in check mode), compare in the play, then run the
    write only when needed. A write (O(read_only=false)) reports C(changed) and is skipped in
    check mode.
  - Values are passed with O(parameters) (C(%s) placeholders, quoted by the driver), never
    templated into the statement.
  - A failed login is reported with RV(auth_failed), so a play can tell "wrong credentials"
    from "not reachable" (used to replace the built-in C(cassandra) superuser once).
options:
  statement:
    description: One CQL statement, with C(%s) placeholders for O(parameters).
    type: str
    required: true
  parameters:
    description: Values for the C(%s) placeholders of O(statement).
    type: list
    elements: raw
    default: []
  consistency:
    description: Consistency level of the statement.
    type: str
    choices: [ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, EACH_QUORUM, LOCAL_ONE]
    default: QUORUM
  read_only:
    description:
      - V(true) for statements that change nothing (C(SELECT), C(LIST ...)); never C(changed), also run in check mode.
      - V(false) for writes and DDL; C(changed=true), skipped in check mode.
    type: bool
    default: false
notes:
  - Supports check mode (see O(read_only)).
extends_documentation_fragment:
  - multidb.platform.cql
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Read the datacenter name
  multidb.platform.cql_execute:
    login_hosts: ["127.0.0.1:9042", "127.0.0.1:9043"]
    login_user: platform_admin
    login_password: "{{ scylla_admin_password }}"
    statement: SELECT data_center FROM system.local
    read_only: true
  register: local
  no_log: true

- name: Create a role (value passed as a parameter)
  multidb.platform.cql_execute:
    login_hosts: ["127.0.0.1:9042"]
    login_user: platform_admin
    login_password: "{{ scylla_admin_password }}"
    statement: CREATE ROLE IF NOT EXISTS app WITH PASSWORD = %s AND LOGIN = true
    parameters: ["{{ scylla_app_password }}"]
  no_log: true
"""

RETURN = r"""
rows:
  description: Result rows as dictionaries (column name to value; UUIDs, dates and sets as strings or lists).
  returned: when the statement returns rows
  type: list
  elements: dict
auth_failed:
  description: V(true) when the server refused the credentials.
  returned: always
  type: bool
coordinator:
  description: Endpoint that coordinated the statement.
  returned: when the statement ran
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.cql import (
    cql_argument_spec, is_auth_error, plain, require_driver, session)

try:
    from cassandra.cluster import NoHostAvailable
except ImportError:  # reported by require_driver
    NoHostAvailable = Exception


def main():
    module = AnsibleModule(
        argument_spec=cql_argument_spec(
            statement=dict(type="str", required=True),
            parameters=dict(type="list", elements="raw", default=[]),
            consistency=dict(type="str", default="QUORUM",
                             choices=["ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM", "EACH_QUORUM", "LOCAL_ONE"]),
            read_only=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    require_driver(module)

    p = module.params
    result = dict(changed=False, auth_failed=False)
    if not p["read_only"]:
        result["changed"] = True
        if module.check_mode:
            module.exit_json(**result)

    try:
        cql = session(module, p["login_user"], p["login_password"], consistency=p["consistency"])
    except ValueError as e:
        module.fail_json(msg=str(e), **result)
    try:
        try:
            cql.__enter__()
        except Exception as e:  # NoHostAvailable wraps the per-host errors
            result["auth_failed"] = is_auth_error(e)
            module.fail_json(msg="Cannot connect to %s as %s: %s" % (", ".join(p["login_hosts"]), p["login_user"], e),
                             **result)
        try:
            rs = cql.execute(p["statement"], p["parameters"])
        except NoHostAvailable as e:
            module.fail_json(msg="No coordinator available: %s" % e, **result)
        except Exception as e:
            module.fail_json(msg="%s: %s" % (e.__class__.__name__, e), **result)
        coordinator = rs.response_future.coordinator_host
        result["coordinator"] = str(getattr(coordinator, "endpoint", coordinator))
        if rs.column_names:
            result["rows"] = [{k: plain(v) for k, v in row.items()} for row in rs]
    finally:
        cql.cluster.shutdown()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
