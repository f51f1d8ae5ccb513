package inbound

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/audit"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// EventInfo is a recorded delivery as the webhook-events page shows it.
type EventInfo struct {
	ID           string  `json:"id"`
	ConnectionID string  `json:"connection_id"`
	Source       string  `json:"source"`
	Status       string  `json:"status"`
	Error        string  `json:"error"`
	Attempts     int     `json:"attempts"`
	Size         int     `json:"size"`
	Payload      string  `json:"payload"` // the raw body, cut at 64 KiB
	ReceivedAt   db.Time `json:"received_at"`
	ProcessedAt  db.Time `json:"processed_at"`
}

const previewLimit = 64 << 10

func scanEvent(sc interface{ Scan(...any) error }) (EventInfo, error) {
	var e EventInfo
	var payload []byte
	if err := sc.Scan(&e.ID, &e.ConnectionID, &e.Source, &e.Status, &e.Error, &e.Attempts, &payload, &e.ReceivedAt, &e.ProcessedAt); err != nil {
		return e, err
	}
	e.Size = len(payload)
	if len(payload) > previewLimit {
		payload = payload[:previewLimit]
	}
	if utf8.Valid(payload) {
		e.Payload = string(payload)
	} else {
		e.Payload = string(json.RawMessage(fmt.Sprintf("%q", payload)))
	}
	return e, nil
}

const eventSelect = `SELECT id, connection_id, source, status, error, attempts, payload, received_at, processed_at FROM webhook_events`

// Events lists a company's recorded deliveries, newest first, optionally by
// status (received, processed, failed).
func Events(ctx context.Context, q db.Querier, companyID, status string, limit int, cursor string) ([]EventInfo, string, error) {
	where := "company_id = ?"
	args := []any{companyID}
	switch status {
	case "":
	case "received", "processed", "failed":
		where += " AND status = ?"
		args = append(args, status)
	default:
		return nil, "", apierr.Field("status", "invalid_status")
	}
	if cursor != "" {
		if !ids.Valid(cursor) {
			return nil, "", apierr.Field("cursor", "invalid_cursor")
		}
		where += " AND id < ?"
		args = append(args, cursor)
	}
	args = append(args, limit+1)
	rows, err := q.Query(ctx, eventSelect+` WHERE `+where+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list webhook events: %w", err)
	}
	defer rows.Close()
	out := []EventInfo{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, e)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[len(out)-1].ID
	}
	return out, next, rows.Err()
}

// Reprocess puts a failed event back in the queue.
func Reprocess(ctx context.Context, d *db.DB, companyID, id string, wake func()) (EventInfo, error) {
	if !ids.Valid(id) {
		return EventInfo{}, apierr.NotFound()
	}
	var out EventInfo
	err := d.InTx(ctx, func(tx *db.Tx) error {
		e, err := scanEvent(tx.QueryRow(ctx, eventSelect+` WHERE company_id = ? AND id = ?`, companyID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return apierr.NotFound()
		}
		if err != nil {
			return err
		}
		if e.Status != "failed" {
			return apierr.Conflict("not_failed", "Only a failed event can be processed again.")
		}
		if _, err := tx.Exec(ctx, `UPDATE webhook_events SET status = 'received', available_at = ?, processed_at = NULL
			WHERE company_id = ? AND id = ?`, db.Now(), companyID, id); err != nil {
			return fmt.Errorf("reprocess: %w", err)
		}
		e.Status, e.ProcessedAt = "received", db.Time{}
		out = e
		return audit.Record(ctx, tx, companyID, "webhook_event.reprocessed", "webhook_event", id, nil)
	})
	if err == nil && wake != nil {
		wake()
	}
	return out, err
}
