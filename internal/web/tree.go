package web

import (
	"strings"

	"github.com/ferryhq/ferry/internal/files"
)

// folder is one level of a share's files shown as a tree: the files whose
// paths ("a/b/c.txt") name it, and the folders under it, in the share's
// order. The root has no Name.
type folder struct {
	Token   string // the share's, for the download links
	Name    string
	Single  bool // the share holds one file: its button is the primary one
	Folders []*folder
	Files   []treeFile
}

// treeFile is a file in a folder, with its path's last segment to show.
type treeFile struct {
	files.File
	Base string
}

// shareTree arranges fs by their paths' folders.
func shareTree(token string, fs []files.File) *folder {
	root := &folder{Token: token, Single: len(fs) == 1}
	for _, f := range fs {
		segs := strings.Split(f.Name, "/")
		at := root
		for _, seg := range segs[:len(segs)-1] {
			at = at.sub(seg)
		}
		at.Files = append(at.Files, treeFile{File: f, Base: segs[len(segs)-1]})
	}
	return root
}

// sub is the folder name under d, made when first named.
func (d *folder) sub(name string) *folder {
	for _, c := range d.Folders {
		if c.Name == name {
			return c
		}
	}
	c := &folder{Token: d.Token, Name: name, Single: d.Single}
	d.Folders = append(d.Folders, c)
	return c
}
