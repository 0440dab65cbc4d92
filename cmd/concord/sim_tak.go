package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concord-mission/concord/cot"
)

// cmdSimTAK connects N simulated TAK devices to a server, like real
// clients: each authenticates, negotiates protobuf when asked, reports its
// position as it walks around the area of operations, pings, now and then
// chats, and reads everything the server sends. It runs until Ctrl-C or
// --duration, printing counts as it goes.
func cmdSimTAK(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("sim tak", stderr)
	fs.Init("concord sim tak", 0)
	addr := fs.String("addr", "127.0.0.1:8087", "TAK server host:port")
	auth := fs.String("auth", "", "username:secret (password or API token) every device sends as <auth>")
	devices := fs.Int("devices", 10, "simulated devices")
	every := fs.Duration("every", 5*time.Second, "pause between two position reports of a device")
	proto := fs.Float64("proto", 0.5, "share of devices that negotiate TAK protobuf")
	chat := fs.Duration("chat-every", 2*time.Minute, "pause between two chat messages of a device; 0 for none")
	duration := fs.Duration("duration", 0, "stop after this long; 0 runs until Ctrl-C")
	seed := fs.Uint64("seed", 1, "seed of the devices' starting points and walks")
	prefix := fs.String("prefix", "SIMTAK", "uid and callsign prefix")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *devices < 1 || *devices > 20000 || *every < 100*time.Millisecond || *proto < 0 || *proto > 1 {
		return errors.New("sim tak: --devices must be 1 to 20000, --every at least 100ms, --proto 0 to 1")
	}
	user, secret, _ := strings.Cut(*auth, ":")
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	var sent, received, failed atomic.Int64
	var wg sync.WaitGroup
	rng := rand.New(rand.NewPCG(*seed, 0x7a4))
	fmt.Fprintf(stderr, "connecting %d devices to %s\n", *devices, *addr)
	for i := range *devices {
		lat, lon := 31.30+rng.Float64()*0.25, 34.28+rng.Float64()*0.22
		heading := rng.Float64() * 2 * math.Pi
		wantProto := float64(i%100) < *proto*100
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := dialDevice(takDialOptions{Addr: *addr, Username: user, Secret: secret, Proto: wantProto})
			if err != nil {
				failed.Add(1)
				fmt.Fprintf(stderr, "device %d: %v\n", i, err)
				return
			}
			defer d.close()
			go func() {
				<-ctx.Done()
				d.close()
			}()
			go func() { _ = d.read(func([]byte) { received.Add(1) }) }()
			uid := fmt.Sprintf("%s-%03d", *prefix, i)
			callsign := fmt.Sprintf("%s %d", *prefix, i)
			r := rand.New(rand.NewPCG(*seed, uint64(i)))
			tick := time.NewTicker(*every)
			defer tick.Stop()
			lastPing, lastChat := time.Now(), time.Now().Add(time.Duration(r.IntN(60))*time.Second)
			for n := 0; ; n++ {
				now := time.Now().UTC()
				heading += (r.Float64() - 0.5) * 0.5
				step := 10 * every.Seconds() // metres at 10 m/s
				lat += step * math.Cos(heading) / 111_000
				lon += step * math.Sin(heading) / 95_000
				if lat < 31.25 || lat > 31.58 || lon < 34.25 || lon > 34.54 {
					heading += math.Pi
				}
				ev := &cot.Event{UID: uid, Type: "a-f-G-U-C", How: "m-g", Time: now, Start: now, Stale: now.Add(3 * *every),
					Point: cot.Point{Lat: lat, Lon: lon, HAE: 30, CE: 8, LE: cot.Unknown},
					Detail: cot.Detail{Contact: &cot.Contact{Callsign: callsign, Endpoint: "*:-1:stcp"}, Group: &cot.Group{Name: "Cyan", Role: "Team Member"},
						Takv:  &cot.Takv{Device: "Concord simulator", Platform: "concord-sim", OS: "linux", Version: buildVersion()},
						Track: &cot.Track{Speed: 10, Course: math.Mod(heading*180/math.Pi+360, 360)}}}
				evs := []*cot.Event{ev}
				if time.Since(lastPing) > 15*time.Second {
					evs = append(evs, &cot.Event{UID: uid + "-ping", Type: cot.TypePing, How: "m-g", Time: now, Start: now, Stale: now.Add(time.Minute),
						Point: cot.Point{HAE: 0, CE: cot.Unknown, LE: cot.Unknown}})
					lastPing = time.Now()
				}
				if *chat > 0 && time.Since(lastChat) > *chat {
					msgID := fmt.Sprintf("%s.%d", uid, n)
					evs = append(evs, &cot.Event{UID: "GeoChat." + uid + ".All Chat Rooms." + msgID, Type: cot.TypeChat, How: "h-g-i-g-o", Time: now, Start: now, Stale: now.Add(24 * time.Hour),
						Point:  cot.Point{Lat: lat, Lon: lon, HAE: cot.Unknown, CE: cot.Unknown, LE: cot.Unknown},
						Detail: cot.Detail{XML: `<__chat parent="RootContactGroup" groupOwner="false" chatroom="All Chat Rooms" id="All Chat Rooms" senderCallsign="` + callsign + `"><chatgrp uid0="` + uid + `" uid1="All Chat Rooms" id="All Chat Rooms"/></__chat><link uid="` + uid + `" type="a-f-G-U-C" relation="p-p"/><remarks source="` + uid + `" to="All Chat Rooms" time="` + cotTime(now) + `">position report ` + fmt.Sprint(n) + `, all quiet</remarks>`}})
					lastChat = time.Now()
				}
				if err := d.send(evs...); err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
						fmt.Fprintf(stderr, "device %d: %v\n", i, err)
					}
					return
				}
				sent.Add(int64(len(evs)))
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	report := time.NewTicker(10 * time.Second)
	defer report.Stop()
	for {
		select {
		case <-done:
			fmt.Fprintf(stdout, "sim tak: %d devices, %d messages sent, %d received, %d failed\n", *devices, sent.Load(), received.Load(), failed.Load())
			if n := failed.Load(); n > 0 && ctx.Err() == nil {
				return fmt.Errorf("sim tak: %d devices failed", n)
			}
			return nil
		case <-report.C:
			fmt.Fprintf(stdout, "%s  devices %d  sent %d  received %d  failed %d\n", time.Now().Format("15:04:05"), *devices, sent.Load(), received.Load(), failed.Load())
		}
	}
}
