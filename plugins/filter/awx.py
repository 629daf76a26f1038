# -*- coding: utf-8 -*-
"""Filters of playbooks/awx-configure.yml: AWX objects built from the platform's own data.

The secrets credential type has one field per secret of the service registry
(playbooks/vars/services.yml), so a service added there is covered without editing a list.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: awx_secrets_credential_type
short_description: The AWX credential type holding the platform's secrets
description:
  - Builds the C(inputs) and C(injectors) of an AWX custom credential type with one secret,
    required string field per secret name of the service registry (the C(secrets) of every
    entry, in the registry's order).
  - Its injector gives the job the extra variable C(multidb_secrets_overrides), a mapping of
    secret name to value, which the C(secrets) role takes instead of generated values.
  - Every field is required because AWX renders every injector key, and an unset field would be
    injected as an empty string (refused by the preflight), not left out.
options:
  _input:
    description: The service registry (C(multidb_service_registry)), by service name.
    type: dict
    required: true
"""

EXAMPLES = r"""
inputs: "{{ (multidb_service_registry | multidb.platform.awx_secrets_credential_type).inputs }}"
"""

RETURN = r"""
_value:
  description: C(inputs) (C(fields), C(required)) and C(injectors) (C(extra_vars)) of the credential type.
  type: dict
"""


def _secret_names(registry):
    names = []
    for entry in registry.values():
        for name in entry.get("secrets") or []:
            if name not in names:
                names.append(name)
    return names


def _owner(registry, name):
    return next(service for service, entry in registry.items() if name in (entry.get("secrets") or []))


def awx_secrets_credential_type(registry):
    """{inputs, injectors} of the secrets credential type (see DOCUMENTATION)."""
    names = _secret_names(registry)
    fields = [{
        "id": name,
        "label": name.replace("_", " ").capitalize(),
        "type": "string",
        "secret": True,
        "help_text": "The %s secret %s of the instance: 16-128 characters of A-Z a-z 0-9 _ . ~ -"
                     % (_owner(registry, name), name),
    } for name in names]
    return {
        "inputs": {"fields": fields, "required": names},
        # AWX renders these with Jinja from the credential's values when a job starts.
        "injectors": {"extra_vars": {"multidb_secrets_overrides": {name: "{{ %s }}" % name for name in names}}},
    }


class FilterModule:
    def filters(self):
        return {"awx_secrets_credential_type": awx_secrets_credential_type}
