// Package media keeps the files of messages: inbound media is fetched from
// the provider (media id → short-lived URL → download with the token) or
// from the Simulator's link (through the guarded client, since a tenant typed
// it) into the blob store, and served to the UI through authenticated URLs.
//
// Decisions:
//   - Fetching is a River job per file, enqueued in the transaction that
//     stores the message, retried with backoff for transient failures (five
//     attempts); a permanent failure (too large, a type WhatsApp does not
//     allow, gone at the provider) marks the message's media failed with the
//     reason, shown in the timeline.
//   - Limits per kind are WhatsApp's (whatsappcloud.MaxMediaSize); a link
//     from the Simulator is held to the same limits.
//   - Blob keys are media/<company>/<message> for fetched files and
//     uploads/<company>/<random> for files agents attach (kept before the
//     message exists, and uploaded to the provider when it leaves): erasing
//     a contact deletes its messages' files by the key each message holds.
package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/egress"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Enqueuer inserts jobs in a transaction.
type Enqueuer interface {
	Insert(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// Service fetches and serves message files.
type Service struct {
	db          *db.DB
	bucket      *blob.Bucket
	connections *connections.Service
	adapters    *connections.Adapters
	guarded     *egress.Client
	jobs        Enqueuer
	logger      *slog.Logger
}

// NewService returns a Service.
func NewService(d *db.DB, bucket *blob.Bucket, conns *connections.Service, adapters *connections.Adapters, guarded *egress.Client, jobs Enqueuer, logger *slog.Logger) *Service {
	return &Service{db: d, bucket: bucket, connections: conns, adapters: adapters, guarded: guarded, jobs: jobs, logger: logger}
}

// Key is where a message's file is kept.
func Key(companyID, messageID string) string { return "media/" + companyID + "/" + messageID }

// FetchArgs asks for a message's file.
type FetchArgs struct {
	CompanyID string `json:"company_id"`
	MessageID string `json:"message_id"`
}

// Kind names the job.
func (FetchArgs) Kind() string { return "media.fetch" }

// InsertOpts: five tries, then the media is marked failed.
func (FetchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, Queue: river.QueueDefault}
}

// Enqueue schedules the fetch of a message's file, in tx.
func (s *Service) Enqueue(ctx context.Context, tx *db.Tx, companyID, messageID string) error {
	return s.jobs.Insert(ctx, tx, FetchArgs{CompanyID: companyID, MessageID: messageID}, nil)
}

// FetchWorker runs fetch jobs.
type FetchWorker struct {
	river.WorkerDefaults[FetchArgs]
	Service *Service
}

// Timeout bounds one download (100 MB documents on slow links).
func (w *FetchWorker) Timeout(*river.Job[FetchArgs]) time.Duration { return 5 * time.Minute }

// Work fetches the file; the last failed attempt marks the media failed.
func (w *FetchWorker) Work(ctx context.Context, job *river.Job[FetchArgs]) error {
	err := w.Service.Fetch(ctx, job.Args.CompanyID, job.Args.MessageID)
	var perm *permanentError
	if errors.As(err, &perm) || (err != nil && job.Attempt >= job.MaxAttempts) {
		w.Service.logger.Warn("media fetch failed", "message_id", job.Args.MessageID, "err", err)
		return w.Service.markFailed(ctx, job.Args.CompanyID, job.Args.MessageID, reason(err))
	}
	return err
}

// permanentError is a failure that another try would repeat.
type permanentError struct{ msg string }

func (e *permanentError) Error() string { return e.msg }

func permanent(format string, args ...any) error {
	return &permanentError{fmt.Sprintf(format, args...)}
}

func reason(err error) string {
	var perm *permanentError
	if errors.As(err, &perm) {
		return perm.msg
	}
	return "The file could not be downloaded after several tries."
}

type stored struct {
	Media *channel.Media `json:"media"`
}

// Fetch downloads a message's file into the bucket.
func (s *Service) Fetch(ctx context.Context, companyID, messageID string) error {
	m, err := conversations.MessageByID(ctx, s.db, companyID, messageID)
	if err != nil {
		if _, ok := apierr.As(err); ok {
			return nil // erased since: nothing to fetch
		}
		return err
	}
	if m.Media != nil && m.Media.Status == "stored" {
		return nil
	}
	var c stored
	if err := json.Unmarshal(m.Content, &c); err != nil || c.Media == nil {
		return permanent("The message has no file.")
	}
	max, ok := whatsappcloud.MaxMediaSize[m.Type]
	if !ok {
		return permanent("A %s message carries no file.", m.Type)
	}
	if m.ConnectionID == nil {
		return permanent("The connection of this message was deleted.")
	}
	conn, err := s.connections.Resolve(ctx, *m.ConnectionID)
	if err != nil {
		return permanent("The connection of this message was deleted.")
	}
	var (
		body     io.ReadCloser
		mimeType string
	)
	switch {
	case c.Media.ID != "" && conn.Type == channel.WhatsAppCloud:
		body, mimeType, err = s.fromCloud(ctx, conn, c.Media, m.Type, max)
	case c.Media.Link != "":
		body, mimeType, err = s.fromLink(ctx, c.Media.Link, max)
	default:
		return permanent("The message's file cannot be fetched from this connection.")
	}
	if err != nil {
		return err
	}
	defer body.Close()
	if m.Type != channel.TypeDocument {
		// Documents may be any type a person sends; the others must be
		// what WhatsApp allows, so that the browser shows them safely.
		if err := whatsappcloud.CheckMedia(m.Type, mimeType, 0); err != nil {
			return permanent("A %s of type %s is not accepted.", m.Type, mimeType)
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, Key(companyID, messageID), &blob.WriterOptions{ContentType: mimeType})
	if err != nil {
		return fmt.Errorf("open blob: %w", err)
	}
	n, err := io.Copy(w, io.LimitReader(body, max+1))
	if err == nil && n > max {
		err = permanent("The file is larger than the %d MB WhatsApp allows for a %s.", max>>20, m.Type)
	}
	if err != nil {
		cancel() // discards the partial blob
		_ = w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write blob: %w", err)
	}
	c.Media.MimeType = mimeType
	content := map[string]any{}
	_ = json.Unmarshal(m.Content, &content)
	content["media"] = c.Media
	js, _ := json.Marshal(content)
	_, err = s.db.Exec(ctx, `UPDATE messages SET media_key = ?, media_status = 'stored', media_error = '', content = ? WHERE company_id = ? AND id = ?`,
		Key(companyID, messageID), string(js), companyID, messageID)
	return err
}

func (s *Service) fromCloud(ctx context.Context, conn connections.Resolved, media *channel.Media, kind string, max int64) (io.ReadCloser, string, error) {
	client, err := s.adapters.Cloud(conn)
	if err != nil {
		return nil, "", err
	}
	info, err := client.MediaInfo(ctx, media.ID)
	if err != nil {
		var ce *channel.Error
		if errors.As(err, &ce) && !ce.Class.Retryable() {
			return nil, "", permanent("WhatsApp no longer has this file (%s).", ce.Message)
		}
		return nil, "", err
	}
	if info.FileSize > max {
		return nil, "", permanent("The file is larger than the %d MB WhatsApp allows for a %s.", max>>20, kind)
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := client.DownloadMedia(ctx, info.URL, max, pw)
		switch {
		case errors.Is(err, whatsappcloud.ErrTooLarge):
			err = permanent("The file is larger than the %d MB WhatsApp allows for a %s.", max>>20, kind)
		case errors.Is(err, whatsappcloud.ErrNotFound):
			err = permanent("WhatsApp no longer has this file.")
		}
		pw.CloseWithError(err)
	}()
	return pr, firstNonEmpty(info.MimeType, media.MimeType), nil
}

func (s *Service) fromLink(ctx context.Context, link string, max int64) (io.ReadCloser, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, "", permanent("The link is not valid.")
	}
	resp, err := s.guarded.Do(req)
	if err != nil {
		if errors.Is(err, egress.ErrForbiddenAddress) || errors.Is(err, egress.ErrScheme) || errors.Is(err, egress.ErrUserinfo) ||
			errors.Is(err, egress.ErrInvalidURL) || errors.Is(err, egress.ErrTooManyRedirects) {
			return nil, "", permanent("The link points to an address Masteria does not fetch.")
		}
		return nil, "", err
	}
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		resp.Body.Close()
		return nil, "", permanent("The link answered %d: the file is not there.", resp.StatusCode)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body.Close()
		if resp.StatusCode >= 500 || resp.StatusCode == 429 {
			return nil, "", fmt.Errorf("media link answered %d", resp.StatusCode)
		}
		return nil, "", permanent("The link answered %d.", resp.StatusCode)
	}
	if resp.ContentLength > max {
		resp.Body.Close()
		return nil, "", permanent("The file is larger than the %d MB allowed.", max>>20)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return resp.Body, firstNonEmpty(mt, "application/octet-stream"), nil
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

func (s *Service) markFailed(ctx context.Context, companyID, messageID, why string) error {
	_, err := s.db.Exec(ctx, `UPDATE messages SET media_status = 'failed', media_error = ? WHERE company_id = ? AND id = ?`,
		why, companyID, messageID)
	return err
}

// File is a stored file being served.
type File struct {
	io.ReadCloser
	ContentType string
	Size        int64
	Filename    string
}

// Open returns a message's stored file.
func (s *Service) Open(ctx context.Context, companyID, messageID string) (File, error) {
	m, err := conversations.MessageByID(ctx, s.db, companyID, messageID)
	if err != nil {
		return File{}, err
	}
	if m.Media == nil || m.Media.Status != "stored" || m.MediaKey == "" {
		return File{}, apierr.New(http.StatusNotFound, "media_not_available", "This message's file is not available.")
	}
	r, err := s.bucket.NewReader(ctx, m.MediaKey, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return File{}, apierr.New(http.StatusNotFound, "media_not_available", "This message's file is not available.")
		}
		return File{}, fmt.Errorf("open media: %w", err)
	}
	return File{ReadCloser: r, ContentType: r.ContentType(), Size: r.Size(), Filename: m.Media.Filename}, nil
}

// Delete removes files by key (erasure).
func (s *Service) Delete(ctx context.Context, keys []string) error {
	var errs []error
	for _, k := range keys {
		if k == "" {
			continue
		}
		if err := s.bucket.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Kind says what media type a file an agent attaches is sent as: the kind
// WhatsApp accepts its MIME type for, else a document.
func Kind(mimeType string) string {
	for _, kind := range []string{channel.TypeImage, channel.TypeVideo, channel.TypeAudio} {
		if whatsappcloud.CheckMedia(kind, mimeType, 0) == nil {
			return kind
		}
	}
	if mt, _, _ := mime.ParseMediaType(mimeType); mt == "image/webp" {
		return channel.TypeSticker
	}
	return channel.TypeDocument
}

// TooLarge is the refusal of an attachment over its kind's limit.
func TooLarge(kind string) error {
	max := whatsappcloud.MaxMediaSize[kind]
	size := fmt.Sprintf("%d MB", max/whatsappcloud.MB)
	if max < whatsappcloud.MB {
		size = fmt.Sprintf("%d KB", max/1024)
	}
	return apierr.New(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("This file is too large: WhatsApp accepts a %s of up to %s.", kind, size))
}

// Put keeps a file an agent attaches, refusing more than its kind allows;
// the key goes on the message, which is sent from it.
func (s *Service) Put(ctx context.Context, companyID, kind, mimeType string, r io.Reader) (key string, size int64, err error) {
	max := whatsappcloud.MaxMediaSize[kind]
	key = "uploads/" + companyID + "/" + ids.New()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{ContentType: mimeType})
	if err != nil {
		return "", 0, fmt.Errorf("open blob: %w", err)
	}
	n, err := io.Copy(w, io.LimitReader(r, max+1))
	if err == nil && n > max {
		err = TooLarge(kind)
	}
	if err == nil && n == 0 {
		err = apierr.Field("file", "empty_file")
	}
	if err != nil {
		cancel() // discards the partial blob
		_ = w.Close()
		return "", 0, err
	}
	if err := w.Close(); err != nil {
		return "", 0, fmt.Errorf("write blob: %w", err)
	}
	return key, n, nil
}

// OpenKey reads a kept file by its key.
func (s *Service) OpenKey(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.bucket.NewReader(ctx, key, nil)
}
