// Package postgres is concord.Store on PostgreSQL with PostGIS, for
// deployments that outgrow one machine: several stateless Concord instances
// share it as the system of record, and analysts open it in QGIS or psql.
// It uses pgx (connection pooling, statement timeouts), geometry(…, 4326)
// columns with GiST indexes, its own embedded forward-only migrations,
// row-level security that mirrors concord.Directory.CanSee for per-party
// analyst roles, advisory-lock leases for singleton work, and LISTEN/NOTIFY
// to wake the outbox relay.
//
// It imports package concord and nothing else of Concord's.
package postgres
