package hub

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
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
