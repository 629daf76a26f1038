# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)
"""Connection options and client of the collection's Redis modules (documented in the
multidb.platform.redis documentation fragment)."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import redis  # noqa: F401 - also what the modules catch (redis.exceptions)

    HAS_REDIS = True
    REDIS_IMPORT_ERROR = None
except ImportError:
    HAS_REDIS = False
    REDIS_IMPORT_ERROR = traceback.format_exc()


def redis_argument_spec(**options):
    """The connection options, plus the module's own."""
    spec = dict(
        login_host=dict(type="str", default="127.0.0.1"),
        login_port=dict(type="int", default=6379),
        login_user=dict(type="str", default="default"),
        login_password=dict(type="str", required=True, no_log=True),
        tls=dict(type="bool", default=False),
        ca_certs=dict(type="path"),
    )
    spec.update(options)
    return spec


def redis_client(module, socket_timeout):
    """A client for the module's connection options (fails the module without the redis
    library). Nothing is sent until the first command."""
    if not HAS_REDIS:
        module.fail_json(msg=missing_required_lib("redis"), exception=REDIS_IMPORT_ERROR)
    p = module.params
    return redis.Redis(
        host=p["login_host"], port=p["login_port"], username=p["login_user"],
        password=p["login_password"], ssl=p["tls"], socket_timeout=socket_timeout, decode_responses=False,
        # With TLS: the certificate must chain to ca_certs and name login_host.
        ssl_cert_reqs="required", ssl_ca_certs=p["ca_certs"], ssl_check_hostname=True,
    )
