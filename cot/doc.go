// Package cot is Concord's Cursor-on-Target codec: the CoT event (schema 2.0)
// in memory, its two wire forms — CoT XML (TAK protocol version 0) and TAK
// Protocol Version 1 (protobuf, generated types in cot/takproto) — the
// splitting of a TAK streaming connection into messages, validation of events
// from untrusted clients, the TAK housekeeping messages (protocol negotiation,
// ping/pong, delete), mission overlays as CoT shapes and markers, and the
// MIL-STD-2525C symbol code of an atom type.
//
// It is pure: no I/O besides reading an io.Reader, no goroutines, no clock
// (callers pass now). It imports nothing of Concord's — only the standard
// library and google.golang.org/protobuf — so that the TAK server (package
// tak), tools and tests can all build on it.
//
// The rule is strict on send, lenient on receive: decoders accept a missing
// XML declaration, a byte order mark, whitespace and stray bytes between
// messages, any attribute order, <detail> before <point> and every spelling of
// an unknown error (9999999, 999999, 9.999999e+06); encoders emit exactly one
// canonical form. Unknown <detail> children survive every conversion verbatim.
package cot
