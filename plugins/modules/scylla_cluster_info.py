#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: scylla_cluster_info
short_description: The state of every node of a ScyllaDB or Apache Cassandra cluster, over CQL
version_added: 0.3.0
description:
  - Connects to every endpoint of O(login_hosts) on its own (one node each) and reads the node's
    C(system.local) (host ID, whether it finished bootstrapping) and C(system.peers) (the nodes it
    knows). A node is RV(nodes[].state) C(up) when it accepts the login, has finished bootstrapping and
    is in the ring as the first such node sees it (listed in its C(system.peers)); C(joining) while it
    bootstraps; C(not in ring) when that node does not know it; C(down) when it does not answer (the
    reason is in RV(nodes[].error)).
  - This is what C(nodetool status) run inside a node tells (Up/Normal), read from outside over the
    nodes' published ports, without starting a JVM in the container for every look.
  - With O(wait_timeout), polls until every node is C(up) or the deadline passes; never fails because
    a node is not up (the play decides what that means).
  - Changes nothing; runs in check mode.
options:
  node_names:
    description: Names of the nodes, in the order of O(login_hosts) (default C(node1), C(node2), ...).
    type: list
    elements: str
  wait_timeout:
    description: Seconds to wait for every node to be C(up); V(0) looks once.
    type: int
    default: 0
  try_default_role:
    description:
      - When O(login_user) is refused, log in as the built-in superuser (C(cassandra)/C(cassandra)), as on a new
        cluster, whose admin role does not exist yet (M(multidb.platform.scylla_auth) creates it and disables
        the built-in one).
    type: bool
    default: false
extends_documentation_fragment:
  - multidb.platform.cql
notes:
  - Supports check mode.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Wait until the three nodes are up
  multidb.platform.scylla_cluster_info:
    login_hosts: ["127.0.0.1:9042", "127.0.0.1:9043", "127.0.0.1:9044"]
    login_user: platform_admin
    login_password: "{{ scylla_admin_password }}"
    wait_timeout: 300
  register: ring
  failed_when: ring.up < 3
"""

RETURN = r"""
nodes:
  description: One entry per endpoint of O(login_hosts), in that order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The node's name (O(node_names)).
      type: str
    endpoint:
      description: Its endpoint.
      type: str
    state:
      description: C(up), C(joining), C(not in ring) or C(down).
      type: str
    host_id:
      description: The node's host ID, when it answered.
      type: str
    error:
      description: Why it did not answer (empty when it did).
      type: str
up:
  description: How many nodes are C(up).
  returned: always
  type: int
summary:
  description: "One line for people, for example C(2/3 up: node1 up, node2 up, node3 down (connection refused))."
  returned: always
  type: str
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.cql import (
    cql_argument_spec, is_auth_error, require_driver, session)


DEFAULT_ROLE = ("cassandra", "cassandra")


def look(module, name, endpoint, logins):
    """What one node says about itself and its peers; `logins` are tried in order."""
    seen = dict(name=name, endpoint=endpoint, host_id="", bootstrapped="", peers=[], error="")
    for user, password in logins:
        try:
            with session(module, user, password, hosts=[endpoint]) as cql:
                local = cql.rows("SELECT host_id, bootstrapped FROM system.local", consistency="ONE")[0]
                seen["host_id"] = local.get("host_id") or ""
                seen["bootstrapped"] = local.get("bootstrapped") or ""
                seen["peers"] = [p["host_id"] for p in cql.rows("SELECT host_id FROM system.peers", consistency="ONE")
                                 if p.get("host_id")]
            seen["error"] = ""
            return seen
        except Exception as e:  # NoHostAvailable wraps the reason per host
            if not is_auth_error(e):
                seen["error"] = " ".join(str(e).split())[:200] or type(e).__name__
                return seen
            seen["error"] = "authentication failed"
    return seen


def ring_states(seen):
    """[{name, endpoint, state, host_id, error}] from what each node said (see `look`)."""
    # The ring as the first node that answers and has bootstrapped sees it (like `nodetool
    # status` on node1, or on the first running node).
    reference = next((s for s in seen if not s["error"] and s["bootstrapped"] == "COMPLETED"), None)
    states = []
    for node in seen:
        if node["error"]:
            state = "down"
        elif node["bootstrapped"] != "COMPLETED":
            state = "joining"
        elif node is not reference and node["host_id"] not in reference["peers"]:
            state = "not in ring"
        else:
            state = "up"
        states.append(dict(name=node["name"], endpoint=node["endpoint"], state=state, host_id=node["host_id"],
                           error=node["error"]))
    return states


def summary(states):
    up = sum(1 for s in states if s["state"] == "up")
    return "%d/%d up: %s" % (up, len(states), ", ".join(
        "%s %s%s" % (s["name"], s["state"], " (%s)" % s["error"] if s["error"] else "") for s in states))


def main():
    module = AnsibleModule(
        argument_spec=cql_argument_spec(
            node_names=dict(type="list", elements="str"),
            wait_timeout=dict(type="int", default=0),
            try_default_role=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    require_driver(module)
    p = module.params
    hosts = p["login_hosts"]
    names = p["node_names"] or ["node%d" % (i + 1) for i in range(len(hosts))]
    if len(names) != len(hosts):
        module.fail_json(msg="node_names has %d names for %d login_hosts" % (len(names), len(hosts)))

    logins = [(p["login_user"], p["login_password"])] + ([DEFAULT_ROLE] if p["try_default_role"] else [])
    deadline = time.monotonic() + p["wait_timeout"]
    while True:
        states = ring_states([look(module, name, host, logins)
                              for name, host in zip(names, hosts)])
        up = sum(1 for s in states if s["state"] == "up")
        if up == len(states) or time.monotonic() >= deadline:
            break
        time.sleep(2)
    module.exit_json(changed=False, nodes=states, up=up, summary=summary(states))


if __name__ == "__main__":
    main()
