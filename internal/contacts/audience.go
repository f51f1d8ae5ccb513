package contacts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/ids"
	"github.com/masteria/masteria/internal/store/db"
)

// Audience is who a campaign is for: contacts with any of the tags (ids
// or names), in any of the segments, or everyone.
type Audience struct {
	All        bool     `json:"all,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	SegmentIDs []string `json:"segment_ids,omitempty"`
}

// AudienceCond turns an audience into a condition on contacts aliased c.
// A tag is an id or a name; an unknown one, or another company's segment,
// is refused.
func (s *Service) AudienceCond(ctx context.Context, q db.Querier, companyID string, a Audience) (string, []any, error) {
	if a.All {
		return "c.company_id = ?", []any{companyID}, nil
	}
	if len(a.Tags) == 0 && len(a.SegmentIDs) == 0 {
		return "", nil, apierr.Field("audience", "audience_required")
	}
	var parts []string
	var args []any
	if len(a.Tags) > 0 {
		tagIDs := make([]string, 0, len(a.Tags))
		for _, t := range a.Tags {
			var id string
			err := q.QueryRow(ctx, `SELECT id FROM tags WHERE company_id = ? AND (id = ? OR name_key = ?)`, companyID, t, tagKey(t)).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return "", nil, apierr.Field("audience.tags", "unknown_tag")
			}
			if err != nil {
				return "", nil, fmt.Errorf("audience tag: %w", err)
			}
			tagIDs = append(tagIDs, id)
		}
		parts = append(parts, `EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = c.id AND ct.company_id = ? AND ct.tag_id IN (`+db.Marks(len(tagIDs))+`))`)
		args = append(append(args, companyID), anys(tagIDs)...)
	}
	for _, id := range a.SegmentIDs {
		if !ids.Valid(id) {
			return "", nil, apierr.NotFound()
		}
		seg, err := s.Segment(ctx, companyID, id)
		if err != nil {
			return "", nil, err
		}
		cond, cargs, err := s.compile(ctx, q, companyID, seg.Filter)
		if err != nil {
			return "", nil, err
		}
		parts = append(parts, "("+cond+")")
		args = append(args, cargs...)
	}
	return "c.company_id = ? AND (" + strings.Join(parts, " OR ") + ")", append([]any{companyID}, args...), nil
}
