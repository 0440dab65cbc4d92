// Package pipeline is the aid pipeline's application service: it
// registers consignments and records their stage events (checking who may
// record which stage, and the rules of package aid), keeps every
// consignment in an in-memory index for lists and KPIs (loaded from the
// store at start, kept current by local writes and by bus events from
// other instances), records crossings' operating data and closures, and
// imports and exports HXL-tagged CSV. Every read goes through the viewer's
// releasability: lists, KPIs, exports and crossings count only what the
// viewer may see.
//
// It uses the root package's Service and Store; it must not import an
// adapter (sqlite, postgres, natsbus, httpapi).
package pipeline
