#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: scylla_auth
short_description: The admin superuser of a ScyllaDB or Apache Cassandra cluster, replacing the built-in one
version_added: 0.2.0
description:
  - Logs in as the admin role (O(login_user), O(login_password)). On a new cluster, where that role
    does not exist yet, logs in once as the built-in superuser (C(cassandra)/C(cassandra)), creates the
    admin role (C(SUPERUSER), C(LOGIN)) and continues as it. The built-in superuser then gets
    O(default_role_password) and loses C(LOGIN). With neither login accepted the secrets do not belong
    to this cluster, and the module fails saying so.
  - Waits up to O(wait_timeout) seconds for the cluster to accept connections and for the built-in
    superuser to exist (a new cluster creates it a few seconds after it starts).
  - Where the server keeps roles in the C(system_auth) keyspace (Apache Cassandra, ScyllaDB before
    6.0), first replicates that keyspace like the application keyspace (NetworkTopologyStrategy,
    O(replication_factor)). When it changes that replication it stops there and returns
    RV(repair_needed) - roles are written only once every node holds C(system_auth) - so the play
    repairs it and runs the module again, which then does the rest. ScyllaDB 6.0 and later keep
    roles in Raft-managed tables, which need neither. The decision is the server's version
    (C(system.versions)), not the image name.
  - Secrets never appear in RV(statements). In check mode nothing is changed; a new cluster (the admin
    role missing) is reported as a change.
options:
  default_role_password:
    description: New password of the built-in C(cassandra) role, which also loses C(LOGIN).
    type: str
    required: true
  replication_factor:
    description: Replicas of C(system_auth) in the coordinator's datacenter (where the server keeps roles there).
    type: int
    required: true
  wait_timeout:
    description: Seconds to wait for the cluster and for its built-in superuser.
    type: int
    default: 120
extends_documentation_fragment:
  - multidb.platform.cql
notes:
  - Supports check mode.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Admin superuser instead of cassandra/cassandra
  multidb.platform.scylla_auth:
    login_hosts: ["127.0.0.1:9042"]
    login_user: platform_admin
    login_password: "{{ scylla_admin_password }}"
    default_role_password: "{{ scylla_default_role_password }}"
    replication_factor: 3
  register: auth

- name: Repair system_auth after its replication changed
  community.docker.docker_container_exec:
    container: multidb-scylla-node1
    command: nodetool repair system_auth
  when: auth.repair_needed

- name: Admin superuser, once every node holds system_auth
  multidb.platform.scylla_auth:
    login_hosts: ["127.0.0.1:9042"]
    login_user: platform_admin
    login_password: "{{ scylla_admin_password }}"
    default_role_password: "{{ scylla_default_role_password }}"
    replication_factor: 3
  when: auth.repair_needed
"""

RETURN = r"""
statements:
  description: The statements run (in check mode, that would run), passwords masked.
  returned: always
  type: list
  elements: str
server:
  description: C(scylla) or C(cassandra), its version, and whether roles live in C(system_auth).
  returned: always
  type: dict
repair_needed:
  description:
    - V(true) when the replication of C(system_auth) was changed and nothing else was done yet; repair
      C(system_auth), then run the module again.
  returned: always
  type: bool
"""

import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.cql import (
    cql_argument_spec, is_auth_error, require_driver, server, session, version_tuple)

DEFAULT_ROLE = "cassandra"
DEFAULT_PASSWORD = "cassandra"
NTS = "org.apache.cassandra.locator.NetworkTopologyStrategy"


def _server(cql):
    """('scylla', '6.2.0', False) or ('cassandra', '5.0.4', True): product, version, roles in system_auth."""
    product, version = server(cql)
    if product == "scylla":
        major = version_tuple(version)[:1] or (0,)
        # ScyllaDB Enterprise numbers its releases by year (2024.1 ...): Raft-managed auth since 2024.2.
        return "scylla", version, (major[0] < 6 if major[0] < 2000 else version < "2024.2")
    return "cassandra", version, True


def main():
    module = AnsibleModule(
        argument_spec=cql_argument_spec(
            default_role_password=dict(type="str", required=True, no_log=True),
            replication_factor=dict(type="int", required=True),
            wait_timeout=dict(type="int", default=120),
        ),
        supports_check_mode=True,
    )
    require_driver(module)
    p = module.params
    admin = p["login_user"]
    if admin == DEFAULT_ROLE or not re.match(r"^[a-z][a-z0-9_]{0,47}$", admin):
        module.fail_json(msg="login_user must be a lowercase CQL identifier other than 'cassandra' (got %s)" % admin)

    def login(user, password):
        return session(module, user, password).__enter__()

    statements = []
    deadline = time.monotonic() + p["wait_timeout"]
    cql, bootstrap, last = None, False, None
    while cql is None:
        for user, password in ((admin, p["login_password"]), (DEFAULT_ROLE, DEFAULT_PASSWORD)):
            try:
                cql = login(user, password)
                bootstrap = user == DEFAULT_ROLE
                break
            except Exception as e:
                last = e
        if cql is None:
            if time.monotonic() > deadline:
                if is_auth_error(last):
                    module.fail_json(msg="Neither the admin role %s nor the built-in superuser is accepted by %s: the "
                                         "secrets do not belong to this cluster" % (admin, ", ".join(p["login_hosts"])),
                                     auth_failed=True)
                module.fail_json(msg="Cannot connect to %s within %ss: %s" % (", ".join(p["login_hosts"]),
                                                                            p["wait_timeout"], last))
            time.sleep(2)

    try:
        product, version, roles_in_system_auth = _server(cql)
        server = dict(product=product, version=version, roles_in_system_auth=roles_in_system_auth)
        # Roles are written only once every node holds system_auth: a role written while the
        # keyspace has one replica, then read from another node before the repair, is missing
        # there (a login refused, or the built-in superuser still enabled on that node).
        if roles_in_system_auth:
            datacenter = cql.rows("SELECT data_center FROM system.local", consistency="ONE")[0]["data_center"]
            wanted = {"class": NTS, datacenter: str(p["replication_factor"])}
            found = cql.rows("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'",
                             consistency="ONE")
            if found and found[0]["replication"] != wanted:
                statement = ("ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', "
                             "'%s': %d}" % (datacenter.replace("'", "''"), p["replication_factor"]))
                statements.append(statement)
                if not module.check_mode:
                    cql.execute(statement)
                module.exit_json(changed=True, statements=statements, repair_needed=not module.check_mode,
                                 server=server)

        if bootstrap:
            statements.append("CREATE ROLE IF NOT EXISTS %s WITH PASSWORD = '********' AND SUPERUSER = true "
                              "AND LOGIN = true" % admin)
            if module.check_mode:
                module.exit_json(changed=True, statements=statements, repair_needed=False, server=server)
            cql.execute("CREATE ROLE IF NOT EXISTS %s WITH PASSWORD = %%s AND SUPERUSER = true AND LOGIN = true"
                        % admin, [p["login_password"]])
            cql.cluster.shutdown()
            cql = None
            while cql is None:  # the new role reaches every node
                try:
                    cql = login(admin, p["login_password"])
                except Exception as e:
                    if time.monotonic() > deadline + 60:
                        module.fail_json(msg="The new admin role %s cannot log in: %s" % (admin, e),
                                         statements=statements)
                    time.sleep(2)

        default = [r for r in cql.rows("LIST ROLES") if r["role"] == DEFAULT_ROLE]
        if default and default[0].get("login"):
            statements.append("ALTER ROLE cassandra WITH PASSWORD = '********' AND LOGIN = false")
            if not module.check_mode:
                cql.execute("ALTER ROLE cassandra WITH PASSWORD = %s AND LOGIN = false", [p["default_role_password"]])
    except Exception as e:
        module.fail_json(msg="%s: %s" % (e.__class__.__name__, e), statements=statements)
    finally:
        if cql is not None:
            cql.cluster.shutdown()
    module.exit_json(changed=bool(statements), statements=statements, repair_needed=False, server=server)


if __name__ == "__main__":
    main()
