package contacts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/spreadsheet"
	"github.com/masteria/masteria/internal/store/db"
)

// importRun is one import's settings, resolved once per job.
type importRun struct {
	companyID string
	region    string
	defs      map[string]FieldDef
	mapping   map[string]string
	opts      ImportOptions
	tagIDs    []string          // options.tags
	tagCache  map[string]string // name key -> id, for tags named in cells
	col       map[string]int    // target -> column index
	fieldCols map[string]int    // field key -> column index
}

func (s *Service) newImportRun(ctx context.Context, companyID string, mapping map[string]string, opts ImportOptions) (*importRun, error) {
	region, err := s.region(ctx, companyID)
	if err != nil {
		return nil, err
	}
	defs, err := s.fieldDefs(ctx, s.db, companyID)
	if err != nil {
		return nil, err
	}
	run := &importRun{companyID: companyID, region: region, defs: defs, mapping: mapping, opts: opts, tagCache: map[string]string{}}
	names, _ := checkTagNames(opts.Tags)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		run.tagIDs, err = ensureTags(ctx, tx, companyID, names)
		return err
	})
	return run, err
}

func (r *importRun) columns(headers []string) {
	r.col, r.fieldCols = map[string]int{}, map[string]int{}
	for i, h := range headers {
		t := r.mapping[h]
		if k, ok := strings.CutPrefix(t, "fields."); ok {
			r.fieldCols[k] = i
		} else if t != "" {
			r.col[t] = i
		}
	}
}

func (r *importRun) cell(row []string, target string) string {
	i, ok := r.col[target]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// parsedRow is a row read and checked, ready to be written.
type parsedRow struct {
	row    spreadsheet.Row
	p      parsed
	reason string // rejection reason code; "" when p is good
}

type batchCounts struct{ created, updated, skipped, rejected int }

// parsed is a row turned into contact values.
type parsed struct {
	phone, name, email, language, notes string
	fields                              map[string]any
	tags                                []string
}

func (r *importRun) parse(row spreadsheet.Row) (parsed, string) {
	if row.Err != nil {
		switch {
		case errors.Is(row.Err, spreadsheet.ErrLineTooLong):
			return parsed{}, "line_too_long"
		case errors.Is(row.Err, spreadsheet.ErrTooManyColumns):
			return parsed{}, "too_many_columns"
		}
		return parsed{}, "unreadable_row"
	}
	raw := r.cell(row.Cells, "phone")
	digits, err := spreadsheet.RecoverNumber(raw)
	if err != nil {
		return parsed{}, "lossy_number"
	}
	phone, err := NormalizePhone(digits, r.region)
	if err != nil {
		return parsed{}, err.Error()
	}
	p := parsed{phone: phone, name: r.cell(row.Cells, "name"), language: r.cell(row.Cells, "language"), notes: r.cell(row.Cells, "notes")}
	if utf8.RuneCountInString(p.name) > 200 {
		return parsed{}, "name_too_long"
	}
	if e := r.cell(row.Cells, "email"); e != "" {
		p.email = strings.ToLower(e)
		v := map[string]string{}
		if _, email, _ := checkBasics(v, p.name, e, "", ""); len(v) > 0 {
			return parsed{}, "invalid_email"
		} else {
			p.email = email
		}
	}
	if t := r.cell(row.Cells, "tags"); t != "" {
		names, code := checkTagNames(strings.FieldsFunc(t, func(c rune) bool { return c == ',' || c == '|' }))
		if code != "" {
			return parsed{}, "invalid_tag"
		}
		p.tags = names
	}
	p.fields = map[string]any{}
	for key, i := range r.fieldCols {
		if i >= len(row.Cells) {
			continue
		}
		def, ok := r.defs[key]
		if !ok {
			continue
		}
		cell := strings.TrimSpace(row.Cells[i])
		if def.Type == TypeNumber {
			if d, err := spreadsheet.RecoverNumber(cell); err == nil {
				cell = d
			}
		}
		val, code := coerce(def, cell)
		if code != "" {
			return parsed{}, "field_" + code + ":" + key
		}
		if val != nil {
			p.fields[key] = val
		}
	}
	return p, ""
}

// importBatch writes one batch and advances the import in the same
// transaction. New contacts, the common case, are written with a handful of
// multi-row statements per batch; rows whose number already has a contact
// (or repeats within the batch) take the row-by-row merge path.
func (s *Service) importBatch(ctx context.Context, a ImportArgs, run *importRun, rows []parsedRow) error {
	var n batchCounts
	last := rows[len(rows)-1].row.Line
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		// The batch commits with its resume point, so a batch lost in a
		// crash is simply read again: its commit need not wait for the disk.
		if err := db.BulkLoad(ctx, tx); err != nil {
			return err
		}
		var rejects [][]any
		reject := func(row spreadsheet.Row, reason string) {
			n.rejected++
			raw := strings.Join(row.Cells, ";")
			if len(raw) > 1000 {
				raw = raw[:1000]
			}
			rejects = append(rejects, []any{a.CompanyID, a.ImportID, row.Line, reason, strings.ToValidUTF8(raw, "?")})
		}
		var items []parsed
		var lines []spreadsheet.Row
		var phones []string
		for _, pr := range rows {
			row, p, reason := pr.row, pr.p, pr.reason
			if reason != "" {
				reject(row, reason)
				continue
			}
			items = append(items, p)
			lines = append(lines, row)
			phones = append(phones, p.phone)
			phones = append(phones, phoneAliases(p.phone)...)
		}
		existing, err := lookupPhones(ctx, tx, a.CompanyID, phones)
		if err != nil {
			return err
		}
		inBatch := map[string]bool{}
		var fresh []parsed
		var slow []int
		for i, p := range items {
			keys := append([]string{p.phone}, phoneAliases(p.phone)...)
			known := false
			for _, k := range keys {
				if existing[k] || inBatch[k] {
					known = true
				}
			}
			if known {
				slow = append(slow, i)
				continue
			}
			for _, k := range keys {
				inBatch[k] = true
			}
			fresh = append(fresh, p)
		}
		if err := s.insertFresh(ctx, tx, run, fresh); err != nil {
			return err
		}
		n.created += len(fresh)
		for _, i := range slow {
			reason, err := s.importRow(ctx, tx, run, items[i], &n)
			if err != nil {
				return err
			}
			if reason != "" {
				reject(lines[i], reason)
			}
		}
		if err := db.InsertMany(ctx, tx, "import_rejections", []string{"company_id", "import_id", "line", "reason", "raw"}, rejects,
			"ON CONFLICT DO NOTHING"); err != nil {
			return err
		}
		// The resume point moves only forward, so a batch that somehow ran
		// twice is not counted twice.
		res, err := tx.Exec(ctx, `UPDATE imports SET processed = processed + ?, created = created + ?, updated = updated + ?,
			skipped = skipped + ?, rejected = rejected + ?, next_line = ?
			WHERE company_id = ? AND id = ? AND next_line < ?`,
			len(rows), n.created, n.updated, n.skipped, n.rejected, last, a.CompanyID, a.ImportID, last)
		if err != nil {
			return fmt.Errorf("import progress: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return errors.New("import batch already applied")
		}
		tx.AfterCommit(func() { s.progress(a, "running") })
		return nil
	})
}

// lookupPhones returns which of the phone spellings already reach a contact.
// Each number is probed on the whole primary key by a scalar subquery, which
// PostgreSQL cannot turn into a join: a join (or an IN list) is planned from
// column statistics, and while a bulk load outgrows them PostgreSQL hashed
// the company's every address once per batch, so each batch cost more than
// the one before (about 380 ms per 2,000 rows at 400,000 contacts, against a
// few milliseconds probed).
func lookupPhones(ctx context.Context, tx *db.Tx, companyID string, phones []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(phones); start += 1000 {
		chunk := phones[start:min(start+1000, len(phones))]
		if err := db.AddStrings(ctx, tx, out, `SELECT v.column1 FROM (VALUES `+strings.TrimSuffix(strings.Repeat("(?),", len(chunk)), ",")+`) AS v
			WHERE (SELECT 1 FROM contact_addresses a WHERE a.company_id = ? AND a.kind = 'phone' AND a.value = v.column1) = 1`,
			append(anys(chunk), companyID)...); err != nil {
			return nil, fmt.Errorf("look up phones: %w", err)
		}
	}
	return out, nil
}

// insertFresh writes contacts whose numbers are new, with their addresses,
// tags and opt-in, with one COPY per table on PostgreSQL and multi-row
// statements on SQLite. Numbers suppressed earlier start
// opted out, and are not opted in by the import.
func (s *Service) insertFresh(ctx context.Context, tx *db.Tx, run *importRun, fresh []parsed) error {
	if len(fresh) == 0 {
		return nil
	}
	// Most companies have no suppressed numbers: then there is nothing to
	// hash and look up (hashing and the lookup were about 4% of a SQLite
	// import's writer time).
	var some int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM suppressions WHERE company_id = ? LIMIT 1) s`, run.companyID).Scan(&some); err != nil {
		return fmt.Errorf("suppressions: %w", err)
	}
	hashes := make([]string, len(fresh))
	suppressed := map[string]bool{}
	for start := 0; some > 0 && start < len(hashes); start += 1000 {
		chunk := hashes[start:min(start+1000, len(hashes))]
		for i := range chunk {
			chunk[i] = s.phoneHash(run.companyID, fresh[start+i].phone)
		}
		rows, err := tx.Query(ctx, `SELECT phone_hash FROM suppressions WHERE company_id = ? AND phone_hash IN (`+db.Marks(len(chunk))+`)`,
			append([]any{run.companyID}, anys(chunk)...)...)
		if err != nil {
			return fmt.Errorf("suppressions: %w", err)
		}
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return err
			}
			suppressed[h] = true
		}
		rows.Close()
	}
	now := db.Now()
	actor, _ := audit.ActorFrom(ctx)
	var contactRows, addrRows, tagRows, consentRows [][]any
	for i, p := range fresh {
		id := newID()
		js, err := json.Marshal(p.fields)
		if err != nil {
			return err
		}
		state, source := Unknown, ""
		var at any
		switch {
		case suppressed[hashes[i]]:
			state, source, at = OptedOut, "suppression", now
		case run.opts.OptInSource != "":
			state, source, at = OptedIn, run.opts.OptInSource, now
			consentRows = append(consentRows, []any{newID(), run.companyID, id, "opt_in", run.opts.OptInSource, "", run.opts.OptInWording, "",
				actor.Type, actor.ID, actor.Name, now})
		}
		contactRows = append(contactRows, []any{id, run.companyID, p.phone, p.name, p.email, p.language, string(js), p.notes,
			searchText(p.name, p.phone, p.email), state, source, at, now, now})
		for _, v := range append([]string{p.phone}, phoneAliases(p.phone)...) {
			addrRows = append(addrRows, []any{run.companyID, id, "phone", v, now})
		}
		rowTags, err := run.resolveTags(ctx, tx, p.tags)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, t := range append(append([]string{}, run.tagIDs...), rowTags...) {
			if !seen[t] {
				seen[t] = true
				tagRows = append(tagRows, []any{run.companyID, id, t})
			}
		}
	}
	if err := db.CopyRows(ctx, tx, "contacts", []string{"id", "company_id", "phone", "name", "email", "language", "fields", "notes", "search",
		"consent_state", "consent_source", "consent_at", "created_at", "updated_at"}, contactRows); err != nil {
		return err
	}
	if err := db.CopyRows(ctx, tx, "contact_addresses", []string{"company_id", "contact_id", "kind", "value", "created_at"}, addrRows); err != nil {
		return err
	}
	if err := db.CopyRows(ctx, tx, "contact_tags", []string{"company_id", "contact_id", "tag_id"}, tagRows); err != nil {
		return err
	}
	return db.CopyRows(ctx, tx, "consent_events", []string{"id", "company_id", "contact_id", "action", "source", "channel", "wording", "reason",
		"actor_type", "actor_id", "actor_name", "created_at"}, consentRows)
}

// importRow creates or updates one contact; it returns a rejection reason,
// or "" when the row was taken (created, updated or skipped).
func (s *Service) importRow(ctx context.Context, tx *db.Tx, run *importRun, p parsed, n *batchCounts) (string, error) {
	rowTags, err := run.resolveTags(ctx, tx, p.tags)
	if err != nil {
		return "", err
	}
	tags := append(append([]string{}, run.tagIDs...), rowTags...)
	existing, err := contactByPhone(ctx, tx, run.companyID, p.phone)
	if err != nil {
		return "", err
	}
	if existing == "" {
		id := newID()
		if err := s.insertContact(ctx, tx, run.companyID, id, p.phone, p.name, p.email, p.language, p.fields, p.notes); err != nil {
			return "", err
		}
		if err := addTags(ctx, tx, run.companyID, id, tags); err != nil {
			return "", err
		}
		if run.opts.OptInSource != "" {
			if err := s.importOptIn(ctx, tx, run, id); err != nil {
				return "", err
			}
		}
		n.created++
		return "", nil
	}
	if run.opts.OnExisting == "skip" {
		n.skipped++
		return "", nil
	}
	changed, err := s.mergeImported(ctx, tx, run, existing, p, tags)
	if err != nil {
		return "", err
	}
	if changed {
		n.updated++
	} else {
		n.skipped++
	}
	return "", nil
}

func (r *importRun) resolveTags(ctx context.Context, tx *db.Tx, names []string) ([]string, error) {
	var out []string
	for _, name := range names {
		if id, ok := r.tagCache[tagKey(name)]; ok {
			out = append(out, id)
			continue
		}
		got, err := ensureTags(ctx, tx, r.companyID, []string{name})
		if err != nil {
			return nil, err
		}
		// Cached only after commit would be safer, but a rolled-back batch
		// fails the job, and the retry builds a new run with a new cache.
		r.tagCache[tagKey(name)] = got[0]
		out = append(out, got[0])
	}
	return out, nil
}

// importOptIn records the import's opt-in unless the contact opted out
// (an import never overrides an opt-out) or already opted in.
func (s *Service) importOptIn(ctx context.Context, tx *db.Tx, run *importRun, contactID string) error {
	var state string
	if err := tx.QueryRow(ctx, `SELECT consent_state FROM contacts WHERE company_id = ? AND id = ?`, run.companyID, contactID).Scan(&state); err != nil {
		return err
	}
	if state != Unknown {
		return nil
	}
	_, err := appendConsent(ctx, tx, run.companyID, contactID, ConsentInput{Action: "opt_in", Source: run.opts.OptInSource, Wording: run.opts.OptInWording})
	return err
}

// mergeImported applies a row to an existing contact: non-empty cells win,
// fields merge, tags add. It reports whether anything changed, so that
// importing the same file again changes nothing.
func (s *Service) mergeImported(ctx context.Context, tx *db.Tx, run *importRun, id string, p parsed, tags []string) (bool, error) {
	var name, email, language, notes, fjs, phone string
	if err := tx.QueryRow(ctx, `SELECT phone, name, email, language, notes, fields FROM contacts WHERE company_id = ? AND id = ?`, run.companyID, id).
		Scan(&phone, &name, &email, &language, &notes, &fjs); err != nil {
		return false, fmt.Errorf("existing contact: %w", err)
	}
	fields := map[string]any{}
	_ = json.Unmarshal([]byte(fjs), &fields)
	merged := map[string]any{}
	for k, v := range fields {
		merged[k] = v
	}
	for k, v := range p.fields {
		merged[k] = v
	}
	nn, ne, nl, nt := pick(p.name, name), pick(p.email, email), pick(p.language, language), pick(p.notes, notes)
	changed := nn != name || ne != email || nl != language || nt != notes || !reflect.DeepEqual(normJSON(merged), normJSON(fields))
	if changed {
		js, _ := json.Marshal(merged)
		if _, err := tx.Exec(ctx, `UPDATE contacts SET name = ?, email = ?, language = ?, notes = ?, fields = ?, search = ?, updated_at = ?
			WHERE company_id = ? AND id = ?`, nn, ne, nl, nt, string(js), searchText(nn, phone, ne), db.Now(), run.companyID, id); err != nil {
			return false, fmt.Errorf("update contact: %w", err)
		}
	}
	for _, t := range tags {
		res, err := tx.Exec(ctx, `INSERT INTO contact_tags (company_id, contact_id, tag_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, run.companyID, id, t)
		if err != nil {
			return false, fmt.Errorf("tag contact: %w", err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			changed = true
		}
	}
	if run.opts.OptInSource != "" {
		var state string
		if err := tx.QueryRow(ctx, `SELECT consent_state FROM contacts WHERE company_id = ? AND id = ?`, run.companyID, id).Scan(&state); err != nil {
			return false, err
		}
		if state == Unknown {
			if err := s.importOptIn(ctx, tx, run, id); err != nil {
				return false, err
			}
			changed = true
		}
	}
	return changed, nil
}

func pick(cell, current string) string {
	if cell != "" {
		return cell
	}
	return current
}

// normJSON makes values comparable after a JSON round trip (numbers as float64).
func normJSON(m map[string]any) map[string]any {
	js, _ := json.Marshal(m)
	out := map[string]any{}
	_ = json.Unmarshal(js, &out)
	return out
}

var reasons = map[string][2]string{
	"phone_required":   {"No phone number.", "Sem número de telefone."},
	"invalid_phone":    {"The phone number is not valid.", "O número de telefone não é válido."},
	"lossy_number":     {"Excel rounded this number (scientific notation lost digits): format the column as text and export again.", "O Excel arredondou este número (notação científica perdeu dígitos): formate a coluna como texto e exporte de novo."},
	"line_too_long":    {"The line is too long (over 1 MB).", "A linha é longa demais (mais de 1 MB)."},
	"too_many_columns": {"The line has too many columns (over 200).", "A linha tem colunas demais (mais de 200)."},
	"unreadable_row":   {"The line could not be read (a quote is never closed).", "A linha não pôde ser lida (uma aspa nunca foi fechada)."},
	"invalid_email":    {"The email address is not valid.", "O e-mail não é válido."},
	"invalid_tag":      {"A tag is empty or longer than 50 characters.", "Uma etiqueta está vazia ou tem mais de 50 caracteres."},
	"name_too_long":    {"The name is longer than 200 characters.", "O nome tem mais de 200 caracteres."},
}

// reasonText is the sentence for a rejection code in English or pt-BR.
func reasonText(code, lang string) string {
	i := 0
	if lang == "pt-BR" {
		i = 1
	}
	if t, ok := reasons[code]; ok {
		return t[i]
	}
	if rest, ok := strings.CutPrefix(code, "field_"); ok {
		what, key, _ := strings.Cut(rest, ":")
		if i == 1 {
			return fmt.Sprintf("O campo %s tem um valor inválido (%s).", key, what)
		}
		return fmt.Sprintf("The field %s has an invalid value (%s).", key, what)
	}
	return code
}
