// Command concord is the Concord coordination platform in one binary.
//
// Run `concord help` for the subcommands. This package only wires the
// adapters together (see Main); it holds no domain logic.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/demo"
	"github.com/concord-mission/concord/httpapi"
	"github.com/concord-mission/concord/password"
	"github.com/concord-mission/concord/postgres"
	"github.com/concord-mission/concord/sqlite"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, stop, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "concord:", err)
		os.Exit(1)
	}
}

const usage = `Concord — coordination platform for a multinational stabilization mission.

Usage: concord <command> [flags]

Commands:
  serve            run Concord (embedded SQLite and NATS unless configured otherwise)
  demo             run Concord with the exercise scenario loaded and simulated activity
  migrate          apply pending database migrations and print the schema version
  migrate-store    copy a whole deployment, history included, to another store and verify it
                   (e.g. --from sqlite:concord-data/concord.db --to postgres://…)
  party add        add a mission party (nation or organization)
  group add        add a community group usable in markings
  user add         add a user account
  token add        create an API token for a user (printed once)
  aid import       import consignments or stage events from a CSV file (HXL-tagged or named
                   columns), all or nothing unless --valid-only, with progress
  aid export       write consignments, stage events or daily KPIs as HXL-tagged CSV
  tak enroll       issue a TAK client certificate for an account and write the data package
                   (.zip) a device imports to connect over TLS
  sim tak          connect N simulated TAK devices to a TAK server, like real clients
  backup           write a consistent copy of the embedded database while running
  db grant-analyst create a PostgreSQL login that sees what one party may see (QGIS, psql)
  db revoke-analyst remove such a login
  config           print the effective configuration (secrets masked)
  bench <name>     run a benchmark (features, stream, stores, cluster, deconflict, tak, geofence)
  version          print the version

Every command takes the common flags (see "concord serve -h"); each flag has
an environment twin, e.g. --http-addr and CONCORD_HTTP_ADDR.
`

// run dispatches a command. stop restores default signal handling, so that
// a second Ctrl-C forces exit while a graceful shutdown runs.
func run(ctx context.Context, stop func(), args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "party" || cmd == "group" || cmd == "user" || cmd == "token" || cmd == "db" || cmd == "aid" || cmd == "tak" || cmd == "sim") && len(rest) > 0 {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, stop, rest, stdout, stderr, false)
	case "demo":
		return cmdServe(ctx, stop, rest, stdout, stderr, true)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr)
	case "party add":
		return cmdPartyAdd(ctx, rest, stdout, stderr)
	case "group add":
		return cmdGroupAdd(ctx, rest, stdout, stderr)
	case "user add":
		return cmdUserAdd(ctx, rest, stdin, stdout, stderr)
	case "token add":
		return cmdTokenAdd(ctx, rest, stdout, stderr)
	case "migrate-store":
		return cmdMigrateStore(ctx, rest, stdout, stderr)
	case "db grant-analyst":
		return cmdGrantAnalyst(ctx, rest, stdin, stdout, stderr)
	case "db revoke-analyst":
		return cmdRevokeAnalyst(ctx, rest, stdout, stderr)
	case "aid import":
		return cmdAidImport(ctx, rest, stdout, stderr)
	case "aid export":
		return cmdAidExport(ctx, rest, stdout, stderr)
	case "tak enroll":
		return cmdTAKEnroll(ctx, rest, stdout, stderr)
	case "sim tak":
		return cmdSimTAK(ctx, rest, stdout, stderr)
	case "backup":
		return cmdBackup(ctx, rest, stdout, stderr)
	case "config":
		return cmdConfig(rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "concord", buildVersion())
		return nil
	}
	return fmt.Errorf("unknown command %q; run `concord help`", strings.Join(args[:min(2, len(args))], " "))
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if dirty {
				rev += "-dirty"
			}
			return "dev-" + rev + " (" + bi.GoVersion + ")"
		}
		return "dev (" + bi.GoVersion + ")"
	}
	return "dev"
}

// flags returns a flag set with the common flags bound to cfg.
func flags(name string, cfg *Config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("concord "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.register(fs)
	return fs
}

func parse(fs *flag.FlagSet, cfg *Config, args []string) error {
	if err := cfg.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return cfg.Validate()
}

func cmdServe(ctx context.Context, stop func(), args []string, stdout, stderr io.Writer, isDemo bool) error {
	m := NewMain()
	name := "serve"
	if isDemo {
		name = "demo"
		m.Config.DataDir = "concord-demo"
		m.Config.Exercise = demo.Exercise
	}
	fs := flags(name, &m.Config, stderr)
	var reset, noSim bool
	var simEvery time.Duration
	if isDemo {
		fs.Int64Var(&m.DemoSeed, "seed", m.DemoSeed, "seed of the exercise scenario and its simulators")
		fs.BoolVar(&reset, "reset", false, "delete the demo data directory first and start from a fresh scenario")
		fs.BoolVar(&noSim, "no-sim", false, "load the scenario but run no simulators")
		fs.DurationVar(&simEvery, "sim-every", 20*time.Second, "pause between two simulated changes")
		fs.IntVar(&m.DemoAidDays, "aid-days", m.DemoAidDays, "days of aid pipeline history the scenario generates")
	}
	if err := parse(fs, &m.Config, args); err != nil {
		return err
	}
	m.Log = newLogger(stderr, m.Config.LogFormat, m.Config.LogLevel)
	if isDemo {
		if reset {
			if err := os.RemoveAll(m.Config.DataDir); err != nil {
				return fmt.Errorf("reset demo data: %w", err)
			}
		}
		m.Demo, m.Simulate, m.SimEvery = true, !noSim, simEvery
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	if isDemo {
		printDemo(stdout, m)
	} else {
		fmt.Fprintf(stdout, "Concord %s serving on %s (data in %s). Press Ctrl-C to stop.\n", buildVersion(), m.URL(), m.Config.DataDir)
	}
	<-ctx.Done()
	stop() // a second signal now ends the process at once
	m.Log.Info("shutting_down")
	return m.Close()
}

func printDemo(w io.Writer, m *Main) {
	fmt.Fprintf(w, "\nConcord %s — %s\n\n", buildVersion(), demo.Exercise)
	fmt.Fprintf(w, "  Open:      %s\n", m.URL())
	fmt.Fprintf(w, "  Password:  %s  (every demo account)\n", demo.Password)
	fmt.Fprintf(w, "  Data:      %s  (concord demo --reset starts afresh)\n\n", m.Config.DataDir)
	fmt.Fprintln(w, "  Demo logins:")
	byParty := map[string][]string{}
	var order []string
	for _, l := range m.Logins {
		if _, ok := byParty[l.Party]; !ok {
			order = append(order, l.Party)
		}
		byParty[l.Party] = append(byParty[l.Party], l.Username)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, code := range order {
		p, _ := m.Service.Access().Directory().Party(code)
		sort.Strings(byParty[code])
		fmt.Fprintf(tw, "    %s\t%s\t%s\n", code, strings.ReplaceAll(string(p.Kind), "_", " "), strings.Join(byParty[code], ", "))
	}
	tw.Flush()
	fmt.Fprintln(w, "\n  Try pak.liaison (contributing nation), isr.liaison (controlling party) or cmcc.watch (coordination center).")
	fmt.Fprintln(w, "  Press Ctrl-C to stop.")
}

// Store is what a Concord process needs of its store beyond concord.Store.
type Store interface {
	concord.Store
	SchemaVersion(ctx context.Context) (current, known int, err error)
	TableCounts(ctx context.Context) (map[string]int64, error)
}

// openStore opens PostgreSQL when --postgres-url is set and the embedded
// SQLite store otherwise, with the matching leaser.
func openStore(ctx context.Context, cfg Config, migrate bool) (Store, concord.Leaser, error) {
	if cfg.PostgresURL != "" {
		db, err := postgres.Open(ctx, cfg.PostgresURL, postgres.Options{Migrate: migrate})
		if err != nil {
			return nil, nil, err
		}
		return db, postgres.NewLeaser(db), nil
	}
	db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "concord.db"), sqlite.Options{Migrate: migrate})
	if err != nil {
		return nil, nil, err
	}
	return db, concord.LocalLeaser{}, nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	if err := parse(flags("migrate", &cfg, stderr), &cfg, args); err != nil {
		return err
	}
	db, _, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	cur, known, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d (this binary knows up to %d)\n", cur, known)
	return nil
}

// withService opens the store and a Service for an admin command. Changes
// are committed with their events in the outbox; the next `concord serve`
// publishes them.
func withService(ctx context.Context, cfg Config, fn func(*concord.Service) error) error {
	db, _, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	svc, err := concord.NewService(ctx, db, concord.ServiceOptions{})
	if err != nil {
		return err
	}
	return fn(svc)
}

var cliActor = concord.SystemViewer("CMCC", "cli")

func cmdPartyAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flags("party add", &cfg, stderr)
	var p concord.Party
	var kind, groups, never string
	fs.StringVar(&p.Code, "code", "", "party code: ISO 3166 trigraph for nations, short code for organizations")
	fs.StringVar(&p.Name, "name", "", "party name")
	fs.StringVar(&kind, "kind", "", "coordination, contributing_nation, controlling_party, un_agency, ngo or donor")
	fs.StringVar(&groups, "groups", "", "comma-separated group codes the party belongs to")
	fs.StringVar(&never, "never-release-to", "", "comma-separated parties or groups its records are never released to")
	fs.StringVar(&p.Policy.Reason, "policy-reason", "", "plain-language reason of the release policy")
	fs.StringVar(&p.Color, "color", "", "display colour #rrggbb")
	if err := parse(fs, &cfg, args); err != nil {
		return err
	}
	p.Kind = concord.PartyKind(kind)
	p.Groups = concord.ParseMarkingTokens(groups)
	p.Policy.NeverReleaseTo = concord.ParseMarkingTokens(never)
	return withService(ctx, cfg, func(svc *concord.Service) error {
		out, err := svc.PutParty(ctx, cliActor, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added party %s (%s)\n", out.Code, out.Kind)
		return nil
	})
}

func cmdGroupAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flags("group add", &cfg, stderr)
	var g concord.Group
	fs.StringVar(&g.Code, "code", "", "group code, e.g. ISF")
	fs.StringVar(&g.Name, "name", "", "group name")
	fs.StringVar(&g.Description, "description", "", "who belongs to it")
	if err := parse(fs, &cfg, args); err != nil {
		return err
	}
	return withService(ctx, cfg, func(svc *concord.Service) error {
		out, err := svc.PutGroup(ctx, cliActor, g)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added group %s\n", out.Code)
		return nil
	})
}

func cmdUserAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flags("user add", &cfg, stderr)
	var u concord.User
	var roles string
	var pwStdin bool
	fs.StringVar(&u.Username, "username", "", "login name")
	fs.StringVar(&u.DisplayName, "display-name", "", "full name")
	fs.StringVar(&u.Party, "party", "", "party code")
	fs.StringVar(&roles, "roles", "viewer", "comma-separated roles: admin, coordinator, liaison, reporter, viewer")
	fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input instead of generating one")
	if err := parse(fs, &cfg, args); err != nil {
		return err
	}
	for _, r := range strings.Split(roles, ",") {
		u.Roles = append(u.Roles, concord.Role(strings.TrimSpace(r)))
	}
	pw := ""
	if pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		pw = httpapiSecret()[:20]
	}
	if err := concord.ValidatePassword(pw); err != nil {
		return err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	return withService(ctx, cfg, func(svc *concord.Service) error {
		out, err := svc.CreateUser(ctx, cliActor, u, hash)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added user %s (%s, %v)\n", out.Username, out.Party, out.Roles)
		if !pwStdin {
			fmt.Fprintf(stdout, "password: %s\n", pw)
		}
		return nil
	})
}

func cmdTokenAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flags("token add", &cfg, stderr)
	var username, name string
	var days int
	fs.StringVar(&username, "username", "", "user the token acts as")
	fs.StringVar(&name, "name", "", "what the token is for, e.g. tracker-gateway")
	fs.IntVar(&days, "expires-in-days", 0, "days until the token expires (0: never)")
	if err := parse(fs, &cfg, args); err != nil {
		return err
	}
	db, _, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	u, _, err := db.UserByName(ctx, strings.ToLower(username))
	if err != nil {
		return fmt.Errorf("user %s: %w", username, err)
	}
	_, secret, err := httpapi.CreateToken(ctx, db, u.ID, name, time.Duration(days)*24*time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", secret)
	fmt.Fprintf(stderr, "token for %s (%s); send it as: Authorization: Bearer <token>\n", u.Username, u.Party)
	return nil
}

// postgresStore opens the PostgreSQL store named by --postgres-url.
func postgresStore(ctx context.Context, cfg Config) (*postgres.DB, error) {
	if cfg.PostgresURL == "" {
		return nil, errors.New("this command needs --postgres-url (or CONCORD_POSTGRES_URL)")
	}
	return postgres.Open(ctx, cfg.PostgresURL, postgres.Options{Migrate: true})
}

func cmdGrantAnalyst(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flags("db grant-analyst", &cfg, stderr)
	var party, role string
	var pwStdin bool
	fs.StringVar(&party, "party", "", "party whose view the login gets, e.g. PAK")
	fs.StringVar(&role, "role", "", "database role name (default concord_analyst_<party>)")
	fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input instead of generating one")
	if err := parse(fs, &cfg, args); err != nil {
		return err
	}
	party = strings.ToUpper(party)
	if party == "" {
		return errors.New("--party is required")
	}
	if role == "" {
		role = "concord_analyst_" + strings.ToLower(party)
	}
	pw := ""
	if pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		pw = strings.TrimRight(line, "\r\n")
	} else {
		pw = httpapiSecret()[:20]
	}
	db, err := postgresStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.GrantAnalyst(ctx, role, party, pw); err != nil {
		return err
	}
	u, _ := url.Parse(cfg.PostgresURL)
	u.User = url.UserPassword(role, pw)
	fmt.Fprintf(stdout, "role %s reads as %s: row-level security shows it what %s may see\n", role, party, party)
	fmt.Fprintf(stdout, "layers: %s\n", strings.Join(postgres.LayerViews, ", "))
	if !pwStdin {
		fmt.Fprintf(stdout, "connect: %s\n", u.String())
	}
	return nil
}

func cmdRevokeAnalyst(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flags("db revoke-analyst", &cfg, stderr)
	var role string
	fs.StringVar(&role, "role", "", "database role to remove")
	if err := parse(fs, &cfg, args); err != nil {
		return err
	}
	db, err := postgresStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeAnalyst(ctx, role); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed role %s\n", role)
	return nil
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flags("backup", &cfg, stderr)
	var to string
	fs.StringVar(&to, "to", "", "file to write the copy to (must not exist)")
	if err := parse(fs, &cfg, args); err != nil {
		return err
	}
	if to == "" {
		return errors.New("--to is required")
	}
	if cfg.PostgresURL != "" {
		return errors.New("backup copies the embedded SQLite store; for PostgreSQL use pg_dump (see docs/operations.md)")
	}
	db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "concord.db"), sqlite.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, to); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", to)
	return nil
}

func cmdConfig(args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	if err := parse(flags("config", &cfg, stderr), &cfg, args); err != nil {
		return err
	}
	for _, l := range cfg.Dump() {
		fmt.Fprintln(stdout, l)
	}
	return nil
}

func httpapiSecret() string {
	return strings.ReplaceAll(strings.ReplaceAll(randomString(), "-", "x"), "_", "y")
}
