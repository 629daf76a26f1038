# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)
"""Connection options and client of the collection's MongoDB modules (documented in the
multidb.platform.mongodb documentation fragment)."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import pymongo
    HAS_PYMONGO = True
    PYMONGO_ERR = None
except ImportError:
    HAS_PYMONGO = False
    PYMONGO_ERR = traceback.format_exc()


def mongodb_argument_spec(**options):
    """The connection options, plus the module's own."""
    spec = dict(
        login_host=dict(type="str", default="127.0.0.1"),
        login_port=dict(type="int", default=27017),
        login_user=dict(type="str", required=True),
        login_password=dict(type="str", required=True, no_log=True),
        login_database=dict(type="str", default="admin"),
        tls=dict(type="bool", default=False),
        tls_ca_file=dict(type="path"),
        connect_timeout=dict(type="int", default=10),
    )
    spec.update(options)
    return spec


def mongodb_client(module):
    """A client for the module's connection options (fails the module without pymongo).
    Nothing is sent until the first command."""
    if not HAS_PYMONGO:
        module.fail_json(msg=missing_required_lib("pymongo"), exception=PYMONGO_ERR)
    p = module.params
    kwargs = dict(
        host=p["login_host"], port=p["login_port"], directConnection=True,
        username=p["login_user"], password=p["login_password"], authSource=p["login_database"],
        serverSelectionTimeoutMS=p["connect_timeout"] * 1000, connectTimeoutMS=p["connect_timeout"] * 1000,
        tls=p["tls"], appname="multidb-platform",
    )
    if p["tls"] and p["tls_ca_file"]:
        kwargs["tlsCAFile"] = p["tls_ca_file"]
    return pymongo.MongoClient(**kwargs)


def endpoint(module):
    return "%s:%s" % (module.params["login_host"], module.params["login_port"])
