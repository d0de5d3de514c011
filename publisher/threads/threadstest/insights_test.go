package threadstest

import (
	"fmt"
	"testing"
)

func TestInsights(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.publish(t, f.create(t, "media_type", "TEXT", "text", "measured"))
	f.publish(t, f.create(t, "media_type", "TEXT", "text", "a reply", "reply_to_id", id))
	a := f.get(t, "/v1.0/"+id+"/insights", vals("metric", "views,replies"))
	data, _ := a.body["data"].([]any)
	if a.status != 200 || len(data) != 2 {
		t.Fatalf("insights: %d %s", a.status, a.raw)
	}
	if r := data[1].(map[string]any); r["name"] != "replies" || fmt.Sprint(r["values"].([]any)[0].(map[string]any)["value"]) != "1" {
		t.Errorf("replies metric %v, want 1", r)
	}
	f.get(t, "/v1.0/"+id+"/insights", vals("metric", "clicks")).wantGraphError(t, 400, 100, 0)
	f.get(t, "/v1.0/"+id+"/insights", nil).wantGraphError(t, 400, 100, 0)
	f.get(t, "/v1.0/999/insights", vals("metric", "views")).wantGraphError(t, 400, 100, 33)
}
