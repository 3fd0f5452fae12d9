"""A JWKS server on 127.0.0.1 for the fetcher tests: serves documents per path, counts requests,
and stops by itself after a bounded number of requests or seconds."""

from __future__ import annotations

import http.server
import threading
import time
from typing import Dict, List, Optional, Tuple


class JwksServer:
    def __init__(self, routes: Dict[str, Tuple[int, bytes]], delay: float = 0.0, max_requests: int = 200) -> None:
        self.routes = routes
        self.delay = delay
        self.requests: List[str] = []
        self._max_requests = max_requests
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                with server._lock:
                    server.requests.append(self.path)
                if server.delay:
                    time.sleep(server.delay)
                status, body = server.routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.timeout = 0.2
        self.port = self._httpd.server_address[1]
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self, deadline: float) -> None:
        while not self._stop.is_set() and time.monotonic() < deadline and len(self.requests) < self._max_requests:
            self._httpd.handle_request()

    def __enter__(self) -> "JwksServer":
        self._thread = threading.Thread(target=self._serve, args=(time.monotonic() + 60,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd.server_close()
