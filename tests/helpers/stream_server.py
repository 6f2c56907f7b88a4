"""A video stream served over HTTP (or sent over UDP, or an HLS folder served) on 127.0.0.1, as a camera or an encoder
sends one: for the live tests and benchmark.

The port is the one the OS gives when the server binds (never one chosen beforehand). ``serve(request_number)``
gives each request's body, or ``(body, announced length)`` for a connection that drops before its end, or None
for a stream that never starts (the connection is held open, silent).

Example:
>>> import urllib.request
>>> with StreamServer(lambda number: b"G" * 188 * 3) as server:
...     len(urllib.request.urlopen(server.url).read())
564
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable

CHUNK = 188 * 20  # MPEG-TS packets, a few at a time


class StreamServer:
    """Serves ``serve(n)`` to the n-th request; ``seconds`` spreads each body over that long (real-time pacing)."""

    def __init__(self, serve: Callable[[int], bytes | tuple[bytes, int] | None], *, seconds: float = 0.0) -> None:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests += 1
                body = serve(server.requests)
                if body is None:
                    server.release.wait(30)
                    return
                body, length = body if isinstance(body, tuple) else (body, len(body))
                self.send_response(200)
                self.send_header("Content-Type", "video/mp2t")
                self.send_header("Content-Length", str(length))  # more than the body: the connection drops early
                self.end_headers()
                # Paced: about 5 ms of stream a write, so frames arrive one by one as from an encoder, not in bursts.
                chunk = max(188, int(len(body) / (200 * seconds)) // 188 * 188) if seconds else CHUNK
                started, chunks = time.monotonic(), max(1, -(-len(body) // chunk))
                for index, start in enumerate(range(0, len(body), chunk)):
                    self.wfile.write(body[start : start + chunk])
                    delay = started + seconds * (index + 1) / chunks - time.monotonic()
                    time.sleep(max(delay, 0.001))  # a little at a time, as a live feed arrives

            def log_message(self, *args):
                pass

        self.requests = 0
        self.release = threading.Event()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/stream.ts"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def __enter__(self) -> StreamServer:
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class UdpSender:
    """Sends a body as MPEG-TS over UDP to a receiver on 127.0.0.1, as a camera or an encoder multicasts one.

    A UDP receiver binds the port it is told, so the port must be known first; choosing a "free" one and
    hoping is a race. Here the port is held by a socket of ours (``SO_REUSEADDR``, as the receiver's URL asks
    with ``reuse=1``) until the receiver has bound it too, seen in ``/proc/net/udp`` (Linux); then ours is closed
    and the body is sent, paced over ``seconds``.
    """

    def __init__(self, body: bytes, *, seconds: float = 1.0) -> None:
        self.hold = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.hold.bind(("127.0.0.1", 0))
        self.port = self.hold.getsockname()[1]
        self.url = f"udp://127.0.0.1:{self.port}?reuse=1"
        self.sent = threading.Event()
        self.thread = threading.Thread(target=self._send, args=(body, seconds), daemon=True)
        self.thread.start()

    def _bound(self) -> int:
        suffix = f":{self.port:04X}"
        with open("/proc/net/udp") as table:
            return sum(1 for line in table.read().splitlines()[1:] if line.split()[1].endswith(suffix))

    def _send(self, body: bytes, seconds: float) -> None:
        while self._bound() < 2:
            time.sleep(0.01)
        self.hold.close()
        datagram = 7 * 188  # MPEG-TS over UDP: seven packets a datagram
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            count = max(1, -(-len(body) // datagram))
            for start in range(0, len(body), datagram):
                out.sendto(body[start : start + datagram], ("127.0.0.1", self.port))
                time.sleep(seconds / count)
        self.sent.set()


class FolderServer:
    """Serves a folder's files over HTTP on 127.0.0.1 (the port the OS gives): an HLS playlist and its segments."""

    def __init__(self, folder) -> None:
        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(folder), **kwargs)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def __enter__(self) -> FolderServer:
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
