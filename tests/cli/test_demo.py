"""The console demo: scripted through standard input as the README shows, in its own database,
resumed in a second run, played again as a returning patient; counts, numbered options and
checklists in the terminal.

Tests that go through a whole intake drive it by what the screen asks (its step key, option
values and shape), not by the questions' wording or order."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, select

from bot.cli.demo import MULTI_HOW, Demo, confirmation, demo_chat_id, is_count, render_screen
from bot.services.replies import Reply
from bot.settings import Settings
from flows.dialogue import Screen
from flows.options import Option
from storage.db import make_engine
from storage.models import Intake, Patient

SCRIPT = Path(__file__).parents[1] / "data" / "demo_answers.txt"
SERTRALINE = "sertraline 50 mg once a day"


def run_demo(
    tmp_path: Path, stdin: str, *args: str, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        # The clinic's database: the demo must never open it.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'clinic' / 'intake.db'}",
        "CLINIC_NAME": "Riverside Psychiatry",
        "PROVIDER_CHAT_IDS": "",
        "TELEGRAM_BOT_TOKEN": "",
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def demo_db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "demo.db"


def test_scripted_demo_prints_the_provider_copy(tmp_path: Path) -> None:
    result = run_demo(tmp_path, SCRIPT.read_text())
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Riverside Psychiatry" in out
    assert "What the provider receives" in out
    provider = out[out.index("What the provider receives") :]
    assert "Pre-visit intake: Demo Patient" in provider
    assert provider.index("Flags") < provider.index("Scores") < provider.index("Medications")
    # The demo patient's first intake is a first visit, with every first-visit section.
    assert "First visit: no earlier intake" in provider
    assert "Missed doses: sertraline on 2 of the past 7 days" in provider
    assert "Allergies to medicines: “penicillin, I get a rash”" in provider
    assert "PHQ-9: 12 / 27 — moderate" in provider
    assert "GAD-7: 6 / 21 — mild" in provider
    assert "AUDIT-C: 3 / 12 — positive screen for women (≥3); below the cut-off for men" in provider
    for title in (
        "Why they're coming",
        "Past medicines",
        "Allergies and health",
        "Alcohol and other substances",
        "Therapy",
        "Physical health",
    ):
        assert f"\n{title}\n" in provider
    assert "What brings them in: “I've felt low for months and I can't sleep.”" in provider
    assert "fluoxetine: why stopped: “It made me jittery”" in provider
    assert "• a lot: money" in provider
    assert (
        "1. How long until I notice changes from sertraline and Lamictal? (picked from a list)"
        in provider
    )
    assert "3. Is it OK to take Lamictal with food?" in provider
    assert "since last visit" not in provider and "Side effects" not in provider
    assert "didn't catch that" not in out


def test_the_demo_keeps_its_own_database_and_never_opens_the_clinics(tmp_path: Path) -> None:
    result = run_demo(tmp_path, "I agree\n")
    assert result.returncode == 0, result.stderr
    assert demo_db(tmp_path).exists()
    assert not (tmp_path / "clinic").exists()  # DATABASE_URL was never opened

    elsewhere = tmp_path / "elsewhere.db"
    named = run_demo(tmp_path, "I agree\n", "--database", f"sqlite:///{elsewhere}")
    assert named.returncode == 0, named.stderr
    assert elsewhere.exists()
    with Session(make_engine(f"sqlite:///{elsewhere}")) as session:
        assert len(session.exec(select(Patient)).all()) == 1


def test_the_demo_keeps_as_needed_and_the_patients_words(tmp_path: Path) -> None:
    script = SCRIPT.read_text().replace(
        "Lamictal 100mg BID\n", "trazodone 50mg at bedtime as needed — Zoë\n"
    )
    result = run_demo(tmp_path, script)
    assert result.returncode == 0, result.stderr
    assert "Got it: trazodone · 50 mg · at bedtime, as needed." in result.stdout
    provider = result.stdout[result.stdout.index("What the provider receives"):]
    assert "• trazodone 50 mg at bedtime, as needed — " in provider
    assert "patient's words: “trazodone 50mg at bedtime as needed — Zoë”" in provider


def test_demo_input_ending_early_keeps_answers(tmp_path: Path) -> None:
    # A first visit: what brings them in and their hopes come before the medicines.
    result = run_demo(tmp_path, f"I agree\nLow mood\nskip\n{SERTRALINE}\n")
    assert result.returncode == 0, result.stderr
    assert "answers so far are saved" in result.stdout
    assert 'run "intake-bot demo" again to continue' in result.stdout
    assert "How have you been taking sertraline?" in result.stdout


def test_demo_with_a_malformed_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_demo(tmp_path, "", CLINIC_TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "CLINIC_TIMEZONE" in result.stderr and "Traceback" not in result.stderr


def test_a_demo_database_that_cannot_be_made_is_one_line_naming_the_option(
    tmp_path: Path,
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    result = run_demo(tmp_path, "", "--database", f"sqlite:///{tmp_path / 'a-file' / 'demo.db'}")
    assert result.returncode == 2
    assert result.stderr.startswith("intake-bot: --database: cannot create the folder")
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr


def test_a_button_without_a_number_in_telegram_is_typed_by_its_number_in_the_demo(
    tmp_path: Path,
) -> None:
    result = run_demo(tmp_path, "I agree\nskip\nskip\n1\n")
    assert result.returncode == 0, result.stderr
    assert "1) I don't take any" in result.stdout
    assert "couldn't read that as a medicine" not in result.stdout
    assert "Do you take any other medicines or supplements" in result.stdout  # a first visit


def test_a_demo_intake_is_never_sent_on_to_providers_later(tmp_path: Path) -> None:
    result = run_demo(tmp_path, SCRIPT.read_text())
    assert result.returncode == 0, result.stderr
    with Session(make_engine(f"sqlite:///{demo_db(tmp_path)}")) as session:
        intake = session.exec(select(Intake)).one()
    assert intake.submitted_at is not None and intake.delivered_at is not None


def test_a_demo_safety_alert_is_settled_so_no_bot_sends_it_later(tmp_path: Path) -> None:
    from sqlmodel import Session, select

    from bot.services.alerts import AlertLedger
    from bot.services.outbox import Outbox
    from storage.db import make_engine
    from storage.models import OutboxMessage

    result = run_demo(tmp_path, "I agree\nI want to kill myself\nyes\n")
    assert result.returncode == 0, result.stderr
    assert "URGENT" in result.stdout
    engine = make_engine(f"sqlite:///{demo_db(tmp_path)}")
    assert AlertLedger(engine, Outbox()).unacknowledged() == []
    with Session(engine) as session:  # and nothing waits in an outbox for any chat
        assert session.exec(select(OutboxMessage)).all() == []



# --- counts, numbered options and checklists on screen ------------------------------------


def count_screen() -> Screen:
    options = tuple(Option(str(n), str(n)) for n in range(8))
    return Screen(step="x.missed", text="On how many days?", options=options, numbered=False)


def test_a_count_question_shows_no_option_numbers_and_takes_the_number_itself() -> None:
    shown = render_screen(count_screen())
    assert is_count(count_screen())
    assert "count, not an option" in shown
    assert not any(line.strip().startswith(("1)", "2)")) for line in shown.splitlines())
    moved_on = Reply(screen=Screen(step="x.next", text="Next?"))
    assert confirmation(count_screen(), "2", moved_on) == "Got it: 2."


def test_numbered_options_are_listed_with_their_numbers() -> None:
    screen = Screen(
        step="x.choice",
        text="How?",
        options=(Option("a", "Taking it as prescribed"), Option("b", "Stopped")),
    )
    shown = render_screen(screen)
    assert "  1) Taking it as prescribed" in shown and "  2) Stopped" in shown
    assert not is_count(screen) and "count" not in shown


def test_a_checklist_says_how_to_finish_and_confirms_the_picks() -> None:
    options = (Option("a", "I forgot"), Option("b", "Cost"), Option("c", "Ran out"))
    screen = Screen(
        step="x.reasons",
        text="What got in the way? Tap all that apply, then Done.",
        options=options,
        multi=True,
        numbered=False,
    )
    shown = render_screen(screen)
    assert "then Done" not in shown
    assert MULTI_HOW in shown and "[ ] Cost" in shown
    moved_on = Reply(screen=Screen(step="x.next", text="Next?"))
    assert confirmation(screen, "1, 3", moved_on) == "Picked: I forgot, Ran out."
    asked_again = Reply(screen=screen)
    assert confirmation(screen, "1, 3", asked_again) is None


# --- whole intakes, driven by what each screen asks ---------------------------------------

PREFERRED_VALUES = ("agree", "submit", "same", "done", "none", "0", "not_at_all", "not")
Choose = Callable[[Screen], str | None]


def plain_answer(screen: Screen) -> str:
    """A quick, unremarkable answer to any screen: the count 0, the option meaning "the same",
    "none", "done" or "not at all" where there is one, else the first option; a number when no
    option is offered."""
    options = screen.options
    if not options:
        return "7"
    if is_count(screen):
        return options[0].label
    values = [option.value for option in options]
    for value in PREFERRED_VALUES:
        if value in values:
            return str(values.index(value) + 1)
    exclusive = [n for n, option in enumerate(options, start=1) if option.exclusive]
    return str(exclusive[0]) if screen.multi and exclusive else "1"


def option_number(screen: Screen, value: str) -> str | None:
    values = [option.value for option in screen.options]
    return str(values.index(value) + 1) if value in values else None


class ScreenDriven(io.StringIO):
    """Standard input for an in-process demo: each line answers the screen shown at that
    moment, `choose` first, else `plain_answer`; input ends after `stop_after` answers.
    `steps` lists every screen asked, the last one unanswered when the input ended early."""

    def __init__(self, demo: Demo, choose: Choose, stop_after: int | None = None) -> None:
        super().__init__()
        self.demo, self.choose, self.stop_after = demo, choose, stop_after
        self.steps: list[str] = []

    def readline(self, size: int | None = -1) -> str:
        screen = self.demo.screen
        if screen is None:
            return ""
        self.steps.append(screen.step)
        if len(self.steps) > (self.stop_after or 300):
            return ""
        return (self.choose(screen) or plain_answer(screen)) + "\n"


def play(
    database: Path, choose: Choose, *, returning: bool = False, stop_after: int | None = None
) -> tuple[int, str, list[str]]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{database}",
        clinic_name="Riverside Psychiatry",
    )
    out = io.StringIO()
    demo = Demo(settings, "Demo Patient", out)
    lines = ScreenDriven(demo, choose, stop_after)
    status = demo.run(lines, interactive=False, returning=returning)
    return status, out.getvalue(), lines.steps


def first_visit(screen: Screen) -> str | None:
    """Sertraline as the first medicine, taken as prescribed."""
    if screen.step == "med.1.name":
        return SERTRALINE
    return option_number(screen, "as_prescribed")


def provider_copy(out: str) -> str:
    assert "What the provider receives" in out, out[-2000:]
    return out[out.index("What the provider receives") :]


def test_running_the_demo_again_continues_the_paused_intake(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    status, out, asked = play(database, first_visit, stop_after=6)
    assert status == 0 and "answers so far are saved" in out
    status, again, asked_again = play(database, first_visit)
    assert status == 0
    assert again.index("Continuing Demo Patient's intake") < again.index("Welcome back")
    assert asked_again[0] == asked[-1]  # the question the first run stopped at, not the start
    assert "consent" not in asked_again
    assert SERTRALINE.split()[0] in provider_copy(again)  # answered in the first run
    with Session(make_engine(f"sqlite:///{database}")) as session:
        assert len(session.exec(select(Patient)).all()) == 1
        assert len(session.exec(select(Intake)).all()) == 1


def test_pause_ends_the_run_and_the_next_run_continues(tmp_path: Path) -> None:
    paused = run_demo(tmp_path, f"I agree\nLow mood\nskip\n{SERTRALINE}\npause\nnever read\n")
    assert paused.returncode == 0, paused.stderr
    assert 'Paused: your answers are saved. Run "intake-bot demo"' in paused.stdout
    assert "> never read" not in paused.stdout
    resumed = run_demo(tmp_path, "")
    assert "Continuing Demo Patient's intake" in resumed.stdout
    assert "How have you been taking sertraline?" in resumed.stdout


def test_a_returning_demo_patient_confirms_last_visits_medicines_and_sees_changes(
    tmp_path: Path,
) -> None:
    database = tmp_path / "demo.db"
    status, out, _ = play(database, first_visit)
    assert status == 0 and "PHQ-9: 0 / 27" in provider_copy(out)
    assert "intake-bot demo --returning" in out

    def stops_sertraline_and_feels_worse(screen: Screen) -> str | None:
        if screen.step.startswith("phq9.") and screen.step[5:] in "12345678":
            return option_number(screen, "1")  # several days; item 9 (self-harm) stays at 0
        if screen.step == "meds.same":
            return option_number(screen, "changed")  # not all the same as last time
        if "sertraline" in screen.text and option_number(screen, "stopped"):
            return option_number(screen, "stopped")
        return None

    status, back, asked = play(database, stops_sertraline_and_feels_worse, returning=True)
    assert status == 0
    assert "Medicines at the last visit: sertraline 50 mg once a day." in back
    assert "med.1.name" not in asked  # last visit's medicine was asked about, not typed again
    copy = provider_copy(back)
    assert "intake #2" in copy
    changes = copy[copy.index("Changes since the last intake") : copy.index("Medications")]
    assert "Stopped" in changes and "sertraline" in changes
    assert "+8 since last intake" in copy  # PHQ-9 items 1-8 "several days"; item 9 "not at all"


def test_returning_needs_a_submitted_demo_intake_and_says_so(tmp_path: Path) -> None:
    result = run_demo(tmp_path, "", "--returning")
    assert result.returncode == 1
    assert 'run "intake-bot demo" first' in result.stdout


def test_each_name_is_its_own_demo_patient_with_a_stable_negative_chat_id() -> None:
    assert demo_chat_id("Demo Patient") == demo_chat_id(" demo patient ")
    assert demo_chat_id("Demo Patient") != demo_chat_id("Sam Q.")
    assert demo_chat_id("Demo Patient") < 0 and demo_chat_id("Sam Q.") < 0


def test_after_a_submitted_intake_the_demo_says_what_can_come_next(tmp_path: Path) -> None:
    assert run_demo(tmp_path, SCRIPT.read_text()).returncode == 0
    again = run_demo(tmp_path, "I agree\n")
    assert again.returncode == 0, again.stderr
    assert "Demo Patient's intake was submitted" in again.stdout
    assert "intake-bot demo --returning brings them back for the next visit" in again.stdout
    assert "> I agree" not in again.stdout  # nothing was asked
    with Session(make_engine(f"sqlite:///{demo_db(tmp_path)}")) as session:
        assert len(session.exec(select(Intake)).all()) == 1
