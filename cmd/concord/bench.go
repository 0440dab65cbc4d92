package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
)

func randomString() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return fmt.Errorf("bench: not yet")
}
