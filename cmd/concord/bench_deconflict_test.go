package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestBenchDeconflictSmall runs the deconfliction benchmark on a small
// workload, so that the command keeps working.
func TestBenchDeconflictSmall(t *testing.T) {
	var out bytes.Buffer
	err := benchDeconflict(context.Background(), []string{"--areas", "200", "--movements", "2000", "--checks", "50", "--runs", "2"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"run 1: index build", "run 2: index build", "bench deconflict: median of 2 runs", "findings per check"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := benchDeconflict(context.Background(), []string{"--runs", "0"}, io.Discard, io.Discard); err == nil {
		t.Fatal("--runs 0 accepted")
	}
}
