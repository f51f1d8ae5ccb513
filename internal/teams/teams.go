// Package teams owns teams of agents: who answers which conversations.
// A connection may name a team; its new conversations go to that team and,
// when the team auto-assigns, to its members in turn (see package
// conversations for the assignment rules).
//
// Decisions:
//   - Names are unique per company, ignoring case.
//   - Members are the company's members; the member list is replaced as a
//     whole by a PATCH, like a checklist in the UI.
//   - Deleting a team leaves its conversations and connections without a
//     team; nothing else is lost.
package teams

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Member is a team member as the team shows them.
type Member struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Availability string `json:"availability"`
}

// Team is a group of agents.
type Team struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	AutoAssign bool     `json:"auto_assign"`
	Members    []Member `json:"members"`
	CreatedAt  db.Time  `json:"created_at"`
	UpdatedAt  db.Time  `json:"updated_at"`
}

// Input creates or changes a team; nil fields stay as they are.
type Input struct {
	Name       *string   `json:"name"`
	AutoAssign *bool     `json:"auto_assign"`
	MemberIDs  *[]string `json:"member_ids"`
}

// Service manages teams.
type Service struct{ db *db.DB }

// NewService returns a Service.
func NewService(d *db.DB) *Service { return &Service{db: d} }

func check(in Input, creating bool) error {
	v := apierr.Validation{}
	if in.Name != nil || creating {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		if name == "" || utf8.RuneCountInString(name) > 60 {
			v.Add("name", "invalid_name")
		}
	}
	if in.MemberIDs != nil && len(*in.MemberIDs) > 500 {
		v.Add("member_ids", "too_many")
	}
	return v.Err()
}

// List returns a company's teams by name, with their members.
func (s *Service) List(ctx context.Context, companyID string) ([]Team, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, auto_assign, created_at, updated_at FROM teams WHERE company_id = ? ORDER BY lower(name), id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	out := []Team{}
	at := map[string]int{}
	for rows.Next() {
		t := Team{Members: []Member{}}
		if err := rows.Scan(&t.ID, &t.Name, &t.AutoAssign, &t.CreatedAt, &t.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		at[t.ID] = len(out)
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	mrows, err := s.db.Query(ctx, `SELECT tm.team_id, u.id, u.name, m.availability FROM team_members tm
		JOIN users u ON u.id = tm.user_id JOIN memberships m ON m.company_id = tm.company_id AND m.user_id = tm.user_id
		WHERE tm.company_id = ? ORDER BY lower(u.name), u.id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("team members: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var team string
		var m Member
		if err := mrows.Scan(&team, &m.ID, &m.Name, &m.Availability); err != nil {
			return nil, err
		}
		if i, ok := at[team]; ok {
			out[i].Members = append(out[i].Members, m)
		}
	}
	return out, mrows.Err()
}

// Get returns one team.
func (s *Service) Get(ctx context.Context, companyID, id string) (Team, error) {
	all, err := s.List(ctx, companyID)
	if err != nil {
		return Team{}, err
	}
	for _, t := range all {
		if t.ID == id {
			return t, nil
		}
	}
	return Team{}, apierr.NotFound()
}

// Create makes a team.
func (s *Service) Create(ctx context.Context, companyID string, in Input) (Team, error) {
	if err := check(in, true); err != nil {
		return Team{}, err
	}
	id := ids.New()
	auto := true
	if in.AutoAssign != nil {
		auto = *in.AutoAssign
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if in.MemberIDs != nil {
			if err := checkMembers(ctx, tx, companyID, *in.MemberIDs); err != nil {
				return err
			}
		}
		now := db.Now()
		_, err := tx.Exec(ctx, `INSERT INTO teams (id, company_id, name, auto_assign, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, companyID, strings.TrimSpace(*in.Name), auto, now, now)
		if db.IsUniqueViolation(err) {
			return apierr.Conflict("team_exists", "A team with this name already exists.")
		}
		if err != nil {
			return fmt.Errorf("create team: %w", err)
		}
		if in.MemberIDs != nil {
			if err := setMembers(ctx, tx, companyID, id, *in.MemberIDs); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, companyID, "team.created", "team", id, map[string]any{"name": strings.TrimSpace(*in.Name)})
	})
	if err != nil {
		return Team{}, err
	}
	return s.Get(ctx, companyID, id)
}

// Update changes a team.
func (s *Service) Update(ctx context.Context, companyID, id string, in Input) (Team, error) {
	if !ids.Valid(id) {
		return Team{}, apierr.NotFound()
	}
	if err := check(in, false); err != nil {
		return Team{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM teams WHERE company_id = ? AND id = ?`, companyID, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFound()
		}
		if err != nil {
			return fmt.Errorf("team: %w", err)
		}
		if in.Name != nil {
			_, err := tx.Exec(ctx, `UPDATE teams SET name = ? WHERE id = ?`, strings.TrimSpace(*in.Name), id)
			if db.IsUniqueViolation(err) {
				return apierr.Conflict("team_exists", "A team with this name already exists.")
			}
			if err != nil {
				return fmt.Errorf("rename team: %w", err)
			}
		}
		if in.AutoAssign != nil {
			if _, err := tx.Exec(ctx, `UPDATE teams SET auto_assign = ? WHERE id = ?`, *in.AutoAssign, id); err != nil {
				return fmt.Errorf("team auto-assign: %w", err)
			}
		}
		if in.MemberIDs != nil {
			if err := setMembers(ctx, tx, companyID, id, *in.MemberIDs); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE teams SET updated_at = ? WHERE id = ?`, db.Now(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, companyID, "team.updated", "team", id, nil)
	})
	if err != nil {
		return Team{}, err
	}
	return s.Get(ctx, companyID, id)
}

// setMembers replaces a team's members; every id must be a member of the
// company (404 otherwise, like any foreign id).
func setMembers(ctx context.Context, tx *db.Tx, companyID, teamID string, userIDs []string) error {
	if err := checkMembers(ctx, tx, companyID, userIDs); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, u := range userIDs {
		seen[u] = true
	}
	if _, err := tx.Exec(ctx, `DELETE FROM team_members WHERE team_id = ?`, teamID); err != nil {
		return fmt.Errorf("team members: %w", err)
	}
	for u := range seen {
		if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id, company_id) VALUES (?, ?, ?)`, teamID, u, companyID); err != nil {
			return fmt.Errorf("add team member: %w", err)
		}
	}
	return nil
}

// checkMembers answers 404 unless every id is a member of the company.
func checkMembers(ctx context.Context, tx *db.Tx, companyID string, userIDs []string) error {
	for _, u := range userIDs {
		var one int
		if !ids.Valid(u) {
			return apierr.NotFound()
		}
		err := tx.QueryRow(ctx, `SELECT 1 FROM memberships WHERE company_id = ? AND user_id = ?`, companyID, u).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFound()
		}
		if err != nil {
			return fmt.Errorf("member: %w", err)
		}
	}
	return nil
}

// Delete removes a team.
func (s *Service) Delete(ctx context.Context, companyID, id string) error {
	if !ids.Valid(id) {
		return apierr.NotFound()
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM teams WHERE company_id = ? AND id = ?`, companyID, id)
		if err != nil {
			return fmt.Errorf("delete team: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apierr.NotFound()
		}
		return audit.Record(ctx, tx, companyID, "team.deleted", "team", id, nil)
	})
}

// Exists answers 404 unless id is one of the company's teams.
func Exists(ctx context.Context, q db.Querier, companyID, id string) error {
	if !ids.Valid(id) {
		return apierr.NotFound()
	}
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM teams WHERE company_id = ? AND id = ?`, companyID, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return apierr.NotFound()
	}
	return err
}
