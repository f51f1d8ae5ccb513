// Package contacts is Masteria's CRM: contacts with E.164 phones and the other
// addresses that reach the same person, custom fields, tags, segments, the
// consent ledger with company-wide suppression, imports and exports.
//
// Decisions:
//   - One contact per phone per company. Phones are E.164, parsed with the
//     company's default country; a Brazilian mobile is stored with its ninth
//     digit and also answers to the old eight-digit spelling (an address row),
//     so WhatsApp ids of old accounts find the same person.
//   - Custom field values are stored typed in one JSON object per contact
//     (TEXT on SQLite, JSONB on PostgreSQL); filters compare them through the
//     dialect's JSON text extraction (package db), dates as YYYY-MM-DD text.
//   - Consent is a state on the contact plus an append-only ledger
//     (consent_events): nothing updates or deletes a ledger row except erasing
//     the contact itself (LGPD erasure), and an erased opted-out number keeps a
//     keyed hash in suppressions so that it stays suppressed.
//   - Lists are newest first with the id as cursor; the free-text filter
//     matches a lower-cased name, phone and email column.
//   - Erasing a contact removes its addresses, tags, fields, ledger,
//     conversations and messages in one transaction, then its messages' files
//     from the blob store, and the raw provider deliveries that name its
//     numbers (deliveries expire after 7 days, failed ones after 30).
//   - Merging moves addresses, tags, the ledger, conversations and messages
//     to the survivor; an open conversation of the merged-away contact on a
//     connection where the survivor has one too is resolved first.
package contacts

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"gocloud.dev/gcerrors"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Consent states.
const (
	Unknown  = "unknown"
	OptedIn  = "opted_in"
	OptedOut = "opted_out"
)

// Contact is a person a company talks to.
type Contact struct {
	ID             string         `json:"id"`
	Phone          string         `json:"phone"`
	Name           string         `json:"name"`
	Email          string         `json:"email"`
	Language       string         `json:"language"`
	Fields         map[string]any `json:"fields"`
	Tags           []TagRef       `json:"tags"`
	Notes          string         `json:"notes"`
	Consent        Consent        `json:"consent"`
	LastInboundAt  db.Time        `json:"last_inbound_at"`
	LastOutboundAt db.Time        `json:"last_outbound_at"`
	CreatedAt      db.Time        `json:"created_at"`
	UpdatedAt      db.Time        `json:"updated_at"`
}

// Consent is a contact's current consent.
type Consent struct {
	State  string  `json:"state"`
	Source string  `json:"source"`
	At     db.Time `json:"at"`
}

// TagRef names a tag on a contact.
type TagRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

// Input creates a contact.
type Input struct {
	Phone    string         `json:"phone"`
	Name     string         `json:"name"`
	Email    string         `json:"email"`
	Language string         `json:"language"`
	Fields   map[string]any `json:"fields"`
	Tags     []string       `json:"tags"`
	Notes    string         `json:"notes"`
}

// Patch changes a contact; nil fields stay. Fields merge (null removes one);
// Tags replaces the set.
type Patch struct {
	Phone    *string        `json:"phone"`
	Name     *string        `json:"name"`
	Email    *string        `json:"email"`
	Language *string        `json:"language"`
	Fields   map[string]any `json:"fields"`
	Tags     *[]string      `json:"tags"`
	Notes    *string        `json:"notes"`
}

// Service manages contacts.
type Service struct {
	db        *db.DB
	companies *companies.Service
	logger    *slog.Logger
	hashKey   []byte
	imports   importDeps
	// Progress, when set, hears that an import committed a batch or ended
	// (status running, completed or failed): the live import.progress event.
	Progress func(companyID, importID, status string)
}

// NewService returns a Service. hashKey keys the suppression hashes.
func NewService(d *db.DB, co *companies.Service, logger *slog.Logger, hashKey []byte) *Service {
	return &Service{db: d, companies: co, logger: logger, hashKey: hashKey}
}

var errExists = func() *apierr.Error {
	e := apierr.Conflict("contact_exists", "A contact with this phone number already exists.")
	e.Fields = map[string]string{"phone": "taken"}
	return e
}

func (s *Service) region(ctx context.Context, companyID string) (string, error) {
	c, err := s.companies.Get(ctx, companyID)
	if err != nil {
		return "", err
	}
	return c.DefaultCountry, nil
}

func searchText(name, phone, email string) string {
	return strings.ToLower(name + " " + phone + " " + email)
}

func checkBasics(v apierr.Validation, name, email, language, notes string) (string, string, string) {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 200 {
		v.Add("name", "too_long")
	}
	email = strings.TrimSpace(email)
	if email != "" {
		if norm := companies.NormalizeEmail(email); norm == "" {
			v.Add("email", "invalid_email")
		} else {
			email = norm
		}
	}
	language = strings.TrimSpace(language)
	if len(language) > 20 {
		v.Add("language", "too_long")
	}
	if utf8.RuneCountInString(notes) > 10000 {
		v.Add("notes", "too_long")
	}
	return name, email, language
}

// Create adds a contact.
func (s *Service) Create(ctx context.Context, companyID string, in Input) (Contact, error) {
	region, err := s.region(ctx, companyID)
	if err != nil {
		return Contact{}, err
	}
	v := apierr.Validation{}
	phone, perr := NormalizePhone(in.Phone, region)
	if perr != nil {
		v.Add("phone", perr.Error())
	}
	name, email, language := checkBasics(v, in.Name, in.Email, in.Language, in.Notes)
	defs, err := s.fieldDefs(ctx, s.db, companyID)
	if err != nil {
		return Contact{}, err
	}
	fields, ferrs := coerceFields(defs, in.Fields, nil)
	for k, code := range ferrs {
		v.Add("fields."+k, code)
	}
	tagNames, terr := checkTagNames(in.Tags)
	if terr != "" {
		v.Add("tags", terr)
	}
	if err := v.Err(); err != nil {
		return Contact{}, err
	}
	var id string
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if existing, err := contactByPhone(ctx, tx, companyID, phone); err != nil {
			return err
		} else if existing != "" {
			return errExists()
		}
		id = ids.New()
		if err := s.insertContact(ctx, tx, companyID, id, phone, name, email, language, fields, in.Notes); err != nil {
			return err
		}
		tagIDs, err := ensureTags(ctx, tx, companyID, tagNames)
		if err != nil {
			return err
		}
		return addTags(ctx, tx, companyID, id, tagIDs)
	})
	if err != nil {
		return Contact{}, err
	}
	return s.Get(ctx, companyID, id)
}

func newID() string { return ids.New() }

// insertContact adds a contact and its addresses; a number that was
// suppressed (an opted-out contact erased earlier) starts opted out.
func (s *Service) insertContact(ctx context.Context, tx *db.Tx, companyID, id, phone, name, email, language string, fields map[string]any, notes string) error {
	js, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	now := db.Now()
	if _, err := tx.Exec(ctx, `INSERT INTO contacts (id, company_id, phone, name, email, language, fields, notes, search, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, companyID, phone, name, email, language, string(js), notes,
		searchText(name, phone, email), now, now); err != nil {
		if db.IsUniqueViolation(err) {
			return errExists()
		}
		return fmt.Errorf("insert contact: %w", err)
	}
	if err := addPhoneAddresses(ctx, tx, companyID, id, phone); err != nil {
		return err
	}
	return s.applySuppression(ctx, tx, companyID, id, phone)
}

// strings1 reads a one-column query.
func strings1(ctx context.Context, q db.Querier, query string, args []any) ([]string, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// applySuppression starts a new contact opted out when its number was
// suppressed (an opted-out contact erased earlier).
func (s *Service) applySuppression(ctx context.Context, tx *db.Tx, companyID, id, phone string) error {
	now := db.Now()
	var suppressed int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM suppressions WHERE company_id = ? AND phone_hash = ?`,
		companyID, s.phoneHash(companyID, phone)).Scan(&suppressed); err != nil {
		return fmt.Errorf("suppression: %w", err)
	}
	if suppressed > 0 {
		if _, err := tx.Exec(ctx, `UPDATE contacts SET consent_state = 'opted_out', consent_source = 'suppression', consent_at = ? WHERE id = ?`,
			now, id); err != nil {
			return fmt.Errorf("suppress contact: %w", err)
		}
	}
	return nil
}

func addPhoneAddresses(ctx context.Context, tx *db.Tx, companyID, contactID, phone string) error {
	for _, value := range append([]string{phone}, phoneAliases(phone)...) {
		if _, err := tx.Exec(ctx, `INSERT INTO contact_addresses (company_id, contact_id, kind, value, created_at)
			VALUES (?, ?, 'phone', ?, ?) ON CONFLICT DO NOTHING`, companyID, contactID, value, db.Now()); err != nil {
			return fmt.Errorf("add address: %w", err)
		}
	}
	return nil
}

// contactByPhone finds the contact any spelling of phone reaches ("" if none).
func contactByPhone(ctx context.Context, q db.Querier, companyID, phone string) (string, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT contact_id FROM contact_addresses
		WHERE company_id = ? AND kind = 'phone' AND value = ?`, companyID, phone).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("find contact by phone: %w", err)
	}
	return id, nil
}

const contactColumns = `c.id, c.phone, c.name, c.email, c.language, c.fields, c.notes, c.consent_state, c.consent_source,
       c.consent_at, c.last_inbound_at, c.last_outbound_at, c.created_at, c.updated_at`

func scanContact(sc interface{ Scan(...any) error }) (Contact, error) {
	var c Contact
	var fields string
	if err := sc.Scan(&c.ID, &c.Phone, &c.Name, &c.Email, &c.Language, &fields, &c.Notes, &c.Consent.State, &c.Consent.Source,
		&c.Consent.At, &c.LastInboundAt, &c.LastOutboundAt, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return Contact{}, err
	}
	c.Fields = map[string]any{}
	if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
		c.Fields = map[string]any{}
	}
	c.Tags = []TagRef{}
	return c, nil
}

// Get returns one contact with its tags.
func (s *Service) Get(ctx context.Context, companyID, id string) (Contact, error) {
	if !ids.Valid(id) {
		return Contact{}, apierr.NotFound()
	}
	c, err := scanContact(s.db.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts c WHERE c.company_id = ? AND c.id = ?`, companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Contact{}, apierr.NotFound()
	}
	if err != nil {
		return Contact{}, fmt.Errorf("contact %s: %w", id, err)
	}
	list := []Contact{c}
	if err := s.loadTags(ctx, companyID, list); err != nil {
		return Contact{}, err
	}
	return list[0], nil
}

// loadTags fills the tags of a page of contacts with one query.
func (s *Service) loadTags(ctx context.Context, companyID string, list []Contact) error {
	if len(list) == 0 {
		return nil
	}
	idx := map[string]int{}
	args := []any{companyID}
	marks := make([]string, len(list))
	for i, c := range list {
		idx[c.ID] = i
		args = append(args, c.ID)
		marks[i] = "?"
	}
	// Driven from the page's contacts (their primary keys), not from the
	// company's tag index, which would visit every tagged contact.
	rows, err := s.db.Query(ctx, `SELECT c.id, t.id, t.name, t.color
		  FROM contacts c
		  JOIN contact_tags ct ON ct.contact_id = c.id
		  JOIN tags t ON t.id = ct.tag_id
		 WHERE c.company_id = ? AND c.id IN (`+strings.Join(marks, ",")+`)
		 ORDER BY t.name_key`, args...)
	if err != nil {
		return fmt.Errorf("contact tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid string
		var t TagRef
		if err := rows.Scan(&cid, &t.ID, &t.Name, &t.Color); err != nil {
			return err
		}
		list[idx[cid]].Tags = append(list[idx[cid]].Tags, t)
	}
	return rows.Err()
}

// Update changes a contact.
func (s *Service) Update(ctx context.Context, companyID, id string, p Patch) (Contact, error) {
	cur, err := s.Get(ctx, companyID, id)
	if err != nil {
		return Contact{}, err
	}
	region, err := s.region(ctx, companyID)
	if err != nil {
		return Contact{}, err
	}
	v := apierr.Validation{}
	phone := cur.Phone
	if p.Phone != nil {
		if phone, err = NormalizePhone(*p.Phone, region); err != nil {
			v.Add("phone", err.Error())
		}
	}
	name, email, language, notes := cur.Name, cur.Email, cur.Language, cur.Notes
	if p.Name != nil {
		name = *p.Name
	}
	if p.Email != nil {
		email = *p.Email
	}
	if p.Language != nil {
		language = *p.Language
	}
	if p.Notes != nil {
		notes = *p.Notes
	}
	name, email, language = checkBasics(v, name, email, language, notes)
	defs, err := s.fieldDefs(ctx, s.db, companyID)
	if err != nil {
		return Contact{}, err
	}
	fields, ferrs := coerceFields(defs, p.Fields, cur.Fields)
	for k, code := range ferrs {
		v.Add("fields."+k, code)
	}
	var tagNames []string
	if p.Tags != nil {
		var terr string
		if tagNames, terr = checkTagNames(*p.Tags); terr != "" {
			v.Add("tags", terr)
		}
	}
	if err := v.Err(); err != nil {
		return Contact{}, err
	}
	js, _ := json.Marshal(fields)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if phone != cur.Phone {
			if other, err := contactByPhone(ctx, tx, companyID, phone); err != nil {
				return err
			} else if other != "" && other != id {
				return errExists()
			}
			// Only the old number goes: numbers merged in from other
			// contacts still reach this one.
			if _, err := tx.Exec(ctx, `DELETE FROM contact_addresses WHERE company_id = ? AND contact_id = ? AND kind = 'phone' AND value = ?`,
				companyID, id, cur.Phone); err != nil {
				return fmt.Errorf("replace phone: %w", err)
			}
			if err := addPhoneAddresses(ctx, tx, companyID, id, phone); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, `UPDATE contacts SET phone = ?, name = ?, email = ?, language = ?, fields = ?, notes = ?, search = ?, updated_at = ?
			WHERE company_id = ? AND id = ?`, phone, name, email, language, string(js), notes, searchText(name, phone, email), db.Now(), companyID, id)
		if db.IsUniqueViolation(err) {
			return errExists()
		}
		if err != nil {
			return fmt.Errorf("update contact: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apierr.NotFound()
		}
		if p.Tags != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM contact_tags WHERE company_id = ? AND contact_id = ?`, companyID, id); err != nil {
				return fmt.Errorf("replace tags: %w", err)
			}
			tagIDs, err := ensureTags(ctx, tx, companyID, tagNames)
			if err != nil {
				return err
			}
			return addTags(ctx, tx, companyID, id, tagIDs)
		}
		return nil
	})
	if err != nil {
		return Contact{}, err
	}
	return s.Get(ctx, companyID, id)
}

// Delete erases a contact and everything held about it; an opted-out number
// stays suppressed (by keyed hash).
func (s *Service) Delete(ctx context.Context, companyID, id string) error {
	if !ids.Valid(id) {
		return apierr.NotFound()
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		n, err := s.eraseWhere(ctx, tx, companyID, `c.id = ?`, []any{id})
		if err != nil {
			return err
		}
		if n == 0 {
			return apierr.NotFound()
		}
		return audit.Record(ctx, tx, companyID, "contact.erased", "contact", id, nil)
	})
}

// eraseWhere deletes the contacts matching a condition on c, keeping
// suppressions for opted-out numbers. It returns how many were erased.
func (s *Service) eraseWhere(ctx context.Context, tx *db.Tx, companyID, where string, args []any) (int64, error) {
	scoped := append([]any{companyID, companyID}, args...)
	// Every number of an opted-out contact stays suppressed, merged-in ones too.
	rows, err := tx.Query(ctx, `SELECT a.value FROM contact_addresses a JOIN contacts c ON c.id = a.contact_id
		WHERE a.company_id = ? AND a.kind = 'phone' AND c.company_id = ? AND c.consent_state = 'opted_out' AND `+where, scoped...)
	if err != nil {
		return 0, fmt.Errorf("find opted-out: %w", err)
	}
	var phones []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return 0, err
		}
		phones = append(phones, p)
	}
	rows.Close()
	for _, p := range phones {
		if err := s.suppress(ctx, tx, companyID, p); err != nil {
			return 0, err
		}
	}
	// Messages and conversations go with the contact (foreign keys); their
	// files are deleted from the blob store once the erasure commits.
	keys, err := strings1(ctx, tx, `SELECT m.media_key FROM messages m JOIN contacts c ON c.id = m.contact_id
		WHERE m.company_id = ? AND m.media_key <> '' AND c.company_id = ? AND `+where, scoped)
	if err != nil {
		return 0, fmt.Errorf("find media: %w", err)
	}
	if len(keys) > 0 && s.imports.bucket != nil {
		bucket := s.imports.bucket
		tx.AfterCommit(func() {
			for _, k := range keys {
				if err := bucket.Delete(context.WithoutCancel(ctx), k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
					s.logger.Error("erased contact's file not deleted", "key", k, "err", err)
				}
			}
		})
	}
	// Raw provider deliveries that name the person are erased too (they
	// expire after 7 or 30 days anyway); a bulk erasure of more contacts than
	// this leaves them to that expiry.
	numbers, err := strings1(ctx, tx, `SELECT a.value FROM contact_addresses a JOIN contacts c ON c.id = a.contact_id
		WHERE a.company_id = ? AND a.kind = 'phone' AND c.company_id = ? AND `+where+` LIMIT 1001`, scoped)
	if err != nil {
		return 0, fmt.Errorf("find numbers: %w", err)
	}
	if len(numbers) <= 1000 {
		for _, n := range numbers {
			if _, err := tx.Exec(ctx, `DELETE FROM webhook_events WHERE company_id = ? AND `+db.BytesContain(tx.Dialect(), "payload"),
				companyID, []byte(strings.TrimPrefix(n, "+"))); err != nil {
				return 0, fmt.Errorf("erase deliveries: %w", err)
			}
		}
	}
	res, err := tx.Exec(ctx, `DELETE FROM contacts WHERE company_id = ? AND id IN (SELECT c.id FROM contacts c WHERE c.company_id = ? AND `+where+`)`,
		append([]any{companyID, companyID}, args...)...)
	if err != nil {
		return 0, fmt.Errorf("erase contacts: %w", err)
	}
	return res.RowsAffected()
}

func (s *Service) phoneHash(companyID, phone string) string {
	m := hmac.New(sha256.New, s.hashKey)
	m.Write([]byte(companyID + "|" + phone))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Service) suppress(ctx context.Context, tx *db.Tx, companyID, phone string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO suppressions (company_id, phone_hash, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		companyID, s.phoneHash(companyID, phone), db.Now()); err != nil {
		return fmt.Errorf("suppress: %w", err)
	}
	return nil
}

// Suppressed says whether a number must not be messaged: its contact opted
// out, or an opted-out contact with this number was erased. Every sender
// (the outbox) asks this.
func (s *Service) Suppressed(ctx context.Context, companyID, phone string) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM contacts WHERE company_id = ? AND phone = ? AND consent_state = 'opted_out') +
		(SELECT count(*) FROM suppressions WHERE company_id = ? AND phone_hash = ?)`,
		companyID, phone, companyID, s.phoneHash(companyID, phone)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("suppressed: %w", err)
	}
	return n > 0, nil
}
