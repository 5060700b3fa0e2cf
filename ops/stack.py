"""The servers a load or chaos run starts on loopback and stops afterwards (also on Ctrl-C and
on failure): a Redis (or a Redis Cluster), a throwaway PostgreSQL, instances of the app (of this
checkout or another build), a ledger worker process."""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaos_topology import ClusterTopology
from common import ROOT, free_port, speaker

VENV_BIN = Path(sys.executable).parent
say = speaker("load")


@dataclass
class Servers:
    """What a level runs against."""

    redis_url: str
    database_url: str
    admin_token: str
    work: Path
    stack: ExitStack
    instances: dict[str, str] = field(default_factory=dict)
    """Base URL of each instance started, by name."""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    """The process of each instance started, by name."""
    ledger_log: Path | None = None
    """The log of the ledger worker process, when one archives instead of the instances."""
    ingest_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    workers: int = 1
    """Worker processes of each instance (`serve --workers`)."""
    cluster: ClusterTopology | None = None
    """The Redis Cluster the instances use instead of `redis_url`, if any."""
    cluster_env: dict[str, str] = field(default_factory=dict)

    def store(self) -> dict[str, str]:
        """The settings that point a process at this run's Redis (or cluster)."""
        if self.cluster is not None:
            return self.cluster_env
        return {"APP_PROFILE": "redis", "REDIS_URL": self.redis_url}

    def app(self, name: str, build: Path = ROOT, /, **environment: str) -> str:
        """Start an instance of the checkout `build` (this one by default); its base URL.
        Stopped with everything else."""
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(build),
            **self.store(),
            "DATABASE_URL": self.database_url,
            "ADMIN_TOKEN": self.admin_token,
            "INGEST_TOKEN": self.ingest_token,
            "OTP_SECRET": "load-run-otp-secret-0123456789",
            "OTP_EXPOSE_CODE": "true",  # the scenarios log users in: no SMS here
            "OTP_CLIENT_ISSUE_LIMIT": "0",  # every virtual user comes from 127.0.0.1
            **environment,
        }
        log = (self.work / f"{name}.log").open("wb")
        command = [
            sys.executable, "-m", "composition", "serve", "--port", str(port),
            "--no-access-log", "--log-level", "warning", "--workers", str(self.workers),
        ]  # fmt: skip
        process = subprocess.Popen(  # noqa: S603 - our own entry point
            command, env=env, cwd=build, stdout=log, stderr=subprocess.STDOUT
        )
        self.stack.callback(stop_process, process, log)
        self.processes[name] = process
        base = f"http://127.0.0.1:{port}"
        for _ in range(400):
            if process.poll() is not None:
                raise SystemExit(f"load: instance {name} exited; see {self.work / name}.log")
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2):  # noqa: S310
                    say(f"instance {name} ready on {base} {environment or ''}")
                    self.instances[name] = base
                    return base
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"load: instance {name} did not become ready")

    def ledger_worker(self) -> Path:
        """Start a `redis-practice ledger-worker` process (stopped with everything else); the
        path of its log, where it prints its progress every 5 s."""
        log_path = self.work / "ledger-worker.log"
        log = log_path.open("wb")
        env = {**os.environ, **self.store(), "DATABASE_URL": self.database_url}
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [str(VENV_BIN / "redis-practice"), "ledger-worker"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.stack.callback(stop_process, process, log)
        say(f"ledger worker process {process.pid} (log: {log_path})")
        return log_path

    def post(self, base: str, path: str, body: object) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{base}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.admin_token}",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            document: dict[str, Any] = json.loads(response.read())
            return document


def stop_process(process: subprocess.Popen[bytes], log: Any) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@contextmanager
def servers(work: Path, workers: int = 1, *, cluster: bool = False) -> Iterator[Servers]:
    """A Redis (with `cluster`: a Redis Cluster of 3 masters and 3 replicas) and a PostgreSQL
    of this run's own, on free ports, data under `work`; the instances started will have
    `workers` processes each."""
    with ExitStack() as stack:
        redis_port, pg_port = free_port(), free_port()
        topology: ClusterTopology | None = None
        cluster_env: dict[str, str] = {}
        if cluster:
            topology = ClusterTopology(work / "cluster", node_timeout_ms=500)
            cluster_env = topology.up()
            stack.callback(topology.run, "down")
            say(f"cluster up: {cluster_env.get('REDIS_CLUSTER_NODES')}")
        else:
            redis_env = {
                **os.environ, "REDIS_PORT": str(redis_port), "REDIS_DIR": str(work / "redis")
            }  # fmt: skip
            run([str(ROOT / "ops/redis.sh"), "start"], redis_env)
            stack.callback(run, [str(ROOT / "ops/redis.sh"), "stop"], redis_env)
        yield Servers(
            redis_url="" if cluster else f"redis://127.0.0.1:{redis_port}/0",
            database_url=postgres(work, pg_port, stack),
            admin_token=secrets.token_urlsafe(24),
            work=work,
            stack=stack,
            workers=workers,
            cluster=topology,
            cluster_env=cluster_env,
        )


def postgres(work: Path, port: int, stack: ExitStack) -> str:
    """A throwaway PostgreSQL on `port`, data under `work`, migrated, stopped with `stack`;
    its DATABASE_URL."""
    pg_env = {**os.environ, "PG_PORT": str(port), "PG_DIR": str(work / "postgres")}
    database_url = run([str(ROOT / "ops/postgres.sh"), "start"], pg_env).split("=", 1)[1]
    stack.callback(run, [str(ROOT / "ops/postgres.sh"), "stop"], pg_env)
    run(
        [str(VENV_BIN / "redis-practice"), "db", "upgrade"],
        {**os.environ, "APP_PROFILE": "redis", "DATABASE_URL": database_url},  # as the instances
    )
    return database_url


def run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"load: {' '.join(command)} failed:\n{result.stderr}{result.stdout}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
