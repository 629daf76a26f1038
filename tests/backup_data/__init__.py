"""Known data per engine for the backup round trips (tests/test_backup.py).

One module per engine of the services contract (`engine` key: postgres, redis, mongodb, weaviate,
garage, scylla), each with three functions taking the service's contract entry and the secrets:

    write(svc, secrets)        writes known, deterministic data in a place of the test's own
    fingerprint(svc, secrets)  reads it back as a JSON-able dict: every row/key/document/object
                               by checksum, and what proves the indexes work (a nearest-neighbour
                               query's ids, a TTL still set)
    destroy(svc, secrets)      deletes that data (a restore must bring it back)

fingerprint() after a restore must equal fingerprint() after write(). An engine without a
module fails the test loudly (for_engine), so a new data service is never left out.
"""

from __future__ import annotations

import importlib


def for_engine(engine: str):
    try:
        return importlib.import_module(f"{__name__}.{engine}")
    except ModuleNotFoundError as err:
        raise AssertionError(f"no backup test data for engine {engine!r}: add tests/backup_data/{engine}.py") from err
