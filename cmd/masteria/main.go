// Command masteria is the whole product in one binary: `masteria serve`
// (the default) runs the API, the web UI and the background workers;
// `migrate`, `admin`, `keys rotate` and `version` are the operator's tools.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/masteria/masteria/internal/apierr"
	"github.com/masteria/masteria/internal/app"
	"github.com/masteria/masteria/internal/config"
	"github.com/masteria/masteria/internal/secrets"
	"github.com/masteria/masteria/web"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `masteria: WhatsApp and SMS control panel

  masteria serve [flags]          run the server (the default)
  masteria migrate                apply database migrations and exit
  masteria admin create-company --name N --owner-email E --owner-name N --password P
  masteria admin create-user --company ID --email E --name N --password P [--role admin|agent|owner]
  masteria keys rotate            re-encrypt every secret with the first MASTERIA_ENCRYPTION_KEY
  masteria version

Every MASTERIA_* variable is also a flag: MASTERIA_PUBLIC_URL is --public-url.
`

// run returns the exit code: 0 ok, 1 failure, 2 bad usage or configuration.
func run(ctx context.Context, args, env []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "" || args[0][0] != '-') {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "masteria", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "serve", "migrate", "admin", "keys":
	default:
		fmt.Fprintf(stderr, "masteria: unknown command %q\n\n%s", cmd, usage)
		return 2
	}

	var sub []string
	if cmd == "admin" || cmd == "keys" {
		if len(args) == 0 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		sub, args = splitSub(args)
	}
	cfg, err := config.Load(env, configArgs(cmd, args))
	if err != nil {
		fmt.Fprintln(stderr, "masteria: bad configuration:", err)
		return 2
	}
	logger := newLogger(cfg, stderr)

	switch cmd {
	case "serve":
		return serve(ctx, cfg, logger)
	case "migrate":
		d, err := app.OpenDB(ctx, cfg)
		if err != nil {
			logger.Error("migrate failed", "err", err)
			return 1
		}
		d.Close()
		logger.Info("migrations applied")
		return 0
	case "keys":
		if len(sub) == 0 || sub[0] != "rotate" {
			fmt.Fprint(stderr, usage)
			return 2
		}
		return rotate(ctx, cfg, logger, stdout)
	default:
		return admin(ctx, cfg, logger, sub, args, stdout, stderr)
	}
}

// splitSub separates "create-user --email x" into the subcommand words and
// their flags; server flags (--database-url ...) stay with the rest.
func splitSub(args []string) (sub, rest []string) {
	for len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		sub, args = append(sub, args[0]), args[1:]
	}
	return sub, args
}

// configArgs keeps only the server flags for config.Load; the admin flags
// are parsed by admin().
func configArgs(cmd string, args []string) []string {
	if cmd != "admin" {
		return args
	}
	known := map[string]bool{}
	for _, o := range config.Options {
		known[o.Flag] = true
	}
	var out []string
	for i := 0; i < len(args); i++ {
		name := args[i]
		for len(name) > 0 && name[0] == '-' {
			name = name[1:]
		}
		if eq := indexByte(name, '='); eq >= 0 {
			if known[name[:eq]] {
				out = append(out, args[i])
			}
			continue
		}
		if known[name] && i+1 < len(args) {
			out = append(out, args[i], args[i+1])
			i++
		}
	}
	return out
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(ctx context.Context, cfg config.Config, logger *slog.Logger) int {
	logger.Info("starting masteria", append([]any{"version", version}, cfg.Masked()...)...)
	d, err := app.OpenDB(ctx, cfg)
	if err != nil {
		logger.Error("database", "err", err)
		return 1
	}
	defer d.Close()
	ui, err := fs.Sub(web.Dist(), ".")
	if err != nil {
		logger.Error("web UI", "err", err)
		return 1
	}
	if _, err := fs.Stat(ui, "index.html"); err != nil {
		logger.Warn("the web UI is not built into this binary; run `make run` to build it")
	}
	a, err := app.New(ctx, cfg, d, logger, app.Options{Version: version, UI: ui})
	if err != nil {
		logger.Error("start", "err", err)
		return 1
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		logger.Error("listen", "addr", cfg.Addr, "err", err)
		return 1
	}
	if err := a.Serve(ctx, ln); err != nil {
		logger.Error("server stopped", "err", err)
		return 1
	}
	return 0
}

func rotate(ctx context.Context, cfg config.Config, logger *slog.Logger, stdout io.Writer) int {
	d, err := app.OpenDB(ctx, cfg)
	if err != nil {
		logger.Error("database", "err", err)
		return 1
	}
	defer d.Close()
	ring, err := app.Keyring(cfg, logger)
	if err != nil {
		logger.Error("encryption key", "err", err)
		return 1
	}
	n, err := secrets.NewStore(d, ring).Rotate(ctx)
	if err != nil {
		logger.Error("rotate", "err", err)
		return 1
	}
	fmt.Fprintf(stdout, "re-encrypted %d secret(s) with key %s\n", n, ring.ActiveKeyID())
	return 0
}

func admin(ctx context.Context, cfg config.Config, logger *slog.Logger, sub, args []string, stdout, stderr io.Writer) int {
	if len(sub) != 1 || (sub[0] != "create-company" && sub[0] != "create-user") {
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet(sub[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, o := range config.Options {
		fs.String(o.Flag, "", o.Help) // parsed by config.Load already
	}
	name := fs.String("name", "", "company name (create-company) or person's name (create-user)")
	ownerEmail := fs.String("owner-email", "", "owner's email")
	ownerName := fs.String("owner-name", "", "owner's name")
	email := fs.String("email", "", "person's email")
	password := fs.String("password", "", "password (10 characters or more)")
	companyID := fs.String("company", "", "company id")
	role := fs.String("role", "admin", "owner, admin or agent")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	d, err := app.OpenDB(ctx, cfg)
	if err != nil {
		logger.Error("database", "err", err)
		return 1
	}
	defer d.Close()
	a, err := app.New(ctx, cfg, d, logger, app.Options{Version: version})
	if err != nil {
		logger.Error("start", "err", err)
		return 1
	}
	switch sub[0] {
	case "create-company":
		u, c, err := a.Auth.AdminCreateCompany(ctx, *name, *ownerName, *ownerEmail, *password)
		if err != nil {
			fmt.Fprintln(stderr, "masteria:", describe(err))
			return 1
		}
		fmt.Fprintf(stdout, "company %s (%s) created; owner %s (%s)\n", c.Name, c.ID, u.Email, u.ID)
	case "create-user":
		u, err := a.Auth.AdminCreateUser(ctx, *companyID, *name, *email, *password, *role)
		if err != nil {
			fmt.Fprintln(stderr, "masteria:", describe(err))
			return 1
		}
		fmt.Fprintf(stdout, "user %s (%s) added to company %s as %s\n", u.Email, u.ID, *companyID, *role)
	}
	return 0
}

// describe turns an error into one line for the operator.
func describe(err error) string {
	e, ok := apierr.As(err)
	if !ok {
		return err.Error()
	}
	msg := e.Message
	for f, code := range e.Fields {
		msg += fmt.Sprintf(" %s: %s.", f, code)
	}
	return msg
}
