"""`intake-bot check`: every start-up check as a table, before patients arrive.

Nothing is sent to anyone and nothing is changed: the Bot API is asked who the bot is (getMe)
and about each provider chat (getChat); a database that does not exist yet is not created.
Exit status 0 only when every row passes.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.cli.checks import CHECKS, Finding, Status, run_checks
from bot.cli.logs import configure_logging
from bot.settings import SettingsError, load_settings

FAILED = 1
HEADINGS = ("CHECK", "RESULT", "DETAIL")


def table(findings: list[Finding]) -> str:
    """The findings as aligned columns; a long detail runs on, it is never cut."""
    rows = [HEADINGS, *((f.subject, f.status.value, f.detail) for f in findings)]
    subject_width = max(len(row[0]) for row in rows)
    status_width = max(len(row[1]) for row in rows)
    return "\n".join(
        f"{subject:<{subject_width}}  {status:<{status_width}}  {detail}".rstrip()
        for subject, status, detail in rows
    )


def verdict(findings: list[Finding]) -> str:
    failed = [f for f in findings if f.status is not Status.PASS]
    if not failed:
        return f"All {len(findings)} checks passed: `intake-bot run` can start."
    return (
        f"{len(failed)} of {len(findings)} checks did not pass: fix them (the DETAIL column "
        "says how), then run intake-bot check again."
    )


def check(out: TextIO | None = None) -> int:
    """Print the table and the verdict; 0 only when every check passed."""
    out = out or sys.stdout
    try:
        settings = load_settings()
    except SettingsError as error:
        findings = [Finding("settings", Status.FAIL, str(error))]
        findings += [
            Finding(check.__name__.replace("_", " "), Status.SKIP, "needs the settings")
            for check in CHECKS[1:]
        ]
    else:
        configure_logging("WARNING", settings.log_format)
        findings = run_checks(settings, prepare=False)
    print(table(findings), file=out)
    print(file=out)
    print(verdict(findings), file=out)
    return 0 if all(f.status is Status.PASS for f in findings) else FAILED
