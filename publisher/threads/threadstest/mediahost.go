package threadstest

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
)

// NewMediaHost starts a server standing in for the public host a post's media lives on, which
// the simulator fetches as Meta does: a small PNG at /img.png and /img2.png, an MP4 at
// /clip.mp4, and 404 elsewhere. The caller closes it.
func NewMediaHost() *httptest.Server {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		panic("threadstest: encode a PNG: " + err.Error()) // cannot fail writing to memory
	}
	img := buf.Bytes()
	mp4 := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 256)...)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/img.png", "/img2.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(img)
		case "/clip.mp4":
			w.Header().Set("Content-Type", "video/mp4")
			w.Write(mp4)
		default:
			http.NotFound(w, r)
		}
	}))
}
