"""Serving a test or bench site on 127.0.0.1 in a thread of the process."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address) -> None:  # type: ignore[override]
        pass  # a crawler killed or stopped mid-response is what the tests do on purpose


def start_server(host: str, handler: type[BaseHTTPRequestHandler]) -> tuple[QuietServer, str]:
    """A server on a free port of `host`, serving in a thread; it and its base URL."""
    server = QuietServer((host, 0), handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    ).start()
    return server, f"http://{host}:{server.server_address[1]}"


def stop_server(server: QuietServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()


def answer(handler: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes) -> None:
    """Send a whole response with its length."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
