"""config.outbound: requests to addresses people type in go only to public https addresses, to
the address that was checked, while TLS still checks the certificate for the name."""

import datetime
import ipaddress
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from config.outbound import (
    DestinationRefused,
    PinnedAddressAdapter,
    address_refusal,
    public_url_check,
)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private network"),
        ("172.16.0.1", "private network"),
        ("192.168.1.1", "private network"),
        ("0.1.2.3", "private network"),  # "this network"
        ("fc00::1", "private network"),  # unique-local
        ("fd12:3456::1", "private network"),
        ("fec0::1", "site-local"),  # deprecated, yet routed inside some networks
        ("feff:ffff::1", "site-local"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),  # shared address space
        ("100.127.255.254", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("233.252.0.1", "multicast"),  # documentation multicast
        ("ff02::1", "multicast"),
        ("ff0e::1", "multicast"),  # global scope is still multicast
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),  # broadcast
        ("100::1", "reserved"),  # discard-only
        ("5f00::1", "reserved"),  # segment routing (SRv6) identifiers
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("::", "unspecified"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("3fff:fff:ffff::1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("198.19.255.254", "benchmarking"),
        ("2001:2::1", "benchmarking"),
        ("192.0.0.8", "IETF protocol"),  # the IPv4 dummy address
        ("192.0.0.9", "IETF protocol"),  # PCP anycast
        ("192.0.0.170", "IETF protocol"),  # NAT64 prefix discovery
        ("2001:1::1", "IETF protocol"),
        ("2001:20::1", "IETF protocol"),  # ORCHIDv2
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "IETF protocol"),  # Teredo
        ("192.88.99.1", "6to4 relay"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("192.0.0.192", "cloud metadata"),
        # IPv6 addresses that stand for an IPv4 one are judged by it.
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private network"),
        ("::ffff:100.64.0.1", "carrier-grade NAT"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("64:ff9b::a9fe:a9fe", "cloud metadata"),  # NAT64 of 169.254.169.254
        ("64:ff9b::a00:1", "private network"),  # NAT64 of 10.0.0.1
        ("64:ff9b::c000:201", "documentation"),  # NAT64 of 192.0.2.1
        ("64:ff9b:1::a00:1", "local-use NAT64"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:c0a8:101::1", "private network"),  # 6to4 of 192.168.1.1
        ("2002:6440:1::", "carrier-grade NAT"),  # 6to4 of 100.64.0.1
        # The deprecated forms that embed one are refused whatever they embed.
        ("::127.0.0.1", "reserved"),  # IPv4-compatible
        ("::8.8.8.8", "reserved"),
        ("::ffff:0:808:808", "reserved"),  # IPv4-translated
    ],
)
def test_internal_addresses_are_refused(address, kind):
    refusal = address_refusal(ipaddress.ip_address(address))
    assert refusal is not None
    assert kind in refusal


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "8.8.8.8",
        "2606:4700:4700::1111",
        "2a00:1450:4001:82b::200e",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8
        "2002:808:808::1",  # 6to4 of 8.8.8.8
    ],
)
def test_public_addresses_are_allowed(address):
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.slack.com/services/T0/B0/x", "use https://"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]:8443/hook", "loopback"),
        ("https://[::ffff:7f00:1]/hook", "loopback"),
        ("https://[fec0::1]/hook", "site-local"),
        ("https://[64:ff9b::a00:5]/hook", "private network"),
        ("https://10.0.0.5/hook", "private network"),
        ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("https://100.64.1.1/hook", "carrier-grade NAT"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://localhost/hook", "resolves to 127.0.0.1"),
        ("https://2130706433/hook", "loopback"),  # 127.0.0.1 written as a number
        ("https://hooks.slack.com:notaport/x", "valid URL"),
    ],
)
def test_saving_refuses_what_is_not_public_https(url, message):
    with pytest.raises(DestinationRefused, match=message):
        public_url_check(url)


def test_a_name_is_refused_when_any_address_it_resolves_to_is_not_public(monkeypatch):
    def resolver(host: str, port: int, *args: object, **kwargs: object) -> list[object]:
        assert host == "hooks.example.com"
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2606:4700:4700::1111", port, 0, 0)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("fec0::1", port, 0, 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with pytest.raises(DestinationRefused, match="resolves to fec0::1, a site-local address"):
        public_url_check("https://hooks.example.com/services/T0/B0/x")


def test_saving_accepts_a_public_address_and_a_name_that_does_not_resolve_now():
    public_url_check("https://93.184.215.14/hook")
    public_url_check("https://hooks.invalid/services/T0/B0/x")  # checked again when used


def test_the_test_exemption_is_off_unless_a_test_turns_it_on(settings):
    with pytest.raises(DestinationRefused):
        public_url_check("http://127.0.0.1:8000/hook")
    settings.WEBHOOK_ALLOWED_HOSTS_FOR_TESTS = ["127.0.0.1"]
    public_url_check("http://127.0.0.1:8000/hook")


# --- TLS to a pinned address: the name's certificate, the name's SNI --------------------------


def _certificate(tmp_path: Path, *, name: str | None, ip: str | None = None) -> tuple[Path, Path]:
    """A CA (its certificate file) and a server certificate+key (one file) it signed."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Crisis Desk test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    if name:
        names.append(x509.DNSName(name))
    if ip:
        names.append(x509.IPAddress(ipaddress.ip_address(ip)))
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name or ip or "")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, server_file = tmp_path / "ca.pem", tmp_path / "server.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    server_file.write_bytes(
        server.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, server_file


class TLSReceiver:
    """An https webhook receiver on the loopback that records the server names (SNI) asked for
    and the Host headers it got."""

    def __init__(self, certificate: Path) -> None:
        self.server_names: list[str | None] = []
        self.hosts: list[str | None] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.hosts.append(self.headers.get("Host"))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a handshake the client refused

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate)
        context.sni_callback = lambda _socket, name, _context: receiver.server_names.append(name)
        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def post_pinned(url: str, ca_file: Path) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        session.mount(
            "https://",
            PinnedAddressAdapter(host="hooks.test", address=ipaddress.ip_address("127.0.0.1")),
        )
        return session.post(url, data=json.dumps({"text": "hi"}), verify=str(ca_file), timeout=5)


@pytest.fixture
def tls_receiver(tmp_path):
    receivers: list[TLSReceiver] = []

    def make(**names: str | None) -> tuple[TLSReceiver, Path]:
        ca_file, certificate = _certificate(tmp_path, **names)
        receiver = TLSReceiver(certificate)
        receivers.append(receiver)
        return receiver, ca_file

    yield make
    for receiver in receivers:
        receiver.close()


def test_a_pinned_https_request_speaks_to_the_name(tls_receiver, monkeypatch):
    def no_lookup_of_the_name(host: str, *args: object, **kwargs: object) -> object:
        assert host != "hooks.test", "the name is resolved again"
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", no_lookup_of_the_name)
    receiver, ca_file = tls_receiver(name="hooks.test")
    response = post_pinned(f"https://hooks.test:{receiver.port}/services/x", ca_file)
    assert response.status_code == 200
    assert receiver.server_names == ["hooks.test"]
    assert receiver.hosts == [f"hooks.test:{receiver.port}"]


@pytest.mark.parametrize(
    "names", [{"name": "other.test"}, {"name": None, "ip": "127.0.0.1"}], ids=["other", "the-ip"]
)
def test_a_pinned_https_request_checks_the_certificate_for_the_name(tls_receiver, names):
    """A certificate for another name, or for the address connected to, is refused."""
    receiver, ca_file = tls_receiver(**names)
    with pytest.raises(requests.exceptions.SSLError):
        post_pinned(f"https://hooks.test:{receiver.port}/services/x", ca_file)
    assert receiver.hosts == []


def test_a_pinned_adapter_sends_nowhere_but_its_host():
    with requests.Session() as session:
        session.mount(
            "https://",
            PinnedAddressAdapter(host="hooks.test", address=ipaddress.ip_address("127.0.0.1")),
        )
        with pytest.raises(requests.exceptions.InvalidURL, match=r"pinned for hooks\.test"):
            session.post("https://elsewhere.test/x", timeout=1)
