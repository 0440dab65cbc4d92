-- Records: kinds stored as JSON documents (movements, site notifications).
CREATE TABLE records (
	kind       TEXT NOT NULL,
	id         TEXT NOT NULL,
	owner      TEXT NOT NULL REFERENCES parties(code),
	rel        TEXT NOT NULL,
	caveats    TEXT NOT NULL,
	version    INTEGER NOT NULL,
	status     TEXT NOT NULL,
	t_from     INTEGER,
	t_to       INTEGER,
	data       BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (kind, id)
);
CREATE INDEX records_status ON records(kind, status, id);
CREATE INDEX records_window ON records(kind, t_from, t_to);

-- Who received which version of a record, when and how.
CREATE TABLE disclosures (
	party     TEXT NOT NULL,
	kind      TEXT NOT NULL,
	record_id TEXT NOT NULL,
	version   INTEGER NOT NULL,
	at        INTEGER NOT NULL,
	via       TEXT NOT NULL,
	PRIMARY KEY (kind, record_id, version, party)
);
