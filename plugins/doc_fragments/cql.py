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
  tls:
    description:
      - Connect with TLS and verify the server's certificate: it must chain to O(tls_ca_file) and name the address
        of the O(login_hosts) entry connected to (C(127.0.0.1) must be an C(IP:) subject alternative name).
      - A server that speaks only TLS does not answer a plaintext connection (it times out after O(connect_timeout)).
    type: bool
    default: false
  tls_ca_file:
    description: PEM file of the CA certificate(s) the servers' certificates must chain to; without it, the system's CAs.
    type: path
requirements:
  - cassandra-driver (Python) >= 3.25
"""
