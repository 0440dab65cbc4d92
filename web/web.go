// Package web embeds the built web UI (web/dist, built from web/src by
// `make web`) so that `go build` alone gives a working UI. The built files
// are committed; CI rebuilds them and fails if they drift from the source.
//
// It imports nothing of Concord's.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built UI with index.html at its root.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return sub
}
