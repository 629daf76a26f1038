# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options of the collection's Redis modules (plugins/module_utils/redis_common.py).
    DOCUMENTATION = r"""
options:
  login_host:
    description: Host of the Redis server.
    type: str
    default: 127.0.0.1
  login_port:
    description: Port of the Redis server.
    type: int
    default: 6379
  login_user:
    description: User to authenticate as (the module says which commands it needs).
    type: str
    default: default
  login_password:
    description: Password of O(login_user).
    type: str
    required: true
  tls:
    description: Connect with TLS.
    type: bool
    default: false
  ca_certs:
    description:
      - CA certificate file (PEM) that verifies the server with O(tls=true). The server's
        certificate must chain to it and name O(login_host) (checked). Unset means the system's CAs.
    type: path
"""
