"""Turning what a patient types into values: options, numbers, medications, frequencies.

Every function is pure and forgiving: text that cannot be understood gives None, never an
exception, so the caller can simply ask again. Nothing here guesses between two readings.
Each module says the decisions a caller must know: `choices` (match_option, match_options),
`numbers` (parse_number), `medication_line` (parse_medication_line; its phrases and the
sentences that are not a medicine, `sentence_kind`, in `medication_phrases`) and `frequencies`
(parse_frequency, FREQUENCY_OPTIONS); `vocabulary` holds the words they know.
"""

from flows.parsing.choices import match_option, match_options
from flows.parsing.frequencies import FREQUENCY_OPTIONS, parse_frequency
from flows.parsing.medication_line import MedicationLine, parse_medication_line
from flows.parsing.medication_phrases import SentenceKind, sentence_kind
from flows.parsing.numbers import parse_number
from flows.parsing.text import normalise
from flows.parsing.vocabulary import (
    AS_NEEDED,
    AT_BEDTIME,
    EVERY_EVENING,
    EVERY_MORNING,
    EVERY_OTHER_DAY,
    FOUR_TIMES_A_DAY,
    FREQUENCIES,
    ONCE_A_DAY,
    ONCE_A_WEEK,
    THREE_TIMES_A_DAY,
    TWICE_A_DAY,
)

__all__ = [
    "AS_NEEDED",
    "AT_BEDTIME",
    "EVERY_EVENING",
    "EVERY_MORNING",
    "EVERY_OTHER_DAY",
    "FOUR_TIMES_A_DAY",
    "FREQUENCIES",
    "FREQUENCY_OPTIONS",
    "ONCE_A_DAY",
    "ONCE_A_WEEK",
    "THREE_TIMES_A_DAY",
    "TWICE_A_DAY",
    "MedicationLine",
    "SentenceKind",
    "match_option",
    "match_options",
    "normalise",
    "parse_frequency",
    "parse_medication_line",
    "parse_number",
    "sentence_kind",
]
