package telegram

import (
	"bytes"
	"testing"

	"github.com/spindle-threads/spindle/ingest"
)

func ftyp(brand string) []byte {
	return append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p'}, []byte(brand+"\x00\x00\x00\x00isom")...)
}

// Only the bytes of a JPEG, PNG, MP4 or MOV of the right kind pass; names and hints do not.
func TestMediaType(t *testing.T) {
	t.Parallel()
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for _, tc := range []struct {
		name string
		head []byte
		kind ingest.MediaKind
		want string
	}{
		{"jpeg photo", jpeg, ingest.MediaImage, "image/jpeg"},
		{"png photo", png, ingest.MediaImage, "image/png"},
		{"mp4 video", ftyp("mp42"), ingest.MediaVideo, "video/mp4"},
		{"isom video", ftyp("isom"), ingest.MediaVideo, "video/mp4"},
		{"mov video", ftyp("qt  "), ingest.MediaVideo, "video/quicktime"},
		{"jpeg as video", jpeg, ingest.MediaVideo, ""},
		{"mp4 as photo", ftyp("mp42"), ingest.MediaImage, ""},
		{"heic is no video", ftyp("heic"), ingest.MediaVideo, ""},
		{"avif is no video", ftyp("avif"), ingest.MediaVideo, ""},
		{"html", []byte("<!DOCTYPE html><html><script>alert(1)</script>"), ingest.MediaVideo, ""},
		{"html as photo", []byte("<html>"), ingest.MediaImage, ""},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), ingest.MediaImage, ""},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), ingest.MediaImage, ""},
		{"pdf", []byte("%PDF-1.7"), ingest.MediaImage, ""},
		{"empty", nil, ingest.MediaImage, ""},
		{"short ftyp", []byte("\x00\x00\x00\x18ftyp"), ingest.MediaVideo, ""},
		{"ftyp of absurd size", []byte("  <0ftypmp41\x00\x00\x00\x00"), ingest.MediaVideo, ""},
		{"html after a jpeg-ish byte", []byte("\xFF\xD8<html>"), ingest.MediaImage, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mediaType(tc.head, tc.kind); got != tc.want {
				t.Fatalf("mediaType = %q, want %q", got, tc.want)
			}
		})
	}
}

// Whatever the bytes, the answer is "" or a type the relay serves, of the kind asked for, and
// a text or markup start is never taken.
func FuzzMediaType(f *testing.F) {
	f.Add([]byte{0xFF, 0xD8, 0xFF}, false)
	f.Add([]byte("\x89PNG\r\n\x1a\n"), false)
	f.Add(ftyp("mp42"), true)
	f.Add(ftyp("qt  "), true)
	f.Add([]byte("<html>"), true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, head []byte, video bool) {
		kind := ingest.MediaImage
		if video {
			kind = ingest.MediaVideo
		}
		got := mediaType(head, kind)
		if got == "" {
			return
		}
		if !servable(got) {
			t.Fatalf("%q gave %q, which the relay does not serve", head, got)
		}
		if isVideo := got == typeMP4 || got == typeMOV; isVideo != video {
			t.Fatalf("%q as %s gave %q", head, kind, got)
		}
		if trimmed := bytes.TrimSpace(head); len(trimmed) > 0 && trimmed[0] == '<' {
			t.Fatalf("markup %q taken as %q", head, got)
		}
	})
}
