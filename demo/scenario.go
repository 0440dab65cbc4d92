package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/password"
)

// DefaultSeed is the seed `concord demo` uses unless told otherwise.
const DefaultSeed = 2720

// Password is the password of every demo account. Demo only.
const Password = "concord-demo"

// Exercise is the label a demo deployment shows on every screen.
const Exercise = "EXERCISE — Gaza stabilization exercise scenario (illustrative, approximate geography)"

// Login is a demo account to print at start.
type Login struct {
	Username string
	Party    string
	Roles    []concord.Role
}

// Parties of the exercise. PAK's release policy refuses direct release to
// the controlling party (ISR); the coordination center relays instead.
var Parties = []concord.Party{
	{Code: "CMCC", Name: "Civil-Military Coordination Center", Kind: concord.KindCoordination, Color: "#1f4e79"},
	{Code: "USA", Name: "United States", Kind: concord.KindContributingNation, Groups: []string{"ISF"}, Color: "#3b6fb6"},
	{Code: "PAK", Name: "Pakistan", Kind: concord.KindContributingNation, Groups: []string{"ISF"}, Color: "#1b7a3e",
		Policy: concord.ReleasePolicy{NeverReleaseTo: []string{"ISR"}, Reason: "national policy: no direct security cooperation with the controlling party; liaison only through the CMCC"}},
	{Code: "IDN", Name: "Indonesia", Kind: concord.KindContributingNation, Groups: []string{"ISF"}, Color: "#c0392b"},
	{Code: "AZE", Name: "Azerbaijan", Kind: concord.KindContributingNation, Groups: []string{"ISF"}, Color: "#2a9db5"},
	{Code: "ITA", Name: "Italy", Kind: concord.KindContributingNation, Groups: []string{"ISF"}, Color: "#7d3c98"},
	{Code: "ISR", Name: "Controlling party (exercise)", Kind: concord.KindControllingParty, Color: "#b9770e"},
	{Code: "WFP", Name: "World Food Programme", Kind: concord.KindUNAgency, Groups: []string{"HUM"}, Color: "#2874a6"},
	{Code: "UNICEF", Name: "UNICEF", Kind: concord.KindUNAgency, Groups: []string{"HUM"}, Color: "#1ca0dc"},
	{Code: "WHO", Name: "World Health Organization", Kind: concord.KindUNAgency, Groups: []string{"HUM"}, Color: "#0b8a8a"},
	{Code: "UNRWA", Name: "UNRWA", Kind: concord.KindUNAgency, Groups: []string{"HUM"}, Color: "#4a6fa5"},
	{Code: "OCHA", Name: "OCHA", Kind: concord.KindUNAgency, Groups: []string{"HUM"}, Color: "#418fde"},
	{Code: "MSF", Name: "Médecins Sans Frontières", Kind: concord.KindNGO, Groups: []string{"HUM"}, Color: "#d62828"},
	{Code: "NRC", Name: "Norwegian Refugee Council", Kind: concord.KindNGO, Groups: []string{"HUM"}, Color: "#f39c12"},
	{Code: "PRCS", Name: "Palestine Red Crescent Society", Kind: concord.KindNGO, Groups: []string{"HUM"}, Color: "#a93226"},
	{Code: "ECHO", Name: "EU Humanitarian Aid (donor)", Kind: concord.KindDonor, Color: "#154360"},
}

// Groups of the exercise.
var Groups = []concord.Group{
	{Code: "ISF", Name: "International Stabilization Force", Description: "all contributing nations"},
	{Code: "HUM", Name: "Humanitarian community", Description: "UN agencies and NGOs"},
}

// rolesFor returns the demo accounts' roles for a party kind.
func rolesFor(k concord.PartyKind) map[string][]concord.Role {
	switch k {
	case concord.KindCoordination:
		return map[string][]concord.Role{
			"admin": {concord.RoleAdmin}, "watch": {concord.RoleCoordinator}, "planner": {concord.RoleCoordinator}, "viewer": {concord.RoleViewer},
		}
	case concord.KindContributingNation:
		return map[string][]concord.Role{"liaison": {concord.RoleLiaison}, "reporter": {concord.RoleReporter}, "viewer": {concord.RoleViewer}}
	case concord.KindControllingParty:
		return map[string][]concord.Role{"liaison": {concord.RoleLiaison}, "viewer": {concord.RoleViewer}}
	case concord.KindDonor:
		return map[string][]concord.Role{"analyst": {concord.RoleViewer}}
	default:
		return map[string][]concord.Role{"logistics": {concord.RoleCoordinator}, "reporter": {concord.RoleReporter}, "viewer": {concord.RoleViewer}}
	}
}

// Logins lists every demo account, ordered by party then username.
func Logins() []Login {
	var out []Login
	for _, p := range Parties {
		names := []string{}
		rs := rolesFor(p.Kind)
		for n := range rs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, Login{Username: strings.ToLower(p.Code) + "." + n, Party: p.Code, Roles: rs[n]})
		}
	}
	return out
}

// Load creates the scenario unless it is already there, and returns the
// demo logins. It is safe to call at every start.
func Load(ctx context.Context, svc *concord.Service, seed int64, log *slog.Logger) ([]Login, error) {
	return LoadWith(ctx, svc, Options{Seed: seed, AidDays: 60}, log)
}

// Options size the scenario.
type Options struct {
	Seed int64
	// AidDays is how many days of aid pipeline history to generate.
	AidDays int
}

// LoadWith is Load with options.
func LoadWith(ctx context.Context, svc *concord.Service, o Options, log *slog.Logger) ([]Login, error) {
	seed := o.Seed
	logins := Logins()
	if _, ok := svc.Access().Directory().Party("CMCC"); ok {
		return logins, nil
	}
	start := time.Now()
	sys := concord.SystemViewer("CMCC", "demo-loader")
	// The system viewer may build the directory before any coordination
	// party exists.
	for _, g := range Groups {
		if _, err := svc.PutGroup(ctx, sys, g); err != nil {
			return nil, fmt.Errorf("group %s: %w", g.Code, err)
		}
	}
	// Parties with a release policy come last: a policy may only name
	// parties that exist.
	ordered := slices.Clone(Parties)
	slices.SortStableFunc(ordered, func(a, b concord.Party) int { return len(a.Policy.NeverReleaseTo) - len(b.Policy.NeverReleaseTo) })
	for _, p := range ordered {
		if _, err := svc.PutParty(ctx, sys, p); err != nil {
			return nil, fmt.Errorf("party %s: %w", p.Code, err)
		}
	}
	// One hash for every demo account keeps start-up fast; demo only.
	hash, err := password.Hash(Password)
	if err != nil {
		return nil, err
	}
	for _, l := range logins {
		u := concord.User{Username: l.Username, Party: l.Party, Roles: l.Roles, DisplayName: l.Username}
		if _, err := svc.CreateUser(ctx, sys, u, hash); err != nil {
			return nil, fmt.Errorf("user %s: %w", l.Username, err)
		}
	}
	day := svc.Now().UTC().Truncate(24 * time.Hour)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x2720))
	for _, f := range Features(day, rng) {
		v := concord.Viewer{Username: "demo-loader", Party: f.Marking.Owner, Roles: []concord.Role{concord.RoleCoordinator}, UserID: "system:demo-loader"}
		if _, err := svc.CreateFeature(ctx, v, concord.FeatureInput{Feature: f}); err != nil {
			return nil, fmt.Errorf("feature %q: %w", f.Name, err)
		}
	}
	if err := loadMovements(ctx, svc); err != nil {
		return nil, err
	}
	if err := loadLiveConvoys(ctx, svc, log); err != nil {
		return nil, err
	}
	if err := loadForceGeneration(ctx, svc); err != nil {
		return nil, fmt.Errorf("force generation: %w", err)
	}
	if err := loadAid(ctx, svc, seed, o.AidDays); err != nil {
		return nil, fmt.Errorf("aid pipeline: %w", err)
	}
	log.Info("demo_scenario_loaded", "parties", len(Parties), "users", len(logins), "seed", seed, "ms", time.Since(start).Milliseconds())
	return logins, nil
}

func at(day time.Time, h float64) *time.Time {
	t := day.Add(time.Duration(h * float64(time.Hour)))
	return &t
}

func mk(owner string, rel ...string) concord.Marking {
	return concord.Marking{Owner: owner, Rel: rel, Caveats: []string{}}
}

type siteDef struct {
	kind     concord.SiteKind
	name     string
	s, t     float64
	owner    string
	operator string
	status   concord.SiteStatus
	capacity float64
	unit     string
	rel      []string
}

// Features returns the scenario's mission map for a given day.
func Features(day time.Time, rng *rand.Rand) []concord.Feature {
	var fs []concord.Feature
	add := func(f concord.Feature) { fs = append(fs, f) }
	full := func(float64) float64 { return 1 }
	zero := func(float64) float64 { return 0 }

	add(concord.Feature{Kind: concord.FeatureAO, Name: "Area of operations — Gaza Strip (exercise)", Geometry: region(sMin, sMax, zero, full), Marking: mk("CMCC", "ALL")})

	for _, g := range []struct {
		code, name string
		s0, s1     float64
	}{
		{"PS-RFH", "Rafah", sMin, 31.365}, {"PS-KYS", "Khan Yunis", 31.365, 31.41}, {"PS-DEB", "Deir al-Balah", 31.41, 31.455},
		{"PS-GZA", "Gaza", 31.455, 31.535}, {"PS-NGZ", "North Gaza", 31.535, sMax},
	} {
		add(concord.Feature{Kind: concord.FeatureAdminArea, Name: g.name + " Governorate", Geometry: region(g.s0, g.s1, zero, full),
			Marking: mk("OCHA", "PUBLIC"), Attrs: concord.FeatureAttrs{AdminCode: g.code, AdminLevel: 1}})
	}

	for _, sec := range []struct {
		name, lead string
		s0, s1     float64
	}{
		{"Sector North", "IDN", 31.535, sMax}, {"Sector Gaza City", "AZE", 31.455, 31.535},
		{"Sector Central", "PAK", 31.40, 31.455}, {"Sector South", "ITA", 31.348, 31.40},
	} {
		add(concord.Feature{Kind: concord.FeatureSector, Name: sec.name + " (lead " + sec.lead + ")", Geometry: region(sec.s0, sec.s1, zero, lineT),
			Marking: mk("CMCC", "ALL"), Attrs: concord.FeatureAttrs{LeadParty: sec.lead},
			Description: "ISF sector west of the control line; the lead contingent acknowledges movements through it."})
	}

	none := func(float64) float64 { return 0 }
	add(concord.Feature{Kind: concord.FeatureControlLine, Name: "Yellow line (declared)", Geometry: line(none), Marking: mk("CMCC", "ALL"),
		Attrs:       concord.FeatureAttrs{Line: "yellow-line", LineVersion: concord.LineDeclared, ControllingParty: "ISR"},
		Description: "Control line as declared in the ceasefire arrangement; the controlling party holds the area east and south of it."})
	add(concord.Feature{Kind: concord.FeatureControlLine, Name: "Yellow line (marked)", Geometry: line(func(s float64) float64 { return 0.015 * math.Sin(s*900) }),
		Marking: mk("ISR", "ALL"), Attrs: concord.FeatureAttrs{Line: "yellow-line", LineVersion: concord.LineMarked, ControllingParty: "ISR"},
		Description: "Line of yellow markers as placed on the ground by the controlling party."})
	add(concord.Feature{Kind: concord.FeatureControlLine, Name: "Yellow line (observed)", Geometry: line(func(s float64) float64 {
		if s > 31.41 && s < 31.47 { // markers reported moved westwards here
			return -0.05
		}
		return 0.01 * math.Sin(s*700)
	}), Marking: mk("CMCC", "ISF", "HUM"), Attrs: concord.FeatureAttrs{Line: "yellow-line", LineVersion: concord.LineObserved, ControllingParty: "ISR"},
		Description: "Line as observed by ISF patrols and humanitarian teams; markers reported moved about 400 m westwards near Wadi Gaza."})

	add(concord.Feature{Kind: concord.FeatureRoute, Name: "Salah al-Din Road", Geometry: path([2]float64{31.330, 0.78}, [2]float64{31.36, 0.55}, [2]float64{31.40, 0.42}, [2]float64{31.455, 0.48}, [2]float64{31.53, 0.52}, [2]float64{31.556, 0.88}),
		Marking: mk("CMCC", "ALL"), Attrs: concord.FeatureAttrs{RouteClass: "corridor"}, Description: "Main inland north–south highway, Rafah to Erez."})
	add(concord.Feature{Kind: concord.FeatureRoute, Name: "Al-Rashid coastal road", Geometry: path([2]float64{31.330, 0.08}, [2]float64{31.45, 0.06}, [2]float64{31.59, 0.05}),
		Marking: mk("CMCC", "ALL"), Attrs: concord.FeatureAttrs{RouteClass: "corridor"}, Description: "Coastal north–south road, never more than 2 km from the sea."})
	add(concord.Feature{Kind: concord.FeatureRoute, Name: "Kerem Shalom – Khan Yunis humanitarian route", Geometry: path([2]float64{31.327, 0.95}, [2]float64{31.345, 0.7}, [2]float64{31.37, 0.4}, [2]float64{31.385, 0.2}),
		Marking: mk("CMCC", "HUM", "ISF"), Attrs: concord.FeatureAttrs{RouteClass: "humanitarian route"}, Description: "Collection route from the Kerem Shalom offload area."})

	add(concord.Feature{Kind: concord.FeatureRestrictedArea, Name: "Perimeter buffer zone", Geometry: region(sMin, sMax, constT(0.9), full),
		Marking: mk("ISR", "ALL"), Attrs: concord.FeatureAttrs{ControllingParty: "ISR"}, Description: "No-go buffer along the perimeter fence."})
	add(concord.Feature{Kind: concord.FeatureRestrictedArea, Name: "Closed military zone — Netzarim axis", Geometry: box(31.458, 31.466, 0.52, 0.9),
		Marking: mk("ISR", "ALL"), Attrs: concord.FeatureAttrs{ControllingParty: "ISR"}, ValidFrom: at(day, -24), ValidTo: at(day, 24*14)})
	add(concord.Feature{Kind: concord.FeatureActivityArea, Name: "Engineering works east of Khan Yunis", Geometry: box(31.372, 31.386, 0.44, 0.62),
		Marking: mk("ISR", "ALL"), Attrs: concord.FeatureAttrs{ControllingParty: "ISR"}, ValidFrom: at(day, 30), ValidTo: at(day, 54),
		Description: "Demolition and clearance activity; keep 500 m clear during the window."})
	add(concord.Feature{Kind: concord.FeatureActivityArea, Name: "Controlled detonation window — Rafah", Geometry: box(31.330, 31.342, 0.35, 0.55),
		Marking: mk("ISR", "ALL"), Attrs: concord.FeatureAttrs{ControllingParty: "ISR"}, ValidFrom: at(day, 8), ValidTo: at(day, 12)})
	add(concord.Feature{Kind: concord.FeatureActivityArea, Name: "PAK patrol exercise area — Nuseirat", Geometry: box(31.430, 31.440, 0.18, 0.34),
		Marking: mk("PAK", "ALL"), ValidFrom: at(day, 6), ValidTo: at(day, 18),
		Description: "Contingent patrol exercise. PAK's release policy keeps it from the controlling party even though it is marked ALL."})
	add(concord.Feature{Kind: concord.FeatureActivityArea, Name: "UXO clearance — Jabalia", Geometry: box(31.545, 31.552, 0.20, 0.30),
		Marking: mk("CMCC", "ALL"), ValidFrom: at(day, 24), ValidTo: at(day, 24*3), Description: "Explosive ordnance disposal by a UNMAS-supported team."})

	for _, c := range []struct {
		name     string
		p        orb.Point
		status   concord.SiteStatus
		capacity float64
		owner    string
	}{
		{"Kerem Shalom crossing", orb.Point{34.2706, 31.2208}, concord.StatusOpen, 450, "ISR"},
		{"Rafah crossing", orb.Point{34.2592, 31.2486}, concord.StatusClosed, 0, "CMCC"},
		{"Erez / Beit Hanoun crossing", orb.Point{34.5447, 31.5582}, concord.StatusLimited, 60, "ISR"},
		{"Zikim crossing", orb.Point{34.5000, 31.5900}, concord.StatusOpen, 120, "ISR"},
		{"Kissufim crossing", orb.Point{34.3800, 31.3700}, concord.StatusOpen, 100, "ISR"},
	} {
		f := concord.Feature{Kind: concord.FeatureSite, Name: c.name, Geometry: c.p, Marking: mk(c.owner, "ALL"),
			Attrs: concord.FeatureAttrs{SiteKind: concord.SiteCrossing, Operator: "Land crossings authority (exercise)", Status: c.status}}
		if c.capacity > 0 {
			f.Attrs.Capacity, f.Attrs.CapacityUnit = c.capacity, "trucks/day"
		}
		add(f)
	}

	sites := []siteDef{
		{concord.SitePort, "Gaza port (maritime pier)", 31.525, 0.03, "CMCC", "CMCC", concord.StatusLimited, 80, "trucks/day", nil},
		{concord.SiteWarehouse, "WFP warehouse Deir al-Balah", 31.418, 0.30, "WFP", "WFP", concord.StatusOpen, 4000, "tonnes", nil},
		{concord.SiteWarehouse, "WFP hub Khan Yunis West", 31.372, 0.12, "WFP", "WFP", concord.StatusOpen, 2500, "tonnes", nil},
		{concord.SiteWarehouse, "UNICEF supply hub Gaza City", 31.505, 0.25, "UNICEF", "UNICEF", concord.StatusOpen, 1200, "tonnes", nil},
		{concord.SiteWarehouse, "UNRWA logistics base Rafah", 31.338, 0.40, "UNRWA", "UNRWA", concord.StatusClosed, 3000, "tonnes", nil},
		{concord.SiteWarehouse, "Kerem Shalom offload area", 31.328, 0.92, "CMCC", "CMCC", concord.StatusOpen, 600, "trucks/day", nil},
		{concord.SiteWarehouse, "Zikim offload point", 31.586, 0.30, "CMCC", "CMCC", concord.StatusOpen, 150, "trucks/day", nil},
		{concord.SiteDistributionPoint, "Distribution point Mawasi North", 31.362, 0.05, "WFP", "WFP", concord.StatusOpen, 8000, "people/day", nil},
		{concord.SiteDistributionPoint, "Distribution point Nuseirat", 31.437, 0.22, "WFP", "WFP", concord.StatusOpen, 6000, "people/day", nil},
		{concord.SiteDistributionPoint, "Distribution point Bureij", 31.445, 0.38, "UNRWA", "UNRWA", concord.StatusLimited, 3000, "people/day", nil},
		{concord.SiteDistributionPoint, "Distribution point Jabalia", 31.548, 0.35, "WFP", "WFP", concord.StatusOpen, 7000, "people/day", nil},
		{concord.SiteDistributionPoint, "Distribution point Beit Lahia", 31.572, 0.22, "UNRWA", "UNRWA", concord.StatusOpen, 5000, "people/day", nil},
		{concord.SiteDistributionPoint, "Distribution point Sheikh Radwan", 31.522, 0.28, "WFP", "WFP", concord.StatusOpen, 6500, "people/day", nil},
		{concord.SiteDistributionPoint, "Distribution point Al-Zawaida", 31.428, 0.10, "NRC", "NRC", concord.StatusOpen, 2500, "people/day", nil},
		{concord.SiteDistributionPoint, "Distribution point Khan Yunis West", 31.380, 0.16, "UNRWA", "UNRWA", concord.StatusOpen, 4000, "people/day", nil},
		{concord.SiteHospital, "Al-Shifa Hospital", 31.515, 0.18, "WHO", "Ministry of Health", concord.StatusLimited, 250, "beds", nil},
		{concord.SiteHospital, "Al-Ahli Arab Hospital", 31.505, 0.36, "WHO", "Anglican Diocese", concord.StatusOpen, 80, "beds", nil},
		{concord.SiteHospital, "Al-Aqsa Martyrs Hospital", 31.420, 0.25, "WHO", "Ministry of Health", concord.StatusOpen, 160, "beds", nil},
		{concord.SiteHospital, "Nasser Medical Complex", 31.370, 0.28, "WHO", "Ministry of Health", concord.StatusOpen, 350, "beds", nil},
		{concord.SiteHospital, "Kamal Adwan Hospital", 31.562, 0.30, "WHO", "Ministry of Health", concord.StatusDamaged, 40, "beds", nil},
		{concord.SiteHospital, "European Gaza Hospital", 31.352, 0.62, "WHO", "Ministry of Health", concord.StatusClosed, 0, "", nil},
		{concord.SiteHospital, "Field hospital Al-Mawasi", 31.357, 0.07, "MSF", "MSF", concord.StatusOpen, 60, "beds", nil},
		{concord.SiteClinic, "UNRWA health centre Nuseirat", 31.440, 0.28, "UNRWA", "UNRWA", concord.StatusOpen, 400, "consultations/day", nil},
		{concord.SiteClinic, "MSF clinic Deir al-Balah", 31.414, 0.18, "MSF", "MSF", concord.StatusOpen, 300, "consultations/day", nil},
		{concord.SiteClinic, "UNRWA health centre Jabalia", 31.555, 0.40, "UNRWA", "UNRWA", concord.StatusLimited, 250, "consultations/day", nil},
		{concord.SiteClinic, "PRCS clinic Khan Yunis", 31.375, 0.22, "PRCS", "PRCS", concord.StatusOpen, 200, "consultations/day", nil},
		{concord.SiteShelter, "Shelter school Nuseirat", 31.442, 0.15, "UNRWA", "UNRWA", concord.StatusOpen, 4500, "people", nil},
		{concord.SiteShelter, "Al-Mawasi tent camp", 31.366, 0.04, "NRC", "NRC", concord.StatusOpen, 60000, "people", nil},
		{concord.SiteShelter, "Jabalia preparatory school shelter", 31.552, 0.30, "UNRWA", "UNRWA", concord.StatusOpen, 3000, "people", nil},
		{concord.SiteShelter, "Deir al-Balah displacement site", 31.422, 0.08, "NRC", "NRC", concord.StatusOpen, 25000, "people", nil},
		{concord.SiteShelter, "Al-Rimal collective centre", 31.518, 0.10, "UNRWA", "UNRWA", concord.StatusOpen, 2000, "people", nil},
		{concord.SiteWaterPoint, "Desalination plant Deir al-Balah", 31.416, 0.03, "UNICEF", "Coastal Municipalities Water Utility", concord.StatusLimited, 2500, "m³/day", nil},
		{concord.SiteWaterPoint, "Water point Al-Mawasi", 31.368, 0.09, "UNICEF", "UNICEF", concord.StatusOpen, 400, "m³/day", nil},
		{concord.SiteWaterPoint, "Water point Jabalia", 31.550, 0.45, "UNICEF", "UNICEF", concord.StatusDamaged, 150, "m³/day", nil},
		{concord.SiteWaterPoint, "Gaza City well field", 31.498, 0.40, "UNICEF", "Municipality of Gaza", concord.StatusOpen, 900, "m³/day", nil},
		{concord.SiteBakery, "Bakery Deir al-Balah (WFP-supported)", 31.419, 0.20, "WFP", "private bakery", concord.StatusOpen, 40000, "bundles/day", nil},
		{concord.SiteBakery, "Bakery Gaza City Al-Nasr", 31.528, 0.22, "WFP", "private bakery", concord.StatusOpen, 30000, "bundles/day", nil},
		{concord.SiteBakery, "Bakery Nuseirat", 31.436, 0.26, "WFP", "private bakery", concord.StatusLimited, 15000, "bundles/day", nil},
		{concord.SiteBakery, "Bakery Khan Yunis", 31.378, 0.24, "WFP", "private bakery", concord.StatusOpen, 20000, "bundles/day", nil},
		{concord.SiteBase, "IDN Sector North headquarters", 31.566, 0.18, "IDN", "IDN contingent", concord.StatusOpen, 0, "", []string{"ISF"}},
		{concord.SiteBase, "AZE Sector Gaza City headquarters", 31.490, 0.30, "AZE", "AZE contingent", concord.StatusOpen, 0, "", []string{"ISF"}},
		{concord.SiteBase, "PAK Sector Central headquarters", 31.430, 0.30, "PAK", "PAK contingent", concord.StatusOpen, 0, "", []string{"ALL"}},
		{concord.SiteBase, "ITA Sector South headquarters", 31.388, 0.18, "ITA", "ITA contingent", concord.StatusOpen, 0, "", []string{"ISF", "HUM"}},
		{concord.SiteBase, "CMCC forward liaison cell", 31.470, 0.12, "CMCC", "CMCC", concord.StatusOpen, 0, "", []string{"ISF", "HUM"}},
		{concord.SiteCheckpoint, "Checkpoint Salah al-Din / Netzarim", 31.462, 0.50, "ISR", "controlling party", concord.StatusOpen, 0, "", []string{"ALL"}},
		{concord.SiteCheckpoint, "ISF checkpoint Wadi Gaza", 31.452, 0.30, "AZE", "AZE contingent", concord.StatusOpen, 0, "", []string{"ISF", "HUM"}},
		{concord.SiteCheckpoint, "PAK checkpoint Bureij road", 31.448, 0.45, "PAK", "PAK contingent", concord.StatusOpen, 0, "", []string{"ISF", "HUM"}},
		{concord.SiteCheckpoint, "Checkpoint Al-Rashid north", 31.540, 0.06, "IDN", "IDN contingent", concord.StatusOpen, 0, "", []string{"ALL"}},
	}
	for _, d := range sites {
		rel := d.rel
		if rel == nil {
			rel = []string{"ALL"}
		}
		// A little seeded jitter keeps sites off the exact grid lines.
		p := M(d.s+(rng.Float64()-0.5)*0.002, d.t+(rng.Float64()-0.5)*0.02)
		add(concord.Feature{Kind: concord.FeatureSite, Name: d.name, Geometry: p, Marking: mk(d.owner, rel...),
			Attrs: concord.FeatureAttrs{SiteKind: d.kind, Operator: d.operator, Status: d.status, Capacity: d.capacity, CapacityUnit: d.unit}})
	}
	return fs
}
