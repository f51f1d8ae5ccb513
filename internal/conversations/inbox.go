package conversations

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Optional is a PATCH field: Set when the body named it, Value nil for
// null.
type Optional[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON records that the field was present.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(b, []byte("null")) {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// Patch is what PATCH /conversations/{id} may change.
type Patch struct {
	Status        string             `json:"status"`
	SnoozedUntil  *time.Time         `json:"snoozed_until"`
	ClosingReason string             `json:"closing_reason"`
	AssigneeID    Optional[string]   `json:"assignee_id"`
	TeamID        Optional[string]   `json:"team_id"`
	LabelIDs      Optional[[]string] `json:"label_ids"`
}

// Actor is who changes a conversation: a person, or "" for an API key.
type Actor struct {
	UserID string
}

// Update applies a patch, writing each change as an event in the timeline.
func (s *Service) Update(ctx context.Context, companyID, id string, actor Actor, p Patch) (Conversation, error) {
	if !ids.Valid(id) {
		return Conversation{}, apierr.NotFound()
	}
	var freed string // an assignee whose capacity a resolve freed
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var cur struct {
			status, contact           string
			conn, assignee, team, why sql.NullString
		}
		err := tx.QueryRow(ctx, `SELECT status, contact_id, connection_id, assignee_id, team_id, closing_reason FROM conversations WHERE company_id = ? AND id = ?`+forUpdate(tx),
			companyID, id).Scan(&cur.status, &cur.contact, &cur.conn, &cur.assignee, &cur.team, &cur.why)
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFound()
		}
		if err != nil {
			return fmt.Errorf("conversation: %w", err)
		}
		var actorRef any
		if actor.UserID != "" {
			actorRef = s.ref(ctx, tx, "users", actor.UserID)
		}
		now := db.Now()
		var events []map[string]any
		changed := false

		if p.Status != "" && p.Status != cur.status {
			ev, err := s.setStatus(ctx, tx, companyID, id, cur.status, p, now)
			if err != nil {
				return err
			}
			events = append(events, ev)
			changed = true
			if p.Status == Resolved && cur.assignee.Valid {
				freed = cur.assignee.String
			}
		} else if p.Status == Snoozed && p.SnoozedUntil != nil {
			if _, err := s.setStatus(ctx, tx, companyID, id, Open, p, now); err != nil {
				return err
			}
			changed = true
		} else if p.Status == "" && (p.SnoozedUntil != nil || p.ClosingReason != "") {
			return apierr.Field("status", "required")
		}

		teamID := cur.team.String
		if p.TeamID.Set {
			newTeam := ""
			if p.TeamID.Value != nil {
				newTeam = *p.TeamID.Value
				if err := exists(ctx, tx, "teams", companyID, newTeam); err != nil {
					return err
				}
			}
			if newTeam != teamID {
				if _, err := tx.Exec(ctx, `UPDATE conversations SET team_id = ? WHERE id = ?`, nullable(newTeam), id); err != nil {
					return fmt.Errorf("set team: %w", err)
				}
				var teamRef any
				if newTeam != "" {
					teamRef = s.ref(ctx, tx, "teams", newTeam)
				}
				events = append(events, map[string]any{"event": "team_changed", "team": teamRef})
				teamID = newTeam
				changed = true
			}
		}

		assignee := cur.assignee.String
		if p.AssigneeID.Set {
			newAssignee := ""
			if p.AssigneeID.Value != nil {
				newAssignee = *p.AssigneeID.Value
				if err := isMember(ctx, tx, companyID, newAssignee); err != nil {
					return err
				}
			}
			if newAssignee != assignee {
				if _, err := tx.Exec(ctx, `UPDATE conversations SET assignee_id = ? WHERE id = ?`, nullable(newAssignee), id); err != nil {
					return fmt.Errorf("assign: %w", err)
				}
				if newAssignee == "" {
					events = append(events, map[string]any{"event": "unassigned"})
				} else {
					events = append(events, map[string]any{"event": "assigned", "assignee": s.ref(ctx, tx, "users", newAssignee)})
				}
				if assignee != "" && p.Status != Resolved {
					freed = assignee
				}
				assignee = newAssignee
				changed = true
				s.publish(tx, companyID, "conversation.assigned", map[string]any{"conversation_id": id, "assignee_id": nullable(assignee), "team_id": nullable(teamID)})
			}
		}

		if p.LabelIDs.Set {
			var want []string
			if p.LabelIDs.Value != nil {
				want = *p.LabelIDs.Value
			}
			ev, err := s.setLabels(ctx, tx, companyID, id, want)
			if err != nil {
				return err
			}
			if ev != nil {
				events = append(events, ev)
				changed = true
			}
		}

		// Moved to a team without naming anyone: the team's turn decides.
		if p.TeamID.Set && !p.AssigneeID.Set && teamID != "" && teamID != cur.team.String && assignee == "" && p.Status != Resolved {
			if _, err := s.AutoAssign(ctx, tx, companyID, id, teamID); err != nil {
				return err
			}
		}
		if !changed {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE conversations SET updated_at = ? WHERE id = ?`, now, id); err != nil {
			return fmt.Errorf("touch conversation: %w", err)
		}
		for _, ev := range events {
			if actorRef != nil {
				ev["actor"] = actorRef
			}
			if err := s.event(ctx, tx, companyID, id, actor.UserID, ev); err != nil {
				return err
			}
		}
		s.publish(tx, companyID, "conversation.updated", map[string]any{"conversation_id": id})
		return nil
	})
	if err != nil {
		return Conversation{}, err
	}
	if freed != "" {
		if teams, err := s.TeamsOf(ctx, companyID, freed); err == nil {
			_ = s.Distribute(ctx, companyID, teams) // best effort: the queue is still there for "take next"
		}
	}
	return s.Get(ctx, companyID, id)
}

// setStatus moves a conversation to p.Status and describes the change.
func (s *Service) setStatus(ctx context.Context, tx *db.Tx, companyID, id, from string, p Patch, now time.Time) (map[string]any, error) {
	ev := map[string]any{"event": "status_changed", "status": p.Status}
	var err error
	switch p.Status {
	case Open, Pending:
		if from == Resolved {
			ev["event"] = "reopened"
		}
		_, err = tx.Exec(ctx, `UPDATE conversations SET status = ?, snoozed_until = NULL, closing_reason = '', resolved_at = NULL WHERE id = ?`, p.Status, id)
	case Snoozed:
		var until any
		if p.SnoozedUntil != nil {
			if !p.SnoozedUntil.After(now) {
				return nil, apierr.Field("snoozed_until", "must_be_future")
			}
			until = p.SnoozedUntil.UTC()
			ev["until"] = p.SnoozedUntil.UTC()
		}
		ev["event"] = "snoozed"
		_, err = tx.Exec(ctx, `UPDATE conversations SET status = 'snoozed', snoozed_until = ?, closing_reason = '', resolved_at = NULL WHERE id = ?`, until, id)
	case Resolved:
		reason := strings.TrimSpace(p.ClosingReason)
		var required bool
		var listJSON string
		if err := tx.QueryRow(ctx, `SELECT closing_reason_required, closing_reasons FROM companies WHERE id = ?`, companyID).Scan(&required, &listJSON); err != nil {
			return nil, fmt.Errorf("closing reasons: %w", err)
		}
		var list []string
		_ = json.Unmarshal([]byte(listJSON), &list)
		if reason == "" && required {
			return nil, apierr.Field("closing_reason", "closing_reason_required")
		}
		if reason != "" && len(list) > 0 && !slices.Contains(list, reason) {
			return nil, apierr.Field("closing_reason", "unknown_closing_reason")
		}
		ev["event"] = "resolved"
		if reason != "" {
			ev["reason"] = reason
		}
		_, err = tx.Exec(ctx, `UPDATE conversations SET status = 'resolved', snoozed_until = NULL, closing_reason = ?, resolved_at = ?, unread_count = 0 WHERE id = ?`,
			reason, now, id)
	default:
		return nil, apierr.Field("status", "invalid_status")
	}
	if db.IsUniqueViolation(err) {
		return nil, apierr.Conflict("already_open", "This contact already has another open conversation on this connection; continue there.")
	}
	if err != nil {
		return nil, fmt.Errorf("set status: %w", err)
	}
	return ev, nil
}

func (s *Service) setLabels(ctx context.Context, tx *db.Tx, companyID, id string, want []string) (map[string]any, error) {
	want = slices.Compact(slices.Sorted(slices.Values(want)))
	if len(want) > 50 {
		return nil, apierr.Field("label_ids", "too_many")
	}
	for _, l := range want {
		if err := exists(ctx, tx, "labels", companyID, l); err != nil {
			return nil, err
		}
	}
	rows, err := tx.Query(ctx, `SELECT label_id FROM conversation_labels WHERE conversation_id = ? ORDER BY label_id`, id)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	var have []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			rows.Close()
			return nil, err
		}
		have = append(have, l)
	}
	rows.Close()
	if slices.Equal(have, want) {
		return nil, nil
	}
	var added, removed []any
	for _, l := range want {
		if !slices.Contains(have, l) {
			if _, err := tx.Exec(ctx, `INSERT INTO conversation_labels (conversation_id, label_id, company_id) VALUES (?, ?, ?)`, id, l, companyID); err != nil {
				return nil, fmt.Errorf("add label: %w", err)
			}
			added = append(added, s.label(ctx, tx, l))
		}
	}
	for _, l := range have {
		if !slices.Contains(want, l) {
			removed = append(removed, s.label(ctx, tx, l))
			if _, err := tx.Exec(ctx, `DELETE FROM conversation_labels WHERE conversation_id = ? AND label_id = ?`, id, l); err != nil {
				return nil, fmt.Errorf("remove label: %w", err)
			}
		}
	}
	return map[string]any{"event": "labels_changed", "added": orEmpty(added), "removed": orEmpty(removed)}, nil
}

func orEmpty(xs []any) []any {
	if xs == nil {
		return []any{}
	}
	return xs
}

func (s *Service) label(ctx context.Context, tx *db.Tx, id string) Label {
	l := Label{ID: id}
	_ = tx.QueryRow(ctx, `SELECT name, color FROM labels WHERE id = ?`, id).Scan(&l.Name, &l.Color)
	return l
}

// ref names a user or a team for an event; the name is kept in the event
// so that the timeline still reads right after a rename or a removal.
func (s *Service) ref(ctx context.Context, q db.Querier, table, id string) Ref {
	r := Ref{ID: id}
	_ = q.QueryRow(ctx, `SELECT name FROM `+table+` WHERE id = ?`, id).Scan(&r.Name)
	return r
}

func forUpdate(tx *db.Tx) string {
	if tx.Dialect() == db.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// exists answers 404 for an id that is not one of the company's, like a
// foreign id in a path.
func exists(ctx context.Context, q db.Querier, table, companyID, id string) error {
	if !ids.Valid(id) {
		return apierr.NotFound()
	}
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM `+table+` WHERE company_id = ? AND id = ?`, companyID, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return apierr.NotFound()
	}
	return err
}

func isMember(ctx context.Context, q db.Querier, companyID, userID string) error {
	if !ids.Valid(userID) {
		return apierr.NotFound()
	}
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM memberships WHERE company_id = ? AND user_id = ?`, companyID, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return apierr.NotFound()
	}
	return err
}

// event writes a system event into a conversation's timeline.
func (s *Service) event(ctx context.Context, tx *db.Tx, companyID, conversationID, authorID string, content map[string]any) error {
	var contact string
	var conn sql.NullString
	if err := tx.QueryRow(ctx, `SELECT contact_id, connection_id FROM conversations WHERE id = ?`, conversationID).Scan(&contact, &conn); err != nil {
		return fmt.Errorf("event conversation: %w", err)
	}
	msgID, _, err := Insert(ctx, tx, NewMessage{CompanyID: companyID, ConversationID: conversationID, ContactID: contact, ConnectionID: conn.String,
		Direction: Outbound, Type: TypeEvent, Content: content, Status: Internal, AuthorID: authorID, At: s.now()})
	if err != nil {
		return err
	}
	s.publish(tx, companyID, "message.created", map[string]any{"conversation_id": conversationID, "message_id": msgID, "direction": Outbound, "internal": true})
	return nil
}

// Event writes a system event (opted_out, opted_in, ...) into a
// conversation's timeline, in the caller's transaction.
func (s *Service) Event(ctx context.Context, tx *db.Tx, companyID, conversationID string, content map[string]any) error {
	return s.event(ctx, tx, companyID, conversationID, "", content)
}

// AddNote stores an internal note: shown to the team, never sent.
func (s *Service) AddNote(ctx context.Context, companyID, conversationID, authorID, text string) (Message, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return Message{}, apierr.Field("text", "required")
	}
	if len(text) > 4096 {
		return Message{}, apierr.Field("text", "too_long")
	}
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		v, err := get(ctx, tx, companyID, conversationID)
		if err != nil {
			return err
		}
		conn := ""
		if v.ConnectionID != nil {
			conn = *v.ConnectionID
		}
		id, _, err = Insert(ctx, tx, NewMessage{CompanyID: companyID, ConversationID: v.ID, ContactID: v.Contact.ID, ConnectionID: conn,
			Direction: Outbound, Type: TypeNote, Text: text, Status: Internal, AuthorID: authorID, Source: "agent", At: s.now()})
		if err != nil {
			return err
		}
		s.publish(tx, companyID, "message.created", map[string]any{"conversation_id": v.ID, "message_id": id, "direction": Outbound, "internal": true})
		return nil
	})
	if err != nil {
		return Message{}, err
	}
	return s.Message(ctx, companyID, id)
}

// Read marks a conversation read: its unread count goes back to zero, and
// the provider hears that the newest inbound message was read (which marks
// the earlier ones too).
func (s *Service) Read(ctx context.Context, companyID, id string) error {
	if !ids.Valid(id) {
		return apierr.NotFound()
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var unread int
		err := tx.QueryRow(ctx, `SELECT unread_count FROM conversations WHERE company_id = ? AND id = ?`, companyID, id).Scan(&unread)
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFound()
		}
		if err != nil {
			return fmt.Errorf("conversation: %w", err)
		}
		if unread == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE conversations SET unread_count = 0 WHERE id = ?`, id); err != nil {
			return fmt.Errorf("mark read: %w", err)
		}
		var last string
		err = tx.QueryRow(ctx, `SELECT id FROM messages WHERE conversation_id = ? AND direction = 'inbound' AND provider_message_id IS NOT NULL
			ORDER BY id DESC LIMIT 1`, id).Scan(&last)
		if err == nil && s.MarkRead != nil {
			if err := s.MarkRead(ctx, tx, companyID, last); err != nil {
				return err
			}
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("last inbound: %w", err)
		}
		s.publish(tx, companyID, "conversation.updated", map[string]any{"conversation_id": id})
		return nil
	})
}

// Tally is one inbox tab's count.
type Tally struct {
	Open   int `json:"open"`
	Unread int `json:"unread"`
}

// Counts is what the inbox's tabs show.
type Counts struct {
	Mine       Tally `json:"mine"`
	Unassigned Tally `json:"unassigned"`
	All        Tally `json:"all"`
}

// Counts tallies a company's open conversations for one agent.
func (s *Service) Counts(ctx context.Context, companyID, userID string) (Counts, error) {
	var c Counts
	err := s.db.QueryRow(ctx, `SELECT
		coalesce(sum(CASE WHEN assignee_id = ? THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN assignee_id = ? AND unread_count > 0 THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN assignee_id IS NULL AND unread_count > 0 THEN 1 ELSE 0 END), 0),
		count(*),
		coalesce(sum(CASE WHEN unread_count > 0 THEN 1 ELSE 0 END), 0)
		FROM conversations WHERE company_id = ? AND status <> 'resolved'`, userID, userID, companyID).
		Scan(&c.Mine.Open, &c.Mine.Unread, &c.Unassigned.Open, &c.Unassigned.Unread, &c.All.Open, &c.All.Unread)
	if err != nil {
		return c, fmt.Errorf("inbox counts: %w", err)
	}
	return c, nil
}

// Wake reopens snoozed conversations whose time came. Every instance may
// run it: the update is idempotent.
func (s *Service) Wake(ctx context.Context) (int, error) {
	now := db.Now()
	type woke struct{ id, company string }
	var all []woke
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE conversations SET status = 'open', snoozed_until = NULL, updated_at = ?
			WHERE status = 'snoozed' AND snoozed_until IS NOT NULL AND snoozed_until <= ? RETURNING id, company_id`, now, now)
		if err != nil {
			return fmt.Errorf("wake snoozed: %w", err)
		}
		for rows.Next() {
			var w woke
			if err := rows.Scan(&w.id, &w.company); err != nil {
				rows.Close()
				return err
			}
			all = append(all, w)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, w := range all {
			if err := s.event(ctx, tx, w.company, w.id, "", map[string]any{"event": "reopened", "status": Open, "snooze_ended": true}); err != nil {
				return err
			}
			s.publish(tx, w.company, "conversation.updated", map[string]any{"conversation_id": w.id})
		}
		return nil
	})
	return len(all), err
}

// RunWaker wakes snoozed conversations every interval until ctx ends.
func (s *Service) RunWaker(ctx context.Context, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Wake(ctx); err != nil && ctx.Err() == nil {
			logger.Error("conversations: waking snoozed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
