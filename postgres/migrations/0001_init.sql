-- Concord on PostgreSQL with PostGIS. Same model as the SQLite store; see
-- package sqlite for the meaning of each column.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE parties (
	code        text PRIMARY KEY,
	name        text NOT NULL,
	kind        text NOT NULL,
	groups      text[] NOT NULL,
	policy      jsonb NOT NULL,
	color       text NOT NULL DEFAULT '',
	version     integer NOT NULL,
	updated_at  timestamptz NOT NULL
);

CREATE TABLE community_groups (
	code        text PRIMARY KEY,
	name        text NOT NULL,
	description text NOT NULL DEFAULT '',
	version     integer NOT NULL,
	updated_at  timestamptz NOT NULL
);

CREATE TABLE users (
	id            text PRIMARY KEY,
	username      text NOT NULL UNIQUE,
	display_name  text NOT NULL,
	party         text NOT NULL REFERENCES parties(code),
	roles         text[] NOT NULL,
	disabled      boolean NOT NULL DEFAULT false,
	password_hash text NOT NULL,
	version       integer NOT NULL,
	created_at    timestamptz NOT NULL,
	updated_at    timestamptz NOT NULL
);

CREATE TABLE sessions (
	token_hash text PRIMARY KEY,
	user_id    text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
	id         text PRIMARY KEY,
	user_id    text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name       text NOT NULL,
	hash       text NOT NULL UNIQUE,
	created_at timestamptz NOT NULL,
	expires_at timestamptz,
	last_used  timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE features (
	id               text PRIMARY KEY,
	kind             text NOT NULL,
	name             text NOT NULL,
	description      text NOT NULL,
	geom             geometry(Geometry, 4326) NOT NULL,
	attrs            jsonb NOT NULL,
	owner            text NOT NULL REFERENCES parties(code),
	rel              text[] NOT NULL,
	caveats          text[] NOT NULL,
	valid_from       timestamptz,
	valid_to         timestamptz,
	version          integer NOT NULL,
	created_at       timestamptz NOT NULL,
	updated_at       timestamptz NOT NULL,
	updated_by       text NOT NULL,
	updated_by_party text NOT NULL,
	deleted          boolean NOT NULL DEFAULT false,
	doc              bytea NOT NULL       -- the GeoJSON as served, byte for byte
);
CREATE INDEX features_kind ON features(kind, id);
CREATE INDEX features_geom ON features USING gist (geom);

CREATE TABLE history (
	seq       bigserial PRIMARY KEY,
	kind      text NOT NULL,
	record_id text NOT NULL,
	version   integer NOT NULL,
	event     bytea NOT NULL
);
CREATE INDEX history_record ON history(kind, record_id, version);

CREATE TABLE outbox (
	seq   bigserial PRIMARY KEY,
	event bytea NOT NULL
);
