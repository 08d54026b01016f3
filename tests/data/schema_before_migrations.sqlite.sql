-- The intake-bot tables as SQLModel.metadata.create_all made them on sqlite before schema
-- migrations existed (commit 70dcc57), captured statement by statement. Databases in the
-- field look like this: tests/storage/test_migrations.py builds one and upgrades it.

CREATE TABLE patient (
	id INTEGER NOT NULL,
	telegram_chat_id BIGINT,
	display_name VARCHAR(200),
	timezone VARCHAR(64),
	created_at DATETIME NOT NULL,
	linked_at DATETIME,
	consented_at DATETIME,
	declined_at DATETIME,
	active_dialogue VARCHAR(16),
	settings_step VARCHAR(40),
	settings_draft TEXT,
	checkin_cadence VARCHAR(8) NOT NULL,
	checkin_time VARCHAR(5),
	checkin_weekday INTEGER,
	checkins_paused BOOLEAN NOT NULL,
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_patient_telegram_chat_id ON patient (telegram_chat_id);

CREATE TABLE processedupdate (
	update_id BIGINT NOT NULL,
	processed_at DATETIME NOT NULL,
	PRIMARY KEY (update_id)
);

CREATE TABLE invitation (
	id INTEGER NOT NULL,
	patient_id INTEGER NOT NULL,
	token_hash VARCHAR(64) NOT NULL,
	created_by VARCHAR(40) NOT NULL,
	created_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	used_at DATETIME,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	UNIQUE (token_hash)
);

CREATE INDEX ix_invitation_patient_id ON invitation (patient_id);

CREATE TABLE appointment (
	id INTEGER NOT NULL,
	patient_id INTEGER NOT NULL,
	starts_at DATETIME NOT NULL,
	status VARCHAR(16) NOT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id)
);

CREATE INDEX ix_appointment_patient_id ON appointment (patient_id);

CREATE TABLE intake (
	id INTEGER NOT NULL,
	patient_id INTEGER NOT NULL,
	appointment_id INTEGER,
	state VARCHAR(32) NOT NULL,
	step VARCHAR(64),
	editing BOOLEAN NOT NULL,
	pending VARCHAR(32),
	draft TEXT,
	paused BOOLEAN NOT NULL,
	version INTEGER NOT NULL,
	started_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	consented_at DATETIME,
	submitted_at DATETIME,
	delivered_at DATETIME,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	FOREIGN KEY(appointment_id) REFERENCES appointment (id)
);

CREATE INDEX ix_intake_patient_id ON intake (patient_id);

CREATE INDEX ix_intake_appointment_id ON intake (appointment_id);

CREATE TABLE reminder (
	id INTEGER NOT NULL,
	patient_id INTEGER NOT NULL,
	appointment_id INTEGER,
	kind VARCHAR(24) NOT NULL,
	"key" VARCHAR(100) NOT NULL,
	due_at DATETIME NOT NULL,
	status VARCHAR(16) NOT NULL,
	sent_at DATETIME,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	FOREIGN KEY(appointment_id) REFERENCES appointment (id),
	UNIQUE ("key")
);

CREATE INDEX ix_reminder_patient_id ON reminder (patient_id);

CREATE INDEX ix_reminder_appointment_id ON reminder (appointment_id);

CREATE INDEX ix_reminder_due_at ON reminder (due_at);

CREATE TABLE answer (
	id INTEGER NOT NULL,
	intake_id INTEGER NOT NULL,
	question_key VARCHAR(64) NOT NULL,
	value TEXT,
	raw_text TEXT,
	created_at DATETIME NOT NULL,
	superseded BOOLEAN NOT NULL,
	superseded_at DATETIME,
	PRIMARY KEY (id),
	FOREIGN KEY(intake_id) REFERENCES intake (id)
);

CREATE INDEX ix_answer_current ON answer (intake_id, superseded, question_key);

CREATE INDEX ix_answer_intake_id ON answer (intake_id);

CREATE TABLE medication (
	id INTEGER NOT NULL,
	patient_id INTEGER NOT NULL,
	intake_id INTEGER NOT NULL,
	position INTEGER NOT NULL,
	name TEXT NOT NULL,
	dose TEXT,
	frequency TEXT,
	status VARCHAR(32),
	missed_days INTEGER,
	reasons TEXT,
	raw_text TEXT,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	FOREIGN KEY(intake_id) REFERENCES intake (id)
);

CREATE INDEX ix_medication_patient_id ON medication (patient_id);

CREATE INDEX ix_medication_intake_id ON medication (intake_id);

CREATE TABLE safetyevent (
	id INTEGER NOT NULL,
	patient_id INTEGER NOT NULL,
	intake_id INTEGER,
	kind VARCHAR(40) NOT NULL,
	detail TEXT NOT NULL,
	step VARCHAR(64),
	shown VARCHAR(40),
	patient_text TEXT,
	alert BOOLEAN NOT NULL,
	alerted_chat_ids TEXT,
	alert_messages TEXT,
	times_alerted INTEGER NOT NULL,
	last_alerted_at DATETIME,
	acknowledged_at DATETIME,
	acknowledged_by VARCHAR(200),
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	FOREIGN KEY(intake_id) REFERENCES intake (id)
);

CREATE INDEX ix_safetyevent_patient_id ON safetyevent (patient_id);

CREATE INDEX ix_safetyevent_intake_id ON safetyevent (intake_id);

CREATE TABLE checkin (
	id INTEGER NOT NULL,
	patient_id INTEGER NOT NULL,
	reminder_id INTEGER,
	step VARCHAR(40),
	pending VARCHAR(32),
	draft TEXT,
	answers TEXT,
	started_at DATETIME NOT NULL,
	completed_at DATETIME,
	late BOOLEAN NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(patient_id) REFERENCES patient (id),
	FOREIGN KEY(reminder_id) REFERENCES reminder (id)
);

CREATE INDEX ix_checkin_patient_id ON checkin (patient_id);

CREATE INDEX ix_checkin_completed_at ON checkin (completed_at);

CREATE TABLE safetyaudit (
	id INTEGER NOT NULL,
	safety_event_id INTEGER NOT NULL,
	action VARCHAR(24) NOT NULL,
	actor VARCHAR(200),
	detail TEXT,
	at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(safety_event_id) REFERENCES safetyevent (id)
);

CREATE INDEX ix_safetyaudit_safety_event_id ON safetyaudit (safety_event_id);

