-- Records: kinds stored as JSON documents (movements, site notifications).
CREATE TABLE records (
	kind       text NOT NULL,
	id         text NOT NULL,
	owner      text NOT NULL REFERENCES parties(code),
	rel        text[] NOT NULL,
	caveats    text[] NOT NULL,
	version    integer NOT NULL,
	status     text NOT NULL,
	t_from     timestamptz,
	t_to       timestamptz,
	data       bytea NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	PRIMARY KEY (kind, id)
);
CREATE INDEX records_status ON records(kind, status, id);
CREATE INDEX records_window ON records(kind, t_from, t_to);

CREATE TABLE disclosures (
	party     text NOT NULL,
	kind      text NOT NULL,
	record_id text NOT NULL,
	version   integer NOT NULL,
	at        timestamptz NOT NULL,
	via       text NOT NULL,
	PRIMARY KEY (kind, record_id, version, party)
);

-- Analysts see records as their party may, like features.
ALTER TABLE records ENABLE ROW LEVEL SECURITY;
CREATE POLICY records_releasable ON records FOR SELECT
	USING (concord_can_see(concord_viewer_party(current_user::text), owner, rel));
