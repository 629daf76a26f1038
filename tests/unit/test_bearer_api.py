"""Unit tier: the HTTPS client of the Weaviate and Garage modules verifies the server's certificate,
against `ca_path` when given (a private CA: Weaviate's load balancer on AWS may use one), else the
system's CAs. A real TLS server on 127.0.0.1 (a port the OS chose), certificates made here."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import ssl
import sys
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "collections"))
sys.path.insert(0, str(REPO / "tests"))

from certificates import self_signed_ca  # noqa: E402

from ansible_collections.multidb.platform.plugins.module_utils.bearer_api import ApiError, BearerApi  # noqa: E402


def _ca(tmp_path: Path, name: str):
    path = tmp_path / f"{name}.crt"
    key, cert = self_signed_ca(name, path)
    return key, cert, path


def _server_cert(tmp_path: Path, ca_key, ca_cert) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "server.crt", tmp_path / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Meta(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = json.dumps({"version": "1.38.11", "auth": self.headers.get("Authorization", "")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def https(tmp_path_factory):
    """An HTTPS server on 127.0.0.1 with a certificate of a private CA; yields (url, CA file,
    another CA's file)."""
    tmp = tmp_path_factory.mktemp("tls")
    ca_key, ca_cert, ca_path = _ca(tmp, "private-ca")
    _, _, other_path = _ca(tmp, "other-ca")
    cert_path, key_path = _server_cert(tmp, ca_key, ca_cert)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Meta)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}", str(ca_path), str(other_path)
    server.shutdown()


class _Module:
    def __init__(self, url, ca_path=None):
        self.params = {"url": url, "api_key": "not-a-secret-token", "timeout": 10, "ca_path": ca_path}


def test_the_private_ca_given_verifies_the_server(https):
    url, ca, _ = https
    status, body = BearerApi(_Module(url, ca), "api_key").request("GET", "/v1/meta")
    assert status == 200 and body == {"version": "1.38.11", "auth": "Bearer not-a-secret-token"}


@pytest.mark.parametrize("which", ["none (the system's CAs)", "another CA"])
def test_a_server_of_another_ca_is_refused(https, which):
    url, _, other = https
    with pytest.raises(ApiError) as refused:
        BearerApi(_Module(url, other if which == "another CA" else None), "api_key").request("GET", "/v1/meta")
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value) or "certificate verify failed" in str(refused.value)
