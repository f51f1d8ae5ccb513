package httpapi_test

import (
	"testing"

	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/store/dbtest"
)

func TestCompanySettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		owner, companyID := e.signup("Acme", "ana@example.com")
		c := owner.must(200, "GET", "/api/v1/company", nil)
		if c["id"] != companyID || c["time_zone"] != "America/Sao_Paulo" || c["default_country"] != "BR" || len(c["business_hours"].([]any)) != 7 {
			t.Fatalf("defaults: %v", c)
		}
		hours := []map[string]any{}
		for d := 0; d < 7; d++ {
			hours = append(hours, map[string]any{"day": d, "open": d == 6, "start": "08:00", "end": "12:30"})
		}
		c = owner.must(200, "PATCH", "/api/v1/company", map[string]any{"name": "Acme Ltda", "time_zone": "America/Manaus", "default_country": "pt", "business_hours": hours})
		if c["name"] != "Acme Ltda" || c["time_zone"] != "America/Manaus" || c["default_country"] != "PT" {
			t.Fatalf("update: %v", c)
		}
		got := owner.must(200, "GET", "/api/v1/company", nil)["business_hours"].([]any)
		if got[6].(map[string]any)["open"] != true || got[6].(map[string]any)["end"] != "12:30" {
			t.Fatalf("hours not kept: %v", got)
		}
		bad := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"empty name", map[string]any{"name": "  "}, "name"},
			{"unknown zone", map[string]any{"time_zone": "Mars/Olympus"}, "time_zone"},
			{"unknown country", map[string]any{"default_country": "XX"}, "default_country"},
			{"six days", map[string]any{"business_hours": hours[:6]}, "business_hours"},
			{"bad time", map[string]any{"business_hours": append(append([]map[string]any{}, hours[:6]...), map[string]any{"day": 6, "open": true, "start": "25:00", "end": "26:00"})}, "business_hours"},
			{"closes before it opens", map[string]any{"business_hours": append(append([]map[string]any{}, hours[:6]...), map[string]any{"day": 6, "open": true, "start": "18:00", "end": "09:00"})}, "business_hours"},
		}
		for _, tt := range bad {
			r := owner.do("PATCH", "/api/v1/company", tt.body)
			if r.status != 422 || r.json(t)["error"].(map[string]any)["fields"].(map[string]any)[tt.field] == nil {
				t.Errorf("%s: %d %s", tt.name, r.status, r.body)
			}
		}
		if after := owner.must(200, "GET", "/api/v1/company", nil); after["name"] != "Acme Ltda" || after["time_zone"] != "America/Manaus" {
			t.Fatalf("bad input changed the company: %v", after)
		}
		if n := len(owner.must(200, "GET", "/api/v1/audit?action=company.updated", nil)["data"].([]any)); n != 1 {
			t.Fatalf("%d company.updated entries, want 1", n)
		}
	})
}
