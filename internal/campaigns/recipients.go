package campaigns

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Recipient is one member of a campaign's frozen audience.
type Recipient struct {
	ContactID      string  `json:"contact_id"`
	Phone          string  `json:"phone"`
	ConnectionID   *string `json:"connection_id"`
	Status         string  `json:"status"`
	MessageID      *string `json:"message_id"`
	ConversationID *string `json:"conversation_id"`
	ErrorCode      string  `json:"error_code"`
	ErrorReason    string  `json:"error_reason"`
	SentAt         db.Time `json:"sent_at"`
	UpdatedAt      db.Time `json:"updated_at"`
}

var recipientStatuses = map[string]bool{"pending": true, "queued": true, "sent": true, "delivered": true, "read": true,
	"replied": true, "failed": true, "skipped": true}

// Recipients lists a campaign's recipients by contact id, optionally of one
// status; the cursor is the last contact id of the previous page.
func (s *Service) Recipients(ctx context.Context, companyID, id, status, cursor string, limit int) ([]Recipient, string, error) {
	if _, err := get(ctx, s.db, companyID, id); err != nil {
		return nil, "", err
	}
	where := "r.campaign_id = ?"
	args := []any{id}
	if status != "" {
		if !recipientStatuses[status] {
			return nil, "", apierr.Field("status", "invalid_status")
		}
		where += " AND r.status = ?"
		args = append(args, status)
	}
	if cursor != "" {
		if !ids.Valid(cursor) {
			return nil, "", apierr.Field("cursor", "invalid_cursor")
		}
		where += " AND r.contact_id > ?"
		args = append(args, cursor)
	}
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, `SELECT r.contact_id, r.phone, r.connection_id, r.status, r.message_id, m.conversation_id, r.error_code, r.error_reason,
		r.sent_at, r.updated_at FROM campaign_recipients r LEFT JOIN messages m ON m.id = r.message_id
		WHERE `+where+` ORDER BY r.contact_id LIMIT ?`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("campaign recipients: %w", err)
	}
	defer rows.Close()
	out := []Recipient{}
	for rows.Next() {
		r, err := scanRecipient(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[len(out)-1].ContactID
	}
	return out, next, nil
}

func scanRecipient(sc interface{ Scan(...any) error }) (Recipient, error) {
	var r Recipient
	var conn, msg, conv sql.NullString
	err := sc.Scan(&r.ContactID, &r.Phone, &conn, &r.Status, &msg, &conv, &r.ErrorCode, &r.ErrorReason, &r.SentAt, &r.UpdatedAt)
	if conn.Valid {
		r.ConnectionID = &conn.String
	}
	if msg.Valid {
		r.MessageID = &msg.String
	}
	if conv.Valid {
		r.ConversationID = &conv.String
	}
	return r, err
}

// ReportCSV writes every recipient with its status, the CSV a report
// export gives (UTF-8 with BOM, for Excel).
func (s *Service) ReportCSV(ctx context.Context, companyID, id string, w io.Writer) error {
	if _, err := get(ctx, s.db, companyID, id); err != nil {
		return err
	}
	rows, err := s.db.Query(ctx, `SELECT r.phone, c.name, r.status, r.error_code, r.error_reason, r.sent_at, r.updated_at, n.name
		FROM campaign_recipients r JOIN contacts c ON c.id = r.contact_id LEFT JOIN connections n ON n.id = r.connection_id
		WHERE r.campaign_id = ? ORDER BY r.contact_id`, id)
	if err != nil {
		return fmt.Errorf("campaign report: %w", err)
	}
	defer rows.Close()
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"phone", "name", "status", "error_code", "error_reason", "sent_at", "updated_at", "connection"})
	for rows.Next() {
		var phone, name, status, code, reason string
		var sent, updated db.Time
		var conn sql.NullString
		if err := rows.Scan(&phone, &name, &status, &code, &reason, &sent, &updated, &conn); err != nil {
			return err
		}
		at := ""
		if !sent.IsZero() {
			at = sent.UTC().Format("2006-01-02T15:04:05Z")
		}
		if err := cw.Write([]string{phone, escape(name), status, code, escape(reason), at, updated.UTC().Format("2006-01-02T15:04:05Z"), escape(conn.String)}); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return rows.Err()
}

// escape keeps a spreadsheet from running a cell as a formula.
func escape(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
