package recipient

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/masteria/masteria/internal/store/db"
)

// RepliedMany is Replied for many contacts of a connection at once (the
// inbound processor applies a batch of messages); first maps a contact to
// its earliest message of the batch, whose week reaches furthest back.
func RepliedMany(ctx context.Context, tx *db.Tx, companyID, connectionID string, first map[string]time.Time) error {
	if len(first) == 0 {
		return nil
	}
	args := make([]any, 0, len(first)*2+3)
	for id, t := range first {
		args = append(args, id, t.Add(-7*24*time.Hour))
	}
	values := strings.TrimSuffix(strings.Repeat("(?, "+db.TimeValue(tx.Dialect())+"), ", len(first)), ", ")
	args = append(args, db.Now(), companyID, connectionID)
	_, err := tx.Exec(ctx, `WITH v (contact_id, since) AS (VALUES `+values+`)
		UPDATE campaign_recipients SET status = 'replied', updated_at = ? FROM v
		WHERE campaign_recipients.contact_id = v.contact_id AND campaign_recipients.company_id || '' = ? AND campaign_recipients.connection_id || '' = ?
		  AND campaign_recipients.status IN ('sent', 'delivered', 'read') AND campaign_recipients.sent_at >= v.since`, args...)
	if err != nil {
		return fmt.Errorf("campaign replies: %w", err)
	}
	return nil
}
