# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)
"""Filters of backup.yml and restore.yml: backups are named by the UTC time they started.

backups_expired (documented below) and backup_prefixes: from object keys under <root>/, the
distinct <root>/<service>/<timestamp>/ prefixes as {service, timestamp, prefix}, sorted (the
index, <root>/index/, and keys of another form are left out); backups_with: of those prefixes,
the timestamps that have every one of the given services, sorted."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: backups_expired
short_description: The backups taken more than a number of days before a given backup
description:
  - Backups are named by the UTC time they started, C(YYYYmmddTHHMMSSZ). Returns those of the
    input taken more than O(days) days and O(hours) hours before O(now), oldest first. Names of another
    form are an error.
options:
  _input:
    description: Backup names (timestamps).
    type: list
    elements: str
    required: true
  now:
    description: The name (timestamp) of the backup the retention is counted from.
    type: str
    required: true
  days:
    description: Retention in days.
    type: int
    default: 0
  hours:
    description: Hours added to O(days); the sum must be positive.
    type: int
    default: 0
"""

EXAMPLES = r"""
expired: "{{ backup_complete | multidb.platform.backups_expired(backup_timestamp, multidb_backup_retention_days) }}"
abandoned: "{{ incomplete | multidb.platform.backups_expired(backup_timestamp, hours=12) }}"
prefixes: "{{ listing.objects | map(attribute='key') | multidb.platform.backup_prefixes(multidb_project_name) }}"
"""

RETURN = r"""
_value:
  description: The expired backups' names, oldest first.
  type: list
  elements: str

"""

FORMAT = "%Y%m%dT%H%M%SZ"
PREFIX = re.compile(r"^(?P<service>[^/]+)/(?P<timestamp>[0-9]{8}T[0-9]{6}Z)/")


def _parse(name):
    try:
        return datetime.strptime(str(name), FORMAT)
    except ValueError:
        raise AnsibleFilterError(f"{name!r} is not a backup name (UTC time as YYYYmmddTHHMMSSZ)") from None


def backups_expired(names, now, days=0, hours=0):
    age = timedelta(days=int(days), hours=int(hours))
    if age <= timedelta(0):
        raise AnsibleFilterError(f"an age of {days} days and {hours} hours would take every backup: at least 1 hour")
    cutoff = _parse(now) - age
    return sorted(str(n) for n in names if _parse(n) < cutoff)


def backup_prefixes(keys, root):
    found = set()
    for key in keys:
        key = str(key)
        if not key.startswith(f"{root}/"):
            continue
        match = PREFIX.match(key[len(root) + 1:])
        if match and match["service"] != "index":
            found.add((match["service"], match["timestamp"]))
    return [{"service": service, "timestamp": timestamp, "prefix": f"{root}/{service}/{timestamp}/"}
            for service, timestamp in sorted(found)]


def backups_with(prefixes, services):
    have = {}
    for item in prefixes:
        have.setdefault(item["timestamp"], set()).add(item["service"])
    wanted = set(services)
    return sorted(stamp for stamp, found in have.items() if wanted <= found)


class FilterModule:
    def filters(self):
        return {"backups_expired": backups_expired, "backup_prefixes": backup_prefixes, "backups_with": backups_with}
