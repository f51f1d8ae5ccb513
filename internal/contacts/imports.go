package contacts

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/riverqueue/river"
	"gocloud.dev/blob"
	"golang.org/x/text/unicode/norm"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/spreadsheet"
	"github.com/masteria/masteria/internal/store/db"
)

// Enqueuer inserts a job in a transaction (jobs.Queue in production).
type Enqueuer interface {
	Insert(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

type importDeps struct {
	bucket *blob.Bucket
	jobs   Enqueuer
}

// UseImports gives the service what imports need: where uploads are kept
// and the job queue.
func (s *Service) UseImports(bucket *blob.Bucket, jobs Enqueuer) {
	s.imports = importDeps{bucket: bucket, jobs: jobs}
}

// Import is a file being (or having been) imported.
type Import struct {
	ID         string  `json:"id"`
	Status     string  `json:"status"`
	Filename   string  `json:"filename"`
	Total      int     `json:"total"`
	Processed  int     `json:"processed"`
	Created    int     `json:"created"`
	Updated    int     `json:"updated"`
	Skipped    int     `json:"skipped"`
	Rejected   int     `json:"rejected"`
	Error      string  `json:"error"`
	CreatedAt  db.Time `json:"created_at"`
	FinishedAt db.Time `json:"finished_at"`
}

// ImportOptions are the wizard's choices.
type ImportOptions struct {
	Tags         []string `json:"tags"`
	OnExisting   string   `json:"on_existing"` // update | skip
	OptInSource  string   `json:"opt_in_source"`
	OptInWording string   `json:"opt_in_wording"`
}

// Preview is what the wizard shows before an import starts.
type Preview struct {
	Format    string            `json:"format"`
	Encoding  string            `json:"encoding"`
	Delimiter string            `json:"delimiter"`
	Headers   []string          `json:"headers"`
	Rows      [][]string        `json:"rows"`
	Mapping   map[string]string `json:"mapping"`
}

// MaxImportBytes bounds an uploaded file.
const MaxImportBytes = 256 << 20

// File is an uploaded file, readable at random (XLSX needs it).
type File interface {
	io.ReaderAt
	io.Reader
}

func openSheet(f io.ReaderAt, size int64, name string) (*spreadsheet.Reader, error) {
	r, err := spreadsheet.Open(f, size, name, spreadsheet.Options{MaxLineBytes: 1 << 20, MaxColumns: 200})
	if err != nil {
		return nil, apierr.BadRequest("unreadable_file", "The file could not be read: "+err.Error())
	}
	return r, nil
}

// readHeader returns the header row (the first row without a problem).
func readHeader(r *spreadsheet.Reader) ([]string, error) {
	for {
		row, err := r.Next()
		if err == io.EOF {
			return nil, apierr.BadRequest("empty_file", "The file has no rows.")
		}
		if err != nil {
			return nil, apierr.BadRequest("unreadable_file", "The file could not be read: "+err.Error())
		}
		if row.Err == nil {
			return row.Cells, nil
		}
	}
}

// PreviewFile reads the first rows and guesses the mapping.
func (s *Service) PreviewFile(ctx context.Context, companyID string, f io.ReaderAt, size int64, name string) (Preview, error) {
	r, err := openSheet(f, size, name)
	if err != nil {
		return Preview{}, err
	}
	defer r.Close()
	headers, err := readHeader(r)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{Format: r.Format(), Encoding: r.Encoding(), Headers: headers, Rows: [][]string{}}
	if r.Format() == "csv" {
		p.Delimiter = string(r.Delimiter())
	}
	for len(p.Rows) < 10 {
		row, err := r.Next()
		if err != nil {
			break
		}
		if row.Err == nil {
			p.Rows = append(p.Rows, row.Cells)
		}
	}
	defs, err := listFields(ctx, s.db, companyID)
	if err != nil {
		return Preview{}, err
	}
	p.Mapping = GuessMapping(headers, defs)
	return p, nil
}

var headerWords = []struct {
	target string
	words  []string
}{
	{"phone", []string{"telefone", "celular", "whatsapp", "fone", "phone", "mobile", "cel", "numero", "number", "tel", "contato"}},
	{"email", []string{"email", "e-mail", "mail", "correio"}},
	{"name", []string{"nome", "name", "cliente", "razao social", "contact", "full name", "nome completo"}},
	{"language", []string{"idioma", "lingua", "language", "lang"}},
	{"tags", []string{"tags", "etiquetas", "etiqueta", "tag", "grupos", "grupo", "labels"}},
	{"notes", []string{"observacoes", "observacao", "obs", "notas", "notes", "anotacoes"}},
}

// fold lower-cases and strips accents and punctuation, so "Observações" and
// "E-mail" compare as words.
func fold(s string) string {
	s = norm.NFD.String(strings.ToLower(strings.TrimSpace(s)))
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// GuessMapping maps headers (Portuguese or English) to contact attributes and
// custom fields; unknown headers map to "" (ignored). Each target is used once.
func GuessMapping(headers []string, defs []FieldDef) map[string]string {
	out := map[string]string{}
	used := map[string]bool{}
	for _, h := range headers {
		out[h] = ""
		f := fold(h)
		if f == "" {
			continue
		}
		target := ""
		for _, d := range defs {
			if f == fold(d.Key) || f == fold(d.Label) {
				target = "fields." + d.Key
			}
		}
		if target == "" {
			for _, hw := range headerWords {
				for _, w := range hw.words {
					if f == fold(w) || strings.HasPrefix(f, fold(w)+" ") {
						target = hw.target
						break
					}
				}
				if target != "" {
					break
				}
			}
		}
		if target != "" && !used[target] {
			used[target] = true
			out[h] = target
		}
	}
	return out
}

var mappingTarget = regexp.MustCompile(`^(|name|phone|email|language|tags|notes|fields\.[a-z][a-z0-9_]{0,39})$`)

func checkMapping(headers []string, mapping map[string]string, defs []FieldDef) error {
	v := apierr.Validation{}
	known := map[string]bool{}
	for _, h := range headers {
		known[h] = true
	}
	defKeys := map[string]bool{}
	for _, d := range defs {
		defKeys[d.Key] = true
	}
	hasPhone := false
	used := map[string]bool{}
	for h, t := range mapping {
		if !known[h] {
			v.Add("mapping", "unknown_column")
			continue
		}
		if !mappingTarget.MatchString(t) {
			v.Add("mapping", "invalid_target")
			continue
		}
		if k, ok := strings.CutPrefix(t, "fields."); ok && !defKeys[k] {
			v.Add("mapping", "unknown_field")
		}
		if t != "" && used[t] {
			v.Add("mapping", "target_twice")
		}
		used[t] = true
		if t == "phone" {
			hasPhone = true
		}
	}
	if !hasPhone {
		v.Add("mapping", "phone_column_required")
	}
	return v.Err()
}

func checkOptions(o *ImportOptions) error {
	v := apierr.Validation{}
	switch o.OnExisting {
	case "":
		o.OnExisting = "update"
	case "update", "skip":
	default:
		v.Add("options.on_existing", "invalid_choice")
	}
	if o.OptInSource != "" && !sources[o.OptInSource] {
		v.Add("options.opt_in_source", "invalid_source")
	}
	if _, code := checkTagNames(o.Tags); code != "" {
		v.Add("options.tags", code)
	}
	return v.Err()
}

// StartImport keeps the upload in the blob store and queues its job, in one
// transaction with the import row.
func (s *Service) StartImport(ctx context.Context, companyID, name string, f io.ReaderAt, size int64, mapping map[string]string, opts ImportOptions) (Import, error) {
	if s.imports.bucket == nil {
		return Import{}, errors.New("imports are not configured")
	}
	if size > MaxImportBytes {
		return Import{}, apierr.New(413, "file_too_large", fmt.Sprintf("The file is larger than %d MB.", MaxImportBytes>>20))
	}
	if err := checkOptions(&opts); err != nil {
		return Import{}, err
	}
	r, err := openSheet(f, size, name)
	if err != nil {
		return Import{}, err
	}
	headers, err := readHeader(r)
	r.Close()
	if err != nil {
		return Import{}, err
	}
	defs, err := listFields(ctx, s.db, companyID)
	if err != nil {
		return Import{}, err
	}
	if mapping == nil {
		mapping = GuessMapping(headers, defs)
	}
	if err := checkMapping(headers, mapping, defs); err != nil {
		return Import{}, err
	}
	imp := Import{ID: ids.New(), Status: "running", Filename: name, CreatedAt: db.Time{Time: db.Now()}}
	key := "imports/" + companyID + "/" + imp.ID
	w, err := s.imports.bucket.NewWriter(ctx, key, nil)
	if err != nil {
		return Import{}, fmt.Errorf("store upload: %w", err)
	}
	if _, err := io.Copy(w, io.NewSectionReader(f, 0, size)); err != nil {
		w.Close()
		return Import{}, fmt.Errorf("store upload: %w", err)
	}
	if err := w.Close(); err != nil {
		return Import{}, fmt.Errorf("store upload: %w", err)
	}
	mjs, _ := json.Marshal(mapping)
	ojs, _ := json.Marshal(opts)
	actor, _ := audit.ActorFrom(ctx)
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO imports (id, company_id, filename, blob_key, mapping, options, status, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`, imp.ID, companyID, name, key, string(mjs), string(ojs), actor.Name, imp.CreatedAt.Time); err != nil {
			return fmt.Errorf("insert import: %w", err)
		}
		if err := audit.Record(ctx, tx, companyID, "contacts.import_started", "import", imp.ID, map[string]any{"filename": name}); err != nil {
			return err
		}
		return s.imports.jobs.Insert(ctx, tx, ImportArgs{ImportID: imp.ID, CompanyID: companyID}, nil)
	})
	if err != nil {
		_ = s.imports.bucket.Delete(context.WithoutCancel(ctx), key)
		return Import{}, err
	}
	return imp, nil
}

const importColumns = `id, status, filename, total, processed, created, updated, skipped, rejected, error, created_at, finished_at`

func scanImport(sc interface{ Scan(...any) error }) (Import, error) {
	var i Import
	err := sc.Scan(&i.ID, &i.Status, &i.Filename, &i.Total, &i.Processed, &i.Created, &i.Updated, &i.Skipped, &i.Rejected, &i.Error, &i.CreatedAt, &i.FinishedAt)
	return i, err
}

// GetImport returns an import's progress.
func (s *Service) GetImport(ctx context.Context, companyID, id string) (Import, error) {
	if !ids.Valid(id) {
		return Import{}, apierr.NotFound()
	}
	i, err := scanImport(s.db.QueryRow(ctx, `SELECT `+importColumns+` FROM imports WHERE company_id = ? AND id = ?`, companyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Import{}, apierr.NotFound()
	}
	if err != nil {
		return Import{}, fmt.Errorf("import: %w", err)
	}
	return i, nil
}

// Imports lists the latest imports.
func (s *Service) Imports(ctx context.Context, companyID string) ([]Import, error) {
	rows, err := s.db.Query(ctx, `SELECT `+importColumns+` FROM imports WHERE company_id = ? ORDER BY id DESC LIMIT 50`, companyID)
	if err != nil {
		return nil, fmt.Errorf("imports: %w", err)
	}
	defer rows.Close()
	out := []Import{}
	for rows.Next() {
		i, err := scanImport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Report writes the rejected rows of an import as CSV: line, reason, raw.
func (s *Service) Report(ctx context.Context, companyID, id, lang string, w io.Writer) error {
	if _, err := s.GetImport(ctx, companyID, id); err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT line, reason, raw FROM import_rejections WHERE company_id = ? AND import_id = ? ORDER BY line`, companyID, id)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer rows.Close()
	io.WriteString(w, "\ufeff")
	cw := csv.NewWriter(w)
	head := []string{"line", "reason", "raw"}
	if lang == "pt-BR" {
		head = []string{"linha", "motivo", "conteudo"}
	}
	cw.Write(head)
	for rows.Next() {
		var line int
		var reason, raw string
		if err := rows.Scan(&line, &reason, &raw); err != nil {
			return err
		}
		cw.Write([]string{fmt.Sprint(line), reasonText(reason, lang), defuse(raw)})
	}
	cw.Flush()
	return cw.Error()
}

// ImportArgs is the job that runs an import.
type ImportArgs struct {
	ImportID  string `json:"import_id"`
	CompanyID string `json:"company_id"`
}

// Kind names the job for River.
func (ImportArgs) Kind() string { return "contacts.import" }

// ImportWorker runs imports in batches; each batch, its rejections and the
// import's counters and resume point commit together, so a crash resumes
// from the last batch with nothing half-written.
type ImportWorker struct {
	river.WorkerDefaults[ImportArgs]
	Service *Service
}

// Timeout: a million rows take about a minute; leave room for slow disks.
func (w *ImportWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return 30 * time.Minute }

// importBatch is how many rows one transaction writes (a variable for tests).
var importBatch = 2000

// afterBatch, when set (by tests), runs after each committed batch.
var afterBatch func()

// Work runs (or resumes) one import.
func (w *ImportWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	s := w.Service
	a := job.Args
	var (
		status, name, key, mjs, ojs string
		nextLine                    int
	)
	err := s.db.QueryRow(ctx, `SELECT status, filename, blob_key, mapping, options, next_line FROM imports WHERE company_id = ? AND id = ?`,
		a.CompanyID, a.ImportID).Scan(&status, &name, &key, &mjs, &ojs, &nextLine)
	if errors.Is(err, sql.ErrNoRows) {
		return river.JobCancel(errors.New("import gone"))
	}
	if err != nil {
		return err
	}
	if status != "running" {
		return nil
	}
	var mapping map[string]string
	var opts ImportOptions
	if err := json.Unmarshal([]byte(mjs), &mapping); err != nil {
		return s.failImport(ctx, a, "bad mapping")
	}
	if err := json.Unmarshal([]byte(ojs), &opts); err != nil {
		return s.failImport(ctx, a, "bad options")
	}
	tmp, size, err := s.download(ctx, key)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	run, err := s.newImportRun(ctx, a.CompanyID, mapping, opts)
	if err != nil {
		return err
	}
	if nextLine == 0 {
		total, err := countRows(tmp, size, name)
		if err != nil {
			return s.failImport(ctx, a, err.Error())
		}
		if _, err := s.db.Exec(ctx, `UPDATE imports SET total = ? WHERE company_id = ? AND id = ?`, total, a.CompanyID, a.ImportID); err != nil {
			return err
		}
	}
	r, err := spreadsheet.Open(tmp, size, name, spreadsheet.Options{MaxLineBytes: 1 << 20, MaxColumns: 200})
	if err != nil {
		return s.failImport(ctx, a, err.Error())
	}
	defer r.Close()
	headers, err := readHeader(r)
	if err != nil {
		return s.failImport(ctx, a, err.Error())
	}
	run.columns(headers)
	// Reading and checking rows (phone parsing is the costly part) runs on
	// one goroutine while batches are written on this one: the database has
	// one writer, so the second core parses.
	batches := make(chan []parsedRow, 2)
	readErr := make(chan error, 1)
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(batches)
		batch := make([]parsedRow, 0, importBatch)
		for {
			row, err := r.Next()
			if err != nil && err != io.EOF {
				readErr <- err
				return
			}
			if err == nil && row.Line > nextLine {
				p, reason := run.parse(row)
				batch = append(batch, parsedRow{row: row, p: p, reason: reason})
			}
			if len(batch) == importBatch || (err == io.EOF && len(batch) > 0) {
				select {
				case batches <- batch:
				case <-readCtx.Done():
					readErr <- readCtx.Err() // the writer must not wait for a result that never comes
					return
				}
				batch = make([]parsedRow, 0, importBatch)
			}
			if err == io.EOF {
				readErr <- nil
				return
			}
		}
	}()
	for batch := range batches {
		if err := s.importBatch(ctx, a, run, batch); err != nil {
			return err
		}
		if afterBatch != nil {
			afterBatch()
		}
	}
	if err := <-readErr; err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // interrupted: the job resumes from its last batch
		}
		return s.failImport(ctx, a, err.Error())
	}
	// Lists and counts plan on statistics a large import made stale.
	if err := s.db.Refresh(ctx, "contacts", "contact_addresses", "contact_tags"); err != nil {
		s.logger.Warn("import: refreshing table statistics failed", "import_id", a.ImportID, "err", err)
	}
	_, err = s.db.Exec(ctx, `UPDATE imports SET status = 'completed', finished_at = ? WHERE company_id = ? AND id = ? AND status = 'running'`,
		db.Now(), a.CompanyID, a.ImportID)
	if err == nil {
		_ = s.imports.bucket.Delete(ctx, key)
		s.progress(a, "completed")
	}
	return err
}

// progress tells live clients an import moved (import.progress).
func (s *Service) progress(a ImportArgs, status string) {
	if s.Progress != nil {
		s.Progress(a.CompanyID, a.ImportID, status)
	}
}

func (s *Service) failImport(ctx context.Context, a ImportArgs, msg string) error {
	_, err := s.db.Exec(ctx, `UPDATE imports SET status = 'failed', error = ?, finished_at = ? WHERE company_id = ? AND id = ?`,
		msg, db.Now(), a.CompanyID, a.ImportID)
	if err != nil {
		return err
	}
	s.progress(a, "failed")
	return river.JobCancel(errors.New(msg))
}

func (s *Service) download(ctx context.Context, key string) (*os.File, int64, error) {
	rd, err := s.imports.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("read upload: %w", err)
	}
	defer rd.Close()
	tmp, err := os.CreateTemp("", "masteria-import-*")
	if err != nil {
		return nil, 0, err
	}
	n, err := io.Copy(tmp, rd)
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, 0, fmt.Errorf("read upload: %w", err)
	}
	return tmp, n, nil
}

func countRows(f io.ReaderAt, size int64, name string) (int, error) {
	r, err := spreadsheet.Open(f, size, name, spreadsheet.Options{MaxLineBytes: 1 << 20, MaxColumns: 200})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := -1 // the header
	for {
		_, err := r.Next()
		if err == io.EOF {
			return max(n, 0), nil
		}
		if err != nil {
			return 0, err
		}
		n++
	}
}
