package conversations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/store/db"
)

// Assignment rules:
//   - A team with auto_assign hands a conversation to its next member in
//     round robin (by user id, after the last one it chose) who is online
//     and below their capacity (maximum open conversations; no capacity, no
//     limit). Nobody available: the conversation waits unassigned in the
//     queue.
//   - It happens when a conversation on a connection with a team receives
//     an inbound message while unassigned, when a conversation is moved to
//     a team without naming an agent, and for the waiting queue when an
//     agent comes online or frees capacity by resolving.
//   - Capacity binds auto-assignment and "take next", not a person who
//     assigns a conversation by hand: a supervisor may overload someone on
//     purpose.

// nextAgent picks a team's next available member and records the choice;
// "" when the team does not auto-assign or nobody is available. The team
// row is locked first so that two assignments at once take turns.
func nextAgent(ctx context.Context, tx *db.Tx, companyID, teamID string) (string, error) {
	var auto bool
	var last sql.NullString
	err := tx.QueryRow(ctx, `UPDATE teams SET updated_at = updated_at WHERE company_id = ? AND id = ? RETURNING auto_assign, last_assigned_user_id`,
		companyID, teamID).Scan(&auto, &last)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !auto) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("team turn: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT tm.user_id FROM team_members tm
		JOIN memberships m ON m.company_id = tm.company_id AND m.user_id = tm.user_id
		WHERE tm.team_id = ? AND m.availability = 'online'
		  AND (m.capacity IS NULL OR m.capacity > (SELECT count(*) FROM conversations v
		       WHERE v.company_id = m.company_id AND v.assignee_id = m.user_id AND v.status <> 'resolved'))
		ORDER BY tm.user_id`, teamID)
	if err != nil {
		return "", fmt.Errorf("available agents: %w", err)
	}
	var pick, first string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return "", err
		}
		if first == "" {
			first = id
		}
		if pick == "" && id > last.String {
			pick = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	if pick == "" {
		pick = first
	}
	if pick == "" {
		return "", nil
	}
	if _, err := tx.Exec(ctx, `UPDATE teams SET last_assigned_user_id = ? WHERE id = ?`, pick, teamID); err != nil {
		return "", fmt.Errorf("team turn: %w", err)
	}
	return pick, nil
}

// AutoAssign gives an unassigned conversation of a team to the team's next
// available agent, writing the event in its timeline. It answers who got
// it ("" for nobody).
func (s *Service) AutoAssign(ctx context.Context, tx *db.Tx, companyID, conversationID, teamID string) (string, error) {
	if teamID == "" {
		return "", nil
	}
	agent, err := nextAgent(ctx, tx, companyID, teamID)
	if err != nil || agent == "" {
		return "", err
	}
	res, err := tx.Exec(ctx, `UPDATE conversations SET assignee_id = ?, updated_at = ? WHERE company_id = ? AND id = ? AND assignee_id IS NULL`,
		agent, db.Now(), companyID, conversationID)
	if err != nil {
		return "", fmt.Errorf("auto-assign: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", nil
	}
	if err := s.event(ctx, tx, companyID, conversationID, "", map[string]any{"event": "assigned", "assignee": s.ref(ctx, tx, "users", agent), "auto": true}); err != nil {
		return "", err
	}
	s.publish(tx, companyID, "conversation.assigned", map[string]any{"conversation_id": conversationID, "assignee_id": agent, "team_id": teamID})
	return agent, nil
}

// Distribute hands waiting conversations of the given teams (oldest first)
// to their available agents until nobody is available. Called when an
// agent comes online or frees capacity.
func (s *Service) Distribute(ctx context.Context, companyID string, teamIDs []string) error {
	for _, team := range teamIDs {
		for i := 0; i < 100; i++ {
			assigned := false
			err := s.db.InTx(ctx, func(tx *db.Tx) error {
				var conv string
				err := tx.QueryRow(ctx, `SELECT id FROM conversations WHERE company_id = ? AND team_id = ? AND assignee_id IS NULL AND status = 'open'
					ORDER BY created_at, id LIMIT 1`+db.SkipLocked(tx.Dialect()), companyID, team).Scan(&conv)
				if errors.Is(err, sql.ErrNoRows) {
					return nil
				}
				if err != nil {
					return fmt.Errorf("waiting conversation: %w", err)
				}
				agent, err := s.AutoAssign(ctx, tx, companyID, conv, team)
				assigned = agent != ""
				return err
			})
			if err != nil {
				return err
			}
			if !assigned {
				break
			}
		}
	}
	return nil
}

// TeamsOf lists the teams a member belongs to.
func (s *Service) TeamsOf(ctx context.Context, companyID, userID string) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT team_id FROM team_members WHERE company_id = ? AND user_id = ? ORDER BY team_id`, companyID, userID)
	if err != nil {
		return nil, fmt.Errorf("member teams: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Take gives the caller the oldest waiting conversation of their teams, or
// of no team, within their capacity.
func (s *Service) Take(ctx context.Context, companyID, userID string) (Conversation, error) {
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var capacity sql.NullInt64
		var open int64
		if err := tx.QueryRow(ctx, `SELECT m.capacity, (SELECT count(*) FROM conversations v WHERE v.company_id = m.company_id
				AND v.assignee_id = m.user_id AND v.status <> 'resolved')
			FROM memberships m WHERE m.company_id = ? AND m.user_id = ?`, companyID, userID).Scan(&capacity, &open); err != nil {
			return fmt.Errorf("capacity: %w", err)
		}
		if capacity.Valid && open >= capacity.Int64 {
			return apierr.Conflict("at_capacity", fmt.Sprintf("You already have %d open conversations, your limit. Resolve one to take another.", open))
		}
		err := tx.QueryRow(ctx, `SELECT id FROM conversations v WHERE v.company_id = ? AND v.assignee_id IS NULL AND v.status = 'open'
			AND (v.team_id IS NULL OR v.team_id IN (SELECT team_id FROM team_members WHERE company_id = ? AND user_id = ?))
			ORDER BY v.created_at, v.id LIMIT 1`+db.SkipLocked(tx.Dialect()), companyID, companyID, userID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.New(404, "queue_empty", "Nobody is waiting: the queue is empty.")
		}
		if err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		res, err := tx.Exec(ctx, `UPDATE conversations SET assignee_id = ?, updated_at = ? WHERE id = ? AND assignee_id IS NULL`, userID, db.Now(), id)
		if err != nil {
			return fmt.Errorf("take: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apierr.Conflict("taken", "Someone took that conversation a moment ago; try again.")
		}
		me := s.ref(ctx, tx, "users", userID)
		if err := s.event(ctx, tx, companyID, id, userID, map[string]any{"event": "assigned", "assignee": me, "actor": me}); err != nil {
			return err
		}
		s.publish(tx, companyID, "conversation.assigned", map[string]any{"conversation_id": id, "assignee_id": userID})
		return nil
	})
	if err != nil {
		return Conversation{}, err
	}
	return s.Get(ctx, companyID, id)
}
