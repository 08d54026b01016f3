"""deploy/: the systemd unit starts the installed entry point with absolute paths, as a dedicated
user, restarted on failure, with the file system read-only but for the data folder; the backup
timer calls the same program; the webhook proxy example reaches the bot on 127.0.0.1 only."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.cli.main import parser
from storage.db import DEFAULT_DATABASE_URL

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "intake-bot.service"
BACKUP_UNIT = DEPLOY / "intake-bot-backup.service"
PATH_SETTINGS = ("WorkingDirectory", "EnvironmentFile", "ExecStart", "ReadWritePaths")


def unit_settings(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file's settings: section -> key -> every value given (comments skipped)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(settings: dict[str, list[str]], key: str) -> str:
    values = settings[key]
    assert len(values) == 1, f"{key} is given {len(values)} times"
    return values[0]


def test_exec_start_runs_the_installed_entry_point() -> None:
    service = unit_settings(UNIT)["Service"]
    executable, *arguments = one(service, "ExecStart").split()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    name = Path(executable).name
    assert name in scripts, f"{name} is not in pyproject's [project.scripts]"
    installed = metadata.entry_points(group="console_scripts", name=name)
    assert [entry.value for entry in installed] == [scripts[name]]
    assert (Path(sys.executable).parent / name).exists(), "the entry point is installed here"
    # the clone's own virtual environment, as the README installs it
    assert Path(executable).parent == Path(one(service, "WorkingDirectory")) / ".venv" / "bin"
    assert arguments == ["run"]
    assert parser().parse_args(arguments).command == "run"


def test_the_unit_is_a_dedicated_user_restarted_on_failure_and_hardened() -> None:
    service = unit_settings(UNIT)["Service"]
    for key in PATH_SETTINGS:
        for value in service[key]:
            assert value.split()[0].startswith("/"), f"{key} is not an absolute path: {value}"
    assert one(service, "User") not in ("", "root", "0")
    assert one(service, "Restart") == "on-failure"
    assert one(service, "EnvironmentFile") == one(service, "WorkingDirectory") + "/.env"
    assert one(service, "ProtectSystem") == "strict"
    default_folder = Path(make_url(DEFAULT_DATABASE_URL).database or "").parent
    data = str(Path(one(service, "WorkingDirectory")) / default_folder)
    assert service["ReadWritePaths"] == [data]
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices"):
        assert one(service, key) == "true", key
    assert one(service, "UMask") == "0077"
    assert unit_settings(UNIT)["Install"]["WantedBy"] == ["multi-user.target"]


def test_the_nightly_backup_runs_the_same_program_into_the_data_folder() -> None:
    main = unit_settings(UNIT)["Service"]
    backup = unit_settings(BACKUP_UNIT)["Service"]
    for key in ("User", "WorkingDirectory", "EnvironmentFile", "ReadWritePaths"):
        assert backup[key] == main[key], key
    command = one(backup, "ExecStart")
    assert f"{one(main, 'ExecStart').split()[0]} backup " in command
    assert '"data/backups/intake-$(date +%%Y-%%m-%%d-%%H%%M).db"' in command
    assert unit_settings(DEPLOY / "intake-bot-backup.timer")["Timer"]["Persistent"] == ["true"]


def test_the_webhook_proxy_passes_one_path_to_the_bot_on_this_machine_only() -> None:
    """The proxy matches the settings it names: the path of WEBHOOK_URL, the replicas at
    WEBHOOK_LISTEN's default on 127.0.0.1, /healthz for this machine only."""
    from urllib.parse import urlsplit

    from bot.settings import DEFAULT_WEBHOOK_LISTEN

    text = (DEPLOY / "nginx-webhook.conf").read_text()
    lines = [line.strip() for line in text.splitlines()]
    targets = [line.split()[1] for line in lines if line.startswith("proxy_pass")]
    assert targets == ["http://intake_bot;", "http://intake_bot;"]
    upstream = [line.split()[1] for line in lines if line.startswith("server 127.")]
    assert upstream == [DEFAULT_WEBHOOK_LISTEN + ";"]
    assert all(
        line.split()[2].startswith("127.0.0.1:")
        for line in lines
        if line.startswith("# server 127.")
    )
    example = next(line.split("=", 1)[1] for line in lines if line.startswith("#   WEBHOOK_URL="))
    path = urlsplit(example).path
    assert f"location = {path} {{" in lines
    assert "location = /healthz {" in lines
    assert "access_log off;" in text and "deny all;" in text
    assert "proxy_next_upstream error timeout http_500 http_502 http_503;" in lines


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    """systemd's own check, with /opt/intake-bot replaced by a folder laid out as the README's
    installation (.env, data/, .venv/bin/intake-bot)."""
    install = tmp_path / "opt-intake-bot"
    (install / ".venv" / "bin").mkdir(parents=True)
    (install / "data").mkdir()
    (install / ".env").write_text("CLINIC_NAME=Riverside Psychiatry\n")
    (install / ".venv" / "bin" / "intake-bot").symlink_to(
        Path(sys.executable).parent / "intake-bot"
    )
    names = ("intake-bot.service", "intake-bot-backup.service", "intake-bot-backup.timer")
    for name in names:
        text = (DEPLOY / name).read_text().replace("/opt/intake-bot", str(install))
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / name) for name in names)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_env_example_documents_every_setting() -> None:
    from bot.settings import Settings

    documented = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#") and "=" in line
    }
    assert documented == {name.upper() for name in Settings.model_fields}


def test_the_installed_program_reports_its_version() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "intake-bot"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"intake-bot {metadata.version('intake-bot')}\n"
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert metadata.version("intake-bot") == declared
