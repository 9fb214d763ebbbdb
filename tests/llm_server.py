"""A stand-in LLM server on 127.0.0.1 speaking two real wire protocols, for tests.

- OpenAI chat completions: ``POST /v1/chat/completions`` (JSON, or SSE ``data: {...}`` chunks ending in
  ``data: [DONE]`` when ``stream`` is true), ``GET /v1/models``.
- Ollama: ``POST /api/chat`` (JSON, or NDJSON lines when ``stream`` is true, Ollama's default),
  ``GET /api/tags``, ``POST /api/show``.

Replies come from the tiny model (greedy, ``max_tokens`` capped at 48) unless a test scripts them:
``server.script("text", Fault.RATE_LIMIT, ...)`` queues one item per chat request. ``server.always`` sets
the item used once the queue is empty. ``Fault.TRICKLE`` sends a real reply one byte every ``trickle_seconds``
(no single read ever times out: only a total deadline stops it); ``retry_after`` is the Retry-After header
of a 429. Every chat request is recorded in ``server.requests`` (path with query string, body, headers).
"""

from __future__ import annotations

import json
import re
import threading
import time
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Fault(Enum):
    SLOW = "slow"  # sleep ``slow_seconds`` before answering
    RATE_LIMIT = "429"
    SERVER_ERROR = "500"
    UNAUTHORIZED = "401"  # the error message echoes the key it got, as some servers do
    BROKEN_JSON = "broken"
    CLOSE = "close"  # close the connection without a response
    EMPTY = "empty"  # a well-formed reply with no text
    TRICKLE = "trickle"  # a real reply, sent one byte every ``trickle_seconds``: no single read times out


class LLMServer:
    def __init__(self, model_dir: str) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
        self.requests: list[dict] = []
        self.queue: list = []
        self.always = None
        self.slow_seconds = 3.0
        self.trickle_seconds = 0.2
        self.retry_after = "0"  # the Retry-After header of a 429 reply
        self.delay = 0.0  # seconds before every chat reply, scripted ones included
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> LLMServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.queue.clear()
            self.always = None
            self.slow_seconds, self.trickle_seconds, self.retry_after, self.delay = 3.0, 0.2, "0", 0.0

    def script(self, *items) -> None:
        """Queue replies (str) and faults (Fault) for the next chat requests, one each."""
        with self._lock:
            self.queue.extend(items)

    def next_item(self):
        with self._lock:
            return self.queue.pop(0) if self.queue else self.always

    def generate(self, messages: list[dict], max_tokens: int) -> list[str]:
        """The tiny model's reply, as the text pieces of its tokens."""
        import torch

        prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        ids = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        with torch.no_grad():
            out = self.model.generate(**ids, max_new_tokens=min(max_tokens or 48, 48), do_sample=False)
        new = out[0][ids["input_ids"].shape[1]:]
        pieces, text = [], ""
        for n in range(1, len(new) + 1):
            full = self.tokenizer.decode(new[:n], skip_special_tokens=True)
            pieces.append(full[len(text):])
            text = full
        return [p for p in pieces if p] or [" "]


def _handler(server: LLMServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the body ends when the connection closes: simplest streaming

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.startswith("/v1/models"):
                return self._json(200, {"object": "list", "data": [{"id": "tiny", "object": "model"}]})
            if self.path.startswith("/api/tags"):
                return self._json(200, {"models": [{"name": "tiny", "model": "tiny", "size": 1}]})
            self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self._json(400, {"error": "bad json"})
            if self.path.startswith("/api/show"):
                return self._json(200, {"modelinfo": {"llama.context_length": 4096}})
            if not self.path.startswith(("/v1/chat/completions", "/api/chat")):
                return self._json(404, {"error": "not found"})
            ollama = self.path.startswith("/api/chat")
            server.requests.append({"path": self.path, "body": body,  # HTTP/2-era clients send lowercase names
                                    "headers": {k.title(): v for k, v in self.headers.items()}})
            item = server.next_item()
            time.sleep(server.delay)
            if isinstance(item, Fault) and self._fault(item, ollama):
                return
            if isinstance(item, str):
                pieces = re.findall(r"\S+\s*|\s+", item)
            elif item is Fault.EMPTY:
                pieces = []
            else:
                opts = body.get("options") or {}
                pieces = server.generate(body["messages"], body.get("max_tokens") or opts.get("num_predict") or 32)
            stream = body.get("stream", ollama)
            model = body.get("model", "tiny")
            self.trickle = item is Fault.TRICKLE
            if ollama:
                self._ollama(model, pieces, stream)
            else:
                self._openai(model, pieces, stream)

        def _fault(self, fault: Fault, ollama: bool) -> bool:
            """Act out ``fault``; True when the request is finished."""
            if fault is Fault.SLOW:
                time.sleep(server.slow_seconds)
                return False
            if fault is Fault.CLOSE:
                self.close_connection = True
                return True
            if fault is Fault.BROKEN_JSON:
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson" if ollama else "application/json")
                self.end_headers()
                self.wfile.write(b'{"id": "x", "choices": [{"message": {"content": "Kim [1')
                return True
            status = {Fault.RATE_LIMIT: 429, Fault.SERVER_ERROR: 500, Fault.UNAUTHORIZED: 401}.get(fault)
            if status is None:
                return False
            key = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            message = {429: "Rate limit reached, slow down", 500: "The server had an error",
                       401: f"Incorrect API key provided: {key}"}[status]
            body = {"error": message} if ollama else {"error": {"message": message, "type": "error", "code": status}}
            self._json(status, body, {"Retry-After": server.retry_after} if status == 429 else None)
            return True

        def _openai(self, model: str, pieces: list[str], stream: bool) -> None:
            base = {"id": "chatcmpl-test", "created": int(time.time()), "model": model}
            if not stream:
                return self._json(200, {**base, "object": "chat.completion", "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "".join(pieces)}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": len(pieces), "total_tokens": 1 + len(pieces)}})
            self._start("text/event-stream")
            for piece in pieces:
                self._send_line("data: " + json.dumps({**base, "object": "chat.completion.chunk", "choices": [
                    {"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}]}) + "\n")
            self._send_line("data: " + json.dumps({**base, "object": "chat.completion.chunk", "choices": [
                {"index": 0, "delta": {}, "finish_reason": "stop"}]}) + "\n")
            self._send_line("data: [DONE]\n")

        def _ollama(self, model: str, pieces: list[str], stream: bool) -> None:
            def line(content: str, done: bool) -> dict:
                d = {"model": model, "created_at": "2024-01-01T00:00:00Z",
                     "message": {"role": "assistant", "content": content}, "done": done}
                return d | ({"done_reason": "stop", "prompt_eval_count": 1, "eval_count": len(pieces)} if done else {})

            if not stream:
                return self._json(200, line("".join(pieces), True))
            self._start("application/x-ndjson")
            for piece in pieces:
                self._send_line(json.dumps(line(piece, False)))
            self._send_line(json.dumps(line("", True)))

        def _start(self, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.end_headers()

        def _send_line(self, text: str) -> None:
            self._write((text + "\n").encode("utf-8"))

        def _write(self, data: bytes) -> None:
            try:
                if not getattr(self, "trickle", False):
                    self.wfile.write(data)
                    self.wfile.flush()
                    return
                for i in range(len(data)):  # one byte at a time, until done or the client hangs up
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                    time.sleep(server.trickle_seconds)
            except OSError:
                pass

        def _json(self, status: int, body: dict, headers: dict | None = None) -> None:
            data = json.dumps(body).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if getattr(self, "trickle", False):
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self._write(data)
                    return
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass

    return Handler
