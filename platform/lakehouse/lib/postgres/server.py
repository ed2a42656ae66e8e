"""A real PostgreSQL server on this machine, for the Dagster instance of a deployment (deploy/dagster.yaml):
Debian's `postgresql` binaries, listening on 127.0.0.1 only, with password authentication as a managed
database (RDS, Azure Database for PostgreSQL) has. PostgreSQL refuses to run as root, so as root the server
runs as the `postgres` user, with its data folder in the temporary directory where that user can reach it."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psutil

HOST = "127.0.0.1"
DATABASE = USER = "dagster"
SERVICE_USER = "postgres"  # Debian's account for the server, used when started as root


class PostgresError(RuntimeError):
    pass


def postgres_bin() -> Path:
    """The newest installed server's programs (Debian keeps them out of PATH)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    found = versions[-1] if versions else shutil.which("pg_ctl")
    if not found:
        raise PostgresError("PostgreSQL is not installed: `apt-get install postgresql` (or .ci/run) installs it")
    return Path(found).parent


class PostgresServer:
    """One server and one database (`dagster`, owned by the `dagster` role) whose state is kept in `home`."""

    def __init__(self, home: Path):
        self.home = Path(home).resolve()
        self._state_file = self.home / "postgres.json"

    def environment(self) -> dict[str, str] | None:
        """The variables deploy/dagster.yaml reads, while the server runs."""
        state = self._state()
        if not state or self.pid() is None:
            return None
        return {"DAGSTER_PG_HOST": HOST, "DAGSTER_PG_PORT": str(state["port"]), "DAGSTER_PG_USER": USER,
                "DAGSTER_PG_PASSWORD": state["password"], "DAGSTER_PG_DB": DATABASE}  # fmt: skip

    def pid(self) -> int | None:
        """The postmaster's pid, read from its own pid file and checked to be alive."""
        state = self._state()
        pid_file = Path(state["data_dir"]) / "postmaster.pid" if state else None
        try:
            pid = int(pid_file.read_text().splitlines()[0]) if pid_file else None
            return pid if pid and psutil.Process(pid).name() in ("postgres", "postmaster") else None
        except (OSError, ValueError, IndexError, psutil.Error):
            return None

    def start(self, timeout: float = 60.0) -> dict[str, str]:
        """Start the server (a no-op when it runs; the database is created on the first start) and
        return its environment."""
        running = self.environment()
        if running:
            return running
        state = self._state() or self._init()
        port = _free_port()
        self._state_file.write_text(json.dumps({**state, "port": port}))
        self._state_file.chmod(0o600)
        self._as_server_user(
            str(postgres_bin() / "pg_ctl"), "start", "--wait", f"--timeout={int(timeout)}",
            "-D", state["data_dir"], "-l", str(Path(state["data_dir"]) / "server.log"),
            "-o", f"-h {HOST} -p {port} -k {state['data_dir']}",
        )  # fmt: skip
        self._wait_for_connections(port, timeout)
        return self.create_database(DATABASE)

    def stop(self) -> bool:
        """A fast shutdown (open sessions rolled back). Returns whether the server was running."""
        if self.pid() is None:
            return False
        self._as_server_user(
            str(postgres_bin() / "pg_ctl"), "stop", "--wait", "-m", "fast", "-D", self._state()["data_dir"]
        )
        return True

    def remove(self) -> None:
        """Stop the server and delete its data."""
        self.stop()
        state = self._state()
        if state:
            shutil.rmtree(state["data_dir"], ignore_errors=True)
            self._state_file.unlink()

    def _state(self) -> dict:
        return json.loads(self._state_file.read_text()) if self._state_file.exists() else {}

    def _init(self) -> dict:
        self.home.mkdir(parents=True, exist_ok=True)
        data_dir = self._data_dir()
        shutil.rmtree(data_dir, ignore_errors=True)  # left by a home whose state was deleted
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        password = secrets.token_urlsafe(24)
        password_file = data_dir.parent / f"{data_dir.name}.pw"
        password_file.write_text(password)
        if os.geteuid() == 0:
            shutil.chown(data_dir, SERVICE_USER, SERVICE_USER)
            shutil.chown(password_file, SERVICE_USER, SERVICE_USER)
        try:
            self._as_server_user(
                str(postgres_bin() / "initdb"), "-D", str(data_dir), "-U", USER, f"--pwfile={password_file}",
                "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "--encoding=UTF8", "--no-instructions",
            )  # fmt: skip
        finally:
            password_file.unlink()
        state = {"data_dir": str(data_dir), "password": password}
        self._state_file.write_text(json.dumps(state))
        self._state_file.chmod(0o600)
        return state

    def _data_dir(self) -> Path:
        if os.geteuid() != 0:
            return self.home / "data"
        # The server's user must be able to reach its folder; a root-owned home (under /root, or pytest's
        # 0700 temporary folders) it cannot, so the data lives in the temporary directory, named after the home.
        digest = hashlib.sha256(str(self.home).encode()).hexdigest()[:12]
        return Path(os.environ.get("TMPDIR", "/tmp")) / f"lakehouse-postgres-{digest}"

    def _as_server_user(self, *command: str) -> None:
        prefix = ["runuser", "-u", SERVICE_USER, "--"] if os.geteuid() == 0 else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, cwd="/", check=False)
        if result.returncode != 0:
            raise PostgresError(f"{Path(command[0]).name} failed: {(result.stderr or result.stdout).strip()[-2000:]}")

    def create_database(self, name: str) -> dict[str, str]:
        """A database of its own (created if missing), e.g. one per test; returns its environment."""
        import psycopg2

        environment = self.environment()
        if environment is None:
            raise PostgresError(f"no PostgreSQL server runs from {self.home}")
        connection = psycopg2.connect(host=HOST, port=environment["DAGSTER_PG_PORT"], user=USER,
                                      password=environment["DAGSTER_PG_PASSWORD"], dbname="postgres")  # fmt: skip
        connection.autocommit = True  # CREATE DATABASE runs outside a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute("select 1 from pg_database where datname = %s", (name,))
                if cursor.fetchone() is None:
                    cursor.execute(f'create database "{name}"')
        finally:
            connection.close()
        return {**environment, "DAGSTER_PG_DB": name}

    def _wait_for_connections(self, port: int, timeout: float) -> None:
        import psycopg2

        state, deadline = self._state(), time.monotonic() + timeout
        while True:
            try:
                psycopg2.connect(host=HOST, port=port, user=USER, password=state["password"], dbname="postgres",
                                 connect_timeout=5).close()  # fmt: skip
                return
            except psycopg2.OperationalError as error:
                if time.monotonic() > deadline:
                    raise PostgresError(f"PostgreSQL did not accept connections on {HOST}:{port}: {error}") from error
                time.sleep(0.3)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]
