"""Running `intake-bot` as a clinic does: a real process, in a folder without a .env, with the
settings in its environment; and addresses on 127.0.0.1 where nothing listens."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from e2e_support import PROVIDER_CHAT_ID

SETTINGS_PREFIXES = ("TELEGRAM_", "DATABASE_", "PROVIDER_", "LOG_", "CLINIC_", "WEBHOOK_")


def cli_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """This process's environment without any intake-bot setting, plus a SQLite database in
    tmp_path/data, one provider chat, and `values`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(SETTINGS_PREFIXES)}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'intake.db'}",
            "PROVIDER_CHAT_IDS": str(PROVIDER_CHAT_ID),
            "CLINIC_NAME": "Riverside Psychiatry",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(values)
    return env


def intake_bot(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`intake-bot ARGS` to the end; tmp_path is the working directory."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=tmp_path,
        env=env if env is not None else cli_env(tmp_path),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def intake_bot_async(
    tmp_path: Path, *args: str, env: dict[str, str], log: Path | None = None
) -> asyncio.subprocess.Process:
    """`intake-bot ARGS` started, for tests that serve the fake Bot API meanwhile. Standard
    error goes to `log` when given: a long run's log would fill a pipe nobody reads yet."""
    stderr = log.open("wb") if log is not None else asyncio.subprocess.PIPE
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            *args,
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    finally:
        if log is not None and not isinstance(stderr, int):
            stderr.close()  # the child has its own copy


async def finished(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    """Wait for the process to end: its status, standard output and standard error (empty
    when it went to a file)."""
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), (stderr or b"").decode()


def unused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


LOG_RECORD = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d (DEBUG|INFO|WARNING) "
)


def one_line(stderr: str) -> str:
    """The one line a start-up failure prints ("intake-bot: ..."), after checking that nothing
    else was printed but log records from before the failure, and no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    errors = [line for line in lines if not LOG_RECORD.match(line)]
    assert len(errors) == 1 and errors[0].startswith("intake-bot: "), stderr
    return errors[0]
