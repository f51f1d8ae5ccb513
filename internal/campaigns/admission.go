package campaigns

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/store/db"
)

// Admission control: Meta lets a business portfolio reach only so many
// unique people with business-initiated messages over a moving 24 hours
// (its messaging limit tier: 250, 2,000, 10,000, 100,000, unlimited),
// shared by every number of the portfolio. A campaign that would go over it
// is deferred: the feeder queues only what the limit has room for and the
// rest waits for the window to move, instead of Meta refusing it.
//
// Decisions:
//   - The tier is what the provider last told us (the connection's test
//     action and phone_number_quality_update webhooks, kept in its info);
//     an unknown tier is not guessed, so nothing is held back until the
//     connection has been tested once. A Simulator connection can imitate a
//     tier (config messaging_limit) so the behaviour can be tried.
//   - Numbers share a limit when their info names the same portfolio
//     (portfolio_id) or, failing that, the same WABA; a Simulator number
//     has its own.
//   - Reached people are counted from our own messages: distinct contacts
//     of outbound templates and campaign messages created in the last 24
//     hours that did not fail. That over-counts people whose service window
//     was open (Meta does not count them), which errs on the side of
//     deferring rather than being refused.

// reachWindow is Meta's moving window for the messaging limit.
const reachWindow = 24 * time.Hour

// reachStatuses are the message statuses that reach (or are about to reach)
// a person.
const reachStatuses = `('queued', 'sending', 'sent', 'delivered', 'read')`

// TierLimit reads a messaging limit as Meta names it (TIER_250, TIER_2K,
// TIER_100K, TIER_UNLIMITED) or as a number; 0 means no limit is known.
func TierLimit(tier string) int {
	t := strings.ToUpper(strings.TrimSpace(tier))
	t = strings.TrimPrefix(t, "TIER_")
	mult := 1
	switch {
	case strings.HasSuffix(t, "K"):
		mult, t = 1000, strings.TrimSuffix(t, "K")
	case strings.HasSuffix(t, "M"):
		mult, t = 1000000, strings.TrimSuffix(t, "M")
	}
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 {
		return 0 // UNLIMITED, empty or unknown
	}
	return n * mult
}

// reachGroup is the numbers of a company that share one messaging limit.
type reachGroup struct {
	key   string
	tier  string
	limit int // 0: unlimited or not known
	conns []string
}

func infoString(info map[string]any, key string) string {
	s, _ := info[key].(string)
	return s
}

// groupKey names the limit a connection counts against.
func groupKey(c connections.Connection) string {
	if c.Type != channel.WhatsAppCloud {
		return "connection:" + c.ID
	}
	if p := infoString(c.Info, "portfolio_id"); p != "" {
		return "portfolio:" + p
	}
	return "waba:" + c.Settings().WABAID
}

func tierOf(c connections.Connection) string {
	if c.Type == channel.Simulator {
		if n := c.Settings().MessagingLimit; n > 0 {
			return strconv.Itoa(n)
		}
		return ""
	}
	return infoString(c.Info, "messaging_limit")
}

// reachGroups returns the limit groups of a company's connections, by key.
func (s *Service) reachGroups(ctx context.Context, companyID string) (map[string]*reachGroup, error) {
	all, err := s.conns.List(ctx, companyID)
	if err != nil {
		return nil, err
	}
	groups := map[string]*reachGroup{}
	for _, c := range all {
		k := groupKey(c)
		g := groups[k]
		if g == nil {
			g = &reachGroup{key: k}
			groups[k] = g
		}
		g.conns = append(g.conns, c.ID)
		if tier := tierOf(c); tier != "" && g.tier == "" {
			g.tier, g.limit = tier, TierLimit(tier)
		}
	}
	return groups, nil
}

// reached counts the distinct people the connections reached with
// business-initiated messages since the time.
func reached(ctx context.Context, q db.Querier, companyID string, conns []string, since time.Time) (int, error) {
	if len(conns) == 0 {
		return 0, nil
	}
	args := []any{companyID}
	for _, c := range conns {
		args = append(args, c)
	}
	args = append(args, since)
	var n int
	err := q.QueryRow(ctx, `SELECT count(DISTINCT contact_id) FROM messages
		WHERE company_id = ? AND connection_id IN (`+db.Marks(len(conns))+`) AND direction = 'outbound' AND (type = 'template' OR lane = 2)
		AND created_at >= ? AND status IN `+reachStatuses, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("messaging limit reach: %w", err)
	}
	return n, nil
}

// Reach is how much of a messaging limit a campaign would use, as the
// wizard shows it before a start.
type Reach struct {
	ConnectionIDs []string `json:"connection_ids"` // the campaign's numbers that share this limit
	Tier          string   `json:"tier"`
	Limit         int      `json:"limit"`     // unique people per 24 hours; 0 unlimited
	Used          int      `json:"used"`      // reached in the last 24 hours
	Available     int      `json:"available"` // room left now
	Campaign      int      `json:"campaign"`  // eligible recipients on these numbers (about, by rotation)
	Deferred      int      `json:"deferred"`  // of those, how many wait for the window to move
}

// reachFor says, for each limit the campaign's connections count against,
// how much the campaign's eligible recipients would use.
func (s *Service) reachFor(ctx context.Context, companyID string, connIDs []string, eligible int) ([]Reach, error) {
	groups, err := s.reachGroups(ctx, companyID)
	if err != nil {
		return nil, err
	}
	out := []Reach{}
	seen := map[string]int{}
	for _, id := range connIDs {
		for k, g := range groups {
			if !slices.Contains(g.conns, id) {
				continue
			}
			i, ok := seen[k]
			if !ok {
				i = len(out)
				seen[k] = i
				r := Reach{Tier: g.tier, Limit: g.limit, ConnectionIDs: []string{}}
				if g.limit > 0 {
					used, err := reached(ctx, s.db, companyID, g.conns, s.now().Add(-reachWindow))
					if err != nil {
						return nil, err
					}
					r.Used, r.Available = used, max(0, g.limit-used)
				}
				out = append(out, r)
			}
			out[i].ConnectionIDs = append(out[i].ConnectionIDs, id)
		}
	}
	for i := range out {
		// Recipients are rotated evenly over the campaign's numbers.
		out[i].Campaign = eligible * len(out[i].ConnectionIDs) / max(1, len(connIDs))
		if out[i].Limit > 0 {
			out[i].Deferred = max(0, out[i].Campaign-out[i].Available)
		}
	}
	return out, nil
}

// reachCache keeps a limit group's count between reads: the feeder adds
// what it queues and reads the database again every few seconds, or at
// once when the room left is small.
type reachCache struct {
	at   time.Time
	used int
}

const reachReread = 5 * time.Second

// room says how many more people a connection's limit lets the feeder
// queue now, and the key to count them against (empty when no limit
// applies).
func (f *feeder) room(ctx context.Context, companyID, connID string, want int, now time.Time) (n int, key string, err error) {
	groups, err := f.groupsOf(ctx, companyID, now)
	if err != nil {
		return 0, "", err
	}
	var g *reachGroup
	for _, gr := range groups {
		if slices.Contains(gr.conns, connID) {
			g = gr
		}
	}
	if g == nil || g.limit == 0 {
		return 0, "", nil
	}
	key = companyID + "/" + g.key
	f.mu.Lock()
	c, cached := f.reach[key]
	f.mu.Unlock()
	if !cached || now.Sub(c.at) >= reachReread || g.limit-c.used <= want {
		used, err := reached(ctx, f.s.db, companyID, g.conns, now.Add(-reachWindow))
		if err != nil {
			return 0, "", err
		}
		c = reachCache{at: now, used: used}
		f.mu.Lock()
		f.reach[key] = c
		f.mu.Unlock()
	}
	return max(0, g.limit-c.used), key, nil
}

// groupsOf is a company's limit groups, read again every few seconds
// rather than on every round of every connection (a new tier counts from
// then on).
func (f *feeder) groupsOf(ctx context.Context, companyID string, now time.Time) (map[string]*reachGroup, error) {
	f.mu.Lock()
	c, ok := f.groups[companyID]
	f.mu.Unlock()
	if ok && now.Sub(c.at) < reachReread {
		return c.groups, nil
	}
	groups, err := f.s.reachGroups(ctx, companyID)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.groups[companyID] = groupsCache{at: now, groups: groups}
	f.mu.Unlock()
	return groups, nil
}

type groupsCache struct {
	at     time.Time
	groups map[string]*reachGroup
}

// reachUsed counts people just queued against a limit.
func (f *feeder) reachUsed(key string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rc, ok := f.reach[key]; ok {
		rc.used += n
		f.reach[key] = rc
	}
}
