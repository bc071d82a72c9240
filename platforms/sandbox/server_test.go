package sandbox

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	sb := New(Options{})
	addr, err := sb.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/_sandbox/calls")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d", resp.StatusCode)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		if _, err := c.Get("http://" + addr + "/_sandbox/calls"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still serving after ctx was cancelled")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestListenAndServeStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(Options{}).ListenAndServe(ctx, "127.0.0.1:0") }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not return")
	}
}

func TestListenAndServeBadAddr(t *testing.T) {
	if err := New(Options{}).ListenAndServe(context.Background(), "256.0.0.1:http"); err == nil {
		t.Fatal("want an error")
	}
}
