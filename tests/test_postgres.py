"""PostgreSQL: pgvector works for the application role, and the role is least-privilege."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors



@pytest.fixture(scope="module")
def pg(services):
    if "postgres" not in services:
        pytest.skip("postgres is not enabled")
    return services["postgres"]


@pytest.fixture()
def app_conn(pg, secrets):
    conn = psycopg.connect(host=pg["host"], port=pg["port"], dbname=pg["database"], user="app",
                           password=secrets["postgres_app_password"], connect_timeout=10)
    yield conn
    conn.close()


def _dimension(conn) -> int:
    row = conn.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'app.documents'::regclass AND attname = 'embedding'").fetchone()
    assert row and row[0].startswith("vector("), row
    return int(row[0][len("vector("):-1])


def _vec(dim: int, hot: int) -> str:
    return "[" + ",".join("1" if i == hot else "0.01" for i in range(dim)) + "]"


def test_nearest_neighbour_query_returns_expected_row(app_conn):
    dim = _dimension(app_conn)
    with app_conn.transaction(force_rollback=True):
        for i in range(3):
            app_conn.execute("INSERT INTO app.documents (content, embedding) VALUES (%s, %s)", (f"doc-{i}", _vec(dim, i)))
        app_conn.execute("SET LOCAL enable_seqscan = off")
        query = "SELECT content FROM app.documents ORDER BY embedding <=> %s::vector LIMIT 1"
        plan = "\n".join(r[0] for r in app_conn.execute("EXPLAIN " + query, (_vec(dim, 2),)))
        assert "documents_embedding_hnsw_idx" in plan, plan
        assert app_conn.execute(query, (_vec(dim, 2),)).fetchone()[0] == "doc-2"
        assert app_conn.execute(query, (_vec(dim, 0),)).fetchone()[0] == "doc-0"


def test_pgvector_version(app_conn):
    assert app_conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0] == "0.8.0"


def test_app_role_is_not_privileged(app_conn):
    row = app_conn.execute(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles "
        "WHERE rolname = current_user").fetchone()
    assert row == (False, False, False, False, False)


def test_create_in_public_schema_denied(app_conn):
    with pytest.raises(errors.InsufficientPrivilege):
        app_conn.execute("CREATE TABLE public.should_not_exist (id int)")


def test_create_schema_denied(app_conn):
    with pytest.raises(errors.InsufficientPrivilege):
        app_conn.execute("CREATE SCHEMA should_not_exist")


def test_app_owns_its_schema(app_conn):
    with app_conn.transaction(force_rollback=True):
        app_conn.execute("CREATE TABLE app.scratch (id int)")


def test_wrong_password_refused(pg):
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host=pg["host"], port=pg["port"], dbname=pg["database"], user="app",
                        password="not-the-password", connect_timeout=10)
