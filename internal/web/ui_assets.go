package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed assets
var assetFS embed.FS

// asset is one embedded file served under a name that holds its hash, so
// it can be cached for a year and still change with each release.
type asset struct {
	body        []byte
	contentType string
}

var assets, assetNames = loadAssets()

// loadAssets reads the embedded assets once and names each by its content.
func loadAssets() (byHashed map[string]asset, byName map[string]string) {
	byHashed, byName = map[string]asset{}, map[string]string{}
	entries, err := fs.ReadDir(assetFS, "assets")
	if err != nil {
		panic(err) // embedded at build time; cannot fail at run time
	}
	for _, e := range entries {
		body, err := assetFS.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:6]) + ext
		byHashed[hashed] = asset{body: body, contentType: mime.TypeByExtension(ext)}
		byName[e.Name()] = "/assets/" + hashed
	}
	return byHashed, byName
}

// assetURL is the hashed URL of an embedded asset, for templates.
func assetURL(name string) string { return assetNames[name] }

// serveAsset answers GET /assets/{name}, for a year of caching.
func serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(string(a.body)))
}

// day formats a time as a short date for tables.
func day(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.UTC().Format("2 Jan 2006")
	case *time.Time:
		if v != nil {
			return v.UTC().Format("2 Jan 2006")
		}
	}
	return ""
}

// extLabel is the short type label shown where a file has no thumbnail.
func extLabel(name string) string {
	ext := strings.TrimPrefix(path.Ext(name), ".")
	if ext == "" || len(ext) > 4 {
		return "FILE"
	}
	return strings.ToUpper(ext)
}
