package whatsappcloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/masteria/masteria/internal/channel"
)

// MB is the megabyte of Meta's media limits.
const MB = 1024 * 1024

// MaxMediaSize is the largest file WhatsApp accepts per media kind. Stickers
// get the animated limit (static ones are held to 100 KB by Meta itself).
var MaxMediaSize = map[string]int64{
	channel.TypeImage:    5 * MB,
	channel.TypeAudio:    16 * MB,
	channel.TypeVideo:    16 * MB,
	channel.TypeDocument: 100 * MB,
	channel.TypeSticker:  500 * 1024,
}

// MediaTypes lists the MIME types WhatsApp accepts per media kind.
var MediaTypes = map[string][]string{
	channel.TypeImage: {"image/jpeg", "image/png"},
	channel.TypeAudio: {"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"},
	channel.TypeVideo: {"video/mp4", "video/3gpp"},
	channel.TypeDocument: {
		"text/plain", "application/pdf",
		"application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	},
	channel.TypeSticker: {"image/webp"},
}

// CheckMedia says whether WhatsApp accepts a file of this MIME type and size
// as kind, before the upload spends time and bandwidth. Errors wrap
// ErrTooLarge or ErrMediaType.
func CheckMedia(kind, mimeType string, size int64) error {
	max, ok := MaxMediaSize[kind]
	if !ok {
		return fmt.Errorf("whatsappcloud: %q is not a media kind: %w", kind, ErrMediaType)
	}
	mt, _, err := mime.ParseMediaType(mimeType)
	if err != nil || !accepted(kind, mt) {
		return fmt.Errorf("whatsappcloud: a %s cannot be %q: %w", kind, mimeType, ErrMediaType)
	}
	if size > max {
		return fmt.Errorf("whatsappcloud: a %s of %d bytes is over the %d-byte limit: %w", kind, size, max, ErrTooLarge)
	}
	return nil
}

func accepted(kind, mt string) bool {
	for _, t := range MediaTypes[kind] {
		if t == mt {
			return true
		}
	}
	return false
}

// UploadMedia uploads a file to Meta for later sends by id; the id lives
// 30 days. The file streams through; it is never held whole in memory.
func (c *Client) UploadMedia(ctx context.Context, r io.Reader, filename, mimeType string) (string, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		pw.CloseWithError(writeUpload(mw, r, filename, mimeType))
	}()
	var out struct {
		ID string `json:"id"`
	}
	err := c.call(ctx, request{
		method:      http.MethodPost,
		path:        url.PathEscape(c.cfg.PhoneNumberID) + "/media",
		body:        pr,
		contentType: mw.FormDataContentType(),
	}, &out)
	// Unblocks the writer when the request ended before reading it all,
	// and waits for it so that r is the caller's again on return.
	pr.CloseWithError(errors.New("upload ended"))
	<-wrote
	if err != nil {
		return "", fmt.Errorf("whatsappcloud: upload %s: %w", filename, err)
	}
	if out.ID == "" {
		return "", fmt.Errorf("whatsappcloud: upload %s: answer carries no media id", filename)
	}
	return out.ID, nil
}

func writeUpload(mw *multipart.Writer, r io.Reader, filename, mimeType string) error {
	if err := mw.WriteField("messaging_product", "whatsapp"); err != nil {
		return err
	}
	if err := mw.WriteField("type", mimeType); err != nil {
		return err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
	h.Set("Content-Type", mimeType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, r); err != nil {
		return fmt.Errorf("read file: %w", err)
	}
	return mw.Close()
}

// MediaInfo is Meta's record of an uploaded or received file.
type MediaInfo struct {
	ID       string
	URL      string // valid for about 5 minutes, needs the bearer token
	MimeType string
	SHA256   string
	FileSize int64
}

// MediaInfo looks up a media id, giving the short-lived URL to download it.
func (c *Client) MediaInfo(ctx context.Context, id string) (MediaInfo, error) {
	var w struct {
		ID       string   `json:"id"`
		URL      string   `json:"url"`
		MimeType string   `json:"mime_type"`
		SHA256   string   `json:"sha256"`
		FileSize flexSize `json:"file_size"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, path: url.PathEscape(id)}, &w); err != nil {
		return MediaInfo{}, fmt.Errorf("whatsappcloud: media %s: %w", id, err)
	}
	return MediaInfo{ID: w.ID, URL: w.URL, MimeType: w.MimeType, SHA256: w.SHA256, FileSize: int64(w.FileSize)}, nil
}

// flexSize reads file_size as a number or a numeric string: Meta's answers
// and documentation disagree.
type flexSize int64

func (f *flexSize) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("file_size %s: %w", b, err)
	}
	*f = flexSize(n)
	return nil
}

// DownloadMedia copies the file at a MediaInfo URL into w, at most max
// bytes. Over max it stops with ErrTooLarge, having written part of the
// file: callers write to a temporary place and discard it then. An expired
// or unknown URL gives ErrNotFound.
func (c *Client) DownloadMedia(ctx context.Context, mediaURL string, max int64, w io.Writer) (int64, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil {
		return 0, fmt.Errorf("whatsappcloud: download: %w", err)
	}
	hr.Header.Set("Authorization", "Bearer "+c.cfg.AccessToken)
	// Meta's media host refuses some requests without a User-Agent.
	hr.Header.Set("User-Agent", "masteria")
	resp, err := c.http.Do(hr)
	if err != nil {
		return 0, fmt.Errorf("whatsappcloud: download: %w", transportError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return 0, fmt.Errorf("whatsappcloud: download: the media URL expired or the media was deleted: %w", ErrNotFound)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxJSON))
		return 0, fmt.Errorf("whatsappcloud: download: %w", apiError(resp.StatusCode, body))
	}
	if resp.ContentLength > max {
		return 0, fmt.Errorf("whatsappcloud: download: %d bytes over the %d-byte maximum: %w", resp.ContentLength, max, ErrTooLarge)
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, max))
	if err != nil {
		return n, fmt.Errorf("whatsappcloud: download: %w", transportError(err))
	}
	// A body without a length (chunked) shows its excess only here.
	if extra, _ := io.CopyN(io.Discard, resp.Body, 1); extra > 0 {
		return n, fmt.Errorf("whatsappcloud: download: over the %d-byte maximum: %w", max, ErrTooLarge)
	}
	return n, nil
}
