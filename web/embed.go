// Package web embeds the built React app (web/dist) into the binary.
//
// Only dist/.gitkeep is committed, so that `go build` works before the first
// `npm run build` (the server then answers with a page that says how to build
// the UI). The Makefile builds the real UI before it runs or tests the server,
// and puts .gitkeep back after Vite empties the folder.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built UI rooted at dist/.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the embed directive guarantees dist exists
	}
	return sub
}
