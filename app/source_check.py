"""Whether each source page still answers: status, redirects and final address, politely fetched."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx

LinkVerdict = Literal["ok", "moved", "redirected", "dead", "unreachable"]
# Permanent redirects mean the page has a new address to record; temporary ones (often a login
# or a cookie wall) do not.
PERMANENT_REDIRECTS = frozenset({301, 308})
USER_AGENT = "aides-culture-numerique/1.0 (source check)"


@dataclass(frozen=True)
class SourceCheck:
    """The answer one source URL gave."""

    url: str
    verdict: LinkVerdict
    status: int | None
    final_url: str
    redirects: tuple[int, ...]
    error: str | None = None

    def describe(self) -> str:
        """One line for a report: verdict, status, and where the address led."""
        text = f"{self.verdict} {self.status if self.status is not None else '-'} {self.url}"
        if self.final_url != self.url:
            text += f" -> {self.final_url}"
        if self.error:
            text += f" ({self.error})"
        return text


class HostPacer:
    """At most one request per `interval` seconds to any one host, shared across threads."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self.lock = threading.Lock()
        self.next_slot: dict[str, float] = {}

    def wait(self, host: str) -> None:
        """Block until this host may be asked again."""
        with self.lock:
            now = self.clock()
            slot = max(now, self.next_slot.get(host, now))
            self.next_slot[host] = slot + self.interval
        delay = slot - now
        if delay > 0:
            time.sleep(delay)


def _verdict(response: httpx.Response) -> LinkVerdict:
    codes = [r.status_code for r in response.history]
    if response.status_code >= 400:
        return "dead"
    if any(code in PERMANENT_REDIRECTS for code in codes):
        return "moved"
    return "redirected" if codes else "ok"


def check_url(client: httpx.Client, url: str, pacer: HostPacer) -> SourceCheck:
    """Fetch one URL (the body is not read) and classify the answer."""
    pacer.wait(urlsplit(url).netloc)
    try:
        with client.stream("GET", url) as response:
            return SourceCheck(
                url,
                _verdict(response),
                response.status_code,
                str(response.url),
                tuple(r.status_code for r in response.history),
            )
    except httpx.TooManyRedirects:
        return SourceCheck(url, "dead", None, url, (), "too many redirects")
    except httpx.HTTPError as error:
        return SourceCheck(url, "unreachable", None, url, (), type(error).__name__)


def check_urls(
    urls: Iterable[str], *, timeout: float, per_host_interval: float, workers: int
) -> dict[str, SourceCheck]:
    """Check each distinct URL once, a few hosts at a time, each host paced."""
    distinct = list(dict.fromkeys(urls))
    pacer = HostPacer(per_host_interval)
    with (
        httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            max_redirects=10,
            headers={"User-Agent": USER_AGENT},
        ) as client,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        results = pool.map(lambda url: check_url(client, url, pacer), distinct)
        return dict(zip(distinct, results, strict=True))
