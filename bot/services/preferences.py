"""The patient's own settings, one question at a time: check-in reminders (/reminders) and time
zone (/timezone). A changed setting re-plans the reminders it affects."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.services.config import ServiceConfig
from bot.services.reminder_plans import (
    ids,
    patient_cadence,
    patient_zone,
    plan_checkin,
    replan_patient,
)
from bot.services.replies import Reply
from bot.services.safety import patient_ref
from flows.dialogue import Event
from flows.preferences import (
    PreferencesOutcome,
    PreferencesState,
    handle_preferences,
    start_reminders,
    start_timezone,
)
from storage.models import Patient
from storage.statuses import ActiveDialogue

REMINDERS, TIMEZONE = "reminders", "timezone"


class PreferencesService:
    """Opens a settings dialogue and applies the patient's answers to it."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config

    def open(self, session: Session, patient: Patient, what: str) -> Reply:
        """/reminders or /timezone: the first question of that setting."""
        if what == REMINDERS:
            outcome = start_reminders(patient_cadence(patient))
        else:
            outcome = start_timezone(patient_zone(patient, self.config.clinic_zone).key)
        patient.active_dialogue = ActiveDialogue.SETTINGS
        patient.settings_step = outcome.state.step
        patient.settings_draft = {}
        session.add(patient)
        return Reply(ref=patient_ref(patient), say=list(outcome.say), screen=outcome.screen)

    def apply(
        self, session: Session, patient: Patient, event: Event, now: datetime
    ) -> tuple[Reply, bool]:
        """One answer to the open setting: the reply, and whether the dialogue is done."""
        state = PreferencesState(patient.settings_step, dict(patient.settings_draft or {}))
        zone = patient_zone(patient, self.config.clinic_zone)
        outcome = handle_preferences(state, event, patient_cadence(patient), zone.key)
        reply = Reply(
            ref=patient_ref(patient),
            say=list(outcome.say),
            screen=outcome.screen,
            stale=outcome.stale,
        )
        reply.reminders = self._save(session, patient, outcome, now)
        if outcome.done:
            close(patient)
        else:
            patient.settings_step = outcome.state.step
            patient.settings_draft = dict(outcome.state.draft)
        session.add(patient)
        return reply, outcome.done

    def _save(
        self, session: Session, patient: Patient, outcome: PreferencesOutcome, now: datetime
    ) -> list[int]:
        """Store a chosen cadence or time zone; the reminder rows it planned or moved."""
        planned: list[int] = []
        if outcome.cadence is not None:
            cadence = outcome.cadence
            patient.checkin_cadence = cadence.kind
            if cadence.at is not None:
                patient.checkin_time = cadence.at.strftime("%H:%M")
            patient.checkin_weekday = cadence.weekday
            patient.checkins_paused = cadence.paused
            session.add(patient)
            planned = ids(plan_checkin(session, patient, self.config.clinic_zone, now))
            if patient.reminders_stopped_at is not None and cadence.kind != "off":  # after /stop
                patient.reminders_stopped_at = None
                rows = replan_patient(
                    session, patient, self.config.policy, self.config.clinic_zone, now
                )
                planned = ids(rows)
        if outcome.timezone is not None:
            patient.timezone = outcome.timezone
            session.add(patient)
            rows = replan_patient(
                session, patient, self.config.policy, self.config.clinic_zone, now
            )
            planned = ids(rows)
        return planned


def close(patient: Patient) -> None:
    """The settings dialogue is over (done, or given way to a safety question)."""
    patient.active_dialogue = None
    patient.settings_step = None
    patient.settings_draft = None
