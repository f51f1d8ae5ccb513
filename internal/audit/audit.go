// Package audit records who did what and when in a company: logins and failed
// logins, members, invitations, API keys, settings, and later connections and
// campaigns. Entries are written in the same transaction as the change they
// describe, so a change without its entry (or the reverse) cannot exist.
//
// The actor and the client IP travel in the request context (WithActor), so
// domain code records an entry with one call and cannot forget who acted.
package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Actor is who did something.
type Actor struct {
	Type string `json:"type"` // user | api_key | system
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Entry is one line of the audit log.
type Entry struct {
	ID         string         `json:"id"`
	Action     string         `json:"action"`
	Actor      Actor          `json:"actor"`
	IP         string         `json:"ip"`
	TargetType string         `json:"target_type"`
	TargetID   string         `json:"target_id"`
	Details    map[string]any `json:"details"`
	CreatedAt  db.Time        `json:"created_at"`
}

type ctxKey struct{}

type origin struct {
	actor Actor
	ip    string
}

// WithActor returns a context that names who is acting and from where.
func WithActor(ctx context.Context, a Actor, ip string) context.Context {
	return context.WithValue(ctx, ctxKey{}, origin{a, ip})
}

// WithIP keeps the IP when nobody is signed in yet (signup, login).
func WithIP(ctx context.Context, ip string) context.Context {
	o, _ := ctx.Value(ctxKey{}).(origin)
	o.ip = ip
	return context.WithValue(ctx, ctxKey{}, o)
}

// ActorFrom returns the actor and IP in ctx; a missing actor is "system".
func ActorFrom(ctx context.Context) (Actor, string) {
	o, _ := ctx.Value(ctxKey{}).(origin)
	if o.actor.Type == "" {
		o.actor.Type = "system"
	}
	return o.actor, o.ip
}

// Record writes an entry for companyID with the actor of ctx. actor overrides
// the context's actor when given (a login has no actor in the context yet).
func Record(ctx context.Context, q db.Querier, companyID, action, targetType, targetID string, details map[string]any, actor ...Actor) error {
	a, ip := ActorFrom(ctx)
	if len(actor) > 0 {
		a = actor[0]
	}
	if details == nil {
		details = map[string]any{}
	}
	js, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit details: %w", err)
	}
	_, err = q.Exec(ctx, `INSERT INTO audit_log (id, company_id, actor_type, actor_id, actor_name, action, target_type, target_id, ip, details, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ids.New(), companyID, a.Type, a.ID, a.Name, action, targetType, targetID, ip, string(js), db.Now())
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// Log reads a company's audit log.
type Log struct{ db *db.DB }

// NewLog returns a Log.
func NewLog(d *db.DB) *Log { return &Log{db: d} }

// List returns entries newest first, after cursor (an entry id), optionally
// for one action. next is empty on the last page.
func (l *Log) List(ctx context.Context, companyID, action, cursor string, limit int) (entries []Entry, next string, err error) {
	q := `SELECT id, actor_type, actor_id, actor_name, action, target_type, target_id, ip, details, created_at
	        FROM audit_log
	       WHERE company_id = ?`
	args := []any{companyID}
	if action != "" {
		q += ` AND action = ?`
		args = append(args, action)
	}
	if cursor != "" {
		q += ` AND id < ?`
		args = append(args, cursor)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := l.db.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	entries = []Entry{}
	for rows.Next() {
		var e Entry
		var details string
		if err := rows.Scan(&e.ID, &e.Actor.Type, &e.Actor.ID, &e.Actor.Name, &e.Action, &e.TargetType, &e.TargetID,
			&e.IP, &details, &e.CreatedAt); err != nil {
			return nil, "", fmt.Errorf("scan audit: %w", err)
		}
		if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
			e.Details = map[string]any{}
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(entries) > limit {
		entries = entries[:limit]
		next = entries[limit-1].ID
	}
	return entries, next, nil
}
