package telegram

import (
	"bytes"
	"encoding/binary"

	"github.com/spindle-threads/spindle/ingest"
)

// The only media the relay hosts: what Threads accepts (JPEG and PNG images; MP4 and MOV
// videos). Anything else a person sends as a "photo" or "video" (an HTML page, an SVG, a
// HEIC, a ZIP) is refused at upload, so the relay never serves a type a browser would run.
const (
	typeJPEG = "image/jpeg"
	typePNG  = "image/png"
	typeMP4  = "video/mp4"
	typeMOV  = "video/quicktime"
)

// extensions names a served file by its type, for Content-Disposition.
var extensions = map[string]string{typeJPEG: ".jpg", typePNG: ".png", typeMP4: ".mp4", typeMOV: ".mov"}

// servable reports whether the relay may serve a stored content type (rows written before
// types were checked may hold anything, such as text/html).
func servable(contentType string) bool { return extensions[contentType] != "" }

// videoBrands are the ISO base media file brands of MP4 and MOV videos. Other brands of the
// same container (heic, avif, mif1 are images; crx, jp2 …) are not videos Threads takes.
var videoBrands = map[string]string{
	"isom": typeMP4, "iso2": typeMP4, "iso3": typeMP4, "iso4": typeMP4, "iso5": typeMP4, "iso6": typeMP4,
	"mp41": typeMP4, "mp42": typeMP4, "avc1": typeMP4, "M4V ": typeMP4, "mmp4": typeMP4, "dash": typeMP4,
	"qt  ": typeMOV,
}

// mediaType reads a file's first bytes and returns its content type if it is one Threads
// accepts for kind (an image for a photo, a video for a video), else "". The bytes decide,
// never Telegram's file name or MIME hint, which the sender controls.
func mediaType(head []byte, kind ingest.MediaKind) string {
	var ct string
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		ct = typeJPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		ct = typePNG
	case isFtyp(head):
		ct = videoBrands[string(head[8:12])]
	}
	switch {
	case ct == "":
		return ""
	case kind == ingest.MediaImage && (ct == typeJPEG || ct == typePNG):
		return ct
	case kind == ingest.MediaVideo && (ct == typeMP4 || ct == typeMOV):
		return ct
	}
	return ""
}

// isFtyp reports whether head opens with an ISO base media "ftyp" box of a plausible size
// (a brand, a version, a few compatible brands: well under 1 KB).
func isFtyp(head []byte) bool {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return false
	}
	size := binary.BigEndian.Uint32(head[:4])
	return size >= 16 && size <= 1024
}
