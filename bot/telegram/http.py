"""The bot's HTTP client for the Bot API: python-telegram-bot's HTTPXRequest, as the
ApplicationBuilder would make it, on a connection pool whose look at an idle connection
costs one poll of its socket.

Before every request it queues and after every response it finishes, httpcore looks at each
idle keep-alive connection for a server that hung up. Through anyio (4.x) each look builds a
map of the socket's attributes and asks the kernel for the peer's address, then polls. The
dispatcher sends to many chats at once, so the pool keeps several connections: those looks
were about a tenth of the bot's CPU per answer (bench/backlog.py). Here a connection keeps
its socket and polls it; what httpcore does with the answer is unchanged.
"""

from __future__ import annotations

import select
import socket
import urllib.request
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx
from telegram.request import HTTPXRequest

CONNECTIONS = 256
"""At most this many connections at once (python-telegram-bot's default for the bot)."""

ON_WRITE: ContextVar[Callable[[], None] | None] = ContextVar("on_write", default=None)
"""Called each time this task's request is written to its connection (httpcore writes in the
task that makes the request): the rate limiter counts a message from when it really left."""


def api_request() -> HTTPXRequest:
    """The request object for ApplicationBuilder.request: PTB's defaults, on this pool; on
    PTB's own when a proxy is set in the environment (HTTPS_PROXY and the like), which httpx
    honours only when it builds its transports itself."""
    if proxy_in_environment():
        return HTTPXRequest(connection_pool_size=CONNECTIONS)
    return HTTPXRequest(httpx_kwargs={"transport": ApiTransport()})


def proxy_in_environment() -> bool:
    """Whether the environment names a proxy for HTTP or HTTPS (or all) traffic."""
    proxies = urllib.request.getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


class ApiTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (its mapping of requests, responses and errors), on a pool of
    connections that look at their sockets cheaply. httpx has no way to give its pool a
    network backend, so this builds the pool httpx's __init__ would have built (not called:
    its pool, and the TLS context it loads, would only be thrown away)."""

    def __init__(self, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=CONNECTIONS)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PollingBackend(),
        )


class PollingBackend(httpcore.AsyncNetworkBackend):
    """anyio's network backend (httpcore's default under asyncio), its streams wrapped."""

    def __init__(self) -> None:
        self._anyio = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._anyio.connect_tcp(host, port, timeout, local_address, socket_options)
        return PollingStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return PollingStream(await self._anyio.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._anyio.sleep(seconds)


class PollingStream(httpcore.AsyncNetworkStream):
    """A connection that answers "is_readable" by polling the socket it keeps."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket: socket.socket | None = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        written = ON_WRITE.get()
        if written is not None:
            written()
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return PollingStream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return readable(self._socket)
        return self._stream.get_extra_info(info)


def readable(sock: socket.socket | None) -> bool:
    """Whether a read would not wait: data, or the peer's hang-up, is there. A socket that is
    gone counts as readable (httpcore then drops the connection), as in httpcore itself."""
    descriptor = -1 if sock is None else sock.fileno()
    if descriptor < 0:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([descriptor], [], [], 0)[0])
    poll = select.poll()
    poll.register(descriptor, select.POLLIN)
    return bool(poll.poll(0))
