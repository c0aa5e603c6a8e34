"""A real HTTP server on 127.0.0.1 speaking OpenAI's chat-completions protocol (SSE streaming).

Scripted per test: each request takes the next `Behaviour` (the last one repeats). It records
every request (path, query, headers, JSON body) so tests can check what the kiosk sent.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Behaviour:
    kind: str = "stream"          # stream | hang | garbage | error | trickle | echo (the first entry's guidance)
    reply: str = ""
    chunk_chars: int = 4
    delay_s: float = 0.0          # before the first chunk (and between chunks for "trickle")
    status: int = 500             # for "error"
    pause_at: str = ""            # for "stream": stop before this text ...
    pause_s: float = 0.0          # ... for this long (a model still writing its second sentence)
    azure_filter_chunk: bool = False  # Azure OpenAI's first chunk: content-filter results, no choices


def stream(reply: str, **kw) -> Behaviour:
    return Behaviour("stream", reply, **kw)


class FakeChatServer:
    def __init__(self, *behaviours: Behaviour):
        self.behaviours = list(behaviours) or [stream("[none]")]
        self.requests: list[dict] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                parts = urlsplit(self.path)
                with server._lock:
                    server.requests.append({"path": parts.path, "query": parse_qs(parts.query),
                                            "headers": {k.lower(): v for k, v in self.headers.items()}, "body": json.loads(body or b"{}")})
                    index = min(len(server.requests), len(server.behaviours)) - 1
                    behaviour = server.behaviours[index]
                try:
                    server._respond(self, behaviour, server.requests[-1]["body"])
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> "FakeChatServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- responses ------------------------------------------------------------------
    def _respond(self, handler: BaseHTTPRequestHandler, behaviour: Behaviour, body: dict) -> None:
        if behaviour.kind == "hang":
            self._stop.wait(60)  # never answers while the test runs
            return
        if behaviour.kind == "error":
            payload = json.dumps({"error": {"message": "internal error", "type": "server_error"}}).encode()
            self._send(handler, behaviour.status, "application/json", payload)
            return
        if behaviour.kind == "garbage":
            self._send(handler, 200, "text/event-stream",
                       b"data: {this is not json\n\n\x00\xff<html>oops</html>\n\ndata: [DONE]\n\n")
            return
        if behaviour.delay_s and behaviour.kind == "stream":
            time.sleep(behaviour.delay_s)
        if not body.get("stream"):
            message = {"role": "assistant", "content": behaviour.reply}
            payload = {"id": "cmpl-1", "object": "chat.completion", "created": int(time.time()),
                       "model": body.get("model", "m"),
                       "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
            self._send(handler, 200, "application/json", json.dumps(payload).encode())
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Cache-Control", "no-cache")
        handler.send_header("Connection", "close")
        handler.end_headers()
        text = _echo(body) if behaviour.kind == "echo" else behaviour.reply
        cut = text.index(behaviour.pause_at) if behaviour.pause_at else len(text)
        size = behaviour.chunk_chars
        before = [text[i : min(i + size, cut)] for i in range(0, cut, size)]
        pieces = before + [text[i : i + size] for i in range(cut, len(text), size)]
        if behaviour.azure_filter_chunk:
            filtered = {"id": "", "object": "", "created": 0, "model": "", "choices": [],
                        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}]}
            handler.wfile.write(b"data: " + json.dumps(filtered).encode() + b"\n\n")
        self._event(handler, {"role": "assistant", "content": ""}, body, None)
        for index, piece in enumerate(pieces):
            if self._stop.is_set():
                return
            if behaviour.pause_at and index == len(before):
                self._stop.wait(behaviour.pause_s)
            if behaviour.kind == "trickle":
                time.sleep(behaviour.delay_s)
            self._event(handler, {"content": piece}, body, None)
        self._event(handler, {}, body, "stop")
        handler.wfile.write(b"data: [DONE]\n\n")
        handler.wfile.flush()
        handler.close_connection = True

    @staticmethod
    def _event(handler, delta: dict, body: dict, finish: str | None) -> None:
        chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()),
                 "model": body.get("model", "m"), "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        handler.wfile.write(b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n")
        handler.wfile.flush()

    @staticmethod
    def _send(handler, status: int, content_type: str, payload: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(payload)
        handler.wfile.flush()
        handler.close_connection = True


def _echo(body: dict) -> str:
    """A perfect grounded model: the first catalog entry's tag and guidance, as written in the prompt."""
    system = body["messages"][0]["content"]
    entry = re.search(r"^\[([a-z0-9-]+)\] .*\n- [^:]+: (.+)$", system, re.MULTILINE)
    return f"[{entry.group(1)}]\n{entry.group(2)}" if entry else "[none]"
