"""Real peers on loopback for delivery tests and benchmarks: an SMTP server (aiosmtpd) that
keeps what it receives, and an HTTP server that receives webhooks and can be told to fail."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class SmtpSink:
    """Messages received over SMTP, parsed. `refuse` makes it answer 554 to every message."""

    received: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            time.sleep(self.delay)
        if self.refuse:
            return "554 Transaction failed"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [str(m["X-Publica-Message"]) for m in self.received]


def start_smtp(sink: SmtpSink) -> Controller:
    with socket.socket() as probe:  # aiosmtpd checks its own port, so it needs a real one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 drops connections a busy sender opens at once


class WebhookReceiver:
    """An HTTP server on loopback keeping every POST; `status` is what it answers."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.status = 204
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                status = receiver.status
                if status < 300:
                    with receiver.lock:
                        receiver.requests.append(
                            Received(
                                {k.lower(): v for k, v in self.headers.items()}, body, time.time()
                            )
                        )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
