package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spindle-threads/spindle/storage"
)

// Doors an identity can belong to.
const (
	DoorSlack    = "slack"
	DoorTelegram = "telegram"
	DoorAPI      = "api" // made by the operator for scripts (spindle tokens create --identity)
)

// Identity is a person as a door knows them. Door, Team and User are the key: Slack's team
// and user ids, Telegram's user id (Team empty), or an operator-chosen name for door "api".
// Name is a display handle; ChatRef is the door's own address for NotifyIdentity (a DM
// channel, a chat id), stored verbatim. ID is Spindle's, set by Identify.
type Identity struct {
	ID      int64
	Door    string
	Team    string
	User    string
	Name    string
	ChatRef json.RawMessage
}

// String names the identity for messages and logs: its handle, else door:team:user.
func (i Identity) String() string {
	if i.Name != "" {
		return i.Name
	}
	return i.Key()
}

// Key is door:team:user (door:user without a team), the form `spindle tokens create
// --identity` takes.
func (i Identity) Key() string {
	if i.Team == "" {
		return i.Door + ":" + i.User
	}
	return i.Door + ":" + i.Team + ":" + i.User
}

// ParseIdentityKey parses door:user or door:team:user.
func ParseIdentityKey(s string) (Identity, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	var id Identity
	switch len(parts) {
	case 2:
		id = Identity{Door: parts[0], User: parts[1]}
	case 3:
		id = Identity{Door: parts[0], Team: parts[1], User: parts[2]}
	default:
		return Identity{}, fmt.Errorf("identity %q: write door:user (telegram:12345, api:ci) or slack:TEAM:USER", s)
	}
	if !validDoor(id.Door) || id.User == "" {
		return Identity{}, fmt.Errorf("identity %q: the door must be slack, telegram or api, and the user must not be empty", s)
	}
	if id.Door == DoorSlack && id.Team == "" {
		return Identity{}, fmt.Errorf("identity %q: a Slack identity is slack:TEAM:USER", s)
	}
	return id, nil
}

func validDoor(d string) bool { return d == DoorSlack || d == DoorTelegram || d == DoorAPI }

func fromStorage(i storage.Identity) Identity {
	return Identity{ID: i.ID, Door: i.Door, Team: i.Team, User: i.User, Name: i.Name, ChatRef: i.ChatRef}
}

// Identify returns the stored identity for id's door, team and user, creating it on first
// sight; a non-empty Name or ChatRef updates the stored ones. Doors call it for every person
// who talks to them.
func (s *Service) Identify(ctx context.Context, id Identity) (Identity, error) {
	if !validDoor(id.Door) || id.User == "" {
		return Identity{}, fmt.Errorf("accounts: identify: door %q user %q: the door must be slack, telegram or api and the user set", id.Door, id.User)
	}
	st, err := s.ids.UpsertIdentity(ctx, storage.Identity{Door: id.Door, Team: id.Team, User: id.User,
		Name: id.Name, ChatRef: id.ChatRef})
	if err != nil {
		return Identity{}, fmt.Errorf("accounts: identify: %w", err)
	}
	return fromStorage(st), nil
}

// IdentityByID reads an identity.
func (s *Service) IdentityByID(ctx context.Context, id int64) (Identity, error) {
	st, err := s.ids.Identity(ctx, id)
	if err != nil {
		return Identity{}, fmt.Errorf("accounts: %w", err)
	}
	return fromStorage(st), nil
}

// LookupIdentity finds an identity that exists already by its key, without creating it.
func (s *Service) LookupIdentity(ctx context.Context, id Identity) (Identity, error) {
	st, err := s.ids.IdentityByKey(ctx, id.Door, id.Team, id.User)
	if errors.Is(err, storage.ErrNotFound) {
		return Identity{}, fmt.Errorf("accounts: nobody known as %s: %w", id.Key(), storage.ErrNotFound)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("accounts: %w", err)
	}
	return fromStorage(st), nil
}
