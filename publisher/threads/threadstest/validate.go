package threadstest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/publisher/threads"
)

// Content limits (reference §5.1) beyond text length and links, which come
// from package threads so the client's preflight and the simulator agree.
const (
	MaxCarouselItems = 20
	MinCarouselItems = 2
	MaxTopicTagChars = 50
	MaxAltTextChars  = 1000
	MaxPollOptionLen = 25
)

// replyControls are the accepted reply_control values.
var replyControls = []string{"everyone", "accounts_you_follow", "mentioned_only", "parent_post_author_only", "followers_only"}

// textOnlyParams may only accompany media_type=TEXT.
var textOnlyParams = []string{"link_attachment", "poll_attachment", "gif_attachment", "text_attachment", "is_ghost_post"}

func parseBool(f url.Values, name string) (bool, *GraphError) {
	switch v := f.Get(name); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		e := errParam("Param %s must be a boolean (true or false), got %q.", name, v)
		return false, &e
	}
}

// parsePost reads the container parameters of a create request.
func parsePost(f url.Values) (Post, *GraphError) {
	p := Post{
		MediaType: f.Get("media_type"), Text: f.Get("text"),
		ImageURL: f.Get("image_url"), VideoURL: f.Get("video_url"),
		ReplyToID: f.Get("reply_to_id"), QuotePostID: f.Get("quote_post_id"),
		LinkAttachment: f.Get("link_attachment"), TopicTag: f.Get("topic_tag"),
		ReplyControl: f.Get("reply_control"), AltText: f.Get("alt_text"),
	}
	var gerr *GraphError
	if p.IsCarouselItem, gerr = parseBool(f, "is_carousel_item"); gerr != nil {
		return p, gerr
	}
	if p.AutoPublish, gerr = parseBool(f, "auto_publish_text"); gerr != nil {
		return p, gerr
	}
	if gerr = parseShapes(f, &p); gerr != nil {
		return p, gerr
	}
	if c := f.Get("children"); c != "" {
		for _, id := range strings.Split(c, ",") {
			p.Children = append(p.Children, strings.TrimSpace(id))
		}
	}
	return p, nil
}

// validatePost applies Meta's parameter rules that need no state. Every
// refusal is code 100 (THApiException), as observed for parameter errors.
func validatePost(p Post, f url.Values) *GraphError {
	fail := func(format string, args ...any) *GraphError {
		e := errParam(format, args...)
		return &e
	}
	switch p.MediaType {
	case "":
		return fail("The parameter media_type is required.")
	case "TEXT", "IMAGE", "VIDEO", "CAROUSEL":
	default:
		return fail("Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}, got %q.", p.MediaType)
	}
	if e := checkCombinations(p, f); e != nil {
		return e
	}
	switch {
	case p.MediaType == "TEXT" && p.Text == "" && f.Get("text_attachment") == "" && f.Get("poll_attachment") == "":
		return fail("The parameter text is required for media_type TEXT.")
	case p.MediaType == "IMAGE" && p.ImageURL == "":
		return fail("The parameter image_url is required for media_type IMAGE.")
	case p.MediaType == "VIDEO" && p.VideoURL == "":
		return fail("The parameter video_url is required for media_type VIDEO.")
	case p.MediaType == "CAROUSEL" && len(p.Children) == 0:
		return fail("The parameter children is required for media_type CAROUSEL.")
	}
	for name, u := range map[string]string{"image_url": p.ImageURL, "video_url": p.VideoURL, "link_attachment": p.LinkAttachment} {
		if u != "" && !isHTTPURL(u) {
			return fail("Param %s must be a valid public http(s) URL.", name)
		}
	}
	if n := threads.CountChars(p.Text); n > threads.MaxTextChars {
		return fail("Param text must be at most %d characters long (it counts %d; emoji count as their UTF-8 bytes).", threads.MaxTextChars, n)
	}
	if e := checkLinks(p, f); e != nil {
		return e
	}
	if p.MediaType == "CAROUSEL" && (len(p.Children) < MinCarouselItems || len(p.Children) > MaxCarouselItems) {
		return fail("A carousel needs between %d and %d children, got %d.", MinCarouselItems, MaxCarouselItems, len(p.Children))
	}
	if tag := p.TopicTag; tag != "" || f.Has("topic_tag") {
		if n := utf8.RuneCountInString(tag); n < 1 || n > MaxTopicTagChars || strings.ContainsAny(tag, ".&") {
			return fail("Param topic_tag must be 1 to %d characters and must not contain '.' or '&'.", MaxTopicTagChars)
		}
	}
	if p.ReplyControl != "" && !slices.Contains(replyControls, p.ReplyControl) {
		return fail("Param reply_control must be one of %s.", strings.Join(replyControls, ", "))
	}
	if n := utf8.RuneCountInString(p.AltText); n > MaxAltTextChars {
		return fail("Param alt_text must be at most %d characters long (got %d).", MaxAltTextChars, n)
	}
	return checkShapes(p)
}

// checkCombinations enforces which parameters go with which media type.
func checkCombinations(p Post, f url.Values) *GraphError {
	only := func(param, types string) *GraphError {
		e := errParam("Param %s is only supported with media_type %s, not %s.", param, types, p.MediaType)
		return &e
	}
	t := p.MediaType
	for _, name := range textOnlyParams {
		if f.Get(name) != "" && t != "TEXT" {
			return only(name, "TEXT")
		}
	}
	switch {
	case p.AutoPublish && t != "TEXT":
		return only("auto_publish_text", "TEXT")
	case p.ImageURL != "" && t != "IMAGE":
		return only("image_url", "IMAGE")
	case p.VideoURL != "" && t != "VIDEO":
		return only("video_url", "VIDEO")
	case len(p.Children) > 0 && t != "CAROUSEL":
		return only("children", "CAROUSEL")
	case p.AltText != "" && t != "IMAGE" && t != "VIDEO":
		return only("alt_text", "IMAGE or VIDEO")
	case p.IsCarouselItem && t != "IMAGE" && t != "VIDEO":
		return only("is_carousel_item", "IMAGE or VIDEO")
	case f.Get("is_spoiler_media") == "true" && t == "TEXT":
		return only("is_spoiler_media", "IMAGE, VIDEO or CAROUSEL")
	}
	return nil
}

// checkLinks counts unique links in the text plus the link attachment (and
// a text attachment's link) against threads.MaxLinks.
func checkLinks(p Post, f url.Values) *GraphError {
	links := threads.Links(p.Text)
	extra := []string{p.LinkAttachment}
	if ta := f.Get("text_attachment"); ta != "" {
		var v struct {
			Plaintext string `json:"plaintext"`
			Link      string `json:"link_attachment_url"`
		}
		if json.Unmarshal([]byte(ta), &v) != nil {
			e := errParam("Param text_attachment must be a JSON object.")
			return &e
		}
		extra = append(extra, v.Link)
	}
	for _, l := range extra {
		if l != "" && !slices.Contains(links, l) {
			links = append(links, l)
		}
	}
	if len(links) > threads.MaxLinks {
		return &GraphError{Type: "THApiException", Code: 100, Message: "THREADS_API__LINK_LIMIT_EXCEEDED",
			UserTitle: "Too many links", UserMsg: "Posts can contain at most 5 links."}
	}
	return nil
}

func checkPoll(v string) *GraphError {
	var poll map[string]string
	if err := json.Unmarshal([]byte(v), &poll); err != nil {
		e := errParam("Param poll_attachment must be a JSON object of option_a..option_d strings.")
		return &e
	}
	n := 0
	for i, key := range []string{"option_a", "option_b", "option_c", "option_d"} {
		opt, ok := poll[key]
		if !ok {
			break
		}
		if l := utf8.RuneCountInString(opt); l < 1 || l > MaxPollOptionLen {
			e := errParam("Poll option %s must be 1 to %d characters.", key, MaxPollOptionLen)
			return &e
		}
		n = i + 1
	}
	if n < 2 || n != len(poll) {
		e := errParam("Param poll_attachment needs 2 to 4 options named option_a, option_b, option_c, option_d in order.")
		return &e
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
