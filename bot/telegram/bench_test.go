package telegram

import (
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

func BenchmarkCommand(b *testing.B) {
	for b.Loop() {
		command("/post@spindle_bot Shipping v1.2 today, with notes at https://example.com/notes", "spindle_bot")
	}
}

// BenchmarkPreview is the cost of answering a draft of 1,500 characters (split into a thread).
func BenchmarkPreview(b *testing.B) {
	text := strings.Repeat("Threads counts emoji 👍 by bytes. ", 45)
	for b.Loop() {
		preview(text, nil, storage.Shape{}, false)
	}
}
