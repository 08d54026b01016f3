"""What the between-visit check-in says outside its questions, in one place.

Plain text only (renderers add formatting and escape it). The crisis resources, the safety
questions and the replies to them while the check-in is under way are the intake's own
(flows.messages), so a patient meets the same safety wording everywhere.
"""

from __future__ import annotations

from flows.safety_dialogue import SafetyReplies

DONE = "Thanks — logged. See you next time."
WELCOME_BACK = "Welcome back! Let's pick up your check-in where you left off."
PAUSED = (
    "No problem, what you've answered so far is saved. Send any message when you'd like to "
    "finish your check-in."
)
ALREADY_DONE = (
    "This check-in is already logged. Thank you! If you need help right away, call or text 988, "
    "or call 911."
)
RESTARTED = "Okay, let's start this check-in again from the first question."
TOO_LONG = "That's a bit long for a check-in note. Please keep it under {limit:,} characters."
CANNOT_SKIP_SIDE_EFFECTS = 'Please tap any you\'ve noticed, or "None of these", then Done.'
CANNOT_SKIP_OTHER = (
    "Please type what else you've noticed in a few words, or send /back to change your answer."
)
HELP = (
    "This is your quick check-in: five short questions. Tap a button or type your answer.\n"
    "/back — go to the previous question\n"
    "/skip — skip a question you would rather not answer\n"
    "/pause — stop for now; your answers are saved\n"
    "/restart — start this check-in again from the first question\n"
    "/help — show this message\n\n"
    "I can't give medical advice. This chat is not watched around the clock. In a crisis, call "
    "or text 988, or call 911."
)

# Replies to the safety question once every check-in answer is in: nothing is left to "carry on"
# with, so these drop the intake's pointers back to the questions.
END_REPLIES = SafetyReplies(
    safe="Thank you for telling me. If that changes, call or text 988 any time, day or night.",
    not_safe=(
        "Please call 911 or go to the nearest emergency room now, or call or text 988 to talk "
        "with someone right away. I've told your care team, but they may not see this straight "
        "away, so please reach out to 988 or 911 now. Your check-in is saved."
    ),
    clarified_no="Thank you for letting me know.",
)


def too_long(limit: int) -> str:
    return TOO_LONG.format(limit=limit)
