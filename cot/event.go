package cot

import "time"

// Unknown is the value of hae, ce or le when it is not known. Decoders map
// every spelling seen on the wire (9999999, 999999, 9.999999e+06) to it;
// encoders write it as 9999999.0.
const Unknown = 9999999.0

// Event is one CoT event (schema 2.0): the in-memory form both wire formats
// decode to and encode from.
type Event struct {
	UID, Type, How     string
	Time, Start, Stale time.Time
	// Access, QoS and Opex are the optional schema attributes, kept verbatim.
	Access, QoS, Opex string
	// Caveat and ReleasableTo are TAK protobuf fields 16 and 17; in XML the
	// attributes "caveat" and "releasableTo" (also read as "releaseableTo").
	Caveat, ReleasableTo string
	Point                Point
	Detail               Detail
}

// Point is the <point> of an event: WGS-84 degrees, metres above the ellipsoid,
// circular and linear error in metres (Unknown when not known).
type Point struct{ Lat, Lon, HAE, CE, LE float64 }

// Detail is the content of <detail>. The typed fields are the elements TAK
// Protocol Version 1 carries as messages; an element becomes a typed field only
// when it maps cleanly (exactly one such element, only the attributes the
// message holds, no content), otherwise it stays in XML.
type Detail struct {
	Contact           *Contact           // <contact callsign endpoint/>
	Group             *Group             // <__group name role/>
	PrecisionLocation *PrecisionLocation // <precisionlocation geopointsrc altsrc/>
	Status            *Status            // <status battery/>
	Takv              *Takv              // <takv device platform os version/>
	Track             *Track             // <track speed course/>

	// XML is every other child element of <detail>, verbatim and in order,
	// without the <detail> wrapper and without the whitespace between the
	// elements (the TAK protobuf xmlDetail). Decoders guarantee it is
	// well-formed XML content without an event end tag; whoever sets it must
	// keep it so, since AppendXML writes it as it is.
	XML string

	// The fields below are parsed views of elements that stay in XML but
	// matter for routing. Decoders and the builders of this package fill them;
	// encoders ignore them (XML is what is sent).
	Dests     []Dest      // <marti><dest …/></marti>: directed delivery; none means broadcast
	Chat      *Chat       // <__chat …> (and <remarks>) of a GeoChat message
	Emergency *Emergency  // <emergency type= cancel=>
	Links     []Link      // <link …/>
	Remarks   string      // text of the first <remarks>
	Control   *TakControl // <TakControl> of a protocol negotiation message
}

// Contact is <contact>: the callsign, and the endpoint of a device that is
// reachable (for example "*:-1:stcp" for a server-connected device).
type Contact struct{ Callsign, Endpoint string }

// Group is <__group>: the team colour (name) and role. It is not a security group.
type Group struct{ Name, Role string }

// PrecisionLocation is <precisionlocation>: where the position and the
// altitude came from (GPS, USER, DTED0, ???, …).
type PrecisionLocation struct{ GeoPointSrc, AltSrc string }

// Status is <status battery=…/>: the battery level in percent.
type Status struct{ Battery uint32 }

// Takv is <takv>: the client's identification.
type Takv struct{ Device, Platform, OS, Version string }

// Track is <track>: speed in m/s and course in degrees true.
type Track struct{ Speed, Course float64 }

// Dest is one <dest> of <marti>: deliver to the device with this callsign or
// uid, or to the subscribers of a mission.
type Dest struct{ Callsign, UID, Mission string }

// Chat is the GeoChat metadata of a b-t-f message: <__chat> with its <chatgrp>,
// and the message text from <remarks>.
type Chat struct {
	ID, Chatroom, SenderCallsign, MessageID, Parent, GroupOwner string
	// Members are the uid0, uid1, … attributes of <chatgrp>, in order.
	Members []string
	// Message is the chat text (the <remarks> of the event).
	Message string
}

// Emergency is <emergency>: the alert type ("911 Alert", "Ring The Bell",
// "Geo-fence Breached", "Troops In Contact"), whether it cancels one, and the
// element's text (usually the callsign).
type Emergency struct {
	Type   string
	Cancel bool
	Text   string
}

// Link is a <link>: a relation to another item (uid, type, relation such as
// "p-p" producer) or, in shapes and routes, a vertex (Point "lat,lon[,hae]").
type Link struct {
	UID, Type, Relation, ParentCallsign, ProductionTime, Point, Callsign, Remarks string
}

// TakControl is the <TakControl> of a TAK protocol negotiation message.
type TakControl struct {
	Support  []int // versions offered by <TakProtocolSupport version=…/>, in order
	Request  int   // version asked for by <TakRequest version=…/>; 0 when absent
	Response *bool // status of <TakResponse status=…/>; nil when absent
}
