package hub

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTransportErrorHidesQuery: a request that fails in transport (here: a closed port) names
// the method and URL but not the query, where a presigned upload URL keeps its signature, nor
// user info.
func TestTransportErrorHidesQuery(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	c := New(Options{Endpoint: "http://" + addr, MaxRetries: -1, CacheDir: t.TempDir()})
	u := "http://user:pw@" + addr + "/upload/part?X-Amz-Signature=s3cr3t&partNumber=1"
	_, err = c.do(context.Background(), c.follow, -1, func() (*http.Request, error) {
		return http.NewRequest(http.MethodPut, u, nil)
	})
	if err == nil {
		t.Fatal("request to a closed port succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cr3t") || strings.Contains(msg, "pw@") || !strings.Contains(msg, "PUT http://"+addr+"/upload/part?…") {
		t.Errorf("error %q: want the URL without query or user info", msg)
	}
}

// TestSilentServerTimesOut: a server that accepts connections and never answers makes a call
// fail after ResponseHeaderTimeout (and its retries) instead of hanging.
func TestSilentServerTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // read nothing, answer nothing
		}
	}()
	c := New(Options{Endpoint: "http://" + ln.Addr().String(), MaxRetries: 1, Backoff: time.Millisecond,
		ResponseHeaderTimeout: 100 * time.Millisecond, CacheDir: t.TempDir()})
	start := time.Now()
	_, err = c.WhoAmI(context.Background())
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("WhoAmI against a silent server: %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
	ln.Close()
	<-done
	for _, c := range conns {
		c.Close()
	}
}
