"""The delivery process: HTTP attempts of callbacks, on a core of their own.

Started by ``callbacks.process`` (``start([FD, IDLE])``, in a new interpreter) with one end
of a socket pair as FD. It receives ready requests (URL, signed body bytes,
timeout, read limit), makes each attempt over ``callbacks.http.Client`` as the sandbox
would in-process, and answers what came back; it keeps no callback state of its own, so
the sandbox decides everything else (status order, retries, cancels, the journal). It stops
when the socket closes: the sandbox stopped, or died. Imports no aiohttp: it starts in a
fraction of the sandbox's start-up time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

from vexora_sandbox import eventloop
from vexora_sandbox.callbacks import pipe
from vexora_sandbox.callbacks.http import Answer, Client
from vexora_sandbox.callbacks.selfcall import OwnAddresses


class Worker:
    def __init__(self, max_idle_per_destination: int) -> None:
        self.own = OwnAddresses()
        self.client = Client(
            max_idle_per_destination=max_idle_per_destination, refuse=self.own.refusal
        )
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.done = asyncio.get_running_loop().create_future()
        self.pipe = pipe.Pipe(self.receive, self.lost)

    def receive(self, messages: list[pipe.Message]) -> None:
        for message in messages:
            kind = message[0]
            if kind == pipe.POST:
                _, number, url, body, timeout, limit = message
                self.tasks[number] = asyncio.create_task(
                    self.attempt(number, url, body, timeout, limit)
                )
            elif kind == pipe.ABORT:
                task = self.tasks.pop(message[1], None)
                if task is not None:
                    task.cancel()
            elif kind == pipe.OWN:
                self.own.add(message[1], message[2])

    async def attempt(self, number: int, url: str, body: bytes, timeout: float, limit: int) -> None:
        try:
            answer: Answer = await self.client.post(url, body, timeout=timeout, max_response=limit)
        except asyncio.CancelledError:
            return  # aborted: the sandbox no longer waits for it
        except Exception as exc:  # a bug of ours: the sandbox records it
            self.pipe.send((pipe.BUG, number, f"{type(exc).__name__}: {exc}"))
            self.tasks.pop(number, None)
            return
        self.tasks.pop(number, None)
        self.pipe.send(
            (
                pipe.ANSWER,
                number,
                answer.status,
                answer.body,
                answer.error,
                answer.refused,
                answer.elapsed,
            )
        )

    def lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)

    async def run(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        await loop.create_unix_connection(lambda: self.pipe, sock=sock)
        self.pipe.send((pipe.READY, os.getpid()))
        await self.done
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        await self.client.close()


async def main(fd: int, max_idle: int) -> None:
    sock = socket.socket(fileno=fd)
    await Worker(max_idle).run(sock)


def start(argv: list[str]) -> None:
    """The process's entry: ``argv`` is the socket's FD and the idle connections kept per
    destination."""
    # A Ctrl-C reaches the whole process group: the sandbox stops this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    eventloop.run(main(int(argv[0]), int(argv[1])))


if __name__ == "__main__":
    start(sys.argv[1:])
