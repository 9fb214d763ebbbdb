"""A stand-in OpenAI-compatible server on 127.0.0.1 whose answers wait at a gate, for the chat page's tests.

``GET /v1/models`` lists one model; ``POST /v1/chat/completions`` (JSON, or SSE chunks ending in
``data: [DONE]`` when ``stream`` is true) holds each request until ``open()`` is called, then replies with
``reply``. ``waiting`` counts requests held at the gate, so a test can wait for "all slots busy" by
condition, not by a clock.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class GatedLLM:
    def __init__(self, model: str = "gated", reply: str = "It is in the articles [1].") -> None:
        self.model, self.reply = model, reply
        self.gate = threading.Event()
        self.waiting = 0
        self.arrived = 0
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def start(self) -> GatedLLM:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def open(self) -> None:
        self.gate.set()

    def stop(self) -> None:
        self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait_for(self, n: int, timeout: float = 120.0) -> bool:
        """True once ``n`` requests are held at the gate."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.waiting >= n:
                    return True
            time.sleep(0.05)
        return False


def _handler(server: GatedLLM):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.startswith("/v1/models"):
                return self._json({"object": "list", "data": [{"id": server.model, "object": "model"}]})
            self._json({"error": "not found"}, 404)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            with server._lock:
                server.waiting += 1
                server.arrived += 1
            server.gate.wait(300)
            with server._lock:
                server.waiting -= 1
            base = {"id": "chatcmpl-gated", "created": 0, "model": body.get("model", server.model)}
            if not body.get("stream"):
                return self._json({**base, "object": "chat.completion", "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": server.reply}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
            chunks = [{"delta": {"role": "assistant", "content": server.reply}, "finish_reason": None},
                      {"delta": {}, "finish_reason": "stop"}]
            lines = "".join("data: " + json.dumps({**base, "object": "chat.completion.chunk",
                                                    "choices": [{"index": 0, **c}]}) + "\n\n" for c in chunks)
            data = (lines + "data: [DONE]\n\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self._write(data)

        def _json(self, body: dict, status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self._write(data)

        def _write(self, data: bytes) -> None:
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except OSError:
                pass

    return Handler
