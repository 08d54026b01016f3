-- The intake-bot tables as SQLModel.metadata.create_all made them on postgresql before schema
-- migrations existed (commit 70dcc57), captured statement by statement. Databases in the
-- field look like this: tests/storage/test_migrations.py builds one and upgrades it.

CREATE TABLE patient (
	id SERIAL NOT NULL,
	telegram_chat_id BIGINT,
	display_name VARCHAR(200),
	timezone VARCHAR(64),
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	linked_at TIMESTAMP WITH TIME ZONE,
	consented_at TIMESTAMP WITH TIME ZONE,
	declined_at TIMESTAMP WITH TIME ZONE,
	active_dialogue VARCHAR(16),
	settings_step VARCHAR(40),
	settings_draft JSON,
	checkin_cadence VARCHAR(8) NOT NULL,
	checkin_time VARCHAR(5),
	checkin_weekday INTEGER,
	checkins_paused BOOLEAN NOT NULL,
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_patient_telegram_chat_id ON patient (telegram_chat_id);

CREATE TABLE processedupdate (
	update_id BIGINT NOT NULL,
	processed_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (update_id)
);

CREATE TABLE invitation (
	id SERIAL NOT NULL,
	patient_id INTEGER NOT NULL,
	token_hash VARCHAR(64) NOT NULL,
	created_by VARCHAR(40) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
	used_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	UNIQUE (token_hash)
);

CREATE INDEX ix_invitation_patient_id ON invitation (patient_id);

CREATE TABLE appointment (
	id SERIAL NOT NULL,
	patient_id INTEGER NOT NULL,
	starts_at TIMESTAMP WITH TIME ZONE NOT NULL,
	status VARCHAR(16) NOT NULL,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id)
);

CREATE INDEX ix_appointment_patient_id ON appointment (patient_id);

CREATE TABLE intake (
	id SERIAL NOT NULL,
	patient_id INTEGER NOT NULL,
	appointment_id INTEGER,
	state VARCHAR(32) NOT NULL,
	step VARCHAR(64),
	editing BOOLEAN NOT NULL,
	pending VARCHAR(32),
	draft JSON,
	paused BOOLEAN NOT NULL,
	version INTEGER NOT NULL,
	started_at TIMESTAMP WITH TIME ZONE NOT NULL,
	updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
	consented_at TIMESTAMP WITH TIME ZONE,
	submitted_at TIMESTAMP WITH TIME ZONE,
	delivered_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	FOREIGN KEY(appointment_id) REFERENCES appointment (id)
);

CREATE INDEX ix_intake_patient_id ON intake (patient_id);

CREATE INDEX ix_intake_appointment_id ON intake (appointment_id);

CREATE TABLE reminder (
	id SERIAL NOT NULL,
	patient_id INTEGER NOT NULL,
	appointment_id INTEGER,
	kind VARCHAR(24) NOT NULL,
	key VARCHAR(100) NOT NULL,
	due_at TIMESTAMP WITH TIME ZONE NOT NULL,
	status VARCHAR(16) NOT NULL,
	sent_at TIMESTAMP WITH TIME ZONE,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	FOREIGN KEY(appointment_id) REFERENCES appointment (id),
	UNIQUE (key)
);

CREATE INDEX ix_reminder_patient_id ON reminder (patient_id);

CREATE INDEX ix_reminder_appointment_id ON reminder (appointment_id);

CREATE INDEX ix_reminder_due_at ON reminder (due_at);

CREATE TABLE answer (
	id SERIAL NOT NULL,
	intake_id INTEGER NOT NULL,
	question_key VARCHAR(64) NOT NULL,
	value JSON,
	raw_text TEXT,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	superseded BOOLEAN NOT NULL,
	superseded_at TIMESTAMP WITH TIME ZONE,
	PRIMARY KEY (id),
	FOREIGN KEY(intake_id) REFERENCES intake (id)
);

CREATE INDEX ix_answer_current ON answer (intake_id, superseded, question_key);

CREATE INDEX ix_answer_intake_id ON answer (intake_id);

CREATE TABLE medication (
	id SERIAL NOT NULL,
	patient_id INTEGER NOT NULL,
	intake_id INTEGER NOT NULL,
	position INTEGER NOT NULL,
	name TEXT NOT NULL,
	dose TEXT,
	frequency TEXT,
	status VARCHAR(32),
	missed_days INTEGER,
	reasons JSON,
	raw_text TEXT,
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	FOREIGN KEY(intake_id) REFERENCES intake (id)
);

CREATE INDEX ix_medication_patient_id ON medication (patient_id);

CREATE INDEX ix_medication_intake_id ON medication (intake_id);

CREATE TABLE safetyevent (
	id SERIAL NOT NULL,
	patient_id INTEGER NOT NULL,
	intake_id INTEGER,
	kind VARCHAR(40) NOT NULL,
	detail TEXT NOT NULL,
	step VARCHAR(64),
	shown VARCHAR(40),
	patient_text TEXT,
	alert BOOLEAN NOT NULL,
	alerted_chat_ids JSON,
	alert_messages JSON,
	times_alerted INTEGER NOT NULL,
	last_alerted_at TIMESTAMP WITH TIME ZONE,
	acknowledged_at TIMESTAMP WITH TIME ZONE,
	acknowledged_by VARCHAR(200),
	created_at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	FOREIGN KEY(intake_id) REFERENCES intake (id)
);

CREATE INDEX ix_safetyevent_patient_id ON safetyevent (patient_id);

CREATE INDEX ix_safetyevent_intake_id ON safetyevent (intake_id);

CREATE TABLE checkin (
	id SERIAL NOT NULL,
	patient_id INTEGER NOT NULL,
	reminder_id INTEGER,
	step VARCHAR(40),
	pending VARCHAR(32),
	draft JSON,
	answers JSON,
	started_at TIMESTAMP WITH TIME ZONE NOT NULL,
	completed_at TIMESTAMP WITH TIME ZONE,
	late BOOLEAN NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	FOREIGN KEY(reminder_id) REFERENCES reminder (id)
);

CREATE INDEX ix_checkin_patient_id ON checkin (patient_id);

CREATE INDEX ix_checkin_completed_at ON checkin (completed_at);

CREATE TABLE safetyaudit (
	id SERIAL NOT NULL,
	safety_event_id INTEGER NOT NULL,
	action VARCHAR(24) NOT NULL,
	actor VARCHAR(200),
	detail TEXT,
	at TIMESTAMP WITH TIME ZONE NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(safety_event_id) REFERENCES safetyevent (id)
);

CREATE INDEX ix_safetyaudit_safety_event_id ON safetyaudit (safety_event_id);

