"""Everything the bot says to a patient outside the questions themselves, in one place.

Plain text only (renderers add formatting and escape it). Kept together so the wording
can be reviewed by the clinic and translated later.
"""

from __future__ import annotations

from flows.options import Option

NO_ADVICE = "I can't give medical advice — your provider will go over everything with you."

CRISIS_RESOURCES = (
    "If you are thinking about hurting yourself or feel unsafe, please reach out now:\n"
    "• Call or text 988 — the 988 Suicide & Crisis Lifeline (for Spanish, press 2 or text AYUDA)\n"
    "• Text HOME to 741741 — Crisis Text Line\n"
    "• Call 911 or go to the nearest emergency room if you are in immediate danger.\n"
    "This chat is not watched around the clock and is not an emergency service."
)
CARE_TEAM_TOLD = "I've let your care team know, but they may not see it straight away."


def welcome(clinic: str) -> str:
    return (
        f"Hi! I'm the pre-visit check-in assistant for {clinic}. Before your medication visit "
        "I'll ask about your medicines, mood, anxiety, sleep, side effects, what's going on in "
        "your life, and the questions you'd like to ask. It takes about 10 minutes, one question "
        "at a time, and you can stop and come back whenever you like.\n\n"
        f"What is collected: your answers, and the times you answered. Who sees them: your care team "
        f"at {clinic}, to prepare for your visit.\n\n"
        "Please know: this chat is not watched around the clock and is not for emergencies. "
        "If you are in crisis, call or text 988, or call 911.\n\n"
        f"{NO_ADVICE}\n\nDo you agree to continue?"
    )


CONSENT_OPTIONS = (
    Option("agree", "I agree", aliases=("yes", "agree", "ok", "okay", "continue")),
    Option("decline", "No thanks", aliases=("no", "decline", "stop")),
)

SAFETY_CHECK_QUESTION = "Are you safe right now?"
SAFETY_CHECK_OPTIONS = (
    Option("safe", "Yes, I'm safe right now", aliases=("yes", "safe", "i am safe", "i'm safe")),
    Option("not_safe", "No, I'm not safe", aliases=("no", "not safe", "i'm not safe")),
)
SAFE_REPLY = (
    "Thank you for telling me. If that changes, call or text 988 any time, day or night. "
    "We can carry on whenever you're ready, or send /pause to stop for now."
)
NOT_SAFE_REPLY = (
    "Please call 911 or go to the nearest emergency room now, or call or text 988 to talk with "
    "someone right away. I've told your care team, but they may not see this straight away, so "
    "please reach out to 988 or 911 now. You can come back to this check-in later."
)

CLARIFY_QUESTION = (
    "Just checking, because some words can mean different things: are you having any thoughts "
    "of hurting yourself or of ending your life?"
)
CLARIFY_OPTIONS = (
    Option("no", "No", aliases=("nope", "no i'm not", "not at all")),
    Option("yes", "Yes", aliases=("yes i am", "yeah", "sometimes")),
)
CLARIFY_NO_REPLY = "Thank you for letting me know. Let's carry on."

RESTART_QUESTION = (
    "Start over from the first question? Your earlier answers stay in your history, but you'll "
    "answer each question again."
)
RESTART_OPTIONS = (
    Option("yes", "Yes, start over", aliases=("yes", "start over", "restart")),
    Option("no", "No, keep going", aliases=("no", "keep going", "cancel")),
)
SAFETY_NOT_UNDERSTOOD = (
    "Sorry, I didn't catch that. Please tap one of the buttons. If you are not safe right now, "
    "call 911, or call or text 988."
)
SAFETY_FIRST = "Before anything else, please answer this one question."
RESTARTED = "Okay, let's start again from the first question."
RESTART_CANCELLED = "Okay, we'll keep going."

REVIEW_INTRO = (
    "Here's everything you told me. Please check it. To change something, tap its section; "
    "when it looks right, tap Submit to send it to your care team."
)
SUBMIT_OPTION = Option("submit", "✅ Submit", aliases=("submit", "send", "done"))

NOT_UNDERSTOOD = (
    "Sorry, I didn't catch that. Please tap one of the buttons, or type the option or its number."
)
NOT_A_MEDICATION = (
    "I couldn't read that as a medicine. Please type its name, and the dose and how often if you "
    'know them — for example "sertraline 50 mg once a day".'
)
STOPPED_WHICH_MEDICINE = (
    "Thanks for telling me. Which medicine did you stop? Type its name (for example "
    '"sertraline"); the next question lets you say that you stopped it.'
)
DOSE_WITHOUT_NAME = (
    "That's fine: you don't need to know the dose. What is the medicine called? Type its name, "
    'for example "sertraline"; when I ask about the dose, you can tap "Not sure".'
)
EMPTY_ANSWER = "I didn't get any text there. Please type your answer or tap a button."
PICK_AT_LEAST_ONE = 'Please tap at least one option (or "None of these"), then Done.'
CANNOT_SKIP = (
    "This question can't be skipped, because your provider needs every answer to score the "
    "questionnaire. Please pick the answer that fits best; you can talk it over at your visit."
)
ALREADY_FIRST = "This is the first question, so there's nothing to go back to."
STALE_BUTTON = (
    "That button belongs to a question you've already moved past. Here's where we are now:"
)
UNSUPPORTED = (
    "I can only read text and button taps, so I can't open stickers, photos, voice messages or "
    "files. Please answer with the buttons or by typing."
)
PAUSED = (
    "No problem, your answers are saved. Come back any time: send /start or any message and "
    "we'll pick up right where you left off."
)
WELCOME_BACK = "Welcome back! Let's pick up where you left off."
DECLINED = (
    "Okay. Nothing has been saved except that you said no. If you change your mind, send /start. "
    "If you ever need help right away, call or text 988, or call 911."
)
ALREADY_DECLINED = "You chose not to take part. If you've changed your mind, send /start."
ALREADY_SUBMITTED = (
    "Your check-in has already been sent to your care team. Thank you! If you need help right "
    "away, call or text 988, or call 911."
)
NOT_SHOWN_YET = (
    "Sorry, my last message may not have reached you, so I didn't use that as an answer. "
    "Here is the question I'm on now:"
)
UNKNOWN_COMMAND = "Sorry, I don't know that command. Send /help to see what I can do."
HELP = (
    "I'll ask one question at a time. Tap a button or type your answer (the option's words or its "
    "number both work).\n"
    "/back — go to the previous question\n"
    "/skip — skip a question that is optional\n"
    "/pause — stop for now; your answers are saved\n"
    "/restart — start over from the first question\n"
    "/help — show this message\n"
    "/checkin — log how you feel today (under a minute)\n"
    "/reminders — choose when I remind you to check in\n"
    "/appointment — your next appointment; /timezone — your time zone\n"
    "/privacy — what I store and who sees it; /mydata — a copy of it; /delete — delete it; "
    "/stop — stop all reminders\n\n"
    f"{NO_ADVICE} This chat is not watched around the clock. In a crisis, call or text 988, or "
    "call 911."
)


def not_a_number(minimum: float, maximum: float) -> str:
    return f"Please type a number from {minimum:g} to {maximum:g}, like {min(maximum, 7):g}."


def too_long(limit: int) -> str:
    return (
        f"That's longer than I can take for this answer. Please keep it under {limit:,} "
        "characters; you can add more when I ask for your questions at the end."
    )


def submitted(clinic: str) -> str:
    return (
        f"Thank you, your check-in has been sent to your care team at {clinic}. They'll go over "
        "it with you at your visit. If something changes before then, please contact the clinic. "
        "In a crisis, call or text 988, or call 911 in an emergency."
    )


def medication_understood(name: str, dose: str | None, frequency: str | None) -> str:
    return "Got it: " + " · ".join(part for part in (name, dose, frequency) if part) + "."


def choice_understood(label: str) -> str:
    """Echoed when a typed answer was matched loosely, so the patient sees what was recorded."""
    return f"Got it: “{label}”."


# --- invitations, appointments, reminders and settings ---------------------------------------

SETTINGS_UNCHANGED = "Okay, nothing changed."
PREFERENCES_HELP = (
    "Tap a button or type your answer. /back goes to the previous question; /skip leaves this "
    "without changing anything."
)
CHECKIN_HELP_HINT = "You can /checkin any time to log how you feel, and choose /reminders."
DECLINED_NOTHING_MORE = (
    "You chose not to take part, so I won't send you anything. "
    "If you change your mind, send /start."
)


def invitation_needed(clinic: str) -> str:
    return (
        f"Hi! This assistant is for patients of {clinic}. To begin, please open the personal link "
        "your clinic sent you. If you don't have one, ask your clinic for a new link."
    )


def invitation_not_valid(clinic: str) -> str:
    return (
        "Sorry, that link doesn't work: it may have been used already or it has expired. Please "
        f"ask {clinic} for a new link."
    )


ALREADY_LINKED_ELSEWHERE = (
    "This Telegram account is already linked to a patient record. If that's not right, please "
    "contact your clinic."
)


def intake_opens_later(when: str) -> str:
    return (
        f"You're all set. Your pre-visit check-in opens on {when}, and I'll message you then. "
        + CHECKIN_HELP_HINT
    )


NO_APPOINTMENT_YET = (
    "You're all set. Your clinic hasn't booked your next appointment here yet; once they do, I'll "
    "message you when your pre-visit check-in is ready. " + CHECKIN_HELP_HINT
)


def next_appointment(when: str) -> str:
    return f"Your next appointment: {when}."


NO_UPCOMING_APPOINTMENT = (
    "I don't have an upcoming appointment for you. Your clinic can tell you more."
)

# Reminder texts carry no clinical detail: Telegram is not a medical-records channel.
INTAKE_READY = (
    "Your pre-visit check-in is ready. It takes about 10 minutes, and you can stop and come back "
    "any time. Tap below when you have a moment."
)
INTAKE_NUDGE = (
    "A gentle reminder: your pre-visit check-in isn't finished yet. Tap below to pick up where you "
    "left off."
)


def appointment_reminder(clinic: str, when: str, days_ahead: int) -> str:
    """The appointment reminder, naming the day as it is when it is sent: a reminder planned
    for the day before but sent late (after a restart) says "today", never "tomorrow"."""
    day = {0: "today, ", 1: "tomorrow, "}.get(days_ahead, "on ")
    return f"Reminder: you have an appointment with {clinic} {day}{when}."


CHECKIN_DUE = "Time for your quick check-in. It takes under a minute."
START_INTAKE_BUTTON = "Start my check-in"
CONTINUE_INTAKE_BUTTON = "Continue my check-in"
START_CHECKIN_BUTTON = "Check in now"

CONSENTED = "Thank you! You're all set."
CHANGED_YOUR_MIND = "Welcome back. If you've changed your mind, you can agree below."
INTAKE_OPENING = "Your pre-visit check-in is ready. Let's begin; it takes about 10 minutes."
BACK_TO_INTAKE = "Your pre-visit check-in is still open: send /start to carry on with it."
IDLE_HELP = (
    "/checkin: log how you feel today (under a minute)\n"
    "/reminders: choose when I remind you to check in\n"
    "/appointment: your next appointment\n"
    "/timezone: set your time zone\n"
    "/start: pick up your pre-visit check-in when it is open\n"
    "/privacy: what I store and who sees it; /mydata: a copy of it; /delete: delete it\n"
    "/stop: stop all reminders\n\n"
    f"{NO_ADVICE} In a crisis, call or text 988, or call 911."
)
