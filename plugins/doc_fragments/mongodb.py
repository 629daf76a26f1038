# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options of the collection's MongoDB modules (plugins/module_utils/mongodb_common.py).
    DOCUMENTATION = r"""
options:
  login_host:
    description: Host of the server.
    type: str
    default: 127.0.0.1
  login_port:
    description: Port of the server.
    type: int
    default: 27017
  login_user:
    description: User to authenticate as.
    type: str
    required: true
  login_password:
    description: Its password.
    type: str
    required: true
  login_database:
    description: Authentication database of O(login_user) (C(authSource)).
    type: str
    default: admin
  tls:
    description: Connect with TLS.
    type: bool
    default: false
  tls_ca_file:
    description: CA bundle to verify the server certificate with (TLS only).
    type: path
  connect_timeout:
    description: Seconds to wait for the server (server selection and connection).
    type: int
    default: 10
requirements:
  - pymongo >= 4.0
"""
