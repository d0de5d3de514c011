package rss

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
)

// maxIDBytes bounds an item identity; longer GUIDs and links are hashed so that the seen
// table and idempotency keys stay small.
const maxIDBytes = 200

// Item is one feed entry, normalized: plain text, an absolute link and a stable identity.
type Item struct {
	// ID identifies the item across polls: its GUID, else its normalized link, else a hash
	// of its title and date. It is what Seen remembers and what the idempotency key holds.
	ID        string
	Title     string    // plain text on one line; the item's text when the feed gives no title
	Link      string    // absolute URL as the feed gives it (tracking parameters kept)
	Summary   string    // plain text of the description, else the content, with its line breaks; empty when it is the title
	Author    string    // first author's name
	Published time.Time // published, else updated; zero when the feed gives no date
	Image     string    // first image URL; set only when images are requested
}

// Items normalizes a parsed feed's entries and sorts them oldest first. feedURL is the
// URL the document came from; relative links resolve against the feed's site link (itself
// resolved against feedURL), else feedURL. Entries repeating an earlier entry's identity
// are dropped. With withImages, each item's first image is looked up.
func Items(feed *gofeed.Feed, feedURL string, withImages bool) []Item {
	base, _ := url.Parse(feedURL)
	if site := resolve(base, feed.Link); site != "" {
		if u, err := url.Parse(site); err == nil {
			base = u
		}
	}
	items := make([]Item, 0, len(feed.Items))
	seen := make(map[string]bool, len(feed.Items))
	for _, fi := range feed.Items {
		if fi == nil {
			continue
		}
		it := normalizeItem(fi, base, withImages)
		if seen[it.ID] {
			continue
		}
		seen[it.ID] = true
		items = append(items, it)
	}
	sortOldestFirst(items)
	return items
}

func normalizeItem(fi *gofeed.Item, base *url.URL, withImages bool) Item {
	it := Item{
		Title:   PlainText(fi.Title),
		Link:    resolve(base, strings.TrimSpace(fi.Link)),
		Summary: PlainBlocks(fi.Description),
	}
	if it.Link == "" {
		it.Link = urlID(fi.GUID) // an Atom entry without <link> whose <id> is its URL
	}
	if it.Summary == "" {
		it.Summary = PlainBlocks(fi.Content)
	}
	if it.Title == "" {
		// A title-less item (a microblog's note) is its text: as the title, on one line,
		// and not a second time as the summary.
		it.Title, it.Summary = foldSpace(it.Summary), ""
	}
	if len(fi.Authors) > 0 && fi.Authors[0] != nil {
		it.Author = PlainText(fi.Authors[0].Name)
	}
	date := fi.Published
	switch {
	case fi.PublishedParsed != nil:
		it.Published = fi.PublishedParsed.UTC()
	case fi.UpdatedParsed != nil:
		it.Published = fi.UpdatedParsed.UTC()
		date = fi.Updated
	}
	it.ID = Identity(fi.GUID, it.Link, it.Title, date)
	if withImages {
		it.Image = firstImage(fi, base)
	}
	return it
}

// urlID returns id when it is an absolute http(s) URL (Atom ids often are), else "".
func urlID(id string) string {
	u, err := url.Parse(strings.TrimSpace(id))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// Identity is an item's identity: the GUID when present, else the normalized link, else
// "sha256:" and the hex hash of title and date. An identity over 200 bytes is replaced by
// "sha256:" and its hash.
func Identity(guid, link, title, date string) string {
	id := strings.TrimSpace(guid)
	if id == "" {
		id = NormalizeLink(link)
	}
	if id == "" {
		return hashID(title + "\n" + strings.TrimSpace(date))
	}
	if len(id) > maxIDBytes {
		return hashID(id)
	}
	return id
}

func hashID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// trackingParams are query parameters that vary per reader or campaign, never per item.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "msclkid": true, "yclid": true, "igshid": true,
	"mc_cid": true, "mc_eid": true, "_hsenc": true, "_hsmi": true, "mkt_tok": true, "_ga": true,
	"oly_anon_id": true, "oly_enc_id": true, "vero_id": true, "wt.mc_id": true, "ref_src": true,
}

// NormalizeLink canonicalizes a link for identity: scheme and host lowercased, default port
// and fragment dropped, utm_* and other tracking parameters removed, the rest of the query
// sorted. It returns "" for anything that is not an absolute http(s) URL.
func NormalizeLink(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || u.Host == "" {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	u.Host = strings.ToLower(u.Host)
	if port := u.Port(); (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	}
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		if q, err := url.ParseQuery(u.RawQuery); err == nil {
			for k := range q {
				lk := strings.ToLower(k)
				if strings.HasPrefix(lk, "utm_") || trackingParams[lk] {
					delete(q, k)
				}
			}
			u.RawQuery = q.Encode()
		}
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

// resolve makes ref absolute against base; it returns "" for an empty or unparsable ref.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base == nil || r.IsAbs() {
		return r.String()
	}
	return base.ResolveReference(r).String()
}

// firstImage finds an item's first image: an image enclosure, a media:content image or
// media:thumbnail (also inside media:group), the image gofeed found, then the first <img>
// in the content or description. Only http(s) URLs are returned: Meta fetches them.
func firstImage(fi *gofeed.Item, base *url.URL) string {
	var candidates []string
	for _, e := range fi.Enclosures {
		if e != nil && strings.HasPrefix(strings.ToLower(e.Type), "image/") {
			candidates = append(candidates, e.URL)
		}
	}
	if media, ok := fi.Extensions["media"]; ok {
		candidates = append(candidates, mediaImages(media)...)
		for _, g := range media["group"] {
			candidates = append(candidates, mediaImages(g.Children)...)
		}
	}
	if fi.Image != nil {
		candidates = append(candidates, fi.Image.URL)
	}
	candidates = append(candidates, firstImg(fi.Content), firstImg(fi.Description))
	for _, c := range candidates {
		if u := resolve(base, c); strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			return u
		}
	}
	return ""
}

func mediaImages(m map[string][]ext.Extension) []string {
	var out []string
	for _, c := range m["content"] {
		typ, medium := strings.ToLower(c.Attrs["type"]), strings.ToLower(c.Attrs["medium"])
		if strings.HasPrefix(typ, "image/") || medium == "image" {
			out = append(out, c.Attrs["url"])
		}
	}
	for _, c := range m["thumbnail"] {
		out = append(out, c.Attrs["url"])
	}
	return out
}

// sortOldestFirst orders items by date, oldest first. Feeds list entries newest first by
// convention (RSS practice, Atom and JSON Feed advice), so items start in reversed feed
// order: entries without a date, or with equal dates, then keep the most plausible age
// order. Undated entries sort before dated ones.
func sortOldestFirst(items []Item) {
	slices.Reverse(items)
	slices.SortStableFunc(items, func(a, b Item) int {
		switch {
		case a.Published.IsZero() && b.Published.IsZero():
			return 0
		case a.Published.IsZero():
			return -1
		case b.Published.IsZero():
			return 1
		}
		return a.Published.Compare(b.Published)
	})
}
