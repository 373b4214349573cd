"""A TCP relay the fault tests put between the app and a server (PostgreSQL, Redis) to cut or
freeze the link."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from typing import Any


class Relay:
    """A TCP relay from 127.0.0.1:<port> to target, that the test can cut and restore, or
    freeze: connections stay open and new ones are accepted, but no byte is passed on (a hung
    server, a full network queue) until it thaws."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._flowing = threading.Event()
        self._flowing.set()
        self._lock = threading.Lock()
        self._links: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._listener: socket.socket | None = None

    def restore(self) -> None:
        """Listen again, on the same port once it is known."""
        self._stop = threading.Event()
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR on POSIX
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._spawn(self._accept, listener, self._stop)

    def freeze(self) -> None:
        """Stop forwarding, without closing anything."""
        self._flowing.clear()

    def thaw(self) -> None:
        """Forward again, starting with what was held."""
        self._flowing.set()

    def cut(self) -> None:
        """Stop listening and break every open connection, as a crashed server would."""
        self._stop.set()
        self._flowing.set()  # pumps held by a freeze must see the cut
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            with contextlib.suppress(OSError):
                link.shutdown(socket.SHUT_RDWR)  # wakes the pumps blocked in recv()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        for link in links:
            link.close()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if stop.is_set():
                    client.close()
                    upstream.close()
                    return
                self._links += [client, upstream]
                self._spawn(self._pump, client, upstream)
                self._spawn(self._pump, upstream, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                self._flowing.wait()
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)  # pass the end of stream on
