// Package sqlite is Concord's embedded store: concord.Store on SQLite
// through the pure-Go driver modernc.org/sqlite, so that CGO_ENABLED=0
// builds work. It uses WAL, foreign keys, one writer connection and a pool
// of readers, an R*Tree index of feature bounding boxes, and embedded
// forward-only migrations whose version is checked at open.
//
// It imports package concord and nothing else of Concord's.
package sqlite
