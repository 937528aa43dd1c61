"""A chat webhook receiver (Slack, Teams and their look-alikes) on a local port: it records
each JSON payload as received and answers as scripted."""

import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """A chat webhook endpoint that answers with a scripted list of statuses; "reset" resets
    the connection, "garbage" answers with something that is not HTTP, a 3xx redirects."""

    def __init__(
        self,
        statuses: list[int | str],
        delay: float = 0.0,
        location: str = "http://169.254.169.254/latest/meta-data/",
    ) -> None:
        self.statuses = list(statuses)
        self.delay = delay
        self.location = location
        self.bodies: list[dict] = []
        self.hosts: list[str | None] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                receiver.hosts.append(self.headers.get("Host"))
                time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    self.close_connection = True
                    return
                if status == "garbage":
                    self.wfile.write(b"\x00\x01 this is not HTTP\r\n\r\n")
                    self.close_connection = True
                    return
                assert isinstance(status, int)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                if 300 <= status < 400:
                    self.send_header("Location", receiver.location)
                self.end_headers()
                self.wfile.write(b"ok" if status < 400 else b"invalid_payload")

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # writing to a connection the handler reset on purpose

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/services/T0/B0/x"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
