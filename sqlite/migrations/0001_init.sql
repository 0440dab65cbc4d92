-- Parties, groups and accounts.
CREATE TABLE parties (
	code        TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	kind        TEXT NOT NULL,
	groups      TEXT NOT NULL,            -- JSON array of group codes
	policy      TEXT NOT NULL,            -- JSON release policy
	color       TEXT NOT NULL DEFAULT '',
	version     INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL          -- unix milliseconds
);

CREATE TABLE community_groups (
	code        TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	version     INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	party         TEXT NOT NULL REFERENCES parties(code),
	roles         TEXT NOT NULL,          -- comma-separated
	disabled      INTEGER NOT NULL DEFAULT 0,
	password_hash TEXT NOT NULL,
	version       INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER,
	last_used  INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- Mission-map features. rel is stored as " A B C " so that a prefilter can
-- match a whole token with LIKE '% A %'.
CREATE TABLE features (
	rid              INTEGER PRIMARY KEY,
	id               TEXT NOT NULL UNIQUE,
	kind             TEXT NOT NULL,
	name             TEXT NOT NULL,
	description      TEXT NOT NULL,
	geometry         BLOB NOT NULL,       -- WKB, WGS84
	attrs            TEXT NOT NULL,       -- JSON kind-specific attributes
	owner            TEXT NOT NULL REFERENCES parties(code),
	rel              TEXT NOT NULL,
	caveats          TEXT NOT NULL,
	valid_from       INTEGER,
	valid_to         INTEGER,
	version          INTEGER NOT NULL,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	updated_by       TEXT NOT NULL,
	updated_by_party TEXT NOT NULL,
	deleted          INTEGER NOT NULL DEFAULT 0,
	doc              BLOB NOT NULL        -- the GeoJSON as served (see concord.Feature.Doc)
);
CREATE INDEX features_kind ON features(kind, id);
CREATE VIRTUAL TABLE feature_bbox USING rtree(rid, minx, maxx, miny, maxy);

-- Every change of every record, as the event that described it.
CREATE TABLE history (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	kind      TEXT NOT NULL,
	record_id TEXT NOT NULL,
	version   INTEGER NOT NULL,
	event     TEXT NOT NULL
);
CREATE INDEX history_record ON history(kind, record_id, version);

-- Transactional outbox: events committed but not yet published.
CREATE TABLE outbox (
	seq   INTEGER PRIMARY KEY AUTOINCREMENT,
	event TEXT NOT NULL
);
