-- Tracks: the latest report of every tracked object, and the history of
-- reports (pruned by retention). Positions carry no outbox event: they
-- travel live on the broadcast bus and are written here behind them.
CREATE TABLE tracks (
	uid      text PRIMARY KEY,
	owner    text NOT NULL,
	rel      text[] NOT NULL,
	caveats  text[] NOT NULL,
	t        timestamptz NOT NULL,
	geom     geometry(Point, 4326) NOT NULL,
	data     jsonb NOT NULL
);
CREATE INDEX tracks_time ON tracks(t);
CREATE INDEX tracks_geom ON tracks USING gist(geom);

CREATE TABLE track_history (
	uid    text NOT NULL,
	t      timestamptz NOT NULL,
	geom   geometry(Point, 4326) NOT NULL,
	hae    double precision NOT NULL,
	course double precision,
	speed  double precision,
	PRIMARY KEY (uid, t)
);
CREATE INDEX track_history_time ON track_history(t);

-- Analysts see the tracks their party may see, and the history of those.
ALTER TABLE tracks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tracks_releasable ON tracks FOR SELECT
	USING (concord_can_see(concord_viewer_party(current_user::text), owner, rel));
ALTER TABLE track_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY track_history_releasable ON track_history FOR SELECT
	USING (EXISTS (SELECT 1 FROM tracks t WHERE t.uid = track_history.uid));

CREATE VIEW layer_tracks WITH (security_invoker = true) AS
	SELECT uid, data->>'callsign' AS callsign, data->>'type' AS cot_type, owner, rel, t, geom FROM tracks;
