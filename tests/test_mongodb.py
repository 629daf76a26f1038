"""MongoDB: no anonymous access; the application user writes and reads its database; schema
validators, unique and TTL indexes in place; data survives a restart.

On the FerretDB stand-in (tests/images/mongodb) three features do not exist: role-based
authorization, $jsonSchema validators and TTL indexes (FerretDB v1 answers NotImplemented).
The stand-in run switches them off (tests/images/standin.yml), and the tests that prove them
SKIP with the reason instead of passing: each first checks that the server really refuses the
feature, so on MongoDB a missing validator, TTL or role is a failure, never a skip.
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path

import docker
import pymongo
import pytest
import yaml
from pymongo.errors import OperationFailure, WriteError, DuplicateKeyError

ROLE_DEFAULTS = yaml.safe_load((Path(__file__).resolve().parent.parent / "roles/mongodb/defaults/main.yml").read_text())
NOT_IMPLEMENTED = 238  # MongoDB error code NotImplemented (FerretDB's answer for missing features)


@pytest.fixture(scope="module")
def mg(services):
    if "mongodb" not in services:
        pytest.skip("mongodb is not enabled")
    return services["mongodb"]


def _client(mg, **kwargs) -> pymongo.MongoClient:
    return pymongo.MongoClient(host=mg["host"], port=mg["port"], directConnection=True,
                               serverSelectionTimeoutMS=5000, **kwargs)


@pytest.fixture(scope="module")
def root(mg, secrets):
    client = _client(mg, username=mg["username"], password=secrets["mongodb_admin_password"],
                     authSource=mg.get("auth_database", "admin"))
    yield client
    client.close()


def _app(mg, secrets) -> pymongo.MongoClient:
    return _client(mg, username="app", password=secrets["mongodb_app_password"], authSource=mg["database"])


@pytest.fixture(scope="module")
def app(mg, secrets):
    client = _app(mg, secrets)
    yield client
    client.close()


@pytest.fixture(scope="module")
def ferretdb(root):
    """FerretDB's version when the server is the stand-in, else None."""
    return root.admin.command("buildInfo").get("ferretdbVersion")


def _probe_unsupported(root, mg, what, action) -> str | None:
    """Run `action(collection)` on a scratch collection as root; the skip reason when the
    server answers NotImplemented, None when the feature works."""
    coll = root[mg["database"]]["_probe_" + "".join(ch if ch.isalnum() else "_" for ch in what)]
    try:
        action(coll)
    except OperationFailure as exc:
        if exc.code == NOT_IMPLEMENTED:
            return f"the server does not implement {what} (error {exc.code} NotImplemented)"
        raise
    finally:
        coll.drop()
    return None


def _valid_document(source: str) -> dict:
    return {"source": source, "chunk": 0, "content": "hello", "metadata": {"lang": "en"},
            "created_at": datetime.datetime.now(datetime.timezone.utc)}


def test_unauthenticated_access_refused(mg):
    anon = _client(mg)
    with pytest.raises(OperationFailure) as exc:
        anon[mg["database"]]["documents"].find_one()
    assert exc.value.code == 13, exc.value.details  # Unauthorized
    with pytest.raises(OperationFailure) as exc:
        anon.admin.command("listDatabases")
    assert exc.value.code == 13, exc.value.details


def test_wrong_password_refused(mg):
    for user, auth_db in (("app", mg["database"]), (mg["username"], mg.get("auth_database", "admin"))):
        bad = _client(mg, username=user, password="wrong-password", authSource=auth_db)
        with pytest.raises(OperationFailure) as exc:
            bad.admin.command("ping")
        assert exc.value.code == 18, exc.value.details  # AuthenticationFailed


def test_collections_exist(root, mg):
    names = set(root[mg["database"]].list_collection_names())
    wanted = {c["name"] for c in ROLE_DEFAULTS["mongodb_collections"]}
    assert wanted <= names, f"missing collections: {wanted - names}"


def test_app_user_writes_and_reads_its_database(app, mg):
    coll = app[mg["database"]]["documents"]
    doc = _valid_document("test://write-read")
    coll.delete_many({"source": doc["source"]})
    inserted = coll.insert_one(doc).inserted_id
    got = coll.find_one({"_id": inserted})
    assert got["content"] == "hello" and got["metadata"] == {"lang": "en"}
    coll.update_one({"_id": inserted}, {"$set": {"content": "changed"}})
    assert coll.find_one({"_id": inserted})["content"] == "changed"
    coll.delete_one({"_id": inserted})
    assert coll.find_one({"_id": inserted}) is None


def test_unique_index_enforced(app, mg):
    coll = app[mg["database"]]["documents"]
    doc = _valid_document("test://unique")
    coll.delete_many({"source": doc["source"]})
    coll.insert_one(dict(doc))
    try:
        with pytest.raises(DuplicateKeyError):
            coll.insert_one(dict(doc))
    finally:
        coll.delete_many({"source": doc["source"]})


def test_app_user_has_only_readwrite_on_its_database(root, app, mg, ferretdb):
    info = root[mg["database"]].command("usersInfo", "app")["users"]
    assert len(info) == 1, info
    roles = info[0]["roles"]
    if not roles and ferretdb:
        reason = _probe_unsupported(root, mg, "user roles", lambda c: c.database.command(
            "createUser", "_probe_roles", pwd="probe-password-123", roles=[{"role": "read", "db": mg["database"]}]))
        if reason:
            pytest.skip(f"FerretDB {ferretdb} has no role-based authorization ({reason}); the stand-in run "
                        "sets mongodb_app_roles: [] so every authenticated user may do everything: the app "
                        "user's confinement to readWrite on its database is UNPROVEN on the stand-in")
        root[mg["database"]].command("dropUser", "_probe_roles")
    assert [{"role": r["role"], "db": r["db"]} for r in roles] == [{"role": "readWrite", "db": mg["database"]}]
    # confined: no other database, no user administration
    with pytest.raises(OperationFailure) as exc:
        app["_other_db"]["x"].insert_one({"x": 1})
    assert exc.value.code == 13, exc.value.details
    with pytest.raises(OperationFailure) as exc:
        app[mg["database"]].command("createUser", "intruder", pwd="intruder-password", roles=[])
    assert exc.value.code == 13, exc.value.details


def test_validator_rejects_invalid_document(root, app, mg):
    options = next(iter(root[mg["database"]].list_collections(filter={"name": "documents"})))["options"]
    if "validator" not in options:
        reason = _probe_unsupported(root, mg, "$jsonSchema validators", lambda c: c.database.create_collection(
            c.name, validator={"$jsonSchema": {"bsonType": "object", "required": ["x"]}}))
        if reason:
            pytest.skip(f"{reason}; the stand-in run sets mongodb_schema_validation: false, so the collections "
                        "have no validator: schema enforcement is UNPROVEN on the stand-in")
        pytest.fail(f"{mg['database']}.documents has no validator although the server supports them: {options}")
    schema = options["validator"]["$jsonSchema"]
    assert set(schema["required"]) == {"source", "chunk", "content", "created_at"}, schema
    assert options.get("validationAction", "error") == "error" and options.get("validationLevel", "strict") == "strict"
    coll = app[mg["database"]]["documents"]
    with pytest.raises(WriteError) as exc:
        coll.insert_one({"source": "test://invalid", "chunk": -1})  # content/created_at missing, chunk < 0
    assert exc.value.code == 121, exc.value.details  # DocumentValidationFailure
    assert coll.find_one({"source": "test://invalid"}) is None


def test_ttl_index_on_sessions(root, mg, inventory_vars):
    field = ROLE_DEFAULTS["mongodb_ttl_field"]
    expected = int(inventory_vars.get("multidb_mongodb_ttl_seconds", ROLE_DEFAULTS["mongodb_ttl_seconds"]))
    indexes = root[mg["database"]][ROLE_DEFAULTS["mongodb_ttl_collection"]].index_information()
    name = f"{field}_ttl"
    assert name in indexes, f"no index {name}: {indexes}"
    assert indexes[name]["key"] == [(field, 1)], indexes[name]
    if "expireAfterSeconds" not in indexes[name]:
        reason = _probe_unsupported(root, mg, "TTL indexes", lambda c: c.create_index("t", expireAfterSeconds=60))
        if reason:
            pytest.skip(f"{reason}; the stand-in run sets mongodb_ttl_enabled: false, so {name} is a plain "
                        "index: expiry of sessions is UNPROVEN on the stand-in")
        pytest.fail(f"{name} is not a TTL index although the server supports them: {indexes[name]}")
    assert indexes[name]["expireAfterSeconds"] == expected, indexes[name]


def test_data_survives_container_restart(mg, secrets):
    doc = _valid_document("test://persist")
    with _app(mg, secrets) as app:
        coll = app[mg["database"]]["documents"]
        coll.delete_many({"source": doc["source"]})
        coll.insert_one(doc)
    docker.from_env().containers.get(mg["container"]).restart(timeout=20)
    deadline = time.monotonic() + 90
    while True:
        try:
            with _app(mg, secrets) as app:
                got = app[mg["database"]]["documents"].find_one({"source": doc["source"]})
                assert got is not None and got["content"] == "hello"
                app[mg["database"]]["documents"].delete_many({"source": doc["source"]})
            break
        except pymongo.errors.ConnectionFailure:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
