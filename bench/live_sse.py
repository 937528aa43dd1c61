"""Live pages by server-sent events: what idle viewers cost, how soon a change notice reaches all
of them, and how soon they are back after a restart; measured beside bench/live.py's polling.

Not the product: a minimal SSE endpoint on a real ASGI server (uvicorn, WEB_PROCESSES worker
processes, as many as bench/live.py's web processes). Each worker holds one Redis pub/sub
connection (redis.asyncio) and subscribes to the channels its viewers watch ("live:incident-12",
"live:pauses", "live:person-3": what a page's ETag covers in incidents/live.py), and writes one
event per published change to each viewer watching it. A viewer that reconnects says the last
event it had (Last-Event-ID) and is told at once what changed meanwhile, so a change published
while it was away is not lost. Viewers are EventSource-like clients (httpx, in this process):
they reconnect after the server's ``retry`` (1 s, polling's interval) whenever the stream ends.

a. Idle: every viewer watches one incident, with 20 incidents' channels in use; connections held
   for --idle-seconds with nothing published (a keep-alive comment every 15 s, as a proxy in
   front needs): the server's CPU seconds per second and its RSS per connection (both worker
   processes and their supervisor, from /proc).
b. A change: the watched incident's version bumped and published (each other incident's too,
   which nobody watches), --changes times: the latency from the publish until each viewer has
   the notice, p50/p95/max over every viewer and change. The notice alone: each viewer then
   fetches its page, what bench/live.py measures.
c. Restart: SIGTERM to both workers (their streams end; the supervisor starts new ones), a change
   published while they are down: how long until the workers are back, until every viewer is
   connected again and until every viewer has the change it missed.

Redis: BENCH_LIVE_SSE_REDIS_URL (default db 10); the channels and keys carry this run's own
prefix (pub/sub ignores the database number) and the keys are deleted afterwards. Run with
`make bench` or on its own:
    .venv/bin/python bench/live_sse.py [--viewers 200] [--incidents 20] [--idle-seconds 20]
`--tiny` (the tests' run): 3 viewers, 2 incidents, 2 s idle, 2 changes.
"""

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import redis.asyncio as redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import parse  # noqa: E402
from bench.processes import (  # noqa: E402
    HelperFailed,
    percentile,
    stop_all,
    stop_helpers_on_sigterm,
)

if TYPE_CHECKING:
    import httpx

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
WEB_PROCESSES = 2  # bench/live.py's
RETRY_MS = 1000  # the viewer's wait before reconnecting: polling's interval (static/js/live.js)
KEEP_ALIVE_SECONDS = 15.0  # a comment on an idle stream, so that no proxy closes it
KEEP_SECONDS = 3600  # this run's version keys expire even if it is killed
READ_CONNECTIONS = 4  # a worker's Redis connections for reads, beside its pub/sub connection
PAGE_KEYS_MOST = 5  # incidents.live.PAGE_KEYS_MOST
# What the workers read from their environment (the benchmark sets it when it starts them).
REDIS_VARIABLE = "BENCH_LIVE_SSE_REDIS_URL"
PREFIX_VARIABLE = "BENCH_LIVE_SSE_PREFIX"

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


# The server: one hub per worker process.


class Hub:
    """This worker's one pub/sub connection, shared by every stream it serves: a channel is
    subscribed while someone here watches it, and each message is handed to their queues."""

    def __init__(self, url: str, prefix: str) -> None:
        self.prefix = prefix
        # Reads (a viewer's versions when it connects) wait for one of a few connections: 200
        # viewers reconnecting at once would otherwise open a connection each, past the pool's
        # limit (100).
        pool = redis.BlockingConnectionPool.from_url(
            url, decode_responses=True, max_connections=READ_CONNECTIONS, timeout=10
        )
        self.redis = redis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub()
        self.watchers: dict[str, set[asyncio.Queue[str | None]]] = {}
        self.reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # listen() returns while nothing is subscribed: the hub's own channel keeps it going.
        await self.pubsub.subscribe(f"{self.prefix}hub")
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.pubsub.listen():
            if message["type"] != "message":
                continue
            key = message["channel"].removeprefix(self.prefix)
            for queue in self.watchers.get(key, ()):
                queue.put_nowait(f"{key} {message['data']}")

    async def watch(self, keys: list[str], queue: asyncio.Queue[str | None]) -> None:
        new = [key for key in keys if key not in self.watchers]
        for key in keys:
            self.watchers.setdefault(key, set()).add(queue)
        if new:
            await self.pubsub.subscribe(*(self.prefix + key for key in new))

    async def unwatch(self, keys: list[str], queue: asyncio.Queue[str | None]) -> None:
        gone = []
        for key in keys:
            queue_set = self.watchers.get(key, set())
            queue_set.discard(queue)
            if not queue_set:
                self.watchers.pop(key, None)
                gone.append(key)
        if gone:
            await self.pubsub.unsubscribe(*(self.prefix + key for key in gone))

    async def versions(self, keys: list[str]) -> list[str]:
        found = await self.redis.mget([f"{self.prefix}v:{key}" for key in keys])
        return [str(value or "0") for value in found]

    def end_streams(self) -> None:
        for queue in {queue for queues in self.watchers.values() for queue in queues}:
            queue.put_nowait(None)

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        await self.pubsub.aclose()
        await self.redis.aclose()


HUB: Hub | None = None


def _event(keys: list[str], versions: dict[str, str], data: str) -> bytes:
    last_id = ".".join(versions[key] for key in keys)
    return f"id: {last_id}\nevent: changed\ndata: {data}\n\n".encode()


async def _stream(scope: Scope, receive: Receive, send: Send, hub: Hub) -> None:
    query = parse_qs(scope["query_string"].decode())
    keys = sorted({key for key in query.get("on", [""])[0].split(",") if key})[:PAGE_KEYS_MOST]
    headers = dict(scope["headers"])
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        queue.put_nowait(None)

    await hub.watch(keys, queue)  # subscribed first, then the versions read
    watching = asyncio.create_task(disconnected())
    try:
        versions = dict(zip(keys, await hub.versions(keys), strict=True))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream"),
                    (b"cache-control", b"no-store"),
                    (b"x-accel-buffering", b"no"),
                ],
            }
        )
        opening = f"retry: {RETRY_MS}\n\n".encode()
        # A viewer coming back is told at once what changed while it was away.
        seen = headers.get(b"last-event-id", b"").decode().split(".")
        if len(seen) == len(keys):
            for key, had in zip(keys, seen, strict=True):
                if had != versions[key]:
                    opening += _event(keys, versions, f"{key} {versions[key]}")
        await send({"type": "http.response.body", "body": opening, "more_body": True})
        while True:
            try:
                notice = await asyncio.wait_for(queue.get(), KEEP_ALIVE_SECONDS)
            except TimeoutError:
                await send({"type": "http.response.body", "body": b": -\n\n", "more_body": True})
                continue
            if notice is None:  # the viewer left, or the worker is stopping
                break
            key, version = notice.split(" ")
            versions[key] = version
            await send(
                {
                    "type": "http.response.body",
                    "body": _event(keys, versions, notice),
                    "more_body": True,
                }
            )
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        watching.cancel()
        await hub.unwatch(keys, queue)


def _end_streams_on_sigterm(hub: Hub) -> None:
    """A stream never ends by itself, so uvicorn's graceful shutdown would wait for it for ever:
    when the worker is told to stop, end every stream (the viewers reconnect to the next
    worker), then let uvicorn stop as it would."""
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGTERM)

    def stopping(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(hub.end_streams)
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, stopping)


async def _lifespan(receive: Receive, send: Send) -> None:
    global HUB
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            HUB = Hub(os.environ[REDIS_VARIABLE], os.environ[PREFIX_VARIABLE])
            await HUB.start()
            _end_streams_on_sigterm(HUB)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if HUB is not None:
                await HUB.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI application: GET /events?on=incident-1,pauses,person-3 streams the changes of
    those keys; anything else answers 200 "ok" (the benchmark's readiness check)."""
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] == "http" and scope["path"] == "/events" and HUB is not None:
        await _stream(scope, receive, send, HUB)
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


# The benchmark: the server's processes, the viewers and the publisher.


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _is_worker(pid: int) -> bool:
    """A uvicorn worker, not multiprocessing's resource tracker beside them."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _tree(pid: int) -> list[int]:
    found = [pid]
    for child in _children(pid):
        found += _tree(child)
    return found


def _cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(port: int, redis_url: str, prefix: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        REDIS_VARIABLE: redis_url,
        PREFIX_VARIABLE: prefix,
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.live_sse:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WEB_PROCESSES),
        "--lifespan",
        "on",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


async def _workers(
    server: subprocess.Popen[bytes], *, besides: set[int], timeout: float
) -> list[int]:
    """The server's WEB_PROCESSES workers once they all run (none of ``besides``)."""
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if server.poll() is not None:
            raise HelperFailed(f"uvicorn exited ({server.returncode})")
        workers = [pid for pid in _children(server.pid) if pid not in besides and _is_worker(pid)]
        if len(workers) == WEB_PROCESSES:
            return workers
        await asyncio.sleep(0.01)
    raise HelperFailed(f"uvicorn's {WEB_PROCESSES} workers did not start within {timeout:.0f} s")


@dataclass
class Viewer:
    """One open page's EventSource: its stream, reconnecting after ``retry`` when it ends."""

    on: str
    watched: str
    connected: bool = False
    connections: int = 0
    connected_at: list[float] = field(default_factory=list)
    arrivals: dict[int, float] = field(default_factory=dict)  # watched version -> when

    async def run(self, client: "httpx.AsyncClient", url: str) -> None:
        import httpx

        last_id, retry = "", RETRY_MS / 1000
        while True:
            headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
            if last_id:
                headers["Last-Event-ID"] = last_id
            try:
                async with client.stream("GET", url, params={"on": self.on}, headers=headers) as r:
                    if r.status_code != 200:
                        raise HelperFailed(f"/events answered {r.status_code}")
                    self.connected = True
                    self.connections += 1
                    self.connected_at.append(time.perf_counter())
                    event_id, data = last_id, ""
                    async for line in r.aiter_lines():
                        if line.startswith(":"):
                            continue
                        if line:
                            name, _, value = line.partition(":")
                            value = value.removeprefix(" ")
                            if name == "retry":
                                retry = int(value) / 1000
                            elif name == "id":
                                event_id = value
                            elif name == "data":
                                data = value
                            continue
                        last_id = event_id
                        if data:
                            self._notice(data)
                        data = ""
            except httpx.TransportError:
                pass
            self.connected = False
            await asyncio.sleep(retry)

    def _notice(self, data: str) -> None:
        key, version = data.split(" ")
        if key == self.watched:
            self.arrivals.setdefault(int(version), time.perf_counter())


def _all_have(viewers: list[Viewer], version: int) -> Callable[[], bool]:
    return lambda: all(version in viewer.arrivals for viewer in viewers)


async def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    ends = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > ends:
            raise HelperFailed(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.005)


def _ms(values: list[float]) -> str:
    return (
        f"p50 {1000 * statistics.median(values):.1f} ms, "
        f"p95 {1000 * percentile(values, 0.95):.1f} ms, max {1000 * max(values):.1f} ms"
    )


async def _measure(options: argparse.Namespace, redis_url: str) -> None:
    import httpx

    prefix = f"bench-live-sse-{os.getpid()}:live:"
    incidents = [f"incident-{n}" for n in range(1, options.incidents + 1)]
    watched = incidents[0]
    publisher = redis.Redis.from_url(redis_url, decode_responses=True)
    server: subprocess.Popen[bytes] | None = None
    tasks: list[asyncio.Task[None]] = []

    async def publish(*keys: str) -> int:
        """Bump each key's version and publish it; the watched key's new version."""
        async with publisher.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.incr(f"{prefix}v:{key}")
                pipe.expire(f"{prefix}v:{key}", KEEP_SECONDS)
            bumped = (await pipe.execute())[::2]
        async with publisher.pipeline(transaction=False) as pipe:
            for key, version in zip(keys, bumped, strict=True):
                pipe.publish(prefix + key, version)
            await pipe.execute()
        return int(bumped[0])

    try:
        await publisher.ping()
        port = _free_port()
        server = _start_server(port, redis_url, prefix)
        workers = await _workers(server, besides=set(), timeout=60)
        base = f"http://127.0.0.1:{port}"
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        # A dead stream shows as silence: read timeout past the keep-alive, as a browser's is.
        timeout = httpx.Timeout(10.0, read=3 * KEEP_ALIVE_SECONDS)
        async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
            await _until_ready(client, base)
            print(
                f"Live pages by server-sent events: {options.viewers} viewers on one war room, "
                f"{options.incidents} incidents open; uvicorn, {WEB_PROCESSES} worker processes, "
                "Redis pub/sub"
            )
            url = f"{base}/events"
            pids = _tree(server.pid)
            rss_before = await _warm_rss(client, url, watched, pids)
            viewers = [
                Viewer(on=f"{watched},pauses,person-{n}", watched=watched)
                for n in range(options.viewers)
            ]
            tasks = [asyncio.create_task(viewer.run(client, url)) for viewer in viewers]
            await _until(lambda: all(v.connected for v in viewers), 60, "viewers connected")

            # a. idle
            await asyncio.sleep(1.0)
            cpu_before, started = _cpu_seconds(pids), time.perf_counter()
            await asyncio.sleep(options.idle_seconds)
            cpu = (_cpu_seconds(pids) - cpu_before) / (time.perf_counter() - started)
            rss_after = _rss_bytes(pids)
            per_connection = (rss_after - rss_before) / len(viewers)
            assert all(v.connections == 1 for v in viewers), "a viewer reconnected while idle"

            # b. a change
            latencies, lasts = [], []
            for _change in range(options.changes):
                published = time.perf_counter()
                version = await publish(*incidents)
                await _until(_all_have(viewers, version), 30, "a change to every viewer")
                took = [viewer.arrivals[version] - published for viewer in viewers]
                latencies += took
                lasts.append(max(took))
                await asyncio.sleep(0.3)

            # c. restart
            connections = [viewer.connections for viewer in viewers]
            stopped = time.perf_counter()
            for pid in workers:
                os.kill(pid, signal.SIGTERM)
            await _until(lambda: not any(v.connected for v in viewers), 30, "streams ended")
            ended = time.perf_counter() - stopped
            missed = await publish(watched)
            await _workers(server, besides=set(workers), timeout=60)
            back = time.perf_counter() - stopped
            await _until(
                lambda: all(
                    viewer.connections > before and missed in viewer.arrivals
                    for viewer, before in zip(viewers, connections, strict=True)
                ),
                60,
                "every viewer back with the change it missed",
            )
            reconnected = [viewer.connected_at[-1] - stopped for viewer in viewers]
            caught_up = [viewer.arrivals[missed] - stopped for viewer in viewers]

        n = len(viewers)
        rows = [
            (
                f"a. idle, {n} connections held {options.idle_seconds:.0f} s",
                f"server CPU {cpu:.3f} s/s ({1000 * cpu / n:.3f} ms/s a viewer); RSS "
                f"{rss_before / 2**20:.0f} → {rss_after / 2**20:.0f} MiB, "
                f"{per_connection / 1024:.0f} KiB a connection",
            ),
            (
                f"b. a change to all {n} viewers ({options.changes} changes)",
                f"{_ms(latencies)}; the last viewer of each change p50 "
                f"{1000 * statistics.median(lasts):.1f} ms",
            ),
            (
                f"c. both workers sent SIGTERM, {n} viewers",
                f"streams ended {ended:.2f} s, new workers started {back:.2f} s, all "
                f"connected again {max(reconnected):.2f} s "
                f"(p50 {statistics.median(reconnected):.2f} s); the "
                f"change made meanwhile reached all after {max(caught_up):.2f} s",
            ),
        ]
        print("| measure | result |\n| --- | --- |")
        for what, result in rows:
            print(f"| {what} | {result} |")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            stop_all([server])
        keys = [key async for key in publisher.scan_iter(f"{prefix}*")]
        if keys:
            await publisher.delete(*keys)
        await publisher.aclose()


async def _warm_rss(client: "httpx.AsyncClient", url: str, watched: str, pids: list[int]) -> int:
    """The server's RSS once each worker has served a few streams (what a first stream loads
    is not a connection's cost), with none open."""
    warm = [Viewer(on=f"{watched},pauses,person-warm-{n}", watched=watched) for n in range(10)]
    tasks = [asyncio.create_task(viewer.run(client, url)) for viewer in warm]
    try:
        await _until(lambda: all(v.connected for v in warm), 60, "warm-up viewers connected")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(0.5)
    return _rss_bytes(pids)


async def _until_ready(client: "httpx.AsyncClient", base: str) -> None:
    import httpx

    ends = time.monotonic() + 60
    while time.monotonic() < ends:
        with contextlib.suppress(httpx.TransportError):
            if (await client.get(f"{base}/")).status_code == 200:
                return
        await asyncio.sleep(0.05)
    raise HelperFailed("uvicorn did not answer within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--incidents", type=int, default=20)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--changes", type=int, default=20)
    options = parse(parser, {"viewers": 3, "incidents": 2, "idle_seconds": 2, "changes": 2})
    stop_helpers_on_sigterm("bench/live_sse.py")
    redis_url = os.environ.get(REDIS_VARIABLE) or DEFAULT_REDIS_URL
    asyncio.run(_measure(options, redis_url))


if __name__ == "__main__":
    main()
