package contacts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/store/db"
)

// Batches: the inbound processor applies hundreds of messages per
// transaction. ResolveMany and TouchInboundMany do what Resolve and
// TouchInbound do for each message, with a statement per kind of row
// instead of several per message (on PostgreSQL every statement is a round
// trip). Their company filters are written "col || '' = ?" for the reason
// conversations/batch.go gives: the rows are found by key, and SQLite must
// not walk a company's rows instead.

// Sender is who wrote an inbound message: the number SenderPhone made of
// the address the provider gave, and the profile name.
type Sender struct {
	Phone, Name string
}

// Resolution is the contact a Sender reaches; Created is true only for the
// first sender of a contact this call created.
type Resolution struct {
	ID      string
	Created bool
}

// SenderPhone is the E.164 number Resolve files an inbound address under.
func SenderPhone(from, region string) (string, error) {
	digits := strings.TrimPrefix(strings.TrimSpace(from), "+")
	phone, err := NormalizePhone("+"+digits, region)
	if err != nil {
		return "", fmt.Errorf("sender %q is not a phone number: %w", from, err)
	}
	return phone, nil
}

// rowsPerStatement keeps a statement's parameters well under both
// databases' limits.
const rowsPerStatement = 500

// ResolveMany is Resolve for many senders of a company, in order: every
// spelling of one number reaches one contact, a new person's contact is
// created once (named by their first non-empty name), and an existing
// contact without a name takes the first one given.
func (s *Service) ResolveMany(ctx context.Context, tx *db.Tx, companyID string, senders []Sender) ([]Resolution, error) {
	out := make([]Resolution, len(senders))
	phones := make([]string, len(senders))
	var distinct []string
	names := map[string]string{}
	for i, sn := range senders {
		phone := sn.Phone
		phones[i] = phone
		name := strings.TrimSpace(sn.Name)
		if len(name) > 200 {
			name = name[:200]
		}
		if prev, seen := names[phone]; !seen {
			distinct = append(distinct, phone)
			names[phone] = name
		} else if prev == "" {
			names[phone] = name
		}
	}
	ids, unnamed, err := contactsByPhone(ctx, tx, companyID, distinct)
	if err != nil {
		return nil, err
	}
	var missing []string
	var named []any // id, name, search of found contacts without a name
	for _, phone := range distinct {
		if id, ok := ids[phone]; ok {
			if name := names[phone]; name != "" && unnamed[phone] {
				named = append(named, id, name, searchText(name, phone, ""))
			}
			continue
		}
		missing = append(missing, phone)
	}
	now := db.Now()
	for start := 0; start < len(named); start += 3 * rowsPerStatement {
		chunk := named[start:min(len(named), start+3*rowsPerStatement)]
		args := append(append([]any{}, chunk...), now, companyID)
		if _, err := tx.Exec(ctx, `WITH v (id, name, search) AS (VALUES `+groupsOf(len(chunk)/3, "?, ?, ?")+`)
			UPDATE contacts SET name = v.name, search = v.search, updated_at = ? FROM v
			WHERE contacts.id = v.id AND contacts.company_id || '' = ? AND contacts.name = ''`, args...); err != nil {
			return nil, fmt.Errorf("name contacts: %w", err)
		}
	}
	// In one order, so that two transactions creating the same people
	// wait for each other instead of deadlocking.
	slices.Sort(missing)
	created, err := s.createMany(ctx, tx, companyID, missing, names, ids)
	if err != nil {
		return nil, err
	}
	for i, phone := range phones {
		out[i].ID = ids[phone]
		if created[phone] {
			out[i].Created = true
			delete(created, phone) // only the first sender created it
		}
	}
	return out, nil
}

// createMany inserts the contacts of new numbers, their addresses and their
// suppression, and adds them to ids; it answers which it created (another
// transaction may have created some meanwhile: those are read instead).
func (s *Service) createMany(ctx context.Context, tx *db.Tx, companyID string, phones []string, names, ids map[string]string) (map[string]bool, error) {
	created := map[string]bool{}
	if len(phones) == 0 {
		return created, nil
	}
	now := db.Now()
	var won []string
	for start := 0; start < len(phones); start += rowsPerStatement {
		chunk := phones[start:min(len(phones), start+rowsPerStatement)]
		args := make([]any, 0, len(chunk)*7)
		for _, phone := range chunk {
			args = append(args, newID(), companyID, phone, names[phone], searchText(names[phone], phone, ""), now, now)
		}
		rows, err := tx.Query(ctx, `INSERT INTO contacts (id, company_id, phone, name, search, created_at, updated_at)
			VALUES `+groupsOf(len(chunk), db.Marks(7))+` ON CONFLICT DO NOTHING RETURNING id, phone`, args...)
		if err != nil {
			return nil, fmt.Errorf("insert contacts: %w", err)
		}
		for rows.Next() {
			var id, phone string
			if err := rows.Scan(&id, &phone); err != nil {
				rows.Close()
				return nil, err
			}
			ids[phone], created[phone] = id, true
			won = append(won, phone)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("insert contacts: %w", err)
		}
	}
	var lost []string
	for _, phone := range phones {
		if !created[phone] {
			lost = append(lost, phone)
		}
	}
	if len(lost) > 0 {
		// Two deliveries from a new person can be applied at once: the
		// insert yielded to the other one's.
		meanwhile, _, err := contactsByPhone(ctx, tx, companyID, lost)
		if err != nil {
			return nil, err
		}
		for _, phone := range lost {
			id, ok := meanwhile[phone]
			if !ok {
				return nil, fmt.Errorf("contact %s vanished while it was being created", phone)
			}
			ids[phone] = id
		}
	}
	if len(won) == 0 {
		return created, nil
	}
	var addrs []any
	for _, phone := range won {
		for _, value := range append([]string{phone}, phoneAliases(phone)...) {
			addrs = append(addrs, companyID, ids[phone], value, now)
		}
	}
	for start := 0; start < len(addrs); start += 4 * rowsPerStatement {
		chunk := addrs[start:min(len(addrs), start+4*rowsPerStatement)]
		if _, err := tx.Exec(ctx, `INSERT INTO contact_addresses (company_id, contact_id, kind, value, created_at)
			VALUES `+groupsOf(len(chunk)/4, "?, ?, 'phone', ?, ?")+` ON CONFLICT DO NOTHING`, chunk...); err != nil {
			return nil, fmt.Errorf("add addresses: %w", err)
		}
	}
	if err := s.suppressMany(ctx, tx, companyID, won, ids); err != nil {
		return nil, err
	}
	return created, nil
}

// suppressMany is applySuppression for new contacts: a number suppressed
// earlier (an opted-out contact erased) starts opted out.
func (s *Service) suppressMany(ctx context.Context, tx *db.Tx, companyID string, phones []string, ids map[string]string) error {
	byHash := make(map[string]string, len(phones))
	for start := 0; start < len(phones); start += rowsPerStatement {
		chunk := phones[start:min(len(phones), start+rowsPerStatement)]
		args := []any{companyID}
		for _, phone := range chunk {
			h := s.phoneHash(companyID, phone)
			byHash[h] = ids[phone]
			args = append(args, h)
		}
		hashes, err := strings1(ctx, tx, `SELECT phone_hash FROM suppressions WHERE company_id = ? AND phone_hash IN (`+db.Marks(len(chunk))+`)`, args)
		if err != nil {
			return fmt.Errorf("suppression: %w", err)
		}
		if len(hashes) == 0 {
			continue
		}
		args = []any{db.Now()}
		for _, h := range hashes {
			args = append(args, byHash[h])
		}
		if _, err := tx.Exec(ctx, `UPDATE contacts SET consent_state = 'opted_out', consent_source = 'suppression', consent_at = ?
			WHERE id IN (`+db.Marks(len(hashes))+`)`, args...); err != nil {
			return fmt.Errorf("suppress contacts: %w", err)
		}
	}
	return nil
}

// contactsByPhone is contactByPhone for many numbers: phone -> contact id,
// for those found, and which of those have no name yet.
func contactsByPhone(ctx context.Context, q db.Querier, companyID string, phones []string) (map[string]string, map[string]bool, error) {
	out := make(map[string]string, len(phones))
	unnamed := map[string]bool{}
	for start := 0; start < len(phones); start += rowsPerStatement {
		chunk := phones[start:min(len(phones), start+rowsPerStatement)]
		args := []any{companyID}
		for _, p := range chunk {
			args = append(args, p)
		}
		rows, err := q.Query(ctx, `SELECT a.value, a.contact_id, c.name = '' FROM contact_addresses a JOIN contacts c ON c.id = a.contact_id
			WHERE a.company_id = ? AND a.kind = 'phone' AND a.value IN (`+db.Marks(len(chunk))+`)`, args...)
		if err != nil {
			return nil, nil, fmt.Errorf("find contacts by phone: %w", err)
		}
		for rows.Next() {
			var phone, id string
			var noName bool
			if err := rows.Scan(&phone, &id, &noName); err != nil {
				rows.Close()
				return nil, nil, err
			}
			out[phone] = id
			if noName {
				unnamed[phone] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("find contacts by phone: %w", err)
		}
	}
	return out, unnamed, nil
}

// TouchInboundMany is TouchInbound for many contacts of a company at once;
// last maps a contact to its latest message.
func TouchInboundMany(ctx context.Context, tx *db.Tx, companyID string, last map[string]time.Time) error {
	if len(last) == 0 {
		return nil
	}
	args := make([]any, 0, len(last)*2+1)
	for id, t := range last {
		args = append(args, id, t)
	}
	args = append(args, companyID)
	if _, err := tx.Exec(ctx, `WITH v (id, at) AS (VALUES `+groupsOf(len(last), "?, "+db.TimeValue(tx.Dialect()))+`)
		UPDATE contacts SET last_inbound_at = v.at FROM v
		WHERE contacts.id = v.id AND contacts.company_id || '' = ? AND (contacts.last_inbound_at IS NULL OR contacts.last_inbound_at < v.at)`, args...); err != nil {
		return fmt.Errorf("contacts' last inbound: %w", err)
	}
	return nil
}

// groupsOf is "(one), (one)", n times.
func groupsOf(n int, one string) string {
	return strings.TrimSuffix(strings.Repeat("("+one+"), ", n), ", ")
}

// KeywordSet is a company's consent keywords, folded once: KeywordAction
// folds every keyword again for each message, which a batch of hundreds
// of messages does not need.
type KeywordSet struct {
	out, in map[string]bool
}

// NewKeywordSet folds a company's opt-out and opt-in keywords.
func NewKeywordSet(optOut, optIn []string) KeywordSet {
	k := KeywordSet{out: map[string]bool{}, in: map[string]bool{}}
	for _, w := range optOut {
		if f := foldKeyword(w); f != "" {
			k.out[f] = true
		}
	}
	for _, w := range optIn {
		if f := foldKeyword(w); f != "" && !k.out[f] {
			k.in[f] = true
		}
	}
	return k
}

// Action is KeywordAction with the keywords folded already.
func (k KeywordSet) Action(text string) string {
	t := foldKeyword(text)
	switch {
	case t == "":
		return ""
	case k.out[t]:
		return "opt_out"
	case k.in[t]:
		return "opt_in"
	}
	return ""
}
