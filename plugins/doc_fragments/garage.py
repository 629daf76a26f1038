# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options of the collection's Garage modules (plugins/module_utils/bearer_api.py).
    DOCUMENTATION = r"""
options:
  url:
    description: Base URL of Garage's admin API (v2), for example C(http://127.0.0.1:3903).
    type: str
    required: true
  admin_token:
    description: The server's C(admin_token) (sent as a bearer token, never logged).
    type: str
    required: true
  timeout:
    description: Seconds to wait for each request.
    type: int
    default: 30
  ca_path:
    description:
      - CA certificate file (PEM) the server's HTTPS certificate must chain to; without it, the system's CAs.
      - The certificate and its host name are always verified.
    type: path
"""
