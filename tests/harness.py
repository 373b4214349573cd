"""What the tests and the benchmarks share: gunicorn started and stopped, pages read as a browser.

The benchmarks import it too (bench/ puts tests/ on their path), so a change to how the app is
served or how a form is submitted is made here once.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import PROJECT_ROOT

if TYPE_CHECKING:  # the benchmarks use this module without a Flask test client
    from flask.testing import FlaskClient

GUNICORN = Path(sys.executable).parent / "gunicorn"
BUTTONS = {"submit", "button", "image", "reset"}
_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


class ServerError(RuntimeError):
    """A server that exited or never answered, with the end of its error log."""


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- gunicorn -----------------------------------------------------------------------------------


@dataclass
class Gunicorn:
    """A gunicorn master serving wsgi:app on a loopback port, in its own process group."""

    process: subprocess.Popen[bytes]
    port: int
    error_log: Path

    def log_tail(self, characters: int = 3000) -> str:
        if not self.error_log.exists():
            return ""
        return self.error_log.read_text(encoding="utf-8", errors="replace")[-characters:]


def launch_gunicorn(
    options: Sequence[str], env: Mapping[str, str], error_log: Path, port: int | None = None
) -> Gunicorn:
    """Start gunicorn with these options (workers, logs…) on port (a free one by default),
    without waiting for it: several servers can start side by side."""
    if not GUNICORN.exists():
        raise ServerError("gunicorn is not installed")
    port = port or free_port()
    command = [
        str(GUNICORN),
        *options,
        f"--bind=127.0.0.1:{port}",
        f"--error-logfile={error_log}",
        "wsgi:app",
    ]
    process = subprocess.Popen(
        command,
        env=dict(env),
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: nothing of it outlives the caller
    )
    return Gunicorn(process, port, error_log)


def _answers(port: int, path: str, timeout: float) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def wait_until_answering(
    server: Gunicorn, path: str = "/static/style.css", seconds: float = 60
) -> None:
    """Return once GET path answers 200; ServerError if gunicorn exits or the time runs out."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if server.process.poll() is not None:
            raise ServerError(f"gunicorn exited:\n{server.log_tail()}")
        if _answers(server.port, path, timeout=max(1.0, left)):
            return
        time.sleep(0.2)
    raise ServerError(f"gunicorn did not answer {path} within {seconds} s:\n{server.log_tail()}")


def stop_process_group(process: subprocess.Popen[bytes], timeout: float = 40) -> None:
    """SIGTERM (gunicorn stops its workers gracefully), SIGKILL after timeout, then the whole
    process group, so that no worker is left behind."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def running_gunicorn(
    options: Sequence[str],
    env: Mapping[str, str],
    error_log: Path,
    ready_path: str = "/static/style.css",
    seconds: float = 60,
) -> Iterator[Gunicorn]:
    """gunicorn answering on a free port for the length of the block, stopped afterwards."""
    server = launch_gunicorn(options, env, error_log)
    try:
        wait_until_answering(server, ready_path, seconds)
        yield server
    finally:
        stop_process_group(server.process)


# -- pages --------------------------------------------------------------------------------------


def csrf_token_in(html: str) -> str:
    """The CSRF token of the page's form."""
    match = _CSRF.search(html)
    if not match:
        raise ValueError("no CSRF token on the page")
    return match.group(1) or match.group(2)


class FormReader(HTMLParser):
    """The fields a browser submits from the form with id form_id, no button pressed; the ids
    of the inputs a person fills in there, and the ids the page's labels point to."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.fields: list[tuple[str, str]] = []
        self.inputs: list[str] = []
        self.label_targets: set[str] = set()
        self._inside = False
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        present = {key for key, _value in attrs}
        if tag == "label" and "for" in attr:
            self.label_targets.add(attr["for"])
        if tag == "form" and attr.get("id") == self.form_id:
            self._inside = True
        if not self._inside:
            return
        name, kind = attr.get("name"), attr.get("type", "text")
        if tag in ("input", "select", "textarea") and kind not in BUTTONS | {"hidden"}:
            self.inputs.append(attr.get("id", ""))
        if tag == "input" and name and kind not in BUTTONS:
            if kind not in ("checkbox", "radio"):
                self.fields.append((name, attr.get("value", "")))
            elif "checked" in present:
                self.fields.append((name, attr.get("value", "on")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((attr.get("value", ""), "selected" in present))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # A browser drops the line break that directly follows <textarea>.
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self.fields.append((self._textarea, text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if chosen or self._options:
                self.fields.append((self._select, (chosen or [self._options[0][0]])[0]))
            self._select = None


def read_form(html: str, form_id: str) -> list[tuple[str, str]]:
    """The (name, value) pairs a browser would submit from that form, in page order."""
    reader = FormReader(form_id)
    reader.feed(html)
    return reader.fields


class JsonLd(HTMLParser):
    """The parsed <script type="application/ld+json"> blocks of a page, and its <h1>."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.blocks: list[Any] = []
        self.h1 = ""
        self._in: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and dict(attrs).get("type") == "application/ld+json":
            self._in = "script"
        elif tag == "h1":
            self._in = "h1"

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.blocks.append(json.loads(data))
        elif self._in == "h1":
            self.h1 += data

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def json_ld(client: FlaskClient, url: str) -> JsonLd:
    """The JSON-LD blocks and the <h1> of the page at url, which must answer 200."""
    response = client.get(url)
    assert response.status_code == 200, url
    return JsonLd(response.get_data(as_text=True))
