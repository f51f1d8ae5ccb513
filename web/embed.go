// Package web embeds the built React app (web/dist) into the binary.
//
// dist/index.html is committed as a minimal page so that `go build` works
// before the first `npm run build`; the Makefile always builds the real UI
// before it runs or tests the server.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built UI rooted at its index.html.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed directive guarantees dist exists
	}
	return sub
}
