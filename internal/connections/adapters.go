package connections

import (
	"context"
	"fmt"
	"net/http"

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
