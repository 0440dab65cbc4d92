package cot

import (
	"math"
	"strconv"
	"time"
)

// Mission overlays as the CoT that TAK clients draw: user drawings (u-d-f)
// for areas and lines, routes (b-m-r) with waypoint links, and markers. The
// coordinates of rings and lines are [lon, lat] pairs, as in GeoJSON.

// Polygon is a closed, filled shape (u-d-f): one <link point="lat,lon"/> per
// vertex with the first repeated at the end, strokeColor and fillColor (ARGB,
// written as TAK's signed 32-bit integers), labels on, the name as the
// contact callsign and optional remarks. The point is the vertices' mean.
func Polygon(uid, name string, ring [][2]float64, stroke, fill uint32, remarks string, now, stale time.Time) *Event {
	closed := ring
	if n := len(ring); n > 0 && ring[0] != ring[n-1] {
		closed = append(append(make([][2]float64, 0, n+1), ring...), ring[0])
	}
	return shape(uid, name, closed, stroke, &fill, remarks, now, stale)
}

// Polyline is an open line (u-d-f without fill), such as a control line.
func Polyline(uid, name string, line [][2]float64, stroke uint32, remarks string, now, stale time.Time) *Event {
	return shape(uid, name, line, stroke, nil, remarks, now, stale)
}

func shape(uid, name string, pts [][2]float64, stroke uint32, fill *uint32, remarks string, now, stale time.Time) *Event {
	blk := newEvent(uid, "u-d-f", "h-e", now, stale)
	blk.ev.Point.Lat, blk.ev.Point.Lon = center(pts, fill != nil)
	blk.named(name)
	var b []byte
	for _, p := range pts {
		b = append(b, `<link point="`...)
		b = appendLatLon(b, p)
		b = append(b, `"/>`...)
	}
	b = append(b, `<strokeColor value="`...)
	b = strconv.AppendInt(b, int64(int32(stroke)), 10)
	b = append(b, `"/><strokeWeight value="3.0"/><strokeStyle value="solid"/>`...)
	if fill != nil {
		b = append(b, `<fillColor value="`...)
		b = strconv.AppendInt(b, int64(int32(*fill)), 10)
		b = append(b, `"/>`...)
	}
	b = append(b, `<labels_on value="true"/>`...)
	b = appendRemarks(b, remarks)
	return blk.setXML(string(b))
}

// Route is a movement route (b-m-r): one waypoint link (b-m-p-w) per vertex,
// TAK's link_attr for a vehicle route, the name as the contact callsign and
// optional remarks. The point is the first vertex.
func Route(uid, name string, line [][2]float64, remarks string, now, stale time.Time) *Event {
	blk := newEvent(uid, "b-m-r", "h-e", now, stale)
	if len(line) > 0 {
		blk.ev.Point.Lat, blk.ev.Point.Lon = line[0][1], line[0][0]
	}
	blk.named(name)
	var b []byte
	for i, p := range line {
		b = append(b, `<link uid="`...)
		b = appendEscaped(b, uid)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `" callsign="`...)
		if i == 0 {
			b = append(b, "SP"...)
		} else {
			b = append(b, "CP"...)
			b = strconv.AppendInt(b, int64(i), 10)
		}
		b = append(b, `" type="b-m-p-w" point="`...)
		b = appendLatLon(b, p)
		b = append(b, `" relation="c"/>`...)
	}
	b = append(b, `<link_attr planningmethod="Infil" color="-1" method="Driving" prefix="CP" type="Vehicle" stroke="3" direction="Infil" routetype="Primary" order="Ascending Check Points"/>`...)
	b = append(b, `<labels_on value="true"/>`...)
	b = appendRemarks(b, remarks)
	return blk.setXML(string(b))
}

// Marker is a point item such as a site: the given CoT type at lat, lon, the
// name as the contact callsign and optional remarks.
func Marker(uid, name, cotType string, lat, lon float64, remarks string, now, stale time.Time) *Event {
	blk := newEvent(uid, cotType, "h-g-i-g-o", now, stale)
	blk.ev.Point.Lat, blk.ev.Point.Lon = lat, lon
	blk.named(name)
	return blk.setXML(string(appendRemarks(nil, remarks)))
}

// named gives the item its name, as TAK clients show it: the contact callsign.
func (blk *eventBlock) named(name string) {
	blk.contact.Callsign = name
	blk.ev.Detail.Contact = &blk.contact
}

func appendRemarks(b []byte, remarks string) []byte {
	if remarks == "" {
		return b
	}
	b = append(b, "<remarks>"...)
	b = appendText(b, remarks)
	return append(b, "</remarks>"...)
}

// appendLatLon writes a [lon, lat] pair as TAK's "lat,lon".
func appendLatLon(b []byte, p [2]float64) []byte {
	b = strconv.AppendFloat(b, p[1], 'f', -1, 64)
	b = append(b, ',')
	return strconv.AppendFloat(b, p[0], 'f', -1, 64)
}

// center is the mean of the vertices (without a closed ring's repeated last
// vertex), as lat, lon.
func center(pts [][2]float64, closed bool) (lat, lon float64) {
	if closed && len(pts) > 1 {
		pts = pts[:len(pts)-1]
	}
	if len(pts) == 0 {
		return 0, 0
	}
	for _, p := range pts {
		lon += p[0]
		lat += p[1]
	}
	n := float64(len(pts))
	return math.Round(lat/n*1e7) / 1e7, math.Round(lon/n*1e7) / 1e7 // about a centimetre
}
