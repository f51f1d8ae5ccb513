// Package app wires Masteria's parts together from a Config: the database,
// secrets, services, background jobs and the HTTP server. `masteria serve`
// and the end-to-end tests both start the product through it, so what the
// tests run is what ships.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/masteria/masteria/internal/campaigns"
	"github.com/masteria/masteria/internal/canned"
	"github.com/masteria/masteria/internal/dashboard"
	"github.com/masteria/masteria/internal/labels"
	"github.com/masteria/masteria/internal/teams"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/masteria/masteria/internal/auth"
	"github.com/masteria/masteria/internal/blobs"
	"github.com/masteria/masteria/internal/channel"
	"github.com/masteria/masteria/internal/channel/simulator"
	"github.com/masteria/masteria/internal/channel/whatsappcloud"
	"github.com/masteria/masteria/internal/companies"
	"github.com/masteria/masteria/internal/config"
	"github.com/masteria/masteria/internal/connections"
	"github.com/masteria/masteria/internal/contacts"
	"github.com/masteria/masteria/internal/conversations"
	"github.com/masteria/masteria/internal/egress"
	"github.com/masteria/masteria/internal/httpapi"
	"github.com/masteria/masteria/internal/inbound"
	"github.com/masteria/masteria/internal/jobs"
	"github.com/masteria/masteria/internal/mail"
	"github.com/masteria/masteria/internal/media"
	"github.com/masteria/masteria/internal/outbox"
	"github.com/masteria/masteria/internal/realtime"
	"github.com/masteria/masteria/internal/secrets"
	"github.com/masteria/masteria/internal/store/db"
	"github.com/masteria/masteria/internal/templates"
)

// App is a running Masteria.
type App struct {
	Config    config.Config
	DB        *db.DB
	Secrets   *secrets.Store
	Companies *companies.Service
	Contacts  *contacts.Service
	Auth      *auth.Service
	Jobs      *jobs.Queue
	HTTP      *httpapi.Server
	logger    *slog.Logger

	Connections   *connections.Service
	Adapters      *connections.Adapters
	Conversations *conversations.Service
	Teams         *teams.Service
	Labels        *labels.Service
	Canned        *canned.Service
	Campaigns     *campaigns.Service
	Dashboard     *dashboard.Service
	Templates     *templates.Service
	Media         *media.Service
	Hub           *realtime.Hub
	Intake        *inbound.Intake
	Inbound       *inbound.Processor
	Outbox        *outbox.Outbox

	messaging sync.WaitGroup
	bridge    *realtime.Bridge
}

// Keyring builds the encryption keyring from configuration, or from
// DATA_DIR/encryption.key (created on first start, with a warning).
func Keyring(cfg config.Config, logger *slog.Logger) (*secrets.Keyring, error) {
	if cfg.EncryptionKey != "" {
		keys, err := config.ParseKeys(cfg.EncryptionKey)
		if err != nil {
			return nil, err
		}
		return secrets.NewKeyring(keys)
	}
	key, created, err := secrets.LoadOrCreateKeyFile(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if created {
		logger.Warn("MASTERIA_ENCRYPTION_KEY is not set: generated a key in the data folder; back it up, or secrets are lost with it",
			"path", cfg.DataDir+"/encryption.key")
	}
	return secrets.NewKeyring([][]byte{key})
}

// OpenDB opens and migrates the configured database.
func OpenDB(ctx context.Context, cfg config.Config) (*db.DB, error) {
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return d, nil
}

// Options are what differ between production and tests.
type Options struct {
	Version      string
	UI           fs.FS
	PollInterval time.Duration   // jobs; zero is River's default
	Argon2       auth.Argon2     // password hashing cost; zero is auth.DefaultArgon2
	HTTP         httpapi.Options // rate limits; zero values are the defaults
	// AllowLoopback lets tenant-set URLs (media links, a connection's Graph
	// URL) reach loopback: tests and benchmarks only.
	AllowLoopback bool
}

// New builds the whole product on an open, migrated database.
func New(ctx context.Context, cfg config.Config, d *db.DB, logger *slog.Logger, opts Options) (*App, error) {
	ring, err := Keyring(cfg, logger)
	if err != nil {
		return nil, fmt.Errorf("encryption key: %w", err)
	}
	a := &App{Config: cfg, DB: d, Secrets: secrets.NewStore(d, ring), Companies: companies.NewService(d), logger: logger}

	suppressionKey, err := a.Secrets.System(ctx, "suppression_hash_key", func() ([]byte, error) {
		k := make([]byte, 32)
		_, err := rand.Read(k)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("suppression key: %w", err)
	}
	a.Contacts = contacts.NewService(d, a.Companies, logger, suppressionKey)
	bucket, err := blobs.Open(ctx, cfg.BlobURL)
	if err != nil {
		return nil, err
	}

	a.Hub = realtime.New()
	if d.Dialect() == db.Postgres {
		a.bridge = realtime.NewBridge(d.Pgx(), a.Hub, logger)
	}
	a.Connections = connections.NewService(d, a.Secrets, logger, connections.Options{
		PublicURL: cfg.PublicURL, GraphURL: cfg.MetaGraphURL, GraphVersion: cfg.MetaGraphVersion})
	a.Conversations = conversations.NewService(d, a.Hub)
	a.Inbound = &inbound.Processor{DB: d, Contacts: a.Contacts, Companies: a.Companies, Connections: a.Connections, Conversations: a.Conversations, Hub: a.Hub, Logger: logger,
		Parsers: map[string]inbound.Parser{channel.WhatsAppCloud: whatsappcloud.Parse, channel.Simulator: simulator.Parse}}
	a.Intake = inbound.NewIntake(d, logger, a.Inbound.Wake)
	a.Adapters = &connections.Adapters{
		Graph:     &http.Client{Timeout: 30 * time.Second, Transport: graphTransport()},
		Guarded:   egress.New(egress.Options{AllowLoopback: opts.AllowLoopback, MaxBodyBytes: 110 << 20}).HTTPClient(),
		Scheduler: a.Intake,
		Options:   a.Connections.Options(),
	}
	a.Templates = templates.NewService(d, a.Connections, a.Adapters, logger)
	a.Outbox = outbox.New(d, a.Connections, a.Adapters, a.Hub, logger)
	a.Outbox.Contacts = a.Contacts
	a.Connections.Changed = a.Outbox.Changed
	a.Inbound.Templates = a.Templates.ApplyUpdate

	workers := river.NewWorkers()
	river.AddWorker(workers, &contacts.ImportWorker{Service: a.Contacts})
	emailWorker := &auth.EmailWorker{Mailer: smtpMailer{mail.NewSMTP(cfg.SMTP, logger)}}
	river.AddWorker(workers, emailWorker)
	mediaWorker := &media.FetchWorker{}
	river.AddWorker(workers, mediaWorker)
	river.AddWorker(workers, &outbox.MarkReadWorker{Outbox: a.Outbox})
	if a.Jobs, err = jobs.New(d, logger, jobs.Options{Workers: workers, PollInterval: opts.PollInterval}); err != nil {
		return nil, err
	}
	a.Auth, err = auth.NewService(ctx, d, a.Secrets, a.Companies, a.Jobs, logger, auth.Options{
		PublicURL: cfg.PublicURL, SMTPEnabled: cfg.SMTP.Enabled(), SignupEnabled: cfg.SignupEnabled, JWTSecret: cfg.JWTSecret,
		Argon2: opts.Argon2,
	})
	if err != nil {
		return nil, err
	}
	emailWorker.Service = a.Auth
	a.Contacts.UseImports(bucket, a.Jobs)
	a.Media = media.NewService(d, bucket, a.Connections, a.Adapters,
		egress.New(egress.Options{AllowLoopback: opts.AllowLoopback, Timeout: 5 * time.Minute, MaxBodyBytes: 110 << 20}), a.Jobs, logger)
	mediaWorker.Service = a.Media
	a.Inbound.FetchMedia = a.Media.Enqueue
	a.Outbox.Files, a.Outbox.DeleteFiles = a.Media.OpenKey, a.Media.Delete
	a.Conversations.MarkRead = func(ctx context.Context, tx *db.Tx, companyID, messageID string) error {
		return outbox.EnqueueMarkRead(ctx, tx, a.Jobs, companyID, messageID)
	}
	a.Teams, a.Labels, a.Canned = teams.NewService(d), labels.NewService(d), canned.NewService(d)
	a.Campaigns = campaigns.NewService(d, a.Connections, a.Contacts, a.Outbox, a.Hub, logger)
	a.Dashboard = dashboard.NewService(d, a.Campaigns, logger)
	a.Contacts.Progress = func(companyID, importID, status string) {
		a.Hub.Publish(companyID, realtime.Event{Type: "import.progress", Data: map[string]any{"import_id": importID, "status": status}})
	}
	a.HTTP = httpapi.New(httpapi.Deps{DB: d, Auth: a.Auth, Companies: a.Companies, Contacts: a.Contacts, Connections: a.Connections,
		Conversations: a.Conversations, Intake: a.Intake, Inbound: a.Inbound, Templates: a.Templates, Media: a.Media, Adapters: a.Adapters, Outbox: a.Outbox, Hub: a.Hub,
		Teams: a.Teams, Labels: a.Labels, Canned: a.Canned, Campaigns: a.Campaigns, Dashboard: a.Dashboard},
		logger, httpapi.Options{PublicURL: cfg.PublicURL, Version: opts.Version, UI: opts.UI, TrustedProxies: cfg.TrustedProxies,
			CompanyRate: opts.HTTP.CompanyRate, CompanyBurst: opts.HTTP.CompanyBurst, KeyRate: opts.HTTP.KeyRate, KeyBurst: opts.HTTP.KeyBurst})
	return a, nil
}

// Serve starts the background jobs and the HTTP server on ln, and shuts both
// down gracefully when ctx ends.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	// The intake outlives the HTTP server's shutdown so that requests in
	// flight still get their events committed.
	intakeCtx, stopIntake := context.WithCancel(context.WithoutCancel(ctx))
	defer stopIntake()
	a.RunMessaging(ctx, intakeCtx)
	go a.DB.RunCheckpointer(ctx, 30*time.Second, 10000, a.logger)
	srv := &http.Server{
		Handler:           a.HTTP.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.logger.Info("masteria is listening", "addr", ln.Addr().String(), "public_url", a.Config.PublicURL,
		"database", a.DB.Dialect().String())
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	a.logger.Info("shutting down")
	a.HTTP.Shutdown()
	err := errors.Join(srv.Shutdown(shutdownCtx), a.Jobs.Stop(shutdownCtx))
	stopIntake()
	a.WaitMessaging()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// RunMessaging starts the webhook intake (until intakeCtx ends), the
// inbound processor, the outbox dispatchers and the dashboard counters'
// compaction (until ctx ends).
func (a *App) RunMessaging(ctx, intakeCtx context.Context) {
	a.messaging.Go(func() { a.Intake.Run(intakeCtx) })
	a.messaging.Go(func() { a.Inbound.Run(ctx) })
	a.messaging.Go(func() { a.Outbox.Run(ctx) })
	a.messaging.Go(func() { a.Conversations.RunWaker(ctx, 15*time.Second, a.logger) })
	a.messaging.Go(func() { a.Campaigns.Run(ctx) })
	a.messaging.Go(func() { a.Dashboard.RunCompactor(ctx) })
	if a.bridge != nil {
		a.messaging.Go(func() { a.bridge.Run(ctx) })
	}
}

// WaitMessaging waits for the loops RunMessaging started to finish (sends
// in flight record their outcome).
func (a *App) WaitMessaging() { a.messaging.Wait() }

// smtpMailer adapts the mail package to what auth sends.
type smtpMailer struct{ s mail.Sender }

func (m smtpMailer) Send(ctx context.Context, to, subject, text string) error {
	return m.s.Send(ctx, mail.Message{To: to, Subject: subject, Text: text})
}

// graphTransport keeps connections to Meta open for reuse: every dispatcher
// may have outbox.InFlight calls open to the one Graph host, and the default
// of two idle connections per host would close and redial nearly every
// call of a fast campaign (and fill the machine with TIME_WAIT sockets).
func graphTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 8 * outbox.InFlight
	tr.MaxIdleConnsPerHost = 8 * outbox.InFlight
	return tr
}
