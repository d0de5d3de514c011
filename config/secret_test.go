package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	const value = "xoxb-very-secret-value"
	s := NewSecret(value)
	type holder struct {
		Token Secret
		Ptr   *Secret
	}
	h := holder{Token: s, Ptr: &s}
	outputs := map[string]string{
		"String":  s.String(),
		"%v":      fmt.Sprintf("%v", s),
		"%+v":     fmt.Sprintf("%+v", s),
		"%#v":     fmt.Sprintf("%#v", s),
		"%s":      fmt.Sprintf("%s", s),
		"%q":      fmt.Sprintf("%q", s),
		"%x":      fmt.Sprintf("%x", s),
		"%X":      fmt.Sprintf("%X", s),
		"%d":      fmt.Sprintf("%d", s),
		"struct":  fmt.Sprintf("%v %+v %#v", h, h, h),
		"Sprint":  fmt.Sprint(s, &s),
		"Println": fmt.Sprintln(s),
		"Errorf":  fmt.Errorf("token %v", s).Error(),
	}
	for _, m := range []any{s, &s, h, map[string]Secret{"k": s}} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		outputs[fmt.Sprintf("json %T", m)] = string(b)
	}
	text, _ := s.MarshalText()
	outputs["MarshalText"] = string(text)
	var buf bytes.Buffer
	for _, handler := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		slog.New(handler).Info("msg", "token", s, slog.Any("holder", h), slog.Any("ptr", &s))
	}
	outputs["slog"] = buf.String()

	for name, out := range outputs {
		if strings.Contains(out, value) || strings.Contains(out, "very-secret") {
			t.Errorf("%s printed the secret: %s", name, out)
		}
		if !strings.Contains(out, "redacted") {
			t.Errorf("%s = %q, want it to say redacted", name, out)
		}
	}
	if s.Reveal() != value {
		t.Errorf("Reveal = %q, want %q", s.Reveal(), value)
	}
}

func TestSecretUnset(t *testing.T) {
	var s Secret
	if s.IsSet() || s.String() != "" || fmt.Sprint(s) != "" || s.LogValue().String() != "" {
		t.Errorf("unset secret prints %q, want empty", fmt.Sprint(s))
	}
	if b, _ := json.Marshal(s); string(b) != `""` {
		t.Errorf("unset secret JSON = %s, want \"\"", b)
	}
	if !NewSecret("x").IsSet() {
		t.Error("NewSecret(x).IsSet() = false")
	}
}

func TestSecretMatches(t *testing.T) {
	s := NewSecret("hunter2")
	for v, want := range map[string]bool{"hunter2": true, "hunter": false, "hunter22": false, "": false} {
		if got := s.Matches(v); got != want {
			t.Errorf("Matches(%q) = %v, want %v", v, got, want)
		}
	}
	if (Secret{}).Matches("") {
		t.Error("an unset secret matched the empty string")
	}
}
