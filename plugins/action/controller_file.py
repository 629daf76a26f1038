# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)
"""Action plugin of multidb.platform.controller_file: an atomic, private write on the controller."""

from __future__ import annotations

import os
import stat
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec={
            "path": {"type": "path", "required": True},
            "content": {"type": "str", "required": True},
            "mode": {"type": "str", "default": "0600"},
        })
        path = args["path"]
        if not os.path.isabs(path):
            raise AnsibleActionFail(f"path must be absolute, got {path!r}")
        try:
            mode = int(args["mode"], 8)
        except ValueError:
            raise AnsibleActionFail(f"mode must be an octal string such as '0600', got {args['mode']!r}") from None
        if mode & ~0o7777:
            raise AnsibleActionFail(f"mode {args['mode']!r} is not a permission mode")
        directory = os.path.dirname(path)
        if not os.path.isdir(directory) and not self._task.check_mode:
            raise AnsibleActionFail(f"the directory of {path} does not exist")
        new = to_bytes(args["content"], errors="surrogate_or_strict")

        old = None
        old_mode = None
        try:
            with open(path, "rb") as current:
                old = current.read()
                old_mode = stat.S_IMODE(os.fstat(current.fileno()).st_mode)
        except FileNotFoundError:
            pass
        except OSError as err:
            raise AnsibleActionFail(f"cannot read {path}: {err}") from None

        result.update(path=path, changed=old != new or old_mode != mode)
        # a secret (no_log) is never put into the result, not even to be censored later
        if self._task.diff and old != new and not self._task.no_log:
            result["diff"] = {"before_header": path, "after_header": path,
                              "before": "" if old is None else to_text(old, errors="surrogate_or_replace"),
                              "after": to_text(new, errors="surrogate_or_replace")}
        if not result["changed"] or self._task.check_mode:
            return result

        if old == new:
            os.chmod(path, mode)
            return result
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.")
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "wb") as out:
                out.write(new)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except OSError as err:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise AnsibleActionFail(f"cannot write {path}: {err}") from None
        return result
