package thumbnail

import (
	"bytes"
	"encoding/binary"
	"image"

	"github.com/disintegration/imaging"
)

// orient turns img upright for EXIF orientation o (1 to 8). Cameras store
// pixels as the sensor saw them and record how to turn them for display.
func orient(img *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}

// jpegOrientation returns the EXIF orientation found in the segments of a
// JPEG before its frame header, or 1 (upright) when there is none.
func jpegOrientation(b []byte) int {
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(b); {
		marker := b[i+1]
		switch {
		case b[i] != 0xFF:
			return 1
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xDA || marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xCC:
			return 1 // start of scan or frame header: no EXIF came first
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		if seg := b[i+4 : i+2+n]; marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads the Orientation tag of the first IFD of the TIFF
// structure EXIF data is stored in.
func tiffOrientation(t []byte) int {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(t, []byte("II*\x00")):
		order = binary.LittleEndian
	case bytes.HasPrefix(t, []byte("MM\x00*")):
		order = binary.BigEndian
	default:
		return 1
	}
	if len(t) < 8 {
		return 1
	}
	ifd := uint64(order.Uint32(t[4:]))
	if ifd+2 > uint64(len(t)) {
		return 1
	}
	count := order.Uint16(t[ifd:])
	for e := ifd + 2; count > 0 && e+12 <= uint64(len(t)); e, count = e+12, count-1 {
		const orientationTag, typeShort = 0x0112, 3
		if order.Uint16(t[e:]) == orientationTag && order.Uint16(t[e+2:]) == typeShort {
			if v := int(order.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}
