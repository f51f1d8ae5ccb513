package fakegraph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masteria/masteria/internal/channel/whatsappcloud/fakegraph"
)

func post(t *testing.T, g *fakegraph.Server, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", g.URL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return resp.StatusCode, out
}

func TestConcurrentSendsGetUniqueIDs(t *testing.T) {
	g := fakegraph.New(t)
	const n = 200
	var wg sync.WaitGroup
	ids := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"messaging_product":"whatsapp","to":"55119%08d","type":"text","text":{"body":"hi"}}`, i)
			status, out := post(t, g, "/v25.0/"+g.PhoneNumberID()+"/messages", g.Token(), body)
			if status != 200 {
				t.Errorf("status %d: %v", status, out)
				return
			}
			ids <- out["messages"].([]any)[0].(map[string]any)["id"].(string)
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if !strings.HasPrefix(id, "wamid.") || seen[id] {
			t.Fatalf("id %q", id)
		}
		seen[id] = true
	}
	if len(seen) != n || len(g.Sent()) != n || len(g.Requests()) != n {
		t.Fatalf("%d ids, %d sent, %d requests", len(seen), len(g.Sent()), len(g.Requests()))
	}
}

func TestFailNextCountsDown(t *testing.T) {
	g := fakegraph.New(t)
	g.FailNext(2, 400, 130429)
	body := `{"messaging_product":"whatsapp","to":"1","type":"text","text":{"body":"x"}}`
	for i, want := range []int{400, 400, 200} {
		status, out := post(t, g, "/v25.0/1/messages", g.Token(), body)
		if status != want {
			t.Fatalf("request %d: %d %v", i, status, out)
		}
		if status == 400 {
			e := out["error"].(map[string]any)
			if e["code"].(float64) != 130429 || e["fbtrace_id"] == "" {
				t.Fatalf("error %v", e)
			}
		}
	}
}

func TestWrongTokenIs190(t *testing.T) {
	g := fakegraph.New(t, fakegraph.WithToken("right"))
	status, out := post(t, g, "/v25.0/1/messages", "wrong", `{}`)
	if status != 401 || out["error"].(map[string]any)["code"].(float64) != 190 {
		t.Fatalf("%d %v", status, out)
	}
}

func TestTemplatePagingNextIsAbsolute(t *testing.T) {
	g := fakegraph.New(t)
	for i := range 5 {
		g.AddTemplate(fakegraph.Template{Name: fmt.Sprintf("t%d", i), Language: "en_US", Category: "UTILITY"})
	}
	next := g.URL() + "/v25.0/" + g.WABAID() + "/message_templates?limit=2"
	var names []string
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging never ends")
		}
		req, _ := http.NewRequest("GET", next, nil)
		req.Header.Set("Authorization", "Bearer "+g.Token())
		_, out := do(t, req)
		for _, d := range out["data"].([]any) {
			names = append(names, d.(map[string]any)["name"].(string))
		}
		next = ""
		if p, ok := out["paging"].(map[string]any); ok {
			if n, ok := p["next"].(string); ok {
				next = n
			}
		}
		if next != "" && !strings.HasPrefix(next, g.URL()+"/") {
			t.Fatalf("next %q is not absolute", next)
		}
	}
	if strings.Join(names, ",") != "t0,t1,t2,t3,t4" {
		t.Fatalf("names %v", names)
	}
}

func TestDownloadNeedsToken(t *testing.T) {
	g := fakegraph.New(t)
	id := g.AddMedia("image/png", []byte("png"))
	resp, err := http.Get(g.URL() + "/media-files/" + id)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", g.URL()+"/media-files/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+g.Token())
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !bytes.Equal(b, []byte("png")) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("%s %q", resp.Header.Get("Content-Type"), b)
	}
}

func TestCloseReleasesHangingRequests(t *testing.T) {
	g := fakegraph.New(nil)
	g.SetTimeout(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest("GET", g.URL()+"/v25.0/x", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	for len(g.Requests()) == 0 {
		time.Sleep(time.Millisecond) // until the request is held
	}
	g.Close()
	<-done
}
