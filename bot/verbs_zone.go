package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/spindle-threads/spindle/ingest"
)

// timezone shows or sets the zone a person's typed times are read in. Slack knows each
// person's zone from their profile (users.info), so there it only says which one it uses.
func (c *call) timezone(ctx context.Context) Reply {
	id := c.in.Identity
	if id.Door == ingest.DoorSlack {
		r := privatef("In Slack your time zone comes from your Slack profile (now %s); change it there and I follow.", c.zone)
		r.Refused = c.cmd.Zone != "" // asked to set it, which Slack's profile does instead
		return r
	}
	if c.d.o.Zones == nil {
		return c.unavailable("setting a time zone")
	}
	if c.cmd.Zone == "" {
		zone, _, err := c.d.o.Zones.UserZone(ctx, string(id.Door), id.Team, id.User)
		if err != nil || zone == "" {
			return privatef("You have not set a time zone, so I read your times in %s, this server's. Set yours with %stimezone Europe/Berlin (or your own Area/City).", c.d.o.Zone, c.prefix)
		}
		return privatef("I read your times in %s. Change it with %stimezone <Area/City>.", zone, c.prefix)
	}
	if err := c.d.o.Zones.SetUserZone(ctx, string(id.Door), id.Team, id.User, c.cmd.Zone); err != nil {
		return c.fail(ctx, err)
	}
	loc, _ := time.LoadLocation(c.cmd.Zone) // Parse checked it
	return privatef("🕘 From now on I read your times in %s (it is %s there now).", c.cmd.Zone, c.d.now().In(loc).Format("Mon 15:04 MST"))
}

// privatef is an answer only the sender sees, that refuses nothing.
func privatef(format string, args ...any) Reply {
	return Reply{Text: fmt.Sprintf(format, args...), Private: true}
}
