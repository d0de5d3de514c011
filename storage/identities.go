package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Identity is a person as a door knows them: a Slack user in a team (Door "slack", Team, User),
// a Telegram user (Door "telegram", User), or an identity the operator made for scripts (Door
// "api"). Name is a display handle for messages; ChatRef is the door's own JSON address for
// telling the person something, opaque to storage.
type Identity struct {
	ID               int64
	Door             string
	Team             string
	User             string
	Name             string
	ChatRef          []byte
	DefaultAccountID int64 // 0: none chosen
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

const identityColumns = `id, door, team, "user", name, chat_ref, COALESCE(default_account_id, 0),
	created_at, updated_at`

func scanIdentity(s scanner) (Identity, error) {
	var (
		i                Identity
		ref              string
		created, updated int64
	)
	err := s.Scan(&i.ID, &i.Door, &i.Team, &i.User, &i.Name, &ref, &i.DefaultAccountID, &created, &updated)
	if ref != "" {
		i.ChatRef = []byte(ref)
	}
	i.CreatedAt, i.UpdatedAt = fromMS(created), fromMS(updated)
	return i, err
}

// UpsertIdentity returns the identity with i's door, team and user, creating it if new. A
// non-empty Name or ChatRef replaces the stored one, so doors keep handles and addresses fresh.
func (db *DB) UpsertIdentity(ctx context.Context, i Identity) (Identity, error) {
	if i.Door == "" || i.User == "" {
		return Identity{}, fmt.Errorf("storage: identity needs a door and a user")
	}
	// Doors identify the person on every command; most of the time nothing changed, and a
	// read from the pool spares the command a write and its fsync.
	if cur, err := db.IdentityByKey(ctx, i.Door, i.Team, i.User); err == nil &&
		(i.Name == "" || i.Name == cur.Name) && (len(i.ChatRef) == 0 || string(i.ChatRef) == string(cur.ChatRef)) {
		return cur, nil
	}
	now := ms(db.now())
	var out Identity
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `INSERT INTO identities (door, team, "user", name, chat_ref, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (door, team, "user") DO UPDATE SET
				name = CASE WHEN excluded.name != '' THEN excluded.name ELSE identities.name END,
				chat_ref = CASE WHEN excluded.chat_ref != '' THEN excluded.chat_ref ELSE identities.chat_ref END,
				updated_at = CASE WHEN excluded.name != identities.name OR excluded.chat_ref != identities.chat_ref
					THEN excluded.updated_at ELSE identities.updated_at END
			RETURNING `+identityColumns,
			i.Door, i.Team, i.User, i.Name, string(i.ChatRef), now, now)
		var err error
		out, err = scanIdentity(row)
		return err
	})
	if err != nil {
		return Identity{}, fmt.Errorf("storage: save identity %s/%s/%s: %w", i.Door, i.Team, i.User, err)
	}
	return out, nil
}

// Identity reads an identity by id.
func (db *DB) Identity(ctx context.Context, id int64) (Identity, error) {
	return db.identity(ctx, `id = ?`, id)
}

// IdentityByKey reads the identity a door knows by team and user.
func (db *DB) IdentityByKey(ctx context.Context, door, team, user string) (Identity, error) {
	return db.identity(ctx, `door = ? AND team = ? AND "user" = ?`, door, team, user)
}

func (db *DB) identity(ctx context.Context, where string, args ...any) (Identity, error) {
	i, err := scanIdentity(db.r.QueryRowContext(ctx, `SELECT `+identityColumns+` FROM identities WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Identity{}, fmt.Errorf("storage: identity %v: %w", args, ErrNotFound)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("storage: identity %v: %w", args, err)
	}
	return i, nil
}

// Identities lists every identity, oldest first.
func (db *DB) Identities(ctx context.Context) ([]Identity, error) {
	return queryAll(ctx, db.r, "list identities", scanIdentity, `SELECT `+identityColumns+` FROM identities ORDER BY id`)
}

// SetDefaultAccount records the account an identity posts to when it names none; 0 clears it.
// Whether the identity may post there is the caller's check.
func (db *DB) SetDefaultAccount(ctx context.Context, identityID, accountID int64) error {
	var acct any
	if accountID != 0 {
		acct = accountID
	}
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE identities SET default_account_id = ?, updated_at = ? WHERE id = ?`,
			acct, ms(db.now()), identityID)
		if err != nil {
			return fmt.Errorf("storage: set default account of identity %d: %w", identityID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("storage: identity %d: %w", identityID, ErrNotFound)
		}
		return nil
	})
}
