package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/aid"
	"github.com/concord-mission/concord/pipeline"
)

// openPipeline opens the store and the aid pipeline for a command-line
// action, acting as a user.
func openPipeline(ctx context.Context, cfg Config, username string) (*pipeline.Service, concord.Viewer, func(), error) {
	db, _, err := openStore(ctx, cfg, true)
	if err != nil {
		return nil, concord.Viewer{}, nil, err
	}
	closeAll := func() { db.Close() }
	u, _, err := db.UserByName(ctx, strings.ToLower(username))
	if err != nil {
		closeAll()
		return nil, concord.Viewer{}, nil, fmt.Errorf("--username %q: %w", username, err)
	}
	svc, err := concord.NewService(ctx, db, concord.ServiceOptions{})
	if err != nil {
		closeAll()
		return nil, concord.Viewer{}, nil, err
	}
	p := pipeline.New(svc, pipeline.Options{TargetTrucks: cfg.TargetTrucks})
	if err := p.Load(ctx); err != nil {
		closeAll()
		return nil, concord.Viewer{}, nil, err
	}
	return p, concord.ViewerOf(u), closeAll, nil
}

// cmdAidImport imports a consignment or stage-event CSV file (HXL-tagged or
// with named columns) as a user, all or nothing unless --valid-only.
func cmdAidImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flags("aid import", &cfg, stderr)
	var username, rejects, file string
	var validOnly bool
	fs.StringVar(&file, "file", "", "the CSV file to import")
	fs.StringVar(&username, "username", "", "user the import acts as (its party owns the consignments)")
	fs.BoolVar(&validOnly, "valid-only", false, "import the valid rows and skip the others (default: refuse the file if any row is invalid)")
	fs.StringVar(&rejects, "rejects", "", "with --valid-only, write the rejected rows with their reasons to this CSV file")
	if err := parse(fs, &cfg, args); err != nil {
		return err
	}
	if file == "" || username == "" {
		return errors.New("usage: concord aid import --username USER --file FILE.csv [--valid-only [--rejects FILE]]")
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	p, v, closeAll, err := openPipeline(ctx, cfg, username)
	if err != nil {
		return err
	}
	defer closeAll()
	var bar *progressbar.ProgressBar
	stage := ""
	start := time.Now()
	res, err := p.Import(ctx, v, f, pipeline.ImportOptions{ValidOnly: validOnly, Progress: func(s string, done, total int) {
		if s != stage {
			if bar != nil {
				_ = bar.Finish()
			}
			stage, bar = s, newProgress(stderr, s, total)
		}
		_ = bar.Set(done)
	}})
	if bar != nil {
		_ = bar.Finish()
	}
	for _, e := range res.Errors[:min(len(res.Errors), 50)] {
		fmt.Fprintln(stderr, e)
	}
	if len(res.Errors) > 50 {
		fmt.Fprintf(stderr, "… and %d more problems\n", len(res.Errors)-50)
	}
	if err != nil {
		return err
	}
	if rejects != "" && len(res.RejectedLines) > 0 {
		if err := writeRejects(file, rejects, res); err != nil {
			return err
		}
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "%s: %d rows, %d consignments created, %d stage events recorded, %d duplicates skipped, %d rows rejected (%.0f rows/s)\n",
		res.Kind, res.Rows, res.Consignments, res.Events, res.Skipped, res.Rejected, float64(res.Rows)/el.Seconds())
	return nil
}

// writeRejects copies the rejected rows of the source file with a reason
// column.
func writeRejects(src, dst string, res pipeline.ImportResult) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	why := map[int][]string{}
	for _, e := range res.Errors {
		why[e.Line] = append(why[e.Line], strings.TrimPrefix(e.String(), fmt.Sprintf("line %d: ", e.Line)))
	}
	var out strings.Builder
	out.WriteString("line,reason,row\n")
	for _, n := range res.RejectedLines {
		row := ""
		if n-1 < len(lines) {
			row = strings.TrimRight(lines[n-1], "\r")
		}
		fmt.Fprintf(&out, "%d,%q,%q\n", n, strings.Join(why[n], "; "), row)
	}
	return os.WriteFile(dst, []byte(out.String()), 0o644)
}

// cmdAidExport writes consignments, stage events or daily KPIs as
// HXL-tagged CSV, as a user sees them.
func cmdAidExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flags("aid export", &cfg, stderr)
	var username, what, from, to string
	fs.StringVar(&username, "username", "", "user the export is for (it contains what that user may see)")
	fs.StringVar(&what, "what", "consignments", "consignments, events or kpis")
	fs.StringVar(&from, "from", "", "first day (2006-01-02)")
	fs.StringVar(&to, "to", "", "day after the last (2006-01-02)")
	if err := parse(fs, &cfg, args); err != nil {
		return err
	}
	if username == "" {
		return errors.New("usage: concord aid export --username USER [--what consignments|events|kpis] [--from DAY] [--to DAY] > FILE.csv")
	}
	var f aid.Filter
	for _, d := range []struct {
		s string
		t *time.Time
	}{{from, &f.From}, {to, &f.To}} {
		if d.s == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", d.s)
		if err != nil {
			return fmt.Errorf("%q is not a day (2006-01-02)", d.s)
		}
		*d.t = t
	}
	p, v, closeAll, err := openPipeline(ctx, cfg, username)
	if err != nil {
		return err
	}
	defer closeAll()
	switch what {
	case "consignments":
		n, err := p.ExportConsignments(ctx, v, f, stdout)
		fmt.Fprintf(stderr, "%d consignments\n", n)
		return err
	case "events":
		n, err := p.ExportEvents(ctx, v, f, stdout)
		fmt.Fprintf(stderr, "%d stage events\n", n)
		return err
	case "kpis":
		if f.To.IsZero() {
			f.To = time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
		}
		if f.From.IsZero() {
			f.From = f.To.AddDate(0, 0, -30)
		}
		return p.ExportKPIs(v, f, stdout)
	}
	return fmt.Errorf("--what %q: consignments, events or kpis", what)
}
