/* schema.c - the database schema as numbered migrations; PRAGMA user_version is the number. */
#include "store_internal.h"

/* Append only: a migration that has shipped is never edited; change the schema with a new one. */
const char *const store_migrations[] = {
    /* 1: people, groups, messages, the outbox, and the ledger. */
    "CREATE TABLE networks("
    "  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE groups("
    "  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL DEFAULT '',"
    "  network_id INTEGER REFERENCES networks(id), district TEXT NOT NULL DEFAULT '',"
    "  timezone TEXT NOT NULL DEFAULT '+07:00', created_at INTEGER NOT NULL);"
    "CREATE TABLE people("
    "  id INTEGER PRIMARY KEY, phone TEXT NOT NULL UNIQUE, name TEXT NOT NULL DEFAULT '',"
    "  group_id INTEGER REFERENCES groups(id),"
    "  role TEXT CHECK(role IN ('member','treasurer','facilitator','trainer','admin')),"
    "  language TEXT, code TEXT UNIQUE, channel TEXT, last_channel TEXT,"
    "  last_inbound_at INTEGER, opted_out INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX people_group ON people(group_id);"
    "CREATE TABLE messages("
    "  id INTEGER PRIMARY KEY, channel TEXT NOT NULL, provider_id TEXT NOT NULL,"
    "  phone TEXT NOT NULL, text TEXT NOT NULL, media TEXT NOT NULL DEFAULT '',"
    "  received_at INTEGER NOT NULL, provider_at INTEGER,"
    "  status TEXT NOT NULL DEFAULT 'received', parsed TEXT,"
    "  UNIQUE(channel, provider_id));"
    "CREATE INDEX messages_phone ON messages(phone, received_at);"
    "CREATE TABLE outbox("
    "  id INTEGER PRIMARY KEY, message_id INTEGER REFERENCES messages(id),"
    "  channel TEXT NOT NULL, phone TEXT NOT NULL, text TEXT NOT NULL,"
    "  kind TEXT NOT NULL DEFAULT 'reply', status TEXT NOT NULL DEFAULT 'queued'"
    "    CHECK(status IN ('queued','sending','sent','delivered','read','failed','dropped')),"
    "  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL, sent_at INTEGER, provider_id TEXT, error TEXT,"
    "  segments INTEGER NOT NULL DEFAULT 1, encoding TEXT NOT NULL DEFAULT 'gsm7',"
    "  dedupe_key TEXT UNIQUE, resent INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX outbox_due ON outbox(status, next_at);"
    "CREATE INDEX outbox_provider ON outbox(channel, provider_id);"
    "CREATE INDEX outbox_phone ON outbox(phone, created_at);"
    "CREATE TABLE loans("
    "  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
    "  person_id INTEGER NOT NULL REFERENCES people(id), principal INTEGER NOT NULL,"
    "  instalment INTEGER NOT NULL, instalments INTEGER NOT NULL,"
    "  frequency TEXT NOT NULL CHECK(frequency IN ('weekly','monthly')),"
    "  first_due TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE INDEX loans_person ON loans(person_id);"
    "CREATE TABLE instalments("
    "  id INTEGER PRIMARY KEY, loan_id INTEGER NOT NULL REFERENCES loans(id),"
    "  n INTEGER NOT NULL, due_date TEXT NOT NULL, amount INTEGER NOT NULL,"
    "  paid INTEGER NOT NULL DEFAULT 0, UNIQUE(loan_id, n));"
    "CREATE TABLE entries("
    "  id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE,"
    "  person_id INTEGER NOT NULL REFERENCES people(id), group_id INTEGER REFERENCES groups(id),"
    "  kind TEXT NOT NULL CHECK(kind IN ('sale','expense','savings','repayment')),"
    "  amount INTEGER NOT NULL, qty INTEGER, unit TEXT, item TEXT,"
    "  loan_id INTEGER REFERENCES loans(id),"
    "  status TEXT NOT NULL CHECK(status IN ('reported','confirmed','cancelled')),"
    "  message_id INTEGER REFERENCES messages(id), recorded_by INTEGER REFERENCES people(id),"
    "  created_at INTEGER NOT NULL, confirmed_at INTEGER, confirmed_by INTEGER,"
    "  cancelled_at INTEGER, cancelled_by INTEGER);"
    "CREATE INDEX entries_person ON entries(person_id, created_at);"
    "CREATE INDEX entries_group ON entries(group_id, created_at);",
    /* 2: e-training (batches, sessions, participants, attendance, answers) and the reminders
     * queued, so a reminder goes once and is dropped when its instalment is paid. */
    "CREATE TABLE batches("
    "  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);"
    "CREATE TABLE sessions("
    "  id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL REFERENCES batches(id),"
    "  n INTEGER NOT NULL, starts_at INTEGER, title TEXT NOT NULL DEFAULT '',"
    "  material TEXT NOT NULL DEFAULT '', opened_at INTEGER, opened_by INTEGER,"
    "  UNIQUE(batch_id, n));"
    "CREATE INDEX sessions_starts ON sessions(starts_at);"
    "CREATE TABLE participants("
    "  id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL REFERENCES batches(id),"
    "  person_id INTEGER NOT NULL REFERENCES people(id), sex TEXT CHECK(sex IN ('L','P')),"
    "  age INTEGER, district TEXT NOT NULL DEFAULT '', disability INTEGER NOT NULL DEFAULT 0,"
    "  relation TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,"
    "  UNIQUE(batch_id, person_id));"
    "CREATE INDEX participants_person ON participants(person_id);"
    "CREATE TABLE attendance("
    "  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),"
    "  participant_id INTEGER NOT NULL REFERENCES participants(id),"
    "  message_id INTEGER REFERENCES messages(id), at INTEGER NOT NULL,"
    "  UNIQUE(session_id, participant_id));"
    "CREATE INDEX attendance_at ON attendance(at);"
    "CREATE TABLE answers("
    "  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),"
    "  participant_id INTEGER NOT NULL REFERENCES participants(id), question INTEGER NOT NULL,"
    "  answer TEXT NOT NULL, message_id INTEGER REFERENCES messages(id), at INTEGER NOT NULL,"
    "  UNIQUE(session_id, participant_id, question));"
    /* No foreign keys here: a loan re-imported with fewer instalments may delete rows. */
    "CREATE TABLE reminders("
    "  id INTEGER PRIMARY KEY, dedupe_key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
    "  person_id INTEGER NOT NULL, instalment_id INTEGER, session_id INTEGER,"
    "  outbox_id INTEGER, created_at INTEGER NOT NULL);"
    "CREATE INDEX reminders_instalment ON reminders(instalment_id);",
    /* 3: the outbox claims what is due per channel. With the channel in the index, claiming for
     * a channel with nothing due no longer walks every row queued for the other channels. */
    "CREATE INDEX outbox_due_channel ON outbox(status, channel, next_at);"
    "DROP INDEX outbox_due;",
    /* 4: CHECK constraints written as IN lists make SQLite build an ephemeral table for the
     * list on every insert or update of the row (a fifth of the writer's time per message); the
     * same rules as OR chains are checked inline. Only the constraint text changes, not the
     * stored format, so the schema is edited in place (the SQLite documentation's procedure for
     * changing a CHECK constraint; store_migrate bumps schema_version). */
    "PRAGMA writable_schema=ON;"
    "UPDATE sqlite_schema SET sql = replace(sql, 'CHECK(role IN "
    "(''member'',''treasurer'',''facilitator'',''trainer'',''admin''))',"
    " 'CHECK(role = ''member'' OR role = ''treasurer'' OR role = ''facilitator'' OR role = "
    "''trainer'' OR role = ''admin'')')"
    " WHERE type = 'table' AND name = 'people';"
    "UPDATE sqlite_schema SET sql = replace(sql, 'CHECK(status IN "
    "(''queued'',''sending'',''sent'',''delivered'',''read'',''failed'',''dropped''))',"
    " 'CHECK(status = ''queued'' OR status = ''sending'' OR status = ''sent'' OR status = "
    "''delivered'' OR status = ''read'' OR status = ''failed'' OR status = ''dropped'')')"
    " WHERE type = 'table' AND name = 'outbox';"
    "UPDATE sqlite_schema SET sql = replace(sql, 'CHECK(kind IN "
    "(''sale'',''expense'',''savings'',''repayment''))',"
    " 'CHECK(kind = ''sale'' OR kind = ''expense'' OR kind = ''savings'' OR kind = ''repayment'')')"
    " WHERE type = 'table' AND name = 'entries';"
    "UPDATE sqlite_schema SET sql = replace(sql, 'CHECK(status IN "
    "(''reported'',''confirmed'',''cancelled''))',"
    " 'CHECK(status = ''reported'' OR status = ''confirmed'' OR status = ''cancelled'')')"
    " WHERE type = 'table' AND name = 'entries';"
    "PRAGMA writable_schema=OFF;",
    /* 5: a queued message has no provider id until it is sent: indexing only those that have
     * one keeps that index out of the writer's insert (the outbox thread writes it on send).
     * Lookups by "provider_id = ?" imply NOT NULL, so they still use it. */
    "DROP INDEX outbox_provider;"
    "CREATE INDEX outbox_provider ON outbox(channel, provider_id) WHERE provider_id IS NOT NULL;",
    /* 6: e-training surveys (questions per batch and session, yes/no or choice, an indicator
     * pairing the same question before and after), each participant's programme, and when a
     * participant who attended every session was congratulated (once); reply buttons of an
     * outgoing message (session material on WhatsApp: HADIR, JAWAB 1 YA, JAWAB 1 TIDAK); the
     * voice notes and media participants send during a session (the discussion). */
    "CREATE TABLE survey_questions("
    "  id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL REFERENCES batches(id),"
    "  session INTEGER NOT NULL, question INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK(kind = 'yesno' OR kind = 'choice'),"
    "  text TEXT NOT NULL DEFAULT '', indicator TEXT NOT NULL DEFAULT '',"
    "  agree TEXT NOT NULL DEFAULT '', UNIQUE(batch_id, session, question));"
    "ALTER TABLE participants ADD COLUMN programme TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE participants ADD COLUMN congratulated_at INTEGER;"
    /* WhatsApp reply buttons of a queued message: their titles, one a line ("" for none). */
    "ALTER TABLE outbox ADD COLUMN buttons TEXT NOT NULL DEFAULT '';"
    /* A participant's voice note or other media during a session: her part in the discussion. */
    "CREATE TABLE discussion("
    "  id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),"
    "  participant_id INTEGER NOT NULL REFERENCES participants(id),"
    "  message_id INTEGER REFERENCES messages(id), kind TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX discussion_session ON discussion(session_id, participant_id);",
    /* 7: the books LKPs keep. Withdrawals from savings are entries of their own kind; a loan
     * carries its interest (instalment x instalments - principal) and the date it was handed
     * out; each instalment says how much of it is interest (the rest is principal). Loans
     * imported before have no interest; their disbursement date is the day before their first
     * instalment period (one week or one month before the first due date, the month's last day
     * when it is shorter). */
    "PRAGMA writable_schema=ON;"
    "UPDATE sqlite_schema SET sql = replace(sql,"
    " 'CHECK(kind = ''sale'' OR kind = ''expense'' OR kind = ''savings'' OR kind = ''repayment'')',"
    " 'CHECK(kind = ''sale'' OR kind = ''expense'' OR kind = ''savings'' OR kind = ''repayment''"
    " OR kind = ''withdrawal'')')"
    " WHERE type = 'table' AND name = 'entries';"
    "PRAGMA writable_schema=OFF;"
    "ALTER TABLE loans ADD COLUMN interest INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE loans ADD COLUMN disbursed TEXT;"
    "ALTER TABLE instalments ADD COLUMN interest INTEGER NOT NULL DEFAULT 0;"
    /* A repayment names the loan it pays first when the member named one; else loan_id is the
     * loan it began on, and it pays her loans oldest instalment first. */
    "ALTER TABLE entries ADD COLUMN loan_named INTEGER NOT NULL DEFAULT 0;"
    "UPDATE loans SET disbursed = CASE frequency WHEN 'weekly' THEN date(first_due, '-7 days')"
    " ELSE min(date(first_due, '-1 month'), date(first_due, 'start of month', '-1 day')) END;"
    "CREATE INDEX entries_loan ON entries(loan_id);",
    /* 8: channels as providers send them (product.md s. 3). Messages keep the address they
     * were sent to and what media they carry; people keep the address they last wrote to (the
     * reply goes out from it), a WhatsApp business-scoped user id given beside their number, and
     * why and when they were opted out; the outbox keeps the address it sends from and, for an
     * SMS sent because WhatsApp could not deliver, the message it stands in for. */
    "ALTER TABLE messages ADD COLUMN to_addr TEXT;"
    "ALTER TABLE messages ADD COLUMN media_ref TEXT;"
    "ALTER TABLE messages ADD COLUMN media_mime TEXT;"
    "ALTER TABLE messages ADD COLUMN meta TEXT;"
    "ALTER TABLE people ADD COLUMN last_to TEXT;"
    "ALTER TABLE people ADD COLUMN user_id TEXT;"
    "ALTER TABLE people ADD COLUMN opted_out_reason TEXT;"
    "ALTER TABLE people ADD COLUMN opted_out_at INTEGER;"
    "ALTER TABLE outbox ADD COLUMN sender TEXT;"
    "ALTER TABLE outbox ADD COLUMN fallback_of INTEGER REFERENCES outbox(id);"
    "CREATE INDEX outbox_fallback ON outbox(fallback_of) WHERE fallback_of IS NOT NULL;",
    /* 9: a phone may belong to several members (a shared household handset): people.phone is
     * no longer UNIQUE. SQLite cannot drop a constraint, so the table is rebuilt the documented
     * way (new table, copy, drop, rename; run by store_migrate with foreign keys off, checked
     * with foreign_key_check before the commit; ids are kept, so every reference stays right).
     * The question catat asked a member (a likely duplicate, a very small amount), answered by
     * YA within 30 minutes; one per person, the latest. */
    STORE_MIGRATION_REBUILDS
    "CREATE TABLE people_new("
    "  id INTEGER PRIMARY KEY, phone TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',"
    "  group_id INTEGER REFERENCES groups(id),"
    "  role TEXT CHECK(role = 'member' OR role = 'treasurer' OR role = 'facilitator' OR"
    "    role = 'trainer' OR role = 'admin'),"
    "  language TEXT, code TEXT UNIQUE, channel TEXT, last_channel TEXT,"
    "  last_inbound_at INTEGER, opted_out INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, last_to TEXT, user_id TEXT, opted_out_reason TEXT,"
    "  opted_out_at INTEGER);"
    "INSERT INTO people_new(id, phone, name, group_id, role, language, code, channel,"
    "  last_channel, last_inbound_at, opted_out, created_at, last_to, user_id,"
    "  opted_out_reason, opted_out_at)"
    "  SELECT id, phone, name, group_id, role, language, code, channel, last_channel,"
    "  last_inbound_at, opted_out, created_at, last_to, user_id, opted_out_reason,"
    "  opted_out_at FROM people;"
    "DROP TABLE people;"
    "ALTER TABLE people_new RENAME TO people;"
    "CREATE INDEX people_group ON people(group_id);"
    "CREATE INDEX people_phone ON people(phone);"
    "CREATE TABLE pending_questions("
    "  person_id INTEGER PRIMARY KEY REFERENCES people(id), kind TEXT NOT NULL,"
    "  amount INTEGER NOT NULL, qty INTEGER, unit TEXT, item TEXT, ref TEXT,"
    "  asked_at INTEGER NOT NULL);"
    /* and when the treasurers were told of a member's report waiting for them (hourly). */
    "ALTER TABLE entries ADD COLUMN told_at INTEGER;",
    /* 10: the staff web app. Sign-in codes and sessions are kept only as SHA-256 hashes; the
     * attempts table bounds sign-in tries per phone and per address; every action taken on a
     * page is recorded with who took it. */
    "CREATE TABLE web_codes("
    "  id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES people(id),"
    "  code_hash TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    "  tries INTEGER NOT NULL DEFAULT 0, used_at INTEGER);"
    "CREATE INDEX web_codes_person ON web_codes(person_id, created_at);"
    "CREATE TABLE web_sessions("
    "  id INTEGER PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,"
    "  person_id INTEGER NOT NULL REFERENCES people(id), created_at INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL, ended_at INTEGER);"
    "CREATE TABLE web_attempts("
    "  id INTEGER PRIMARY KEY, scope TEXT NOT NULL, key TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX web_attempts_key ON web_attempts(scope, key, at);"
    "CREATE TABLE web_actions("
    "  id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES people(id),"
    "  action TEXT NOT NULL, target TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '',"
    "  at INTEGER NOT NULL);",
    /* 11: a batch may name its trainer (batches.csv trainer); one without belongs to every
     * trainer. */
    "ALTER TABLE batches ADD COLUMN trainer_id INTEGER REFERENCES people(id);",
    /* 12: only repayments name a loan: indexing the entries that name none (every sale,
     * expense and saving) wrote an index entry per message that no lookup reads. Lookups by
     * "loan_id = ?" imply NOT NULL, so they still use it. */
    "DROP INDEX entries_loan;"
    "CREATE INDEX entries_loan ON entries(loan_id) WHERE loan_id IS NOT NULL;",
    /* 13: an outbox message being sent says which instance claimed it and until when, so that
     * several instances on one database requeue only what a dead one left (its claim expired)
     * and an instance restarting takes back its own claims at once. */
    "ALTER TABLE outbox ADD COLUMN claimed_by TEXT;"
    "ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;",
    /* 14: a new entry's reference is its id written in letters (refs.h): unique by
     * construction and found through the primary key, so no index of random codes takes a page
     * write per entry (a third of what a sale wrote to the log). The references made before
     * (random_ref = 1) keep working through an index of only them; a new entry skips an id
     * whose code one of them holds. The UNIQUE on ref goes with a rebuild, as in 9. */
    STORE_MIGRATION_REBUILDS
    "CREATE TABLE entries_new("
    "  id INTEGER PRIMARY KEY, ref TEXT NOT NULL,"
    "  person_id INTEGER NOT NULL REFERENCES people(id), group_id INTEGER REFERENCES groups(id),"
    "  kind TEXT NOT NULL CHECK(kind = 'sale' OR kind = 'expense' OR kind = 'savings' OR"
    "    kind = 'repayment' OR kind = 'withdrawal'),"
    "  amount INTEGER NOT NULL, qty INTEGER, unit TEXT, item TEXT,"
    "  loan_id INTEGER REFERENCES loans(id),"
    "  status TEXT NOT NULL CHECK(status = 'reported' OR status = 'confirmed' OR"
    "    status = 'cancelled'),"
    "  message_id INTEGER REFERENCES messages(id), recorded_by INTEGER REFERENCES people(id),"
    "  created_at INTEGER NOT NULL, confirmed_at INTEGER, confirmed_by INTEGER,"
    "  cancelled_at INTEGER, cancelled_by INTEGER, loan_named INTEGER NOT NULL DEFAULT 0,"
    "  told_at INTEGER, random_ref INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO entries_new(id, ref, person_id, group_id, kind, amount, qty, unit, item,"
    "  loan_id, status, message_id, recorded_by, created_at, confirmed_at, confirmed_by,"
    "  cancelled_at, cancelled_by, loan_named, told_at, random_ref)"
    "  SELECT id, ref, person_id, group_id, kind, amount, qty, unit, item, loan_id, status,"
    "  message_id, recorded_by, created_at, confirmed_at, confirmed_by, cancelled_at,"
    "  cancelled_by, loan_named, told_at, 1 FROM entries;"
    "DROP TABLE entries;"
    "ALTER TABLE entries_new RENAME TO entries;"
    "CREATE INDEX entries_person ON entries(person_id, created_at);"
    "CREATE INDEX entries_group ON entries(group_id, created_at);"
    "CREATE INDEX entries_loan ON entries(loan_id) WHERE loan_id IS NOT NULL;"
    "CREATE UNIQUE INDEX entries_random_ref ON entries(ref) WHERE random_ref = 1;",
    NULL,
};
