"""The words the parsers know: frequency spellings, dose units, written numbers, and the
ways of saying none. Data only."""

from __future__ import annotations

# --- frequency vocabulary ----------------------------------------------------------------

ONCE_A_DAY = "once a day"
TWICE_A_DAY = "twice a day"
THREE_TIMES_A_DAY = "three times a day"
FOUR_TIMES_A_DAY = "four times a day"
AT_BEDTIME = "at bedtime"
EVERY_MORNING = "every morning"
EVERY_EVENING = "every evening"
ONCE_A_WEEK = "once a week"
EVERY_OTHER_DAY = "every other day"
AS_NEEDED = "as needed"

_PER_DAY = ("a day", "per day", "daily", "/day", "each day", "every day")


def _times_a_day(*counts: str) -> tuple[str, ...]:
    return tuple(
        f"{count}{suffix}" if suffix.startswith("/") else f"{count} {suffix}"
        for count in counts
        for suffix in _PER_DAY
    )


# Written as a patient or a prescription might write them; dots in abbreviations are optional.
FREQUENCIES: dict[str, tuple[str, ...]] = {
    ONCE_A_DAY: (
        *_times_a_day("once", "one time", "1 time", "1x", "1 x"),
        "daily",
        "every day",
        "each day",
        "qd",
        "q.d.",
        "od",
        "o.d.",
        "q24h",
        "every 24 hours",
    ),
    TWICE_A_DAY: (
        *_times_a_day("twice", "two times", "2 times", "2x", "2 x"),
        "bid",
        "b.i.d.",
        "bd",
        "b.d.",
        "q12h",
        "every 12 hours",
        "morning and night",
        "morning and evening",
        "morning and bedtime",
        "every morning and night",
        "every morning and evening",
        "every morning and every night",
        "every morning and every evening",
        "in the morning and at night",
        "in the morning and evening",
        "in the morning and in the evening",
        "in the morning and at bedtime",
    ),
    THREE_TIMES_A_DAY: (
        *_times_a_day("three times", "3 times", "3x", "3 x", "thrice"),
        "tid",
        "t.i.d.",
        "tds",
        "t.d.s.",
        "q8h",
        "every 8 hours",
    ),
    FOUR_TIMES_A_DAY: (
        *_times_a_day("four times", "4 times", "4x", "4 x"),
        "qid",
        "q.i.d.",
        "qds",
        "q.d.s.",
        "q6h",
        "every 6 hours",
    ),
    AT_BEDTIME: (
        "at bedtime",
        "at bed time",
        "bedtime",
        "before bed",
        "before bedtime",
        "before sleep",
        "before sleeping",
        "at night",
        "nightly",
        "every night",
        "each night",
        "qhs",
        "q.h.s.",
        "hs",
        "h.s.",
        "nocte",
    ),
    EVERY_MORNING: (
        "every morning",
        "each morning",
        "in the morning",
        "in the mornings",
        "mornings",
        "qam",
        "q.a.m.",
        "mane",
    ),
    EVERY_EVENING: (
        "every evening",
        "each evening",
        "in the evening",
        "in the evenings",
        "evenings",
        "qpm",
        "q.p.m.",
    ),
    ONCE_A_WEEK: (
        "once a week",
        "once weekly",
        "once per week",
        "weekly",
        "every week",
        "each week",
        "1x a week",
        "1x/week",
        "one time a week",
        "qw",
        "q.w.",
        "qwk",
        "q week",
    ),
    EVERY_OTHER_DAY: (
        "every other day",
        "every second day",
        "every 2 days",
        "every two days",
        "alternate days",
        "on alternate days",
        "qod",
        "q.o.d.",
    ),
    AS_NEEDED: (
        "as needed",
        "prn",
        "p.r.n.",
        "when needed",
        "if needed",
        "only when needed",
        "as required",
        "when required",
        "as necessary",
        "when necessary",
        "sos",
    ),
}
TIMES_OF_DAY = frozenset({AT_BEDTIME, EVERY_MORNING, EVERY_EVENING})


# --- dose vocabulary ---------------------------------------------------------------------

# Canonical unit -> (singular, plural) as written in a dose, and the spellings accepted.
UNITS: dict[tuple[str, str], tuple[str, ...]] = {
    ("mg", "mg"): ("milligrams", "milligram", "mgs", "mg"),
    ("mcg", "mcg"): ("micrograms", "microgram", "mcgs", "mcg", "µg", "μg", "ug"),
    ("g", "g"): ("grams", "gram", "gm", "g"),
    ("mL", "mL"): ("milliliters", "milliliter", "millilitres", "millilitre", "ml"),
    ("IU", "IU"): ("iu",),
    ("unit", "units"): ("units", "unit"),
    ("tablet", "tablets"): ("tablets", "tablet", "tabs", "tab"),
    ("pill", "pills"): ("pills", "pill"),
    ("capsule", "capsules"): ("capsules", "capsule", "caps", "cap"),
    ("puff", "puffs"): ("puffs", "puff"),
    ("drop", "drops"): ("drops", "drop"),
    ("patch", "patches"): ("patches", "patch"),
}

# --- number vocabulary -------------------------------------------------------------------

NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "once": 1,
    "twice": 2,
}
ZERO_ANSWERS = frozenset(
    {
        "none",
        "no",
        "nope",
        "never",
        "nothing",
        "nil",
        "zero",
        "not at all",
        "not once",
        "none at all",
        "no times",
        "not any",
    }
)
NONE_ANSWERS = frozenset(
    {
        "none",
        "nothing",
        "no",
        "nope",
        "neither",
        "none of them",
        "none of these",
        "none of the above",
        "n a",
        "na",
        "nil",
    }
)

# --- the rest of a medication line ---------------------------------------------------------

# A dose that is changing. The words are read with the rest of their clause ("increasing to
# 50 mg next week"), so the provider sees the plan as the patient wrote it.
TITRATION_WORDS = (
    "increasing",
    "increase",
    "increased",
    "going up",
    "titrating up",
    "titrating down",
    "titrating",
    "uptitrating",
    "ramping up",
    "tapering off",
    "tapering down",
    "tapering",
    "taper",
    "tapered",
    "weaning off",
    "weaning",
    "coming off",
    "reducing",
    "reduced",
    "decreasing",
    "decreased",
    "going down",
    "cutting down",
    "cutting back",
    "stepping down",
    "lowering",
    "lowered",
    "raising",
    "raised",
)

# When in the day, or on what occasion, a medicine is taken: the preposition starts the phrase
# ("with dinner", "before presentations", "after lunch", "at 8 pm", "on an empty stomach").
TIMING_PREPOSITIONS = ("with", "before", "after", "during", "around", "at", "on", "in")
TIMING_PHRASE_WORDS = 3
"""At most this many words after the preposition belong to a timing phrase."""

# A dose the patient does not know ("not sure of the dose", "dose unknown").
UNKNOWN_DOSE_OPENINGS = (
    "not sure",
    "unsure",
    "no idea",
    "don't know",
    "dont know",
    "do not know",
    "can't remember",
    "cant remember",
    "cannot remember",
    "don't remember",
    "dont remember",
    "do not remember",
    "forgot",
    "forget",
    "not certain",
)
DOSE_WORDS = ("dose", "dosage", "strength", "amount", "how much", "how many mg", "mg")

# Saying a medicine was stopped, instead of naming one ("I stopped taking it").
STOPPED_WORDS = frozenset(
    {
        "stopped",
        "stop",
        "stopping",
        "quit",
        "quitting",
        "discontinued",
        "off",
        "anymore",
        "longer",
    }
)

# Words that never make up a medicine's name: a "name" made only of these is a sentence about
# a medicine ("I stopped taking it", "not sure of the dose", "I don't know").
_SENTENCE_WORDS = """
    i i'm im i've ive i'd me my it its it's them they that this those these one ones
    the a an of about on to for any more no not never don't dont do did didn't does
    doesn't have had has am was were be been is are came come coming went taking
    take took taken sure unsure know remember forgot forget what which how much
    dose dosage strength amount idk can't cant cannot yet now anything
    last week weeks month months year years ago since while recently yesterday
    today medicine medication meds really think guess maybe unknown
"""
SENTENCE_WORDS = STOPPED_WORDS | frozenset(_SENTENCE_WORDS.split())

# Words that carry nothing by themselves between the parts of a medication line; a leftover
# piece made only of these is not kept as a note ("sertraline and 50 mg").
FILLER_WORDS = frozenset(
    {
        "and",
        "or",
        "then",
        "also",
        "plus",
        "of",
        "a",
        "an",
        "the",
        "my",
        "i",
        "take",
        "takes",
        "taking",
        "currently",
        "still",
        "on",
        "am",
        "im",
        "i'm",
        "using",
        "use",
        "prescribed",
    }
)
