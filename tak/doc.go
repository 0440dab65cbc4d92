// Package tak is Concord's TAK server: it speaks Cursor-on-Target to ATAK,
// WinTAK, iTAK and vehicle trackers over TCP and over TLS with client
// certificates, in XML (TAK protocol version 0) and in framed protobuf
// (version 1, negotiated per connection), and routes every event by
// releasability: a device receives only what its party may see
// (Directory.CanSee), the coordination center's devices see all.
//
// Routing is designed for load (see docs/architecture.md): each message is
// encoded at most once per wire format, whatever the number of recipients;
// routing runs on the sender's goroutine against a copy-on-write table of
// connections grouped by party; each connection has its own writer and a
// queue in which position reports coalesce per uid while the device reads
// slowly, emergency, chat and mission messages are never dropped, and a
// device that falls too far behind is disconnected. Every drop is counted.
//
// Positions become tracks of the live picture (package cop); tracks that
// arrive by other means (HTTP, simulators) are sent to devices as CoT, and
// mission overlays (sectors, areas, control lines, sites, approved movement
// routes) are pushed as CoT shapes and markers, each only to the parties
// entitled to it. Across instances, traffic travels on the broadcast bus.
//
// It imports concord, cop and cot; never another adapter.
package tak
