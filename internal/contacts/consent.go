package contacts

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// ConsentEvent is one line of a contact's consent ledger.
type ConsentEvent struct {
	ID        string      `json:"id"`
	Action    string      `json:"action"` // opt_in | opt_out
	Source    string      `json:"source"` // import, form, api, keyword, agent
	Channel   string      `json:"channel"`
	Wording   string      `json:"wording"`
	Reason    string      `json:"reason"`
	Actor     audit.Actor `json:"actor"`
	CreatedAt db.Time     `json:"created_at"`
}

// ConsentInput records an opt-in or opt-out.
type ConsentInput struct {
	Action  string `json:"action"`
	Source  string `json:"source"`
	Channel string `json:"channel"`
	Wording string `json:"wording"`
	Reason  string `json:"reason"`
}

var sources = map[string]bool{"import": true, "form": true, "api": true, "keyword": true, "agent": true, "provider": true}

func checkConsent(in ConsentInput) error {
	v := apierr.Validation{}
	if in.Action != "opt_in" && in.Action != "opt_out" {
		v.Add("action", "invalid_action")
	}
	if !sources[in.Source] {
		v.Add("source", "invalid_source")
	}
	for field, val := range map[string]string{"channel": in.Channel, "reason": in.Reason} {
		if utf8.RuneCountInString(val) > 200 {
			v.Add(field, "too_long")
		}
	}
	if utf8.RuneCountInString(in.Wording) > 2000 {
		v.Add("wording", "too_long")
	}
	return v.Err()
}

// RecordConsent appends to a contact's ledger and moves its state.
func (s *Service) RecordConsent(ctx context.Context, companyID, contactID string, in ConsentInput) (ConsentEvent, error) {
	if err := checkConsent(in); err != nil {
		return ConsentEvent{}, err
	}
	if !ids.Valid(contactID) {
		return ConsentEvent{}, apierr.NotFound()
	}
	var ev ConsentEvent
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM contacts WHERE company_id = ? AND id = ?`, companyID, contactID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apierr.NotFound()
		}
		var err error
		ev, err = appendConsent(ctx, tx, companyID, contactID, in)
		return err
	})
	return ev, err
}

// appendConsent writes a ledger row and the contact's new state, in tx.
func appendConsent(ctx context.Context, tx *db.Tx, companyID, contactID string, in ConsentInput) (ConsentEvent, error) {
	actor, _ := audit.ActorFrom(ctx)
	now := db.Now()
	ev := ConsentEvent{ID: ids.New(), Action: in.Action, Source: in.Source, Channel: strings.TrimSpace(in.Channel),
		Wording: in.Wording, Reason: strings.TrimSpace(in.Reason), Actor: actor, CreatedAt: db.Time{Time: now}}
	if _, err := tx.Exec(ctx, `INSERT INTO consent_events (id, company_id, contact_id, action, source, channel, wording, reason, actor_type, actor_id, actor_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ev.ID, companyID, contactID, ev.Action, ev.Source, ev.Channel, ev.Wording, ev.Reason,
		actor.Type, actor.ID, actor.Name, now); err != nil {
		return ConsentEvent{}, fmt.Errorf("consent event: %w", err)
	}
	state := OptedIn
	if in.Action == "opt_out" {
		state = OptedOut
	}
	if _, err := tx.Exec(ctx, `UPDATE contacts SET consent_state = ?, consent_source = ?, consent_at = ?, updated_at = ? WHERE company_id = ? AND id = ?`,
		state, in.Source, now, now, companyID, contactID); err != nil {
		return ConsentEvent{}, fmt.Errorf("consent state: %w", err)
	}
	return ev, nil
}

// ConsentHistory is a contact's ledger, newest first.
func (s *Service) ConsentHistory(ctx context.Context, companyID, contactID string) ([]ConsentEvent, error) {
	if _, err := s.Get(ctx, companyID, contactID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, action, source, channel, wording, reason, actor_type, actor_id, actor_name, created_at
		  FROM consent_events WHERE company_id = ? AND contact_id = ? ORDER BY id DESC`, companyID, contactID)
	if err != nil {
		return nil, fmt.Errorf("consent history: %w", err)
	}
	defer rows.Close()
	out := []ConsentEvent{}
	for rows.Next() {
		var e ConsentEvent
		if err := rows.Scan(&e.ID, &e.Action, &e.Source, &e.Channel, &e.Wording, &e.Reason, &e.Actor.Type, &e.Actor.ID, &e.Actor.Name, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Keywords are the words that opt a contact out or back in when they send
// one as a whole message (applied by the inbound pipeline).
type Keywords struct {
	OptOut []string `json:"optout_keywords"`
	OptIn  []string `json:"optin_keywords"`
}

// OptInAudience records an opt-in, with its source and the wording the
// people agreed to, for every contact of the audience that has none: the
// campaign wizard's way of recording a consent collected elsewhere (a form,
// a counter, a paper list) for many people at once. Opted-out contacts are
// never touched: only the person can take an opt-out back. Each contact
// gets its own ledger line, and the audit log one line for the whole act.
func (s *Service) OptInAudience(ctx context.Context, companyID string, a Audience, in ConsentInput) (int, error) {
	in.Action = "opt_in"
	v := apierr.Validation{}
	if err := checkConsent(in); err != nil {
		return 0, err
	}
	if strings.TrimSpace(in.Wording) == "" {
		v.Add("wording", "required") // the proof LGPD asks for is what people agreed to
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	cond, args, err := s.AudienceCond(ctx, s.db, companyID, a)
	if err != nil {
		return 0, err
	}
	actor, _ := audit.ActorFrom(ctx)
	total, after := 0, ""
	for {
		// A chunk per transaction: a large audience never holds the one
		// SQLite writer for long, and a crash leaves whole chunks done (the
		// rest is found again, as it still has no consent).
		n := 0
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT c.id FROM contacts c WHERE `+cond+` AND c.consent_state NOT IN ('opted_in', 'opted_out') AND c.id > ?
				ORDER BY c.id LIMIT 500`, append(append([]any{}, args...), after)...)
			if err != nil {
				return fmt.Errorf("audience without consent: %w", err)
			}
			var idsNow []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				idsNow = append(idsNow, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(idsNow) == 0 {
				return nil
			}
			now := db.Now()
			ledger := make([][]any, 0, len(idsNow))
			for _, id := range idsNow {
				ledger = append(ledger, []any{ids.New(), companyID, id, "opt_in", in.Source, strings.TrimSpace(in.Channel), in.Wording, "",
					actor.Type, actor.ID, actor.Name, now})
			}
			if err := db.CopyRows(ctx, tx, "consent_events", []string{"id", "company_id", "contact_id", "action", "source", "channel", "wording", "reason",
				"actor_type", "actor_id", "actor_name", "created_at"}, ledger); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE contacts SET consent_state = ?, consent_source = ?, consent_at = ?, updated_at = ?
				WHERE company_id = ? AND consent_state NOT IN ('opted_in', 'opted_out') AND id IN (`+db.Marks(len(idsNow))+`)`,
				append([]any{OptedIn, in.Source, now, now, companyID}, anys(idsNow)...)...); err != nil {
				return fmt.Errorf("consent state: %w", err)
			}
			n, after = len(idsNow), idsNow[len(idsNow)-1]
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n == 0 {
			break
		}
	}
	if total > 0 {
		if err := audit.Record(ctx, s.db, companyID, "consent.bulk_opt_in", "audience", "", map[string]any{
			"contacts": total, "source": in.Source, "audience": a}); err != nil {
			return total, err
		}
	}
	return total, nil
}
