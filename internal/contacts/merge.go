package contacts

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Merge folds other into survivor: other's addresses, the fields survivor
// lacks, its tags and its consent history move over, and other is deleted.
// The stricter consent wins: if either opted out, the survivor is opted out.
func (s *Service) Merge(ctx context.Context, companyID, survivorID, otherID string) (Contact, error) {
	if !ids.Valid(survivorID) || !ids.Valid(otherID) {
		return Contact{}, apierr.NotFound()
	}
	survivor, err := s.Get(ctx, companyID, survivorID)
	if err != nil {
		return Contact{}, err
	}
	other, err := s.Get(ctx, companyID, otherID)
	if err != nil {
		return Contact{}, err
	}
	if survivorID == otherID {
		return Contact{}, apierr.Field("other_id", "same_contact")
	}
	fields := map[string]any{}
	for k, v := range other.Fields {
		fields[k] = v
	}
	for k, v := range survivor.Fields {
		fields[k] = v
	}
	js, _ := json.Marshal(fields)
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	name, email, language := pick(survivor.Name, other.Name), pick(survivor.Email, other.Email), pick(survivor.Language, other.Language)
	notes := survivor.Notes
	if other.Notes != "" && other.Notes != survivor.Notes {
		if notes != "" {
			notes += "\n\n"
		}
		notes += other.Notes
	}
	consent := survivor.Consent
	if other.Consent.State == OptedOut || (consent.State == Unknown && other.Consent.State != Unknown) {
		consent = other.Consent
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// One open conversation per connection and contact: where both
		// have one on the same connection, the merged-away one is resolved
		// first and stays in the history.
		if _, err := tx.Exec(ctx, `UPDATE conversations SET status = 'resolved', updated_at = ?
			WHERE company_id = ? AND contact_id = ? AND status <> 'resolved' AND connection_id IN (
				SELECT connection_id FROM conversations WHERE company_id = ? AND contact_id = ? AND status <> 'resolved')`,
			db.Now(), companyID, otherID, companyID, survivorID); err != nil {
			return fmt.Errorf("merge: resolve clashing conversations: %w", err)
		}
		for _, q := range []string{
			`UPDATE contact_addresses SET contact_id = ? WHERE company_id = ? AND contact_id = ?`,
			`UPDATE consent_events SET contact_id = ? WHERE company_id = ? AND contact_id = ?`,
			`UPDATE conversations SET contact_id = ? WHERE company_id = ? AND contact_id = ?`,
			`UPDATE messages SET contact_id = ? WHERE company_id = ? AND contact_id = ?`,
		} {
			if _, err := tx.Exec(ctx, q, survivorID, companyID, otherID); err != nil {
				return fmt.Errorf("merge: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO contact_tags (company_id, contact_id, tag_id)
			SELECT company_id, ?, tag_id FROM contact_tags WHERE company_id = ? AND contact_id = ? ON CONFLICT DO NOTHING`,
			survivorID, companyID, otherID); err != nil {
			return fmt.Errorf("merge tags: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM contacts WHERE company_id = ? AND id = ?`, companyID, otherID); err != nil {
			return fmt.Errorf("merge: delete other: %w", err)
		}
		var consentAt any
		if !consent.At.IsZero() {
			consentAt = consent.At.Time
		}
		if _, err := tx.Exec(ctx, `UPDATE contacts SET name = ?, email = ?, language = ?, fields = ?, notes = ?, search = ?,
			consent_state = ?, consent_source = ?, consent_at = ?, updated_at = ? WHERE company_id = ? AND id = ?`,
			name, email, language, string(js), notes, searchText(name, survivor.Phone, email),
			consent.State, consent.Source, consentAt, db.Now(), companyID, survivorID); err != nil {
			return fmt.Errorf("merge: update survivor: %w", err)
		}
		return audit.Record(ctx, tx, companyID, "contact.merged", "contact", survivorID,
			map[string]any{"merged_id": otherID, "merged_phone": other.Phone})
	})
	if err != nil {
		return Contact{}, err
	}
	return s.Get(ctx, companyID, survivorID)
}
