"""A callback receiver for the benchmarks, in its own process: cheap, so it steals little CPU.

A bare asyncio protocol speaking just enough HTTP/1.1 (Content-Length bodies,
keep-alive). ``POST`` anything: answers ``OK`` and records when each callback arrived, by
tradeNo. ``GET /_stats`` answers {"count", "arrivals": {tradeNo: [epoch seconds...]}}.
``--hang PATH``: requests to PATH are read and never answered (a merchant that hangs).
Prints ``serving on URL`` when ready; stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import time

_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
_TRADE_NO = re.compile(rb'"tradeNo":"([^"]*)"')
OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK"


class Receiver(asyncio.Protocol):
    def __init__(self, stats: dict[str, list[float]], hang: set[bytes]) -> None:
        self.stats = stats
        self.hang = hang
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            match = _LENGTH.search(head)
            length = int(match.group(1)) if match else 0
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self.handle(head, body)

    def handle(self, head: bytes, body: bytes) -> None:
        assert self.transport is not None
        method, path = head.split(b" ", 2)[:2]
        if method == b"GET" and path == b"/_stats":
            payload = json.dumps(
                {"count": sum(len(v) for v in self.stats.values()), "arrivals": self.stats}
            ).encode()
            self.transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(payload)).encode()
                + b"\r\n\r\n"
                + payload
            )
            return
        if path in self.hang:
            return
        match = _TRADE_NO.search(body)
        trade_no = match.group(1).decode() if match else ""
        self.stats.setdefault(trade_no, []).append(time.time())
        self.transport.write(OK)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hang", action="append", default=[], help="path never answered")
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    stats: dict[str, list[float]] = {}
    hang = {p.encode() for p in args.hang}
    server = await loop.create_server(lambda: Receiver(stats, hang), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"serving on http://127.0.0.1:{port}", flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
