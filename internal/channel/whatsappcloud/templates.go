package whatsappcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxTemplatePages stops a paging loop that Meta (or a proxy) never ends;
// a WABA holds at most 250 templates, three pages of 100.
const maxTemplatePages = 50

// Template is a message template as Meta keeps it.
type Template struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Language       string          `json:"language"`
	Status         string          `json:"status"`   // PENDING, APPROVED, REJECTED, PAUSED, DISABLED
	Category       string          `json:"category"` // MARKETING, UTILITY, AUTHENTICATION
	RejectedReason string          `json:"rejected_reason,omitempty"`
	Components     json.RawMessage `json:"components,omitempty"`
}

// TemplateInput is a template to create or edit; Components is Meta's own
// JSON array, which the template editor builds.
type TemplateInput struct {
	Name       string          `json:"name,omitempty"`
	Language   string          `json:"language,omitempty"`
	Category   string          `json:"category,omitempty"`
	Components json.RawMessage `json:"components,omitempty"`
}

// Templates lists every template of the WABA, following Meta's pages.
// The next page is asked for with the after cursor against the configured
// base URL rather than by following paging.next, so that the token only
// ever goes to the base URL.
func (c *Client) Templates(ctx context.Context) ([]Template, error) {
	var all []Template
	after := ""
	for page := 0; ; page++ {
		if page == maxTemplatePages {
			return nil, fmt.Errorf("whatsappcloud: templates: more than %d pages", maxTemplatePages)
		}
		q := url.Values{
			"limit":  {"100"},
			"fields": {"id,name,language,status,category,components,rejected_reason"},
		}
		if after != "" {
			q.Set("after", after)
		}
		var resp struct {
			Data   []Template `json:"data"`
			Paging struct {
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
				Next string `json:"next"`
			} `json:"paging"`
		}
		path := url.PathEscape(c.cfg.WABAID) + "/message_templates"
		if err := c.call(ctx, request{method: http.MethodGet, path: path, query: q}, &resp); err != nil {
			return nil, fmt.Errorf("whatsappcloud: templates page %d: %w", page+1, err)
		}
		all = append(all, resp.Data...)
		next := resp.Paging.Cursors.After
		// Meta keeps the cursors on the last page; only paging.next says
		// there is more.
		if resp.Paging.Next == "" || next == "" || next == after || len(resp.Data) == 0 {
			return all, nil
		}
		after = next
	}
}

// CreateTemplate submits a template for review; Meta answers with its id,
// its status (usually PENDING) and the category it settled on, which may
// differ from the one asked for.
func (c *Client) CreateTemplate(ctx context.Context, in TemplateInput) (id, status, category string, err error) {
	if in.Name == "" || in.Language == "" || in.Category == "" || len(in.Components) == 0 {
		return "", "", "", fmt.Errorf("whatsappcloud: create template: %w", invalid("a template needs a name, language, category and components"))
	}
	var out struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Category string `json:"category"`
	}
	if err := c.postJSON(ctx, url.PathEscape(c.cfg.WABAID)+"/message_templates", in, &out); err != nil {
		return "", "", "", fmt.Errorf("whatsappcloud: create template %s/%s: %w", in.Name, in.Language, err)
	}
	return out.ID, out.Status, out.Category, nil
}

// EditTemplate changes a template's category or components; Meta does not
// allow renaming or changing the language.
func (c *Client) EditTemplate(ctx context.Context, id string, in TemplateInput) error {
	if id == "" {
		return fmt.Errorf("whatsappcloud: edit template: %w", invalid("the template id is empty"))
	}
	body := TemplateInput{Category: in.Category, Components: in.Components}
	if err := c.postJSON(ctx, url.PathEscape(id), body, nil); err != nil {
		return fmt.Errorf("whatsappcloud: edit template %s: %w", id, err)
	}
	return nil
}

// DeleteTemplate deletes a template. With an id only that language goes;
// with the name alone Meta deletes every language of it.
func (c *Client) DeleteTemplate(ctx context.Context, name, id string) error {
	if name == "" {
		return fmt.Errorf("whatsappcloud: delete template: %w", invalid("the template name is empty"))
	}
	q := url.Values{"name": {name}}
	if id != "" {
		q.Set("hsm_id", id)
	}
	path := url.PathEscape(c.cfg.WABAID) + "/message_templates"
	if err := c.call(ctx, request{method: http.MethodDelete, path: path, query: q}, nil); err != nil {
		return fmt.Errorf("whatsappcloud: delete template %s: %w", name, err)
	}
	return nil
}

// UploadSample sends a header sample (image, video, PDF) through Meta's
// resumable upload and returns the handle that template components cite in
// example.header_handle. The upload belongs to the app, not the WABA, so
// it needs Config.AppID.
func (c *Client) UploadSample(ctx context.Context, r io.Reader, size int64, mimeType string) (string, error) {
	if c.cfg.AppID == "" {
		return "", fmt.Errorf("whatsappcloud: upload sample: %w", invalid("the Meta app id is needed to upload a template sample; set it on the connection"))
	}
	if size <= 0 || mimeType == "" {
		return "", fmt.Errorf("whatsappcloud: upload sample: %w", invalid("the sample needs a size and a MIME type"))
	}
	q := url.Values{"file_length": {strconv.FormatInt(size, 10)}, "file_type": {mimeType}}
	var session struct {
		ID string `json:"id"`
	}
	if err := c.call(ctx, request{method: http.MethodPost, path: url.PathEscape(c.cfg.AppID) + "/uploads", query: q}, &session); err != nil {
		return "", fmt.Errorf("whatsappcloud: upload sample session: %w", err)
	}
	if !strings.HasPrefix(session.ID, "upload:") {
		return "", fmt.Errorf("whatsappcloud: upload sample: unexpected session id %q", session.ID)
	}
	// The session id is a path with its own query ("upload:…?sig=…"), so
	// it is appended as Meta gave it. This step wants OAuth, not Bearer.
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+session.ID, io.LimitReader(r, size))
	if err != nil {
		return "", fmt.Errorf("whatsappcloud: upload sample: %w", err)
	}
	hr.ContentLength = size
	hr.Header.Set("Authorization", "OAuth "+c.cfg.AccessToken)
	hr.Header.Set("file_offset", "0")
	hr.Header.Set("Content-Type", mimeType)
	var out struct {
		H string `json:"h"`
	}
	if err := c.do(hr, &out); err != nil {
		return "", fmt.Errorf("whatsappcloud: upload sample: %w", err)
	}
	if out.H == "" {
		return "", fmt.Errorf("whatsappcloud: upload sample: answer carries no handle")
	}
	return out.H, nil
}
