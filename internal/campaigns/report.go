package campaigns

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/store/db"
)

// Report is what a campaign's report page shows. Its numbers come from the
// same recipient rows as Stats and the recipients list, so they agree.
type Report struct {
	Funnel      Funnel          `json:"funnel"`
	Failures    []FailureGroup  `json:"failures"`
	Skips       []FailureGroup  `json:"skips"`
	Connections []ConnectionRow `json:"connections"`
	Timeline    []TimelinePoint `json:"timeline"`
}

// Funnel counts how far recipients got; each stage includes the later
// ones (a read message was also delivered and sent).
type Funnel struct {
	Targeted      int `json:"targeted"`
	Skipped       int `json:"skipped"`
	Sent          int `json:"sent"`
	Delivered     int `json:"delivered"`
	Read          int `json:"read"`
	Replied       int `json:"replied"`
	Failed        int `json:"failed"`
	OptedOutAfter int `json:"opted_out_after"`
	Waiting       int `json:"waiting"` // pending or queued
}

// FailureGroup is every recipient that failed (or was skipped) for one
// reason, with what it means.
type FailureGroup struct {
	Code    string `json:"code"`
	Count   int    `json:"count"`
	Meaning string `json:"meaning"`
}

// ConnectionRow is one number's share of the campaign.
type ConnectionRow struct {
	ConnectionID string `json:"connection_id"`
	Name         string `json:"name"`
	Stats
}

// TimelinePoint counts the sends of one minute.
type TimelinePoint struct {
	At   time.Time `json:"at"`
	Sent int       `json:"sent"`
}

// ourMeanings explain the codes Masteria itself gives.
var ourMeanings = map[string]string{
	"opted_out":        "The contact opted out of messages.",
	"no_consent":       "No opt-in is recorded for this contact, and the company requires one for marketing.",
	"canceled":         "The campaign was canceled before this message was sent.",
	"send_interrupted": "The server stopped while this message was being handed to the provider; it may or may not have left, so it was not sent again.",
	"outcome_unknown":  "The provider did not answer after the message was handed over; it may have been sent, so it was not sent again.",
	"window_closed":    "The 24-hour window was closed; only templates may be sent.",
}

// Meaning explains a failure or skip code for people: Masteria's own codes
// first, then Meta's table. Exported so that every report grouping failures
// by code (the dashboard too) explains them in the same words.
func Meaning(code string) string {
	if m, ok := ourMeanings[code]; ok {
		return m
	}
	if n, err := strconv.Atoi(code); err == nil {
		_, m := whatsappcloud.Explain(n)
		return m
	}
	return ""
}

// Report builds a campaign's report.
func (s *Service) Report(ctx context.Context, companyID, id string) (Report, error) {
	c, err := s.Get(ctx, companyID, id)
	if err != nil {
		return Report{}, err
	}
	st := c.Stats
	r := Report{Failures: []FailureGroup{}, Skips: []FailureGroup{}, Connections: []ConnectionRow{}, Timeline: []TimelinePoint{}}
	r.Funnel = Funnel{Targeted: st.Total, Skipped: st.Skipped, Failed: st.Failed, Replied: st.Replied,
		Read: st.Read + st.Replied, Delivered: st.Delivered + st.Read + st.Replied,
		Sent: st.Sent + st.Delivered + st.Read + st.Replied, Waiting: st.Pending + st.Queued}
	if !c.StartedAt.IsZero() {
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM campaign_recipients r JOIN contacts c ON c.id = r.contact_id
			WHERE r.campaign_id = ? AND r.status IN ('sent', 'delivered', 'read', 'replied') AND c.consent_state = 'opted_out' AND c.consent_at > ?`,
			id, c.StartedAt.Time).Scan(&r.Funnel.OptedOutAfter); err != nil {
			return r, fmt.Errorf("opt-outs after: %w", err)
		}
	}
	for _, g := range []struct {
		status string
		dst    *[]FailureGroup
	}{{"failed", &r.Failures}, {"skipped", &r.Skips}} {
		rows, err := s.db.Query(ctx, `SELECT error_code, count(*) FROM campaign_recipients WHERE campaign_id = ? AND status = ?
			GROUP BY error_code ORDER BY count(*) DESC, error_code`, id, g.status)
		if err != nil {
			return r, fmt.Errorf("failures: %w", err)
		}
		for rows.Next() {
			var f FailureGroup
			if err := rows.Scan(&f.Code, &f.Count); err != nil {
				rows.Close()
				return r, err
			}
			f.Meaning = Meaning(f.Code)
			*g.dst = append(*g.dst, f)
		}
		rows.Close()
	}
	rows, err := s.db.Query(ctx, `SELECT r.connection_id, n.name, r.status, count(*) FROM campaign_recipients r
		LEFT JOIN connections n ON n.id = r.connection_id WHERE r.campaign_id = ? GROUP BY r.connection_id, n.name, r.status`, id)
	if err != nil {
		return r, fmt.Errorf("per connection: %w", err)
	}
	at := map[string]int{}
	for rows.Next() {
		var conn, name sql.NullString
		var status string
		var n int
		if err := rows.Scan(&conn, &name, &status, &n); err != nil {
			rows.Close()
			return r, err
		}
		i, ok := at[conn.String]
		if !ok {
			i = len(r.Connections)
			at[conn.String] = i
			r.Connections = append(r.Connections, ConnectionRow{ConnectionID: conn.String, Name: name.String})
		}
		r.Connections[i].Stats.add(status, n)
	}
	rows.Close()
	// Sends per minute, bucketed here: the SQL stays the same on both
	// databases.
	trows, err := s.db.Query(ctx, `SELECT sent_at FROM campaign_recipients WHERE campaign_id = ? AND sent_at IS NOT NULL`, id)
	if err != nil {
		return r, fmt.Errorf("timeline: %w", err)
	}
	defer trows.Close()
	buckets := map[time.Time]int{}
	for trows.Next() {
		var t db.Time
		if err := trows.Scan(&t); err != nil {
			return r, err
		}
		buckets[t.UTC().Truncate(time.Minute)]++
	}
	if err := trows.Err(); err != nil {
		return r, err
	}
	for t, n := range buckets {
		r.Timeline = append(r.Timeline, TimelinePoint{At: t, Sent: n})
	}
	slices.SortFunc(r.Timeline, func(a, b TimelinePoint) int { return a.At.Compare(b.At) })
	return r, nil
}
