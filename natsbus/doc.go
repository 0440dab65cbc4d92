// Package natsbus implements concord.Bus on NATS JetStream. By default it
// runs nats-server in-process with no TCP listener and keeps the stream in
// the data directory; with a URL it connects to an existing server or
// cluster instead. Events go to the stream CONCORD under subjects
// concord.<kind>.<verb>, de-duplicated by event ID.
//
// It imports package concord and nothing else of Concord's.
package natsbus
