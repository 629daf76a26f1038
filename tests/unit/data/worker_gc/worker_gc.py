# Test-only filter plugin (tests/unit/test_gc_freeze.py): what the cyclic garbage collector of the
# process that templates it holds frozen. Filters run in the task's forked worker.
from __future__ import annotations

import gc


def worker_gc(_):
    return {"frozen": gc.get_freeze_count()}


class FilterModule:
    def filters(self):
        return {"worker_gc": worker_gc}
