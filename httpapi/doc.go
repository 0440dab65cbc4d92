// Package httpapi is Concord's HTTP surface: the JSON/GeoJSON REST API, the
// Server-Sent Events live stream, authentication (sessions and API tokens),
// health, readiness, metrics, the OpenAPI document, and the embedded web UI.
//
// Handlers only translate HTTP to concord.Service calls and back; they
// never read the store directly for mission data, so releasability is
// decided by the Service and the Hub. Error codes map to HTTP status in one
// table (problem.go).
//
// It imports concord and password, never another adapter.
package httpapi
