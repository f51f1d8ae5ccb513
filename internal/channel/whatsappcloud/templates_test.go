package whatsappcloud_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
)

func TestTemplatesFollowsEveryPage(t *testing.T) {
	g, c := setup(t)
	for i := range 250 {
		g.AddTemplate(fakegraph.Template{Name: fmt.Sprintf("t_%03d", i), Language: "pt_BR", Category: "MARKETING",
			Components: json.RawMessage(`[{"type":"BODY","text":"Oi {{1}}"}]`)})
	}
	got, err := c.Templates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("%d templates", len(got))
	}
	for i, tpl := range got {
		if tpl.Name != fmt.Sprintf("t_%03d", i) || tpl.ID == "" || tpl.Status != "APPROVED" || tpl.Category != "MARKETING" || tpl.Language != "pt_BR" {
			t.Fatalf("template %d: %+v", i, tpl)
		}
	}
	sameJSON(t, got[0].Components, `[{"type":"BODY","text":"Oi {{1}}"}]`)
	reqs := g.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d pages asked", len(reqs))
	}
	for i, r := range reqs {
		if r.Path != "/v25.0/"+g.WABAID()+"/message_templates" || r.Query.Get("limit") != "100" ||
			!strings.Contains(r.Query.Get("fields"), "rejected_reason") {
			t.Fatalf("page %d: %s %v", i+1, r.Path, r.Query)
		}
		if (i == 0) != (r.Query.Get("after") == "") {
			t.Fatalf("page %d: after %q", i+1, r.Query.Get("after"))
		}
		if r.Query.Has("access_token") {
			t.Fatal("the token went into a URL")
		}
	}
}

func TestTemplatesEmptyAndFailing(t *testing.T) {
	g, c := setup(t)
	got, err := c.Templates(context.Background())
	if err != nil || len(got) != 0 {
		t.Fatalf("%v %v", got, err)
	}
	g.AddTemplate(fakegraph.Template{Name: "x", Language: "en"})
	g.FailNext(1, 500, 1)
	got, err = c.Templates(context.Background())
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.Class != channel.RetryLater || got != nil {
		t.Fatalf("a failed page: %v %v", got, err)
	}
}

func TestTemplateLifecycle(t *testing.T) {
	g, c := setup(t)
	ctx := context.Background()
	in := whatsappcloud.TemplateInput{
		Name: "order_ready", Language: "pt_BR", Category: "UTILITY",
		Components: json.RawMessage(`[{"type":"BODY","text":"Seu pedido {{1}} está pronto","example":{"body_text":[["42"]]}}]`),
	}
	id, status, category, err := c.CreateTemplate(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if id == "" || status != "PENDING" || category != "UTILITY" {
		t.Fatalf("%q %q %q", id, status, category)
	}
	r := g.Requests()[0]
	if r.Method != "POST" || r.Path != "/v25.0/"+g.WABAID()+"/message_templates" {
		t.Fatalf("%s %s", r.Method, r.Path)
	}
	sameJSON(t, r.Body, `{"name":"order_ready","language":"pt_BR","category":"UTILITY",
		"components":[{"type":"BODY","text":"Seu pedido {{1}} está pronto","example":{"body_text":[["42"]]}}]}`)

	_, _, _, err = c.CreateTemplate(ctx, in)
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.UserTitle == "" || ce.UserMessage == "" || ce.Class != channel.FixRequest {
		t.Fatalf("a duplicate: %v (%+v)", err, ce)
	}

	g.Approve("order_ready")
	if tpls := g.Templates(); tpls[0].Status != "APPROVED" {
		t.Fatalf("status %s", tpls[0].Status)
	}

	g.Reset()
	edit := whatsappcloud.TemplateInput{Name: "ignored", Category: "MARKETING", Components: json.RawMessage(`[{"type":"BODY","text":"Pronto!"}]`)}
	if err := c.EditTemplate(ctx, id, edit); err != nil {
		t.Fatal(err)
	}
	r = g.Requests()[0]
	if r.Path != "/v25.0/"+id {
		t.Fatalf("edit path %s", r.Path)
	}
	sameJSON(t, r.Body, `{"category":"MARKETING","components":[{"type":"BODY","text":"Pronto!"}]}`)
	if tpl := g.Templates()[0]; tpl.Status != "PENDING" || tpl.Category != "MARKETING" {
		t.Fatalf("after edit %+v", tpl)
	}

	g.Reset()
	if err := c.DeleteTemplate(ctx, "order_ready", id); err != nil {
		t.Fatal(err)
	}
	r = g.Requests()[0]
	if r.Method != "DELETE" || r.Query.Get("name") != "order_ready" || r.Query.Get("hsm_id") != id {
		t.Fatalf("%s %v", r.Method, r.Query)
	}
	if len(g.Templates()) != 0 {
		t.Fatal("not deleted")
	}
	if err := c.DeleteTemplate(ctx, "order_ready", ""); !errors.As(err, &ce) || ce.Code != 100 {
		t.Fatalf("deleting a missing template: %v", err)
	}
}

func TestCreateTemplateValidation(t *testing.T) {
	_, c := setup(t)
	_, _, _, err := c.CreateTemplate(context.Background(), whatsappcloud.TemplateInput{
		Name: "Bad Name", Language: "pt_BR", Category: "UTILITY", Components: json.RawMessage(`[]`),
	})
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.UserTitle != "Template name is invalid" || ce.UserMessage == "" {
		t.Fatalf("got %v (%+v)", err, ce)
	}
	_, _, _, err = c.CreateTemplate(context.Background(), whatsappcloud.TemplateInput{Name: "x"})
	if !errors.As(err, &ce) || ce.Code != 0 || ce.Class != channel.FixRequest {
		t.Fatalf("incomplete input: %v", err)
	}
}

func TestUploadSample(t *testing.T) {
	g, c := setup(t)
	data := bytes.Repeat([]byte{0xFF, 0xD8}, 2048)
	handle, err := c.UploadSample(context.Background(), bytes.NewReader(data), int64(len(data)), "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	got, ok := g.Sample(handle)
	if !ok || !bytes.Equal(got, data) {
		t.Fatalf("handle %q stored %d bytes", handle, len(got))
	}
	reqs := g.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	start, upload := reqs[0], reqs[1]
	if start.Path != "/v25.0/"+g.AppID()+"/uploads" || start.Query.Get("file_length") != "4096" || start.Query.Get("file_type") != "image/jpeg" {
		t.Fatalf("start %s %v", start.Path, start.Query)
	}
	if !strings.HasPrefix(upload.Path, "/v25.0/upload:") || upload.Query.Get("sig") == "" {
		t.Fatalf("upload %s %v", upload.Path, upload.Query)
	}
	if upload.Header.Get("Authorization") != "OAuth "+g.Token() || upload.Header.Get("file_offset") != "0" {
		t.Fatalf("upload headers %v", upload.Header)
	}
}

func TestUploadSampleNeedsAppID(t *testing.T) {
	g := fakegraph.New(t)
	c := whatsappcloud.New(whatsappcloud.Config{BaseURL: g.URL(), AccessToken: g.Token()})
	_, err := c.UploadSample(context.Background(), strings.NewReader("x"), 1, "image/png")
	var ce *channel.Error
	if !errors.As(err, &ce) || ce.Class != channel.FixRequest || !strings.Contains(ce.Message, "app id") {
		t.Fatalf("got %v", err)
	}
	if len(g.Requests()) != 0 {
		t.Fatal("called Meta without an app id")
	}
}
