package httpapi

import (
	"context"
	"github.com/masteria/masteria/internal/auth"
	"github.com/masteria/masteria/internal/companies"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/realtime"
)

// adminEvents go only to admins and owners, who alone may act on them
// (imports and connecting numbers are admin work).
var adminEvents = map[string]bool{"import.progress": true, "connection.qr": true}

// events is the live feed: a WebSocket that sends the company's events as
// JSON text frames {"id","type","data"}. The browser authenticates with its
// session cookie (the Origin must be this site's, which websocket.Accept
// checks), API clients with the Authorization header. ?since=<id> resumes
// after the last event a client saw; when that cannot be done the first
// frame is {"type":"resync"}.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.writeError(w, r, apierr.Field("since", "invalid_number"))
			return
		}
		since = n
	}
	// The server's read and write timeouts must not end a long-lived feed.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered (not a WebSocket request, or another origin)
	}
	defer c.CloseNow()
	p, _ := auth.From(r.Context())
	admin := p.Role.AtLeast(companies.Admin)
	sub, missed := s.Hub.Subscribe(company(r), 256, since)
	defer sub.Close()
	ctx := c.CloseRead(r.Context()) // the client only listens; its close ends ctx
	write := func(ev realtime.Event) error {
		b, err := ev.JSON()
		if err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return c.Write(wctx, websocket.MessageText, b)
	}
	if missed {
		if err := write(realtime.Event{Type: "resync"}); err != nil {
			return
		}
	}
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			c.Close(websocket.StatusNormalClosure, "")
			return
		case <-s.shutdown:
			c.Close(websocket.StatusGoingAway, "server stopping")
			return
		case ev, ok := <-sub.C:
			if !ok {
				return
			}
			if adminEvents[ev.Type] && !admin {
				continue
			}
			if err := write(ev); err != nil {
				return
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		}
	}
}
