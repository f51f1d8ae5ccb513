package whatsappcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/channel"
)

// Defaults for Config fields left empty.
const (
	DefaultBaseURL = "https://graph.facebook.com"
	DefaultVersion = "v25.0"
)

// maxJSON bounds every JSON answer read from Meta; the largest real one
// (a page of 100 templates) is far below it.
const maxJSON = 1 << 20

// Config is one WhatsApp Cloud connection.
type Config struct {
	BaseURL string // DefaultBaseURL when empty; tests point it at fakegraph
	Version string // DefaultVersion when empty

	AccessToken   string
	PhoneNumberID string
	WABAID        string
	AppID         string // needed only by UploadSample

	HTTP *http.Client // a client with a response-header timeout when nil
}

// Client calls the Graph API for one connection. It is safe for concurrent
// use.
type Client struct {
	cfg  Config
	http *http.Client
	base string // BaseURL/Version, no trailing slash
}

var _ channel.Sender = (*Client)(nil)

// New builds a Client; it does not call Meta.
func New(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	hc := cfg.HTTP
	if hc == nil {
		// No overall timeout: a 100 MB download may take long, and callers
		// bound calls with ctx. A Meta that accepts the connection and says
		// nothing must still not hold a worker forever.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = 60 * time.Second
		hc = &http.Client{Transport: tr}
	}
	return &Client{
		cfg:  cfg,
		http: hc,
		base: strings.TrimRight(cfg.BaseURL, "/") + "/" + strings.Trim(cfg.Version, "/"),
	}
}

// request is one call to the Graph API.
type request struct {
	method      string
	path        string // after the version, without the leading slash
	query       url.Values
	body        io.Reader
	contentType string
	header      http.Header
}

// call sends req and decodes a 2xx JSON answer into out (when not nil).
// Failures come back as *channel.Error in the chain.
func (c *Client) call(ctx context.Context, req request, out any) error {
	u := c.base + "/" + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u, req.body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	for k, v := range req.header {
		hr.Header[k] = v
	}
	if hr.Header.Get("Authorization") == "" {
		hr.Header.Set("Authorization", "Bearer "+c.cfg.AccessToken)
	}
	if req.contentType != "" {
		hr.Header.Set("Content-Type", req.contentType)
	}
	hr.Header.Set("Accept", "application/json")
	return c.do(hr, out)
}

func (c *Client) do(hr *http.Request, out any) error {
	resp, err := c.http.Do(hr)
	if err != nil {
		return transportError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJSON+1))
	if err != nil {
		return transportError(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if len(body) > maxJSON {
			body = nil
		}
		return apiError(resp.StatusCode, body)
	}
	if len(body) > maxJSON {
		return fmt.Errorf("answer over %d bytes", maxJSON)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// postJSON sends in as JSON to path and decodes the answer into out.
func (c *Client) postJSON(ctx context.Context, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	return c.call(ctx, request{method: http.MethodPost, path: path, body: bytes.NewReader(b), contentType: "application/json"}, out)
}

// NumberInfo is what Meta says about the connection's phone number.
type NumberInfo struct {
	ID                 string
	DisplayPhoneNumber string
	VerifiedName       string
	QualityRating      string // GREEN, YELLOW, RED, UNKNOWN
	Throughput         string // throughput level, e.g. STANDARD, HIGH
	MessagingLimit     string // e.g. TIER_2K, TIER_UNLIMITED
}

// numberFields asks for the portfolio-wide messaging limit: Meta deprecated
// messaging_limit_tier when limits moved to the business portfolio
// (October 2025), and asking for a removed field fails the whole call. An
// answer that still carries messaging_limit_tier is read too.
const numberFields = "display_phone_number,verified_name,quality_rating,throughput,whatsapp_business_manager_messaging_limit"

// PhoneNumber reads the number's display form, name, quality and limits.
func (c *Client) PhoneNumber(ctx context.Context) (NumberInfo, error) {
	var w struct {
		ID                 string `json:"id"`
		DisplayPhoneNumber string `json:"display_phone_number"`
		VerifiedName       string `json:"verified_name"`
		QualityRating      string `json:"quality_rating"`
		Throughput         struct {
			Level string `json:"level"`
		} `json:"throughput"`
		MessagingLimitTier string    `json:"messaging_limit_tier"`
		PortfolioLimit     flexLimit `json:"whatsapp_business_manager_messaging_limit"`
	}
	q := url.Values{"fields": {numberFields}}
	if err := c.call(ctx, request{method: http.MethodGet, path: url.PathEscape(c.cfg.PhoneNumberID), query: q}, &w); err != nil {
		return NumberInfo{}, fmt.Errorf("whatsappcloud: phone number %s: %w", c.cfg.PhoneNumberID, err)
	}
	limit := string(w.PortfolioLimit)
	if limit == "" {
		limit = w.MessagingLimitTier
	}
	return NumberInfo{
		ID:                 w.ID,
		DisplayPhoneNumber: w.DisplayPhoneNumber,
		VerifiedName:       w.VerifiedName,
		QualityRating:      w.QualityRating,
		Throughput:         w.Throughput.Level,
		MessagingLimit:     limit,
	}, nil
}

// flexLimit accepts the portfolio messaging limit either as a tier string
// or as an object carrying one, since Meta documents the field loosely.
type flexLimit string

func (f *flexLimit) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*f = flexLimit(s)
		return nil
	}
	var o map[string]any
	if json.Unmarshal(b, &o) == nil {
		for _, k := range []string{"current_limit", "messaging_limit", "tier", "limit"} {
			if v, ok := o[k]; ok {
				*f = flexLimit(fmt.Sprint(v))
				return nil
			}
		}
	}
	return nil
}
