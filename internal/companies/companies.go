// Package companies owns tenants: companies, their settings, who belongs to
// them (memberships with roles) and invitations to join.
//
// Roles are ordered: agent < admin < owner. Admins manage the team, keys and
// settings; only owners grant or take away ownership, and a company always
// keeps at least one owner (checked inside the transaction that would remove
// the last one, so two admins acting at once cannot both succeed).
package companies

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	// Companies keep their days in a named time zone (protocols, sending
	// windows, the dashboard); the binary carries the zone database so that a
	// host or container without one still knows them.
	_ "time/tzdata"

	"github.com/nyaruka/phonenumbers"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Role is a member's role in a company.
type Role string

const (
	Agent Role = "agent"
	Admin Role = "admin"
	Owner Role = "owner"
)

// Rank orders roles; unknown roles rank below every real one.
func (r Role) Rank() int {
	switch r {
	case Agent:
		return 1
	case Admin:
		return 2
	case Owner:
		return 3
	}
	return 0
}

// AtLeast says whether r may do what min may.
func (r Role) AtLeast(min Role) bool { return r.Rank() >= min.Rank() && r.Rank() > 0 }

// Company is a tenant.
type Company struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	TimeZone       string     `json:"time_zone"`
	DefaultCountry string     `json:"default_country"`
	BusinessHours  []DayHours `json:"business_hours"`
	// Words that, sent alone, opt a contact out or back in; the inbound
	// pipeline applies them, ignoring case. Stored upper-case.
	OptOutKeywords []string `json:"optout_keywords"`
	OptInKeywords  []string `json:"optin_keywords"`
	// Why conversations end: a list agents pick from when resolving, and
	// whether picking one is required.
	ClosingReasons        []string `json:"closing_reasons"`
	ClosingReasonRequired bool     `json:"closing_reason_required"`
	// Marketing campaigns skip contacts with no recorded opt-in.
	CampaignsRequireOptIn bool    `json:"campaigns_require_opt_in"`
	CreatedAt             db.Time `json:"created_at"`
}

// Ref is how other objects name a company.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// DayHours is one weekday's opening hours; Day 0 is Sunday.
type DayHours struct {
	Day   int    `json:"day"`
	Open  bool   `json:"open"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// DefaultHours is Monday to Friday, 09:00 to 18:00.
func DefaultHours() []DayHours {
	h := make([]DayHours, 7)
	for d := range h {
		h[d] = DayHours{Day: d, Open: d >= 1 && d <= 5, Start: "09:00", End: "18:00"}
	}
	return h
}

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Settings is what PATCH /company may change; nil fields stay as they are.
type Settings struct {
	Name                  *string     `json:"name"`
	TimeZone              *string     `json:"time_zone"`
	DefaultCountry        *string     `json:"default_country"`
	BusinessHours         *[]DayHours `json:"business_hours"`
	OptOutKeywords        *[]string   `json:"optout_keywords"`
	OptInKeywords         *[]string   `json:"optin_keywords"`
	ClosingReasons        *[]string   `json:"closing_reasons"`
	ClosingReasonRequired *bool       `json:"closing_reason_required"`
	CampaignsRequireOptIn *bool       `json:"campaigns_require_opt_in"`
}

// CheckName validates a company name.
func CheckName(v apierr.Validation, field, name string) string {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		v.Add(field, "required")
	case len([]rune(name)) > 100:
		v.Add(field, "too_long")
	}
	return name
}

func checkSettings(s Settings) error {
	v := apierr.Validation{}
	if s.Name != nil {
		*s.Name = CheckName(v, "name", *s.Name)
	}
	if s.TimeZone != nil {
		if _, err := time.LoadLocation(*s.TimeZone); err != nil || *s.TimeZone == "" || *s.TimeZone == "Local" {
			v.Add("time_zone", "invalid_time_zone")
		}
	}
	if s.DefaultCountry != nil {
		c := strings.ToUpper(strings.TrimSpace(*s.DefaultCountry))
		if phonenumbers.GetCountryCodeForRegion(c) == 0 {
			v.Add("default_country", "invalid_country")
		}
		*s.DefaultCountry = c
	}
	if s.BusinessHours != nil {
		h := *s.BusinessHours
		seen := map[int]bool{}
		if len(h) != 7 {
			v.Add("business_hours", "seven_days_required")
		}
		for _, d := range h {
			if d.Day < 0 || d.Day > 6 || seen[d.Day] {
				v.Add("business_hours", "seven_days_required")
			}
			seen[d.Day] = true
			if !hhmm.MatchString(d.Start) || !hhmm.MatchString(d.End) {
				v.Add("business_hours", "invalid_time")
			} else if d.Open && d.Start >= d.End {
				v.Add("business_hours", "end_before_start")
			}
		}
	}
	for field, kw := range map[string]*[]string{"optout_keywords": s.OptOutKeywords, "optin_keywords": s.OptInKeywords} {
		if kw == nil {
			continue
		}
		if len(*kw) > 50 {
			v.Add(field, "too_many")
		}
		for i, w := range *kw {
			w = strings.ToUpper(strings.TrimSpace(w))
			if w == "" || len([]rune(w)) > 30 {
				v.Add(field, "invalid_keyword")
			}
			(*kw)[i] = w
		}
	}
	if s.ClosingReasons != nil {
		list := *s.ClosingReasons
		seen := map[string]bool{}
		clean := make([]string, 0, len(list))
		for _, r := range list {
			r = strings.TrimSpace(r)
			if r == "" || len([]rune(r)) > 80 || seen[strings.ToLower(r)] {
				v.Add("closing_reasons", "invalid_closing_reasons")
				break
			}
			seen[strings.ToLower(r)] = true
			clean = append(clean, r)
		}
		if len(list) > 50 {
			v.Add("closing_reasons", "too_many")
		}
		*s.ClosingReasons = clean
	}
	if s.OptOutKeywords != nil && s.OptInKeywords != nil {
		for _, a := range *s.OptOutKeywords {
			for _, b := range *s.OptInKeywords {
				if a == b {
					v.Add("optin_keywords", "keyword_in_both_lists")
				}
			}
		}
	}
	return v.Err()
}

// Service manages companies and memberships.
type Service struct {
	db *db.DB
}

// NewService returns a Service.
func NewService(d *db.DB) *Service { return &Service{db: d} }

// Insert creates a company and makes userID its owner, in the caller's
// transaction.
func Insert(ctx context.Context, tx *db.Tx, name, userID string) (Company, error) {
	now := db.Now()
	c := Company{ID: ids.New(), Name: name, TimeZone: "America/Sao_Paulo", DefaultCountry: "BR",
		BusinessHours: DefaultHours(), CreatedAt: db.Time{Time: now},
		OptOutKeywords: []string{"SAIR", "PARAR", "STOP", "CANCELAR", "DESCADASTRAR", "UNSUBSCRIBE"},
		OptInKeywords:  []string{"VOLTAR", "START"}}
	hours, _ := json.Marshal(c.BusinessHours)
	if _, err := tx.Exec(ctx, `INSERT INTO companies (id, name, time_zone, default_country, business_hours, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Name, c.TimeZone, c.DefaultCountry, string(hours), now, now); err != nil {
		return Company{}, fmt.Errorf("insert company: %w", err)
	}
	if err := AddMember(ctx, tx, c.ID, userID, Owner); err != nil {
		return Company{}, err
	}
	return c, nil
}

// AddMember adds userID to a company with role.
func AddMember(ctx context.Context, tx *db.Tx, companyID, userID string, role Role) error {
	_, err := tx.Exec(ctx, `INSERT INTO memberships (company_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
		companyID, userID, string(role), db.Now())
	if err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return retireResetLinks(ctx, tx, userID)
}

// Create makes a new company owned by userID (an agency adding a client).
func (s *Service) Create(ctx context.Context, userID, name string) (Company, error) {
	v := apierr.Validation{}
	name = CheckName(v, "name", name)
	if err := v.Err(); err != nil {
		return Company{}, err
	}
	var c Company
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if c, err = Insert(ctx, tx, name, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, c.ID, "company.created", "company", c.ID, map[string]any{"name": name})
	})
	return c, err
}

const sqlCompany = `
SELECT id, name, time_zone, default_country, business_hours, optout_keywords, optin_keywords,
       closing_reasons, closing_reason_required, campaigns_require_opt_in, created_at
  FROM companies
 WHERE id = ?`

// Get returns a company.
func (s *Service) Get(ctx context.Context, companyID string) (Company, error) {
	return get(ctx, s.db, companyID)
}

func get(ctx context.Context, q db.Querier, companyID string) (Company, error) {
	var c Company
	var hours, optout, optin, reasons string
	err := q.QueryRow(ctx, sqlCompany, companyID).Scan(&c.ID, &c.Name, &c.TimeZone, &c.DefaultCountry, &hours, &optout, &optin,
		&reasons, &c.ClosingReasonRequired, &c.CampaignsRequireOptIn, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Company{}, apierr.NotFound()
	}
	if err != nil {
		return Company{}, fmt.Errorf("company %s: %w", companyID, err)
	}
	if err := json.Unmarshal([]byte(hours), &c.BusinessHours); err != nil {
		c.BusinessHours = DefaultHours()
	}
	c.OptOutKeywords, c.OptInKeywords = []string{}, []string{}
	_ = json.Unmarshal([]byte(optout), &c.OptOutKeywords)
	_ = json.Unmarshal([]byte(optin), &c.OptInKeywords)
	c.ClosingReasons = []string{}
	_ = json.Unmarshal([]byte(reasons), &c.ClosingReasons)
	return c, nil
}

// NameOf reads a company's name in q (a caller's transaction).
func NameOf(ctx context.Context, q db.Querier, companyID string) (string, error) {
	c, err := get(ctx, q, companyID)
	return c.Name, err
}

// lockCompany serializes changes to a company's team: on PostgreSQL two
// transactions demoting the last two owners would otherwise each see the
// other still an owner (READ COMMITTED), and both succeed.
func lockCompany(ctx context.Context, tx *db.Tx, companyID string) error {
	if _, err := tx.Exec(ctx, `UPDATE companies SET updated_at = ? WHERE id = ?`, db.Now(), companyID); err != nil {
		return fmt.Errorf("lock company: %w", err)
	}
	return nil
}

// revokeKeysOf ends the API keys a member made when they lose the right to
// have them (removed, or no longer an admin): a key must not outlive the
// authority of whoever made it.
func revokeKeysOf(ctx context.Context, tx *db.Tx, companyID, userID string) error {
	if _, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE company_id = ? AND created_by = ? AND revoked_at IS NULL`,
		db.Now(), companyID, userID); err != nil {
		return fmt.Errorf("revoke keys: %w", err)
	}
	return nil
}

// retireResetLinks voids unused password-reset links of a user whose
// memberships change: an admin's link was allowed for who the person was then.
func retireResetLinks(ctx context.Context, tx *db.Tx, userID string) error {
	if _, err := tx.Exec(ctx, `UPDATE user_tokens SET used_at = ? WHERE user_id = ? AND purpose = 'password_reset' AND used_at IS NULL`,
		db.Now(), userID); err != nil {
		return fmt.Errorf("retire reset links: %w", err)
	}
	return nil
}

// Update changes a company's settings.
func (s *Service) Update(ctx context.Context, companyID string, in Settings) (Company, error) {
	if err := checkSettings(in); err != nil {
		return Company{}, err
	}
	var out Company
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := get(ctx, tx, companyID)
		if err != nil {
			return err
		}
		changed := map[string]any{}
		if in.Name != nil && *in.Name != c.Name {
			c.Name, changed["name"] = *in.Name, *in.Name
		}
		if in.TimeZone != nil && *in.TimeZone != c.TimeZone {
			c.TimeZone, changed["time_zone"] = *in.TimeZone, *in.TimeZone
		}
		if in.DefaultCountry != nil && *in.DefaultCountry != c.DefaultCountry {
			c.DefaultCountry, changed["default_country"] = *in.DefaultCountry, *in.DefaultCountry
		}
		if in.BusinessHours != nil {
			c.BusinessHours, changed["business_hours"] = *in.BusinessHours, true
		}
		if in.OptOutKeywords != nil {
			c.OptOutKeywords, changed["optout_keywords"] = *in.OptOutKeywords, *in.OptOutKeywords
		}
		if in.OptInKeywords != nil {
			c.OptInKeywords, changed["optin_keywords"] = *in.OptInKeywords, *in.OptInKeywords
		}
		if in.ClosingReasons != nil {
			c.ClosingReasons, changed["closing_reasons"] = *in.ClosingReasons, *in.ClosingReasons
		}
		if in.ClosingReasonRequired != nil && *in.ClosingReasonRequired != c.ClosingReasonRequired {
			c.ClosingReasonRequired, changed["closing_reason_required"] = *in.ClosingReasonRequired, *in.ClosingReasonRequired
		}
		if in.CampaignsRequireOptIn != nil && *in.CampaignsRequireOptIn != c.CampaignsRequireOptIn {
			c.CampaignsRequireOptIn, changed["campaigns_require_opt_in"] = *in.CampaignsRequireOptIn, *in.CampaignsRequireOptIn
		}
		hours, _ := json.Marshal(c.BusinessHours)
		optout, _ := json.Marshal(c.OptOutKeywords)
		optin, _ := json.Marshal(c.OptInKeywords)
		reasons, _ := json.Marshal(c.ClosingReasons)
		if _, err := tx.Exec(ctx, `UPDATE companies SET name = ?, time_zone = ?, default_country = ?, business_hours = ?,
			optout_keywords = ?, optin_keywords = ?, closing_reasons = ?, closing_reason_required = ?, campaigns_require_opt_in = ?, updated_at = ?
			WHERE id = ?`, c.Name, c.TimeZone, c.DefaultCountry, string(hours), string(optout), string(optin),
			string(reasons), c.ClosingReasonRequired, c.CampaignsRequireOptIn, db.Now(), companyID); err != nil {
			return fmt.Errorf("update company: %w", err)
		}
		out = c
		if len(changed) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, companyID, "company.updated", "company", companyID, changed)
	})
	return out, err
}

// Membership is one company a user belongs to.
type Membership struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// Memberships lists a user's companies, oldest membership first.
func (s *Service) Memberships(ctx context.Context, userID string) ([]Membership, error) {
	rows, err := s.db.Query(ctx, `SELECT c.id, c.name, m.role
		  FROM memberships m JOIN companies c ON c.id = m.company_id
		 WHERE m.user_id = ?
		 ORDER BY m.created_at, c.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("memberships: %w", err)
	}
	defer rows.Close()
	out := []Membership{}
	for rows.Next() {
		var m Membership
		if err := rows.Scan(&m.ID, &m.Name, &m.Role); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// RoleOf returns userID's role in companyID, or a 404 error when not a member.
func (s *Service) RoleOf(ctx context.Context, companyID, userID string) (Role, error) {
	return roleOf(ctx, s.db, companyID, userID)
}

func roleOf(ctx context.Context, q db.Querier, companyID, userID string) (Role, error) {
	var r Role
	err := q.QueryRow(ctx, `SELECT role FROM memberships WHERE company_id = ? AND user_id = ?`, companyID, userID).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apierr.NotFound()
	}
	if err != nil {
		return "", fmt.Errorf("role: %w", err)
	}
	return r, nil
}

// Member is a person in a company's team.
type Member struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Email    string  `json:"email"`
	Role     Role    `json:"role"`
	JoinedAt db.Time `json:"joined_at"`
	// In the inbox: online, away or offline; at most Capacity open
	// conversations by auto-assignment (nil: no limit).
	Availability      string `json:"availability"`
	Capacity          *int   `json:"capacity"`
	OpenConversations int    `json:"open_conversations"`
}

const sqlMembers = `
SELECT u.id, u.name, u.email, m.role, m.created_at, m.availability, m.capacity,
       (SELECT count(*) FROM conversations v WHERE v.company_id = m.company_id AND v.assignee_id = m.user_id AND v.status <> 'resolved')
  FROM memberships m JOIN users u ON u.id = m.user_id
 WHERE m.company_id = ?`

func scanMember(sc interface{ Scan(...any) error }) (Member, error) {
	var m Member
	var capacity sql.NullInt64
	err := sc.Scan(&m.ID, &m.Name, &m.Email, &m.Role, &m.JoinedAt, &m.Availability, &capacity, &m.OpenConversations)
	if capacity.Valid {
		n := int(capacity.Int64)
		m.Capacity = &n
	}
	return m, err
}

// Availabilities an agent may set.
var Availabilities = map[string]bool{"online": true, "away": true, "offline": true}

// SetAvailability records whether a member takes conversations now.
func (s *Service) SetAvailability(ctx context.Context, companyID, userID, availability string) error {
	if !Availabilities[availability] {
		return apierr.Field("availability", "invalid_availability")
	}
	res, err := s.db.Exec(ctx, `UPDATE memberships SET availability = ? WHERE company_id = ? AND user_id = ?`, availability, companyID, userID)
	if err != nil {
		return fmt.Errorf("availability: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apierr.NotFound()
	}
	return nil
}

// Availability reads a member's availability.
func (s *Service) Availability(ctx context.Context, companyID, userID string) (string, error) {
	var a string
	err := s.db.QueryRow(ctx, `SELECT availability FROM memberships WHERE company_id = ? AND user_id = ?`, companyID, userID).Scan(&a)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apierr.NotFound()
	}
	return a, err
}

// SetCapacity sets the most open conversations auto-assignment gives a
// member; nil removes the limit.
func (s *Service) SetCapacity(ctx context.Context, companyID, userID string, capacity *int) (Member, error) {
	if capacity != nil && (*capacity < 1 || *capacity > 1000) {
		return Member{}, apierr.Field("capacity", "invalid_capacity")
	}
	var c any
	if capacity != nil {
		c = *capacity
	}
	var out Member
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE memberships SET capacity = ? WHERE company_id = ? AND user_id = ?`, c, companyID, userID)
		if err != nil {
			return fmt.Errorf("capacity: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apierr.NotFound()
		}
		if out, err = member(ctx, tx, companyID, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, companyID, "member.capacity_changed", "user", userID, map[string]any{"capacity": c})
	})
	return out, err
}

// Members lists the team, oldest first.
func (s *Service) Members(ctx context.Context, companyID string) ([]Member, error) {
	rows, err := s.db.Query(ctx, sqlMembers+` ORDER BY m.created_at, u.id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Member returns one member.
func (s *Service) Member(ctx context.Context, companyID, userID string) (Member, error) {
	return member(ctx, s.db, companyID, userID)
}

func member(ctx context.Context, q db.Querier, companyID, userID string) (Member, error) {
	m, err := scanMember(q.QueryRow(ctx, sqlMembers+` AND m.user_id = ?`, companyID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return Member{}, apierr.NotFound()
	}
	if err != nil {
		return Member{}, fmt.Errorf("member: %w", err)
	}
	return m, nil
}

var errLastOwner = apierr.Conflict("last_owner", "A company needs at least one owner: make someone else owner first.")

func ownerGuard(actor Role, from, to Role) error {
	if (from == Owner || to == Owner) && actor != Owner {
		return apierr.Forbidden("Only an owner can grant or remove ownership.")
	}
	return nil
}

func ensureAnotherOwner(ctx context.Context, tx *db.Tx, companyID, userID string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE company_id = ? AND role = 'owner' AND user_id <> ?`,
		companyID, userID).Scan(&n); err != nil {
		return fmt.Errorf("count owners: %w", err)
	}
	if n == 0 {
		return errLastOwner
	}
	return nil
}

// SetRole changes a member's role. actor is the role of whoever asks.
func (s *Service) SetRole(ctx context.Context, companyID string, actor Role, userID string, role Role) (Member, error) {
	if role.Rank() == 0 {
		return Member{}, apierr.Field("role", "invalid_role")
	}
	var out Member
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := lockCompany(ctx, tx, companyID); err != nil {
			return err
		}
		m, err := member(ctx, tx, companyID, userID)
		if err != nil {
			return err
		}
		if err := ownerGuard(actor, m.Role, role); err != nil {
			return err
		}
		if m.Role == Owner && role != Owner {
			if err := ensureAnotherOwner(ctx, tx, companyID, userID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE memberships SET role = ? WHERE company_id = ? AND user_id = ?`, string(role), companyID, userID); err != nil {
			return fmt.Errorf("set role: %w", err)
		}
		if !role.AtLeast(Admin) {
			if err := revokeKeysOf(ctx, tx, companyID, userID); err != nil {
				return err
			}
		}
		from := m.Role
		m.Role = role
		out = m
		return audit.Record(ctx, tx, companyID, "member.role_changed", "user", userID,
			map[string]any{"email": m.Email, "from": from, "to": role})
	})
	return out, err
}

// RemoveMember takes someone out of the team and ends their sessions there.
func (s *Service) RemoveMember(ctx context.Context, companyID string, actor Role, userID string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := lockCompany(ctx, tx, companyID); err != nil {
			return err
		}
		m, err := member(ctx, tx, companyID, userID)
		if err != nil {
			return err
		}
		if err := ownerGuard(actor, m.Role, m.Role); err != nil {
			return err
		}
		if m.Role == Owner {
			if err := ensureAnotherOwner(ctx, tx, companyID, userID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM memberships WHERE company_id = ? AND user_id = ?`, companyID, userID); err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE company_id = ? AND user_id = ? AND revoked_at IS NULL`,
			db.Now(), companyID, userID); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		if err := revokeKeysOf(ctx, tx, companyID, userID); err != nil {
			return err
		}
		if err := retireResetLinks(ctx, tx, userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, companyID, "member.removed", "user", userID, map[string]any{"email": m.Email, "role": m.Role})
	})
}

// OnlyHere says whether userID belongs to no company but companyID: an admin
// may hand out a password-reset link only for such a person, or one company's
// admin could take over an account that also acts for other companies.
func (s *Service) OnlyHere(ctx context.Context, companyID, userID string) (bool, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE user_id = ? AND company_id <> ?`, userID, companyID).Scan(&n); err != nil {
		return false, fmt.Errorf("memberships: %w", err)
	}
	return n == 0, nil
}
