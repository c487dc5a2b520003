"""The callbacks' own HTTP/1.1 client against raw asyncio servers on 127.0.0.1.

Each server below writes its answers byte for byte (no HTTP library in between), so the
client meets exactly the framing under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from vexora_sandbox._version import __version__
from vexora_sandbox.callbacks.http import Client, parse_url

Handler = Callable[["RawServer", asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"


class RawServer:
    """Calls ``handler`` per connection; counts connections, keeps every request."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []
        self.in_flight = 0
        self.peak = 0
        self.port = 0
        self.tasks: set[asyncio.Task[object]] = set()

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        self.connections += 1
        try:
            await self.handler(self, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self.tasks.discard(task)

    async def request(self, reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        match = _LENGTH.search(head)
        raw = head + await reader.readexactly(int(match.group(1)) if match else 0)
        self.requests.append(raw)
        return raw

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/notify"


Serve = Callable[..., Awaitable[RawServer]]


@pytest.fixture
def delivery_mode() -> str:
    """The client alone, without a dispatcher: the delivery modes of conftest do not apply."""
    return "client"


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[tuple[asyncio.Server, RawServer]] = []

    async def start(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> RawServer:
        raw = RawServer(handler)
        server = await asyncio.start_server(raw.accept, "127.0.0.1", 0, ssl=ssl_context)
        raw.port = server.sockets[0].getsockname()[1]
        servers.append((server, raw))
        return raw

    yield start
    for server, raw in servers:
        server.close()
        for task in list(raw.tasks):
            task.cancel()
        await asyncio.gather(*raw.tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await server.wait_closed()


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    http = Client(max_idle_per_destination=4)
    yield http
    await http.close()


def answering(*answers: bytes, then_close: bool = False) -> Handler:
    """A handler that reads a request and writes the next answer, on every connection."""

    async def handle(raw: RawServer, reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        for answer in answers:
            await raw.request(reader)
            w.write(answer)
            await w.drain()
        if not then_close:
            await reader.read()  # until the client hangs up

    return handle


Result = tuple[int | None, bytes, str | None]


async def post(client: Client, url: str, *, limit: int = 1024, timeout: float = 2.0) -> Result:
    answer = await client.post(url, b'{"a":"1"}', timeout=timeout, max_response=limit)
    return (answer.status, answer.body, answer.error)


async def test_content_length_and_the_request_bytes(client: Client, serve: Serve) -> None:
    server = await serve(answering(OK))
    url = f"http://127.0.0.1:{server.port}/cb/notify?token=a%2Fb%3Dc%7E%41&x=%20"
    assert await post(client, url) == (200, b"OK", None)
    assert server.requests == [
        b"POST /cb/notify?token=a%2Fb%3Dc%7E%41&x=%20 HTTP/1.1\r\n"
        + f"Host: 127.0.0.1:{server.port}\r\n".encode()
        + f"User-Agent: vexora-sandbox/{__version__}\r\n".encode()
        + b"Content-Type: application/json\r\nConnection: keep-alive\r\n"
        + b'Content-Length: 9\r\n\r\n{"a":"1"}'
    ]


def test_urls() -> None:
    target = parse_url("https://user:p%40ss@[::1]/?q=1#frag")
    assert (target.destination.host, target.destination.port) == ("::1", 443)
    assert target.head.startswith(b"POST /?q=1 HTTP/1.1\r\nHost: [::1]\r\n")
    assert b"Authorization: Basic dXNlcjpwQHNz\r\n" in target.head
    assert parse_url("http://Example.com:8080").head.startswith(
        b"POST / HTTP/1.1\r\nHost: example.com:8080\r\n"
    )
    for bad in ("ftp://x/", "http:///x", "http://x:99999/", "http://x/a b", "http://x/\r\n"):
        with pytest.raises(ValueError):
            parse_url(bad)


async def test_chunked_with_trailers_then_reuse(client: Client, serve: Serve) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"1\r\nO\r\n1;name=value\r\nK\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n"
    )
    server = await serve(answering(chunked, OK))
    assert await post(client, server.url) == (200, b"OK", None)
    assert await post(client, server.url) == (200, b"OK", None)
    assert (server.connections, client.connections_opened) == (1, 1)


async def test_a_close_delimited_answer(client: Client, serve: Serve) -> None:
    server = await serve(answering(b"HTTP/1.1 200 OK\r\n\r\nOK", then_close=True))
    assert await post(client, server.url) == (200, b"OK", None)
    assert await post(client, server.url) == (200, b"OK", None)
    assert server.connections == 2  # not reused: its end was the connection's end


async def test_http_1_0_answers(client: Client, serve: Serve) -> None:
    closing = await serve(answering(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK"))
    kept = await serve(
        answering(
            *[b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nOK"] * 2
        )
    )
    for server in (closing, kept):
        assert await post(client, server.url) == (200, b"OK", None)
        assert await post(client, server.url) == (200, b"OK", None)
    assert (closing.connections, kept.connections) == (2, 1)


async def test_interim_100_continue_is_skipped(client: Client, serve: Serve) -> None:
    server = await serve(answering(b"HTTP/1.1 100 Continue\r\n\r\n" + OK))
    assert await post(client, server.url) == (200, b"OK", None)


async def test_keep_alive_reuses_one_connection(client: Client, serve: Serve) -> None:
    server = await serve(answering(OK, OK, OK))
    for _ in range(3):
        assert await post(client, server.url) == (200, b"OK", None)
    assert (server.connections, client.connections_opened, len(server.requests)) == (1, 1, 3)
    assert client.idle_count() == 1


async def test_a_stale_pooled_connection_is_retried_once(client: Client, serve: Serve) -> None:
    async def timed_out(raw: RawServer, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await raw.request(r)
        w.write(OK)
        await w.drain()
        await raw.request(r)  # as if its idle timeout struck just now: hang up, no answer

    server = await serve(timed_out)
    assert await post(client, server.url) == (200, b"OK", None)
    assert await post(client, server.url) == (200, b"OK", None)
    assert (server.connections, client.connections_opened) == (2, 2)


async def test_a_fresh_connection_closed_without_answer_is_not_retried(
    client: Client, serve: Serve
) -> None:
    async def hang_up(raw: RawServer, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await raw.request(r)

    server = await serve(hang_up)
    assert await post(client, server.url) == (None, b"", "connection closed before any answer")
    assert len(server.requests) == 1


async def test_connection_close_is_honoured(client: Client, serve: Serve) -> None:
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK"
    server = await serve(answering(closing))
    assert await post(client, server.url) == (200, b"OK", None)
    assert client.idle_count() == 0
    assert await post(client, server.url) == (200, b"OK", None)
    assert server.connections == 2


async def test_headers_too_large(client: Client, serve: Serve) -> None:
    huge = b"HTTP/1.1 200 OK\r\nX-Filler: " + b"a" * 100_000 + b"\r\nContent-Length: 2\r\n\r\nOK"
    server = await serve(answering(huge))
    assert await post(client, server.url) == (
        None,
        b"",
        "answer headers longer than 65536 bytes",
    )


async def test_not_http_and_cut_short(client: Client, serve: Serve) -> None:
    garbage = await serve(answering(b"SMTP ready\r\n\r\n"))
    cut = await serve(
        answering(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nOK", then_close=True)
    )
    assert await post(client, garbage.url) == (None, b"", "not an HTTP answer: b'SMTP ready'")
    assert await post(client, cut.url) == (
        200,
        b"OK",
        "answer cut short: the connection closed after 2 of 10 body bytes",
    )


@pytest.mark.parametrize("chunked", [False, True])
async def test_the_body_is_read_only_up_to_the_limit(
    client: Client, serve: Serve, chunked: bool
) -> None:
    written = 0

    async def endless(raw: RawServer, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        nonlocal written
        await raw.request(r)
        framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: 1073741824"
        w.write(b"HTTP/1.1 200 OK\r\n" + framing + b"\r\n\r\n")
        block = b"x" * 65536
        while written < 1 << 30:
            w.write(b"10000\r\n" + block + b"\r\n" if chunked else block)
            await w.drain()
            written += len(block)

    server = await serve(endless)
    status, body, error = await post(client, server.url, limit=1000)
    assert (status, body) == (200, b"x" * 1000)
    assert error == "answer longer than 1000 bytes; the rest was not read"
    assert client.idle_count() == 0
    for _ in range(100):
        if not server.tasks:
            break
        await asyncio.sleep(0.02)
    assert written < 64 * 1024 * 1024


async def test_timeout_and_refused(client: Client, serve: Serve) -> None:
    async def never(raw: RawServer, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)

    server = await serve(never)
    assert await post(client, server.url, timeout=0.2) == (
        None,
        b"",
        "no complete answer within 0.2 s",
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert await post(client, f"http://127.0.0.1:{port}/") == (
        None,
        b"",
        f"connection refused by 127.0.0.1:{port}",
    )
    assert await post(client, "gopher://x/") == (
        None,
        b"",
        "cannot send to this URL: scheme 'gopher' is not http or https",
    )


async def test_https_with_certificate_verification(serve: Serve) -> None:
    trustme = pytest.importorskip("trustme", reason="trustme (pip install trustme) not installed")
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    server = await serve(answering(OK, OK), ssl_context=server_context)
    url = f"https://127.0.0.1:{server.port}/notify"

    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    http = Client(ssl_context=trusting)
    try:
        assert await post(http, url) == (200, b"OK", None)
        assert await post(http, url) == (200, b"OK", None)
        assert http.connections_opened == 1
    finally:
        await http.close()

    untrusting = Client()  # the system's CAs: a self-signed authority is refused
    try:
        status, body, error = await post(untrusting, url)
    finally:
        await untrusting.close()
    assert (status, body) == (None, b"")
    assert isinstance(error, str)
    assert error.startswith(f"TLS certificate of 127.0.0.1:{server.port} not accepted")
