-- The outbox names the history row that holds an event instead of keeping
-- a second copy of it (an imported consignment's created event is 1.3 KiB,
-- a third of what its import writes). Events copied in by a store transfer
-- have no history row of their own and keep their text.
CREATE TABLE outbox_next (
	seq   INTEGER PRIMARY KEY AUTOINCREMENT,
	hist  INTEGER REFERENCES history(seq),
	event TEXT,
	CHECK ((hist IS NULL) <> (event IS NULL))
);
INSERT INTO outbox_next (seq, event) SELECT seq, event FROM outbox;
-- Sequences go on from where the old table's stopped.
DELETE FROM sqlite_sequence WHERE name = 'outbox_next';
INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_next', seq FROM sqlite_sequence WHERE name = 'outbox';
DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
