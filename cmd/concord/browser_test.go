package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Debian chromium for a test. Without chromium the
// test is skipped, unless CONCORD_REQUIRE_BROWSER=1 (as in CI) makes that
// a failure.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 90*time.Second)
}

// browserFor is browser with a deadline of d for the whole test.
func browserFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CONCORD_REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium is not installed (apt-get install chromium)")
		}
		t.Skip("chromium is not installed; set CONCORD_REQUIRE_BROWSER=1 to fail instead")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1600, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, d)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// screenshot saves the page as PNG under test-output/screenshots (or
// $CONCORD_SCREENSHOTS) and logs where.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CONCORD_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "test-output", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

func loginUI(t *testing.T, ctx context.Context, url, user string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		chromedp.SendKeys(chromedp.CSS("#login-username"), user),
		chromedp.SendKeys(chromedp.CSS("#login-password"), "concord-demo"),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
	)
	if err != nil {
		t.Fatalf("log in as %s: %v", user, err)
	}
}

func count(t *testing.T, ctx context.Context, selector string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, selector)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func text(t *testing.T, ctx context.Context, selector string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("text of %s: %v", selector, err)
	}
	return s
}

// waitJS polls a JavaScript condition until it is true.
func waitJS(t *testing.T, ctx context.Context, cond, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func clickFeature(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const el = document.querySelector('[data-feature-id=%q]'); if (!el) return false;
		el.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window})); return true; })()`, id)
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil || !ok {
		t.Fatalf("no feature %s on the map (%v)", id, err)
	}
}

// TestBrowserContributingNation logs in as PAK's liaison, sees sectors and
// sites, toggles a layer, opens a feature with its marking banner and
// history, and receives a change made through the API without reloading.
func TestBrowserContributingNation(t *testing.T) {
	ctx := browser(t)
	s := start(t, withDemo)
	loginUI(t, ctx, s.url(), "pak.liaison")

	if p := text(t, ctx, "#viewer-party"); !strings.Contains(p, "PAK") {
		t.Fatalf("viewer party shows %q", p)
	}
	if ex := text(t, ctx, "#exercise-label"); !strings.Contains(ex, "TEST EXERCISE") {
		t.Fatalf("exercise label shows %q", ex)
	}
	if n := count(t, ctx, `[data-feature-kind="sector"]`); n < 4 {
		t.Fatalf("%d sectors drawn", n)
	}
	sites := count(t, ctx, `[data-feature-kind="site"]`)
	if sites < 40 {
		t.Fatalf("%d sites drawn", sites)
	}
	// Toggle the sites layer off and on.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[data-layer="site"]`))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.querySelectorAll('[data-feature-kind="site"]').length === 0`, "sites hidden")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[data-layer="site"]`))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, fmt.Sprintf(`document.querySelectorAll('[data-feature-kind="site"]').length === %d`, sites), "sites shown again")

	// Open PAK's headquarters: marked REL TO PAK, ALL.
	api := s.login("pak.liaison")
	var hq geoFeature
	for _, f := range api.features("kind=site") {
		if f.name() == "PAK Sector Central headquarters" {
			hq = f
		}
	}
	if hq.ID == "" {
		t.Fatal("no PAK headquarters in the demo")
	}
	clickFeature(t, ctx, hq.ID)
	waitJS(t, ctx, `!document.querySelector('#details').hidden && document.querySelector('#details-name').textContent.includes('PAK Sector Central headquarters')`, "details of the headquarters")
	if b := text(t, ctx, "#details-banner"); b != "REL TO PAK, ALL" {
		t.Fatalf("banner %q", b)
	}
	waitJS(t, ctx, `document.querySelectorAll('#details-history .history-version').length >= 1`, "history")
	screenshot(t, ctx, "browser-pak-details")

	// A change made through the API appears live, without a reload.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__noReload = 1`)); err != nil {
		t.Fatal(err)
	}
	var created geoFeature
	json.Unmarshal(api.must(201, "POST", "/api/features", site("Live test depot", "PAK", []string{"ISF"}, 34.36, 31.44)), &created)
	waitJS(t, ctx, fmt.Sprintf(`!!document.querySelector('[data-feature-id=%q]')`, created.ID), "the new site on the map")
	waitJS(t, ctx, `[...document.querySelectorAll('#live-feed .live-item')].some(e => e.textContent.includes('Live test depot'))`, "the change in the live feed")
	if still, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__noReload || 0`)); err != nil || still != 1 {
		t.Fatal("the page reloaded")
	}
	if st := text(t, ctx, "#live-status"); !strings.EqualFold(strings.TrimSpace(st), "live") {
		t.Fatalf("live status %q", st)
	}
	screenshot(t, ctx, "browser-pak-map")
}

// TestBrowserControllingPartyDoesNotSeePAK logs in as the controlling
// party's liaison: PAK's records, kept from it by PAK's release policy,
// appear neither on its map nor through its API, nor on its live stream.
func TestBrowserControllingPartyDoesNotSeePAK(t *testing.T) {
	ctx := browser(t)
	s := start(t, withDemo)
	var pakIDs []string
	for _, f := range s.login("cmcc.watch").features("limit=5000") {
		if f.owner() == "PAK" {
			pakIDs = append(pakIDs, f.ID)
		}
	}
	loginUI(t, ctx, s.url(), "isr.liaison")
	if p := text(t, ctx, "#viewer-party"); !strings.Contains(p, "ISR") {
		t.Fatalf("viewer party shows %q", p)
	}
	isr := s.login("isr.liaison")
	for _, id := range pakIDs {
		if count(t, ctx, fmt.Sprintf(`[data-feature-id=%q]`, id)) != 0 {
			t.Fatalf("PAK record %s is on ISR's map", id)
		}
		isr.must(404, "GET", "/api/features/"+id, nil)
	}
	// A new PAK record marked ALL, then a marker ISR may see: once the
	// marker is on ISR's map, the PAK record would have arrived before it.
	pak := s.login("pak.liaison")
	var secret, marker geoFeature
	json.Unmarshal(pak.must(201, "POST", "/api/features", site("PAK forward post", "PAK", []string{"ALL"}, 34.36, 31.44)), &secret)
	json.Unmarshal(s.login("cmcc.watch").must(201, "POST", "/api/features", site("CMCC liaison point", "CMCC", []string{"ALL"}, 34.37, 31.45)), &marker)
	waitJS(t, ctx, fmt.Sprintf(`!!document.querySelector('[data-feature-id=%q]')`, marker.ID), "the marker on ISR's map")
	if count(t, ctx, fmt.Sprintf(`[data-feature-id=%q]`, secret.ID)) != 0 {
		t.Fatal("PAK's new record reached ISR's map")
	}
	feed, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("#live-feed")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(feed, "PAK forward post") {
		t.Fatal("PAK's new record is in ISR's live feed")
	}
	screenshot(t, ctx, "browser-isr-map")
}
