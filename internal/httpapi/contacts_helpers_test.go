package httpapi_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"testing"
	"time"
)

// multipart posts a file (and form values) like the import wizard does.
func (c *client) multipart(path, filename string, content []byte, values map[string]string) resp {
	c.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		c.e.t.Fatal(err)
	}
	fw.Write(content)
	for k, v := range values {
		mw.WriteField(k, v)
	}
	mw.Close()
	return c.raw("POST", path, &body, map[string]string{"Content-Type": mw.FormDataContentType()})
}

// importCSV starts an import and waits until it finishes; it returns the id.
func importCSV(t *testing.T, c *client, csv string, options map[string]any) string {
	t.Helper()
	values := map[string]string{}
	if options != nil {
		js, _ := json.Marshal(options)
		values["options"] = string(js)
	}
	r := c.multipart("/api/v1/contacts/import", "contatos.csv", []byte(csv), values)
	if r.status != 202 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	id := r.json(t)["id"].(string)
	waitImport(t, c, id)
	return id
}

func waitImport(t *testing.T, c *client, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		m := c.must(200, "GET", "/api/v1/imports/"+id, nil)
		if m["status"] != "running" {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("import %s never finished", id)
	return nil
}
