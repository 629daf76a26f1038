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
  login_hosts:
    description: Endpoints as C(host:port); every one is a contact point and the only allowed coordinators.
    type: list
    elements: str
    required: true
  login_user:
    description: Role to authenticate as.
    type: str
    required: true
  login_password:
    description: Password of O(login_user).
    type: str
    required: true
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
      - V(true) for statements that change nothing (C(SELECT), C(LIST ...)): never C(changed), also run in check mode.
      - V(false) for writes and DDL: C(changed=true), skipped in check mode.
    type: bool
    default: false
  connect_timeout:
    description: Seconds to wait for a connection.
    type: int
    default: 10
  request_timeout:
    description: Seconds to wait for the statement's result.
    type: int
    default: 30
requirements:
  - cassandra-driver (Python) >= 3.25
notes:
  - Supports check mode (see O(read_only)).
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

import datetime
import decimal
import ipaddress
import traceback
import uuid

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    from cassandra import ConsistencyLevel
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable
    from cassandra.policies import WhiteListRoundRobinPolicy
    from cassandra.query import SimpleStatement, dict_factory

    HAS_DRIVER = True
    DRIVER_IMPORT_ERROR = None
except ImportError:
    HAS_DRIVER = False
    DRIVER_IMPORT_ERROR = traceback.format_exc()


def _plain(value):
    """Driver values -> JSON-friendly values."""
    if isinstance(value, (uuid.UUID, decimal.Decimal, ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)) or type(value).__name__ in ("SortedSet", "OrderedSet"):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _endpoint(text):
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError("login_hosts entries must be host:port (got %r)" % text)
    return host.strip("[]"), int(port)


def _is_auth_error(exc):
    if exc.__class__.__name__ == "AuthenticationFailed":
        return True
    errors = getattr(exc, "errors", None) or {}
    return bool(errors) and all(e.__class__.__name__ == "AuthenticationFailed" for e in errors.values())


def main():
    module = AnsibleModule(
        argument_spec=dict(
            login_hosts=dict(type="list", elements="str", required=True),
            login_user=dict(type="str", required=True),
            login_password=dict(type="str", required=True, no_log=True),
            statement=dict(type="str", required=True),
            parameters=dict(type="list", elements="raw", default=[]),
            consistency=dict(type="str", default="QUORUM",
                             choices=["ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM", "EACH_QUORUM", "LOCAL_ONE"]),
            read_only=dict(type="bool", default=False),
            connect_timeout=dict(type="int", default=10),
            request_timeout=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    if not HAS_DRIVER:
        module.fail_json(msg=missing_required_lib("cassandra-driver"), exception=DRIVER_IMPORT_ERROR)

    p = module.params
    result = dict(changed=False, auth_failed=False)
    if not p["read_only"]:
        result["changed"] = True
        if module.check_mode:
            module.exit_json(**result)

    try:
        endpoints = [_endpoint(h) for h in p["login_hosts"]]
    except ValueError as e:
        module.fail_json(msg=str(e), **result)

    profile = ExecutionProfile(
        load_balancing_policy=WhiteListRoundRobinPolicy(sorted({h for h, _ in endpoints})),
        consistency_level=getattr(ConsistencyLevel, p["consistency"]),
        request_timeout=p["request_timeout"],
        row_factory=dict_factory,
    )
    cluster = Cluster(
        contact_points=endpoints,
        auth_provider=PlainTextAuthProvider(username=p["login_user"], password=p["login_password"]),
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        connect_timeout=p["connect_timeout"],
        control_connection_timeout=p["connect_timeout"],
        protocol_version=4,
    )
    try:
        try:
            session = cluster.connect()
        except Exception as e:  # NoHostAvailable wraps the per-host errors
            result["auth_failed"] = _is_auth_error(e)
            module.fail_json(msg="Cannot connect to %s as %s: %s" % (", ".join(p["login_hosts"]), p["login_user"], e),
                             **result)
        try:
            rs = session.execute(SimpleStatement(p["statement"]), p["parameters"] or None)
        except NoHostAvailable as e:
            module.fail_json(msg="No coordinator available: %s" % e, **result)
        except Exception as e:
            module.fail_json(msg="%s: %s" % (e.__class__.__name__, e), **result)
        coordinator = rs.response_future.coordinator_host
        result["coordinator"] = str(getattr(coordinator, "endpoint", coordinator))
        if rs.column_names:
            result["rows"] = [{k: _plain(v) for k, v in row.items()} for row in rs]
    finally:
        cluster.shutdown()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
