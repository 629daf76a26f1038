# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options of the collection's CQL modules (plugins/module_utils/cql.py).
    DOCUMENTATION = r"""
options:
  login_hosts:
    description:
      - Endpoints as C(host:port); every one is a contact point and the only allowed coordinators (a white-list
        load-balancing policy ignores the peers' internal addresses, so the nodes' published C(127.0.0.1) ports
        are enough).
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
  connect_timeout:
    description: Seconds to wait for a connection.
    type: int
    default: 10
  request_timeout:
    description: Seconds to wait for a statement's result.
    type: int
    default: 30
requirements:
  - cassandra-driver (Python) >= 3.25
"""
