"""What the bot says about a patient's own data: /privacy, /mydata, /delete, /stop, and the
truthful goodbye to a patient who declines after risk language. Plain text, like
flows.messages, so the clinic can review the wording in one place."""

from __future__ import annotations

from flows.options import Option

DELETE_STEP = "delete.confirm"
DELETE_OPTIONS = (
    Option("yes", "Yes, delete everything", aliases=("yes", "y", "delete", "delete everything")),
    Option("no", "No, keep it", aliases=("no", "n", "keep", "cancel", "keep it")),
)


def privacy(clinic: str, retention_days: int | None) -> str:
    kept = (
        f"until {retention_days} days after your last visit or your last message here, whichever "
        "is later; then it is deleted automatically"
        if retention_days
        else f"until you delete it, or {clinic} deletes it under its records policy"
    )
    return (
        "Your privacy\n\n"
        "What I store: the name your clinic gave me, your answers to the pre-visit check-in, your "
        "daily check-ins, your time zone and reminder choices, your appointments, and anything "
        "you wrote that made me worried for your safety. All of it is stored encrypted.\n\n"
        f"Who sees it: only your care team at {clinic}, in their chat with me. I never share it "
        "with anyone else.\n\n"
        f"How long: {kept}.\n\n"
        "Your choices:\n"
        "/mydata — get a file with everything I keep about you\n"
        "/delete — delete everything I keep about you\n"
        "/stop — stop all reminders (nothing is deleted)\n\n"
        "Messages already in this chat, and what your care team already received, stay in "
        "Telegram and in your clinic's records; ask the clinic about those."
    )


MYDATA_SENT = (
    "I've sent you a file with everything I keep about you. It is yours: keep it somewhere "
    "private."
)
MYDATA_CAPTION = "Everything I keep about you"
MYDATA_FILE = "my-data.txt"

DELETE_QUESTION = (
    "Delete everything I keep about you? This removes your answers, check-ins, reminders and "
    "appointments here, and cannot be undone. Your care team will be told that you left, but "
    "not why and nothing you said. What they already received stays in their records.\n\n"
    "Tap a button, or type yes or no."
)
DELETE_NOT_UNDERSTOOD = "Please tap a button, or type yes or no."
DELETE_CANCELLED = "Okay, nothing was deleted."
DELETED = (
    "Done: everything I kept about you has been deleted, and your care team has been told that "
    "you left. I no longer know who you are: to use me again, ask your clinic for a new link. "
    "If you ever need help right away, call or text 988, or call 911."
)


def stopped(restart: str) -> str:
    return (
        "Okay, I've stopped all reminders: no more check-in reminders and no reminders about "
        "your pre-visit check-in or appointments. Nothing has been deleted: your answers and "
        f"check-ins are kept for your care team.\n\n{restart}\n"
        "To see what I keep, send /mydata; to delete it all, send /delete."
    )


RESTART_HINT = "To turn reminders back on, send /reminders and choose how often."

DECLINED_AFTER_ALERT = (
    "Okay. I won't ask you anything more. Because of what you wrote earlier, I sent your care "
    "team an urgent alert with your name, so someone can check on you. I keep what you wrote "
    "only until someone on your care team has seen that alert; then I erase it. After that I "
    "keep only that you said no, and that an alert was sent and seen, without your words. To "
    "have everything deleted now, send /delete. If you change your mind, send /start. If you "
    "need help right away, call or text 988, or call 911."
)
DECLINED_AFTER_SEEN_ALERT = (
    "Okay. I won't ask you anything more. Because of what you wrote earlier, I sent your care "
    "team an urgent alert with your name, and they have seen it. What you wrote has now been "
    "erased: I keep only that you said no, and that an alert was sent and seen, without your "
    "words. To have everything deleted, send /delete. If you change your mind, send /start. If "
    "you need help right away, call or text 988, or call 911."
)
DECLINED_AFTER_WORRY = (
    "Okay. Nothing you wrote has been kept: I keep only that you said no, and a note, without "
    "your words, that I showed you crisis resources. To have that deleted too, send /delete. If "
    "you change your mind, send /start. If you need help right away, call or text 988, or call "
    "911."
)

PROVIDER_NOTICE = "A patient has left: at their request, everything the bot kept about them was deleted."
