-- Tracks: the latest report of every tracked object, and the history of
-- reports (pruned by retention). Positions carry no outbox event: they
-- travel live on the broadcast bus and are written here behind them.
CREATE TABLE tracks (
	uid      TEXT PRIMARY KEY,
	owner    TEXT NOT NULL,
	rel      TEXT NOT NULL,
	caveats  TEXT NOT NULL,
	t        INTEGER NOT NULL,
	lat      REAL NOT NULL,
	lon      REAL NOT NULL,
	data     BLOB NOT NULL
);
CREATE INDEX tracks_time ON tracks(t);

CREATE TABLE track_history (
	uid    TEXT NOT NULL,
	t      INTEGER NOT NULL,
	lat    REAL NOT NULL,
	lon    REAL NOT NULL,
	hae    REAL NOT NULL,
	course REAL,
	speed  REAL,
	PRIMARY KEY (uid, t)
) WITHOUT ROWID;
CREATE INDEX track_history_time ON track_history(t);
