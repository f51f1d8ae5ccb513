package connections

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/simulator"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
)

// Adapters builds the channel adapter of a connection.
type Adapters struct {
	Graph *http.Client // operator-configured Graph URL
	// Guarded reaches tenant-set URLs (a connection's own Graph URL).
	Guarded   *http.Client
	Scheduler simulator.Scheduler
	Options   Options
}

// Cloud returns the Graph API client of a WhatsApp Cloud connection.
func (a *Adapters) Cloud(c Resolved) (*whatsappcloud.Client, error) {
	if c.Type != channel.WhatsAppCloud {
		return nil, fmt.Errorf("connection %s is %s, not %s", c.ID, c.Type, channel.WhatsAppCloud)
	}
	st := c.Settings()
	base, hc := a.Options.GraphURL, a.Graph
	if st.GraphURL != "" {
		base, hc = st.GraphURL, a.Guarded
	}
	return whatsappcloud.New(whatsappcloud.Config{
		BaseURL: base, Version: a.Options.GraphVersion, AccessToken: c.Secrets.AccessToken,
		PhoneNumberID: st.PhoneNumberID, WABAID: st.WABAID, AppID: st.AppID, HTTP: hc,
	}), nil
}

// Sender returns what sends for the connection.
func (a *Adapters) Sender(_ context.Context, c Resolved) (channel.Sender, error) {
	switch c.Type {
	case channel.WhatsAppCloud:
		return a.Cloud(c)
	case channel.Simulator:
		return &simulator.Sender{CompanyID: c.CompanyID, ConnectionID: c.ID, Delay: c.DeliveryDelay(), Scheduler: a.Scheduler}, nil
	}
	return nil, fmt.Errorf("no adapter for connection type %q", c.Type)
}

// TestResult is what the "test connection" action found.
type TestResult struct {
	OK    bool           `json:"ok"`
	Info  map[string]any `json:"info"`
	Error *TestError     `json:"error,omitempty"`
}

// TestError is the provider's refusal, explained.
type TestError struct {
	Code    int    `json:"code,omitempty"`
	Message string `json:"message"`
	Meaning string `json:"meaning,omitempty"`
}

// Test reads the number's details from the provider and records them; a
// refused token marks the connection as needing attention, a working one
// clears that mark.
func (s *Service) Test(ctx context.Context, companyID, id string, a *Adapters) (TestResult, error) {
	if _, err := s.Get(ctx, companyID, id); err != nil {
		return TestResult{}, err
	}
	c, err := s.Resolve(ctx, id)
	if err != nil {
		return TestResult{}, err
	}
	var info map[string]any
	switch c.Type {
	case channel.Simulator:
		info = map[string]any{"display_phone_number": "Simulator", "verified_name": c.Name, "quality_rating": "GREEN",
			"throughput": "simulated", "messaging_limit": "unlimited"}
		if n := c.Settings().MessagingLimit; n > 0 {
			info["messaging_limit"] = strconv.Itoa(n)
		}
	case channel.WhatsAppCloud:
		client, err := a.Cloud(c)
		if err != nil {
			return TestResult{}, err
		}
		n, err := client.PhoneNumber(ctx)
		if err != nil {
			var ce *channel.Error
			if !errors.As(err, &ce) {
				return TestResult{}, err
			}
			if ce.Class == channel.NeedsAttention {
				if err := s.SetStatus(ctx, s.db, companyID, id, NeedsAttention, ce.Meaning); err != nil {
					return TestResult{}, err
				}
			}
			return TestResult{Error: &TestError{Code: ce.Code, Message: ce.Message, Meaning: ce.Meaning}}, nil
		}
		info = map[string]any{"display_phone_number": n.DisplayPhoneNumber, "verified_name": n.VerifiedName,
			"quality_rating": n.QualityRating, "throughput": n.Throughput, "messaging_limit": n.MessagingLimit}
	}
	info["tested_at"] = time.Now().UTC().Format(time.RFC3339)
	if err := s.MergeInfo(ctx, s.db, companyID, id, info); err != nil {
		return TestResult{}, err
	}
	if c.Status == NeedsAttention {
		if err := s.SetStatus(ctx, s.db, companyID, id, Active, ""); err != nil {
			return TestResult{}, err
		}
	}
	return TestResult{OK: true, Info: info}, nil
}
