package contacts

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/masteria/masteria/internal/store/db"
)

// Resolve finds the contact a channel address reaches, creating it when the
// person writes for the first time, in the caller's transaction. from is
// what the provider gave (WhatsApp's wa_id digits, or E.164); region is the
// company's default country; name fills an empty contact name. Every
// spelling of one number reaches one contact.
func (s *Service) Resolve(ctx context.Context, tx *db.Tx, companyID, region, from, name string) (id string, created bool, err error) {
	digits := strings.TrimPrefix(strings.TrimSpace(from), "+")
	phone, err := NormalizePhone("+"+digits, region)
	if err != nil {
		return "", false, fmt.Errorf("sender %q is not a phone number: %w", from, err)
	}
	name = strings.TrimSpace(name)
	if len(name) > 200 {
		name = name[:200]
	}
	if id, err = contactByPhone(ctx, tx, companyID, phone); err != nil || id != "" {
		if err == nil && name != "" {
			_, err = tx.Exec(ctx, `UPDATE contacts SET name = ?, search = ?, updated_at = ? WHERE company_id = ? AND id = ? AND name = ''`,
				name, searchText(name, phone, ""), db.Now(), companyID, id)
		}
		return id, false, err
	}
	// Two deliveries from a new person can be applied at once (several
	// processors on PostgreSQL): the second insert yields to the first.
	id = newID()
	now := db.Now()
	res, err := tx.Exec(ctx, `INSERT INTO contacts (id, company_id, phone, name, search, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, id, companyID, phone, name, searchText(name, phone, ""), now, now)
	if err != nil {
		return "", false, fmt.Errorf("insert contact: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if id, err = contactByPhone(ctx, tx, companyID, phone); err == nil && id == "" {
			err = fmt.Errorf("contact %s vanished while it was being created", phone)
		}
		return id, false, err
	}
	if err := addPhoneAddresses(ctx, tx, companyID, id, phone); err != nil {
		return "", false, err
	}
	if err := s.applySuppression(ctx, tx, companyID, id, phone); err != nil {
		return "", false, err
	}
	return id, true, nil
}

// TouchInbound records that the contact wrote at t: the start of the 24-hour
// customer service window. An older report never moves it back.
func TouchInbound(ctx context.Context, tx *db.Tx, companyID, contactID string, t time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE contacts SET last_inbound_at = ? WHERE company_id = ? AND id = ?
		AND (last_inbound_at IS NULL OR last_inbound_at < ?)`, t, companyID, contactID, t)
	if err != nil {
		return fmt.Errorf("contact last inbound: %w", err)
	}
	return nil
}

// TouchOutbound records that a message left for the contact at t.
func TouchOutbound(ctx context.Context, tx *db.Tx, companyID, contactID string, t time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE contacts SET last_outbound_at = ? WHERE company_id = ? AND id = ?
		AND (last_outbound_at IS NULL OR last_outbound_at < ?)`, t, companyID, contactID, t)
	if err != nil {
		return fmt.Errorf("contact last outbound: %w", err)
	}
	return nil
}

// TouchOutboundMany is TouchOutbound for many contacts of a company at
// once (a dispatcher records its sends in batches); last maps a contact to
// its latest send.
func TouchOutboundMany(ctx context.Context, tx *db.Tx, companyID string, last map[string]time.Time) error {
	if len(last) == 0 {
		return nil
	}
	var args, keys []any
	for id, t := range last {
		args = append(args, id, t)
		keys = append(keys, id)
	}
	values := strings.TrimSuffix(strings.Repeat("(?, "+db.TimeValue(tx.Dialect())+"), ", len(last)), ", ")
	args = append(append(args, keys...), companyID)
	// The ids twice: as a list on the key too, so that the rows are found
	// by it whatever the statistics say (see recipient.MirrorSent).
	_, err := tx.Exec(ctx, `WITH v (id, at) AS (VALUES `+values+`)
		UPDATE contacts SET last_outbound_at = v.at FROM v
		WHERE contacts.id = v.id AND contacts.id IN (`+db.Marks(len(keys))+`) AND contacts.company_id || '' = ?
		AND (contacts.last_outbound_at IS NULL OR contacts.last_outbound_at < v.at)`, args...)
	if err != nil {
		return fmt.Errorf("contacts' last outbound: %w", err)
	}
	return nil
}

// KeywordAction says what a message's text asks for: "opt_out", "opt_in" or
// "" when it is no keyword. The whole message must be the keyword, compared
// without case, accents or surrounding punctuation, so that "Sair!" counts
// and "não quero sair agora" does not.
func KeywordAction(text string, optOut, optIn []string) string {
	t := foldKeyword(text)
	if t == "" {
		return ""
	}
	for _, k := range optOut {
		if foldKeyword(k) == t {
			return "opt_out"
		}
	}
	for _, k := range optIn {
		if foldKeyword(k) == t {
			return "opt_in"
		}
	}
	return ""
}

func foldKeyword(s string) string {
	if len(s) > 64 {
		return ""
	}
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		return ""
	}
	out = strings.TrimFunc(out, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
	return strings.ToUpper(out)
}

// RecordConsentTx appends to the ledger in the caller's transaction; the
// inbound path uses it for keywords and provider preferences. A repeat of
// the current state is not written again, so a person texting SAIR twice
// leaves one line.
func (s *Service) RecordConsentTx(ctx context.Context, tx *db.Tx, companyID, contactID string, in ConsentInput) (bool, error) {
	if err := checkConsent(in); err != nil {
		return false, err
	}
	var state string
	if err := tx.QueryRow(ctx, `SELECT consent_state FROM contacts WHERE company_id = ? AND id = ?`, companyID, contactID).Scan(&state); err != nil {
		return false, fmt.Errorf("consent state: %w", err)
	}
	if (in.Action == "opt_out" && state == OptedOut) || (in.Action == "opt_in" && state == OptedIn) {
		return false, nil
	}
	_, err := appendConsent(ctx, tx, companyID, contactID, in)
	return err == nil, err
}
