package campaigns

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/store/db"
)

// Pacing makes a campaign send like a person would: a random pause between
// messages and a cap on campaign messages per number per day. WhatsApp Web
// numbers need it to avoid bans; any channel may use it.
//
// Decisions:
//   - The pause is drawn anew after every message from [DelayMin,
//     DelayMax] seconds and kept in the database (campaign_pacing); the
//     slot is claimed with a conditional write before the message is
//     queued, so several instances and a restart keep the pause (a slot
//     whose recipient was found gone is simply spent). The connection's own
//     rate still applies on top.
//   - The daily cap counts every campaign message the number was given
//     since midnight in the company's time zone, whatever the campaign,
//     since the ban risk is the number's. A campaign at the cap waits and
//     goes on by itself the next day.
type Pacing struct {
	DelayMin int `json:"delay_min_seconds,omitempty"`
	DelayMax int `json:"delay_max_seconds,omitempty"`
	DailyCap int `json:"daily_cap,omitempty"`
}

func (p Pacing) check(v apierr.Validation) {
	if p.DelayMin < 0 || p.DelayMax < 0 || p.DelayMin > 3600 || p.DelayMax > 3600 || p.DelayMax < p.DelayMin {
		v.Add("pacing", "invalid_delay")
	}
	if p.DailyCap < 0 || p.DailyCap > 1000000 {
		v.Add("pacing.daily_cap", "out_of_range")
	}
}

// delayed says whether messages wait a random pause between them.
func (p Pacing) delayed() bool { return p.DelayMax > 0 }

// draw picks the next pause.
func (p Pacing) draw() time.Duration {
	span := p.DelayMax - p.DelayMin
	ms := p.DelayMin * 1000
	if span > 0 {
		ms += rand.IntN(span*1000 + 1)
	}
	return time.Duration(ms) * time.Millisecond
}

// claimSlot takes the campaign's next sending slot on the connection if
// its time has come, and sets the one after: a conditional write, so that
// of several instances only one queues a message per pause.
func claimSlot(ctx context.Context, q db.Querier, campaignID, connID string, now, next time.Time) (bool, error) {
	res, err := q.Exec(ctx, `INSERT INTO campaign_pacing (campaign_id, connection_id, next_at) VALUES (?, ?, ?)
		ON CONFLICT (campaign_id, connection_id) DO UPDATE SET next_at = excluded.next_at
		WHERE campaign_pacing.next_at <= ?`, campaignID, connID, next.UTC(), now.UTC())
	if err != nil {
		return false, fmt.Errorf("campaign pacing: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// sentToday counts the campaign messages a number was given since midnight
// in the zone.
func sentToday(ctx context.Context, q db.Querier, companyID, connID, zone string, now time.Time) (int, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	local := now.In(loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	var n int
	// The type/lane term repeats the index's condition so that both
	// databases use messages_reach.
	err = q.QueryRow(ctx, `SELECT count(*) FROM messages WHERE company_id = ? AND connection_id = ? AND direction = 'outbound'
		AND (type = 'template' OR lane = 2) AND lane = 2 AND created_at >= ? AND status IN `+reachStatuses,
		companyID, connID, midnight.UTC()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("campaign messages today: %w", err)
	}
	return n, nil
}

// paced trims how many recipients the feeder may queue on a connection now
// by the campaign's pacing; reason says why none may go.
func (f *feeder) paced(ctx context.Context, c Campaign, connID string, n int, now time.Time) (int, string, error) {
	p := c.Pacing
	if p.DailyCap > 0 {
		var zone string
		if err := f.s.db.QueryRow(ctx, `SELECT time_zone FROM companies WHERE id = ?`, c.companyID).Scan(&zone); err != nil {
			return 0, "", err
		}
		today, err := sentToday(ctx, f.s.db, c.companyID, connID, zone, now)
		if err != nil {
			return 0, "", err
		}
		if today >= p.DailyCap {
			return 0, WaitDailyCap, nil
		}
		n = min(n, p.DailyCap-today)
	}
	if p.delayed() {
		ok, err := claimSlot(ctx, f.s.db, c.ID, connID, now, now.Add(p.draw()))
		if err != nil || !ok {
			return 0, "", err
		}
		n = min(n, 1)
	}
	return n, "", nil
}
