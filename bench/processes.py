"""The helpers the publishing benchmarks start: the fake X API and Celery workers.

The fake listens on a free port it picks itself and says which; a benchmark stops with a clear
error when a helper does not come up, rather than measuring whatever answers elsewhere.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CELERY = str(Path(PYTHON).parent / "celery")


class HelperFailed(SystemExit):
    pass


def worker_env(database_url: str, redis_url: str, log_level: str = "WARNING") -> dict[str, str]:
    """The environment the benchmark and the workers it starts share: the real settings on the
    given database and Redis, tasks queued (never run eagerly)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": log_level,
    }


def stop_helpers_on_sigterm(benchmark: str) -> None:
    """A benchmark stopped from outside (kill, a test's time limit) still stops the processes
    it started: SIGTERM becomes a SystemExit, so its ``finally`` blocks run."""

    def stopped(signum: int, frame: object) -> None:
        raise SystemExit(f"{benchmark}: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stopped)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_fake_x(env: dict[str, str], answer_delay: float = 0.0) -> tuple[subprocess.Popen, str]:
    """Start the fake X API on a free port; return the process and its address."""
    fake = subprocess.Popen(
        [PYTHON, "-m", "tests.fakes.x_api", "--port", "0", "--answer-delay", str(answer_delay)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdout is not None
    line = fake.stdout.readline().strip()  # "fake X API on http://127.0.0.1:PORT"
    if not line.startswith("fake X API on http://"):
        fake.kill()
        raise HelperFailed(f"the fake X API did not start (it said: {line or 'nothing'})")
    url = line.rsplit(" ", 1)[-1]
    if "posts" not in fake_x_stats(url):
        fake.kill()
        raise HelperFailed(f"what answers on {url} is not the fake X API")
    return fake, url


def fake_x_stats(url: str) -> dict:
    try:
        with urllib.request.urlopen(f"{url}/_fake/stats", timeout=5) as answer:  # noqa: S310
            return json.load(answer)
    except OSError as exc:
        raise HelperFailed(f"the fake X API on {url} does not answer: {exc}") from exc


def start_worker(
    env: dict[str, str],
    *,
    concurrency: int,
    name: str,
    beat_schedule: Path | None = None,
    queues: str = "critical,default,low",
) -> subprocess.Popen:
    """A Celery worker for ``queues`` (every queue unless told; with beat when ``beat_schedule``
    is given), in a process group of its own so that it can be stopped, or killed, as a whole."""
    command = [
        CELERY,
        "-A",
        "config.celery_app",
        "worker",
        "--queues",
        queues,
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "WARNING",
        "--hostname",
        f"{name}@%h",
    ]
    if beat_schedule is not None:
        command += ["--beat", "--schedule", str(beat_schedule)]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def start_beat(env: dict[str, str], *, schedule: Path) -> subprocess.Popen:
    """Celery beat on its own, as in production (Procfile): killing a worker leaves it running."""
    command = [
        CELERY,
        "-A",
        "config.celery_app",
        "beat",
        "--loglevel",
        "WARNING",
        "--schedule",
        str(schedule),
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def wait_for_worker(name: str, timeout: float = 60) -> None:
    from config.celery_app import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answers = app.control.ping(timeout=1.0) or []
        if any(name in host for answer in answers for host in answer):
            return
    raise HelperFailed(f"the Celery worker {name} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen, *, kill: bool = False) -> None:
    """Stop a worker's whole process group (SIGKILL: as an operator's kill -9 would)."""
    try:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    process.wait(timeout=60)


def stop_all(processes: list[subprocess.Popen], *, timeout: float = 30) -> None:
    """Stop every helper still running, whatever happened before: SIGTERM to each process
    group, then SIGKILL to any that has not exited within ``timeout`` seconds."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    ends = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.1, ends - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            process.wait(timeout=10)
