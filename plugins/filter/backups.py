# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)
"""Filters of backup.yml and restore.yml: backups are named by the UTC time they started."""

from __future__ import annotations

from datetime import datetime, timedelta

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: backups_expired
short_description: The backups taken more than a number of days before a given backup
description:
  - Backups are named by the UTC time they started, C(YYYYmmddTHHMMSSZ). Returns those of the
    input taken more than O(days) days before O(now), oldest first. Names of another form are an error.
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
    description: Retention in days (at least 1).
    type: int
    required: true
"""

EXAMPLES = r"""
expired: "{{ backup_complete | multidb.platform.backups_expired(backup_timestamp, multidb_backup_retention_days) }}"
"""

RETURN = r"""
_value:
  description: The expired backups' names, oldest first.
  type: list
  elements: str
"""

FORMAT = "%Y%m%dT%H%M%SZ"


def _parse(name):
    try:
        return datetime.strptime(str(name), FORMAT)
    except ValueError:
        raise AnsibleFilterError(f"{name!r} is not a backup name (UTC time as YYYYmmddTHHMMSSZ)") from None


def backups_expired(names, now, days):
    days = int(days)
    if days < 1:
        raise AnsibleFilterError(f"a retention of {days} days would remove every backup: at least 1")
    cutoff = _parse(now) - timedelta(days=days)
    return sorted(str(n) for n in names if _parse(n) < cutoff)


class FilterModule:
    def filters(self):
        return {"backups_expired": backups_expired}
