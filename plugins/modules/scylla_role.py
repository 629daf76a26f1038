#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: scylla_role
short_description: A login role of ScyllaDB or Apache Cassandra, its password and its permissions on a keyspace
version_added: 0.2.0
description:
  - Makes the role exist with C(LOGIN) and C(SUPERUSER) as given and O(password) as its password. The
    password is checked by logging in as the role (the server never reveals it), and reset when the
    server refuses it.
  - With O(keyspace), grants exactly O(permissions) on that keyspace and revokes every other
    permission the role holds on keyspaces and tables (O(exclusive)).
  - Reports the statements it runs in RV(statements), with the password replaced by C(********). In
    check mode it runs none of them and reports what it would run.
options:
  name:
    description: The role.
    type: str
    required: true
  password:
    description: Its password.
    type: str
    required: true
  login:
    description: Whether the role may log in.
    type: bool
    default: true
  superuser:
    description: Whether the role is a superuser.
    type: bool
    default: false
  keyspace:
    description: Keyspace of O(permissions).
    type: str
  permissions:
    description: Permissions on O(keyspace).
    type: list
    elements: str
    choices: [SELECT, MODIFY, ALTER, DROP, AUTHORIZE, CREATE]
    default: []
  exclusive:
    description: Revoke the role's other permissions on keyspaces and tables.
    type: bool
    default: true
extends_documentation_fragment:
  - multidb.platform.cql
notes:
  - Supports check mode.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Application role with data access to its keyspace only
  multidb.platform.scylla_role:
    login_hosts: ["127.0.0.1:9042"]
    login_user: platform_admin
    login_password: "{{ scylla_admin_password }}"
    name: app
    password: "{{ scylla_app_password }}"
    keyspace: app
    permissions: [SELECT, MODIFY]
"""

RETURN = r"""
statements:
  description: The statements run (in check mode, that would run), the password masked.
  returned: always
  type: list
  elements: str
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.cql import (
    can_login, connect, cql_argument_spec, require_driver)

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
RESOURCE = re.compile(r"^<(all keyspaces|keyspace (\w+)|table (\w+)\.(\w+))>$")


def _cql_resource(resource):
    m = RESOURCE.match(resource)
    if m.group(1) == "all keyspaces":
        return "ALL KEYSPACES"
    if m.group(2):
        return "KEYSPACE %s" % m.group(2)
    return "TABLE %s.%s" % (m.group(3), m.group(4))


def main():
    module = AnsibleModule(
        argument_spec=cql_argument_spec(
            name=dict(type="str", required=True),
            password=dict(type="str", required=True, no_log=True),
            login=dict(type="bool", default=True),
            superuser=dict(type="bool", default=False),
            keyspace=dict(type="str"),
            permissions=dict(type="list", elements="str", default=[],
                             choices=["SELECT", "MODIFY", "ALTER", "DROP", "AUTHORIZE", "CREATE"]),
            exclusive=dict(type="bool", default=True),
        ),
        required_by=dict(permissions=["keyspace"]),
        supports_check_mode=True,
    )
    require_driver(module)
    p = module.params
    role = p["name"]
    bad = [n for n in (role, p["keyspace"]) if n is not None and not IDENTIFIER.match(n)]
    if bad or role in ("cassandra", p["login_user"]):
        module.fail_json(msg="name and keyspace must be lowercase CQL identifiers, and the role neither 'cassandra' "
                             "nor the login role (got %s)" % ", ".join(bad or [role]))
    attributes = "LOGIN = %s AND SUPERUSER = %s" % (str(p["login"]).lower(), str(p["superuser"]).lower())
    planned = []  # (statement, parameters, shown)

    cql = connect(module)
    try:
        roles = {r["role"]: r for r in cql.rows("LIST ROLES")}
        if role not in roles:
            planned.append(("CREATE ROLE IF NOT EXISTS %s WITH PASSWORD = %%s AND %s" % (role, attributes),
                            [p["password"]], "CREATE ROLE IF NOT EXISTS %s WITH PASSWORD = '********' AND %s"
                            % (role, attributes)))
            held = []
        else:
            current = roles[role]
            password_ok = (not p["login"] or not current.get("login")) or can_login(module, role, p["password"])
            if not password_ok or bool(current.get("login")) != p["login"] or bool(current.get("super")) != p["superuser"]:
                planned.append(("ALTER ROLE %s WITH PASSWORD = %%s AND %s" % (role, attributes), [p["password"]],
                                "ALTER ROLE %s WITH PASSWORD = '********' AND %s" % (role, attributes)))
            held = cql.rows("LIST ALL PERMISSIONS OF %s NORECURSIVE" % role)
        if p["keyspace"]:
            target = "<keyspace %s>" % p["keyspace"]
            have = {r["permission"] for r in held if r["resource"] == target}
            for permission in p["permissions"]:
                if permission not in have:
                    statement = "GRANT %s ON KEYSPACE %s TO %s" % (permission, p["keyspace"], role)
                    planned.append((statement, None, statement))
        if p["exclusive"]:
            for row in held:
                if not RESOURCE.match(row["resource"]):
                    continue  # roles, functions: not this module's business
                if row["resource"] == "<keyspace %s>" % p["keyspace"] and row["permission"] in p["permissions"]:
                    continue
                statement = "REVOKE %s ON %s FROM %s" % (row["permission"], _cql_resource(row["resource"]), role)
                planned.append((statement, None, statement))
        if not module.check_mode:
            for statement, parameters, _shown in planned:
                cql.execute(statement, parameters)
    except Exception as e:
        module.fail_json(msg="%s: %s" % (e.__class__.__name__, e), statements=[shown for _s, _p, shown in planned])
    finally:
        cql.cluster.shutdown()
    module.exit_json(changed=bool(planned), statements=[shown for _s, _p, shown in planned])


if __name__ == "__main__":
    main()
