package main

import (
	"net/url"
	"testing"
)

// TestSlackResponseURLs pins which response_urls the Slack door may POST to: Slack's hooks
// host always, the host of SLACK_API_URL on its own scheme, and nothing else.
func TestSlackResponseURLs(t *testing.T) {
	cases := []struct {
		api, target string
		want        bool
	}{
		{"https://slack.com/api/", "https://hooks.slack.com/commands/T1/123/abc", true},
		{"https://slack.com/api/", "https://HOOKS.slack.com/commands/T1/123/abc", true},
		{"https://slack.com/api/", "https://slack.com/response/1", true},
		{"https://slack.com/api/", "http://hooks.slack.com/commands/T1/123/abc", false},
		{"https://slack.com/api/", "https://hooks.slack.com.evil.example/x", false},
		{"https://slack.com/api/", "https://evil.example/x", false},
		{"https://slack.com/api/", "https://hooks.slack.com@evil.example/x", false},
		{"http://127.0.0.1:4000/api/", "http://127.0.0.1:4000/response/post", true},
		{"http://127.0.0.1:4000/api/", "http://127.0.0.1:4001/response/post", false},
		{"http://127.0.0.1:4000/api/", "https://127.0.0.1:4000/response/post", false},
		{"http://127.0.0.1:4000/api/", "http://localhost:4000/response/post", false},
		{"http://127.0.0.1:4000/api/", "https://hooks.slack.com/commands/T1/123/abc", true},
		{"https://slack-proxy.corp.example/api/", "https://slack-proxy.corp.example/hooks/1", true},
		{"", "https://hooks.slack.com/commands/T1/123/abc", true},
		{"", "https://slack.com/response/1", false},
		{"", "/response/1", false},
	}
	for _, c := range cases {
		allow := slackResponseURLs(c.api)
		u, err := url.Parse(c.target)
		if err != nil {
			t.Fatal(err)
		}
		if got := allow(u); got != c.want {
			t.Errorf("SLACK_API_URL %q, response_url %q: allowed %v, want %v", c.api, c.target, got, c.want)
		}
	}
}
