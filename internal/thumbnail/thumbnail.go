// Package thumbnail makes small previews of uploaded images. Uploads are
// untrusted, so it reads an image's header before its pixels and refuses
// images that would take more memory than a worker should spend.
package thumbnail

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers GIF decoding with package image
	"image/jpeg"
	"image/png"
	"io"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp" // registers WebP decoding
)

// Limits on what Make decodes. A decoded image takes about 4 bytes a pixel
// (8 for 16-bit PNG), so MaxPixels bounds the memory of one thumbnail; the
// side limit bounds the resampling weights, which grow with the long side.
const (
	MaxPixels    = 50_000_000
	MaxDimension = 65535
	// maxHeader bounds the metadata (EXIF, ICC profiles) kept in memory
	// while reading the header.
	maxHeader = 16 << 20
)

// JPEGQuality is the quality of JPEG thumbnails.
const JPEGQuality = 80

var (
	// ErrTooLarge means the image's header declares more pixels than
	// MaxPixels, a side longer than MaxDimension, or more metadata than
	// Make keeps; its pixels were not decoded.
	ErrTooLarge = errors.New("thumbnail: image too large")
	// ErrUnsupported means the input is not a PNG, JPEG, GIF or WebP image
	// that can be decoded.
	ErrUnsupported = errors.New("thumbnail: unsupported or damaged image")
)

// formats are the names package image gives the formats Make accepts;
// another format registered elsewhere in the program is refused.
var formats = map[string]string{"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}

// Supported reports whether Make can decode content of contentType.
func Supported(contentType string) bool {
	for _, ct := range formats {
		if ct == contentType {
			return true
		}
	}
	return false
}

// Make reads an image and returns a thumbnail whose long side is at most
// maxSide pixels, keeping the aspect ratio and never enlarging. The
// thumbnail is a JPEG, or a PNG when it has transparent pixels. JPEG
// orientation metadata is applied. Errors wrap ErrTooLarge or
// ErrUnsupported when the image is at fault; any other error is a failure
// to read r.
//
// Make holds about DecodedSize bytes while it works, up to a few hundred
// MB for an image near MaxPixels; Budget.Make bounds what several hold
// together.
func Make(r io.Reader, maxSide int) ([]byte, error) {
	return makeWith(r, maxSide, func(image.Config) (func(), error) { return func() {}, nil })
}

// reserver is called with an image's header before its pixels are
// decoded; it returns the function to call once they are let go.
type reserver func(image.Config) (release func(), err error)

func makeWith(r io.Reader, maxSide int, reserve reserver) ([]byte, error) {
	if maxSide < 1 {
		return nil, fmt.Errorf("thumbnail: max side %d is not positive", maxSide)
	}
	img, orientation, release, err := decode(&source{r: r}, reserve)
	if err != nil {
		return nil, err
	}
	small := imaging.Fit(img, maxSide, maxSide, imaging.Lanczos)
	release() // the decoded pixels are garbage from here on
	return encode(orient(small, orientation))
}

// decode checks the header, reserves the memory decoding takes, then
// decodes the pixels, replaying the bytes the header check consumed. It
// returns the JPEG orientation and the reservation's release too.
func decode(src *source, reserve reserver) (image.Image, int, func(), error) {
	head := &header{}
	cfg, format, err := image.DecodeConfig(io.TeeReader(src, head))
	if err != nil {
		return nil, 0, nil, src.blame(err, head)
	}
	if err := check(cfg, format); err != nil {
		return nil, 0, nil, err
	}
	orientation := 1
	if format == "jpeg" {
		orientation = jpegOrientation(head.Bytes())
	}
	release, err := reserve(cfg)
	if err != nil {
		return nil, 0, nil, err
	}
	img, _, err := image.Decode(io.MultiReader(bytes.NewReader(head.Bytes()), src))
	if err != nil {
		release()
		return nil, 0, nil, src.blame(err, nil)
	}
	return img, orientation, release, nil
}

// check refuses formats Make does not accept and images too large to decode.
func check(cfg image.Config, format string) error {
	if _, ok := formats[format]; !ok {
		return fmt.Errorf("%w: format %s", ErrUnsupported, format)
	}
	w, h := cfg.Width, cfg.Height
	if w < 1 || h < 1 {
		return fmt.Errorf("%w: %dx%d pixels", ErrUnsupported, w, h)
	}
	if w > MaxDimension || h > MaxDimension || int64(w)*int64(h) > MaxPixels {
		return fmt.Errorf("%w: %dx%d pixels", ErrTooLarge, w, h)
	}
	return nil
}

// encode writes img as a JPEG, or as a PNG when it is not opaque.
func encode(img *image.NRGBA) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if img.Opaque() {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: JPEGQuality})
	} else {
		err = png.Encode(&buf, img)
	}
	if err != nil {
		return nil, fmt.Errorf("thumbnail: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// source reads the input and remembers a failure to read it, so that a
// storage error is told apart from a damaged image.
type source struct {
	r   io.Reader
	err error
}

func (s *source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// blame turns a decoder's error into Make's: the reader's own failure,
// ErrTooLarge for oversized metadata, else ErrUnsupported.
func (s *source) blame(err error, head *header) error {
	switch {
	case s.err != nil:
		return fmt.Errorf("thumbnail: read image: %w", s.err)
	case head != nil && head.full:
		return fmt.Errorf("%w: over %d bytes before the image header", ErrTooLarge, maxHeader)
	default:
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
}

// header keeps the bytes read while decoding the header, up to maxHeader.
type header struct {
	bytes.Buffer
	full bool
}

var errHeaderFull = errors.New("header too large")

func (h *header) Write(p []byte) (int, error) {
	if h.Len()+len(p) > maxHeader {
		h.full = true
		return 0, errHeaderFull
	}
	return h.Buffer.Write(p)
}
