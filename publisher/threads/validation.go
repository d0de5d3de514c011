package threads

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Limits Threads puts on a post besides its text (threads-api.md §4.2, §5.1).
const (
	MaxTopicTagChars = 50
	MaxAltTextChars  = 1000
	MinCarouselItems = 2
	MaxCarouselItems = 20
)

// Reply-control values Threads accepts for reply_control.
const (
	ReplyEveryone             = "everyone"
	ReplyAccountsYouFollow    = "accounts_you_follow"
	ReplyMentionedOnly        = "mentioned_only"
	ReplyParentPostAuthorOnly = "parent_post_author_only"
	ReplyFollowersOnly        = "followers_only"
)

// Media kinds of a Post's attachments.
const (
	KindImage = "image"
	KindVideo = "video"
)

// Post is a post as a person or machine asked for it, before it becomes
// containers: the shape the preflight validator checks. Media with one item
// is an image or video post, with two or more a carousel.
type Post struct {
	Text           string
	Media          []Media
	ReplyToID      string
	QuoteID        string
	LinkAttachment string
	TopicTag       string
	ReplyControl   string

	Poll           []string        // 2–4 options; text posts only
	TextAttachment *TextAttachment // long text under the post; text posts only
	Spoilers       []Spoiler       // hidden ranges of Text
	SpoilerMedia   bool            // the image, video or carousel is hidden as a spoiler
	Ghost          bool            // archived after 24 hours; text only, never a reply
	LocationID     string          // from location search; needs threads_location_tagging
	GIF            *GIF            // text posts only
}

// Media is one image or video of a Post. URL must be publicly fetchable,
// because Threads downloads it when the container is created.
type Media struct {
	Kind    string // KindImage or KindVideo
	URL     string
	AltText string
}

// ValidationError says why a post would be refused by Threads. Field names
// the offending part in Threads' parameter terms ("text", "media[2].url",
// "topic_tag"); Reason is a full sentence a person can act on.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string { return e.Reason }

// Validate checks p against Threads' documented rules so that a bad post is
// refused at the door, with its reason, instead of failing at publish time.
// It returns nil, one *ValidationError, or several joined with errors.Join
// (find them with errors.As or by unwrapping).
func Validate(p Post) error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}

	if n := CountChars(p.Text); n > MaxTextChars {
		add("text", "text is %d characters as Threads counts them (an emoji counts as its UTF-8 bytes, up to 25 for a family); the limit is %d — shorten it or post it as a thread", n, MaxTextChars)
	}
	if len(p.Media) == 0 && strings.TrimSpace(p.Text) == "" && p.TextAttachment == nil && len(p.Poll) == 0 {
		add("text", "a text post needs text — write something, or attach an image or video")
	}

	links := Links(p.Text)
	if ta := p.TextAttachment; ta != nil && ta.LinkURL != "" && !slices.Contains(links, ta.LinkURL) {
		links = append(links, ta.LinkURL)
	}
	if p.LinkAttachment != "" {
		if !isWebURL(p.LinkAttachment) {
			add("link_attachment", "link attachment %q is not an absolute http or https URL — give the full address, like https://example.com/page", clip(p.LinkAttachment))
		}
		if len(p.Media) > 0 {
			add("link_attachment", "a link attachment is only allowed on a text post, and this post has %d media item(s) — put the link in the text instead, or drop the media", len(p.Media))
		}
		if !slices.Contains(links, p.LinkAttachment) {
			links = append(links, p.LinkAttachment)
		}
	}
	if len(links) > MaxLinks {
		add("text", "the post has %d different links (text plus link attachment); Threads allows at most %d — remove some links", len(links), MaxLinks)
	}

	if p.TopicTag != "" {
		validateTopicTag(p.TopicTag, add)
	}
	if p.ReplyControl != "" && !validReplyControl(p.ReplyControl) {
		add("reply_control", "reply control %q is not one Threads knows — use one of %s", clip(p.ReplyControl), strings.Join(replyControls(), ", "))
	}
	validateID("reply_to_id", "reply-to", p.ReplyToID, add)
	validateID("quote_post_id", "quoted post", p.QuoteID, add)
	validateMedia(p.Media, add)
	validateShapes(p, add)

	return errors.Join(errs...)
}

type addFunc func(field, format string, args ...any)

func validateTopicTag(tag string, add addFunc) {
	n := CountChars(tag)
	switch {
	case strings.TrimSpace(tag) == "":
		add("topic_tag", "the topic tag is blank — give 1 to %d characters, or leave it out", MaxTopicTagChars)
	case n > MaxTopicTagChars:
		add("topic_tag", "topic tag is %d characters; Threads allows 1 to %d — shorten it", n, MaxTopicTagChars)
	}
	if strings.ContainsAny(tag, ".&") {
		add("topic_tag", "topic tag %q contains a period or an ampersand, which Threads does not allow in topic tags — remove them", clip(tag))
	}
}

func validateID(field, what, id string, add addFunc) {
	if id == "" {
		return
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			add(field, "the %s id %q is not a Threads media id (those are all digits) — use the id of the post, not its link or a username", what, clip(id))
			return
		}
	}
}

func validateMedia(media []Media, add addFunc) {
	if len(media) > 1 && len(media) < MinCarouselItems || len(media) > MaxCarouselItems {
		add("media", "a carousel takes %d to %d images or videos and this post has %d — split it into several posts", MinCarouselItems, MaxCarouselItems, len(media))
	}
	for i, m := range media {
		field := fmt.Sprintf("media[%d]", i)
		if m.Kind != KindImage && m.Kind != KindVideo {
			add(field+".kind", "media item %d has kind %q; it must be %q or %q", i+1, clip(m.Kind), KindImage, KindVideo)
		}
		if !isWebURL(m.URL) {
			add(field+".url", "media item %d URL %q is not an absolute http or https URL — Threads downloads the file from a public address like https://example.com/photo.jpg", i+1, clip(m.URL))
		}
		if n := CountChars(m.AltText); n > MaxAltTextChars {
			add(field+".alt_text", "alt text of media item %d is %d characters; the limit is %d — shorten it", i+1, n, MaxAltTextChars)
		}
	}
}

// isWebURL reports whether s is an absolute http or https URL with a host.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return scheme == "http" || scheme == "https"
}

func validReplyControl(v string) bool { return slices.Contains(replyControls(), v) }

func replyControls() []string {
	return []string{ReplyEveryone, ReplyAccountsYouFollow, ReplyMentionedOnly, ReplyParentPostAuthorOnly, ReplyFollowersOnly}
}

// clip shortens user input quoted back in a message, so that a huge value
// does not make the message unreadable.
func clip(s string) string {
	const maxRunes = 60
	r := []rune(s)
	if len(r) <= maxRunes {
		return s
	}
	return string(r[:maxRunes]) + "…"
}
