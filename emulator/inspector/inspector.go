// Package inspector is standin's web delivery inspector: one page of plain
// HTML, CSS and JavaScript, embedded in the binary, that reads the admin
// API (runs, deliveries and their attempts, live through the stream) and
// acts on it (redeliver, emit, play a scenario, reset). Nothing is fetched
// from the network: every file it needs is here.
package inspector

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// Prefix is the path under which the page's files are served; the page
// itself is served at /.
const Prefix = "/__inspector/"

//go:embed static
var files embed.FS

// static is the files under static/.
var static = func() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // static is embedded at build time
	}
	return sub
}()

// securityPolicy lets the page run only its own script and style and talk
// only to its own server: payloads it shows are never code.
const securityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// file maps a request path to the embedded file it serves: / is the page,
// Prefix+name one of its files.
func file(p string) (string, bool) {
	if p == "/" {
		return "index.html", true
	}
	name, ok := strings.CutPrefix(p, Prefix)
	if !ok || name == "" || !fs.ValidPath(name) {
		return "", false
	}
	st, err := fs.Stat(static, name)
	if err != nil || st.IsDir() || name == "index.html" {
		return "", false
	}
	return name, true
}

// Has reports whether Handler serves the path p.
func Has(p string) bool {
	_, ok := file(p)
	return ok
}

// Handler serves the page at / and its files under Prefix (404 for any
// other path).
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := file(r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := fs.ReadFile(static, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", securityPolicy)
		h.Set("Referrer-Policy", "no-referrer")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(b)
	})
}
