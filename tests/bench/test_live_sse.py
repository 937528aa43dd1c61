"""bench/live_sse.py, run as `make bench` runs it but at its tiny scale (``--tiny``): its ASGI
server starts with its workers, a few viewers get every change, and after both workers are
stopped they all come back with the change they missed. It needs no database, only Redis: a
database of this test process's own (the script's channels and keys carry its own prefix and
are deleted afterwards). Deselect with ``-m "not bench"``."""

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT = 120  # about 10 s on a quiet machine
REDIS_DATABASES = 16
PRINTS = (
    "Live pages by server-sent events: 3 viewers on one war room, 2 incidents open",
    "| a. idle, 3 connections held 2 s | server CPU ",
    "| b. a change to all 3 viewers (2 changes) | p50 ",
    "| c. both workers sent SIGTERM, 3 viewers | streams ended ",
    "the change made meanwhile reached all after",
)

pytestmark = pytest.mark.bench


def _redis_url() -> str:
    """A Redis database after the suite's, one per test process (as tests/bench/test_scripts)."""
    suite = urlsplit(settings.CELERY_BROKER_URL)
    number = int(suite.path.strip("/") or 0)
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    return urlunsplit(suite._replace(path=f"/{(number + 1 + worker) % REDIS_DATABASES}"))


@pytest.mark.timeout(TIME_LIMIT + 60)
def test_a_tiny_run_of_the_sse_benchmark_exits_0_and_prints_its_figures():
    env = {**os.environ, "BENCH_LIVE_SSE_REDIS_URL": _redis_url()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [sys.executable, "bench/live_sse.py", "--tiny"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # the script stops its server on SIGTERM
        output, _ = process.communicate(timeout=60)
        pytest.fail(f"bench/live_sse.py --tiny ran over {TIME_LIMIT} s:\n{output[-4000:]}")

    assert process.returncode == 0, f"bench/live_sse.py --tiny failed:\n{output[-4000:]}"
    missing = [line for line in PRINTS if line not in output]
    assert not missing, f"bench/live_sse.py --tiny did not print {missing}:\n{output[-4000:]}"
