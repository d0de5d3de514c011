package storage

// Named approvers. Besides an account's owner, the people the owner names (account_approvers)
// may approve or reject the account's held posts. The owner is never stored here: callers
// that tell "the approvers" add the owner themselves (accounts' Owner). An approver needs no
// right to post, and a grant gives no right to approve.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// ApproverIdentity is a person as their door knows them (the shape of a grant's identity):
// Slack Door "slack" with Team and User, Telegram Door "telegram" with User. Name is a display
// handle for messages.
type ApproverIdentity struct {
	Door string
	Team string
	User string
	Name string
}

// Key is door:team:user (door:user without a team), the identity key decisions record.
func (a ApproverIdentity) Key() string {
	if a.Team == "" {
		return a.Door + ":" + a.User
	}
	return a.Door + ":" + a.Team + ":" + a.User
}

// Approver is one named approver of an account.
type Approver struct {
	ApproverIdentity
	AddedBy   string // identity key of who named them ("cli" for the operator)
	CreatedAt time.Time
}

// AddApprover names who as an approver of accountID (creating the identity on first sight, as
// a grant does), for the operator (addedBy names them, "cli"). Adding someone twice is not an
// error. The caller checked that who is not the owner.
func (db *DB) AddApprover(ctx context.Context, accountID int64, who ApproverIdentity, addedBy string) error {
	return db.addApprover(ctx, accountID, who, addedBy, nil)
}

// AddApproverAsOwner is AddApprover for the account's owner, whose ownership is checked in the
// same transaction (ErrNotOwner), as GrantAccess checks it: an approver named by an owner the
// account was just taken from must not survive the takeover.
func (db *DB) AddApproverAsOwner(ctx context.Context, accountID int64, who, owner ApproverIdentity) error {
	return db.addApprover(ctx, accountID, who, owner.Key(), &owner)
}

func (db *DB) addApprover(ctx context.Context, accountID int64, who ApproverIdentity, addedBy string, owner *ApproverIdentity) error {
	if who.Door == "" || who.User == "" {
		return fmt.Errorf("storage: an approver needs a door and a user")
	}
	now := ms(db.now())
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		if owner != nil {
			var owns bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM account_owners o JOIN identities i ON i.id = o.identity_id
				WHERE o.account_id = ? AND i.door = ? AND i.team = ? AND i."user" = ?)`,
				accountID, owner.Door, owner.Team, owner.User).Scan(&owns); err != nil {
				return err
			}
			if !owns {
				return ErrNotOwner
			}
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO identities (door, team, "user", name, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (door, team, "user") DO UPDATE SET
				name = CASE WHEN excluded.name != '' THEN excluded.name ELSE identities.name END
			RETURNING id`, who.Door, who.Team, who.User, who.Name, now, now).Scan(&id)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO account_approvers (account_id, identity_id, added_by, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, accountID, id, addedBy, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: add approver %s to account %d: %w", who.Key(), accountID, err)
	}
	return nil
}

// RemoveApprover takes who's right to approve accountID's posts; ErrNotFound if they had none.
func (db *DB) RemoveApprover(ctx context.Context, accountID int64, who ApproverIdentity) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM account_approvers WHERE account_id = ? AND identity_id =
			(SELECT id FROM identities WHERE door = ? AND team = ? AND "user" = ?)`, accountID, who.Door, who.Team, who.User)
		if err != nil {
			return fmt.Errorf("storage: remove approver %s from account %d: %w", who.Key(), accountID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("storage: %s approves nothing on account %d: %w", who.Key(), accountID, ErrNotFound)
		}
		return nil
	})
}

// Approvers lists the named approvers of accountID, oldest first; the owner is not among
// them (the approval card's sender adds the owner).
func (db *DB) Approvers(ctx context.Context, accountID int64) ([]ApproverIdentity, error) {
	list, err := db.ApproverList(ctx, accountID)
	if err != nil {
		return nil, err
	}
	out := make([]ApproverIdentity, len(list))
	for i, a := range list {
		out[i] = a.ApproverIdentity
	}
	return out, nil
}

// ApproverList is Approvers with who named each and when.
func (db *DB) ApproverList(ctx context.Context, accountID int64) ([]Approver, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT i.door, i.team, i."user", i.name, a.added_by, a.created_at
		FROM account_approvers a JOIN identities i ON i.id = a.identity_id
		WHERE a.account_id = ? ORDER BY a.created_at, i.id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("storage: approvers of account %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []Approver
	for rows.Next() {
		var (
			a  Approver
			at int64
		)
		if err := rows.Scan(&a.Door, &a.Team, &a.User, &a.Name, &a.AddedBy, &at); err != nil {
			return nil, fmt.Errorf("storage: approvers of account %d: %w", accountID, err)
		}
		a.CreatedAt = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// ApprovedAccounts lists the accounts the person door/team/user was named an approver of
// (not the ones they own), by username.
func (db *DB) ApprovedAccounts(ctx context.Context, door, team, user string) ([]Account, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT x.id, x.username FROM account_approvers a
		JOIN identities i ON i.id = a.identity_id JOIN accounts x ON x.id = a.account_id
		WHERE i.door = ? AND i.team = ? AND i."user" = ? ORDER BY x.username`, door, team, user)
	if err != nil {
		return nil, fmt.Errorf("storage: accounts approved by %s/%s/%s: %w", door, team, user, err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.ID, &a.Username); err != nil {
			return nil, fmt.Errorf("storage: accounts approved by %s/%s/%s: %w", door, team, user, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ParseApproverKey reads an identity key as the command line takes it: slack:<team>:<user>
// (Slack ids: letters and digits) or telegram:<user> (a numeric id). The error says what
// shape was expected.
func ParseApproverKey(s string) (ApproverIdentity, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	bad := fmt.Errorf("%q is not a person: write slack:<team id>:<user id> (T0123:U0456) or telegram:<numeric user id>", s)
	switch {
	case len(parts) == 3 && parts[0] == "slack" && slackID(parts[1]) && slackID(parts[2]):
		return ApproverIdentity{Door: "slack", Team: parts[1], User: parts[2]}, nil
	case len(parts) == 2 && parts[0] == "telegram" && digits(parts[1]):
		return ApproverIdentity{Door: "telegram", User: parts[1]}, nil
	}
	return ApproverIdentity{}, bad
}

// slackID reports whether s looks like a Slack team or user id (T0123ABC, U0456DEF).
func slackID(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// digits reports whether s is a Telegram user id: 1 to 20 decimal digits.
func digits(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
