package main

import (
	"math/rand/v2"
	"sync"
)

// storedFile is an upload that answered 201: what it must download as.
type storedFile struct {
	id, name    string
	downloadURL string
	shareToken  string
	sha256      string // hex, computed by us while sending
	size        int64
}

// registry holds every stored file of the run, for downloads during the
// load and for the verification after each scenario.
type registry struct {
	mu    sync.Mutex
	files []storedFile
}

func (r *registry) add(f storedFile) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files = append(r.files, f)
}

// pick is a random stored file; ok is false while there are none.
func (r *registry) pick(rng *rand.Rand) (storedFile, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.files) == 0 {
		return storedFile{}, false
	}
	return r.files[rng.IntN(len(r.files))], true
}

// all is a copy of every stored file.
func (r *registry) all() []storedFile {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]storedFile(nil), r.files...)
}
