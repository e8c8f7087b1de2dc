package hubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Fault makes the server misbehave on matching requests, for tests of
// retries and resumes. A fault with a non-zero Status answers that status
// instead of serving; otherwise the request is served with the changes the
// other fields ask for.
type Fault struct {
	// Listener is "hub", "cdn", or "" for both.
	Listener string
	// Method is the HTTP method to match, or "" for any.
	Method string
	// Path is the request path to match as sent (percent-encoding kept,
	// e.g. "/org/m/resolve/main/model.safetensors" or "/lfs/<sha256>"),
	// or "" for any.
	Path string
	// Times is how many matching requests the fault affects; 0 means 1.
	Times int
	// Status, when not 0, is answered instead of serving (e.g. 429 or 503),
	// with a JSON error body.
	Status int
	// RetryAfter, when > 0, is sent as Retry-After (seconds) with Status;
	// with 429 the RateLimit headers carry it too.
	RetryAfter int
	// Drop serves the request but cuts the TCP connection (hijack and close)
	// after DropAfter bytes of the body have been sent, once the headers are out.
	Drop bool
	// DropAfter is the number of body bytes sent before a Drop.
	DropAfter int64
	// IgnoreRange serves the request as if it carried no Range header.
	IgnoreRange bool
}

// SetFault queues f. Faults apply in the order they were set; each matching
// request takes the first fault that still has uses left.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// ClearFaults removes all pending faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the fault that applies to r and uses it up; s.mu is held.
func (s *Server) takeFault(listener string, r *http.Request) *Fault {
	for i, f := range s.faults {
		if (f.Listener != "" && f.Listener != listener) ||
			(f.Method != "" && f.Method != r.Method) ||
			(f.Path != "" && f.Path != r.URL.EscapedPath()) {
			continue
		}
		f.Times--
		if f.Times == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return f
	}
	return nil
}

// serveFaultStatus answers the status of a fault.
func serveFaultStatus(w http.ResponseWriter, f *Fault) {
	h := w.Header()
	if f.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(f.RetryAfter))
		if f.Status == http.StatusTooManyRequests {
			h.Set("RateLimit", fmt.Sprintf(`"api";r=0;t=%d`, f.RetryAfter))
			h.Set("RateLimit-Policy", `"fixed window";"api";q=500;w=300`)
		}
	}
	msg := fmt.Sprintf("hubtest fault: %d %s", f.Status, http.StatusText(f.Status))
	body, _ := json.Marshal(map[string]string{"error": msg})
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Error-Message", msg)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(f.Status)
	w.Write(body)
}

// dropWriter passes through the headers and the first left bytes of the
// body, then hijacks the connection and closes it, so that the client sees a
// real broken transfer.
type dropWriter struct {
	*recorder
	left int64
	done bool
}

func (w *dropWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("hubtest: connection dropped by fault")
	}
	if int64(len(p)) <= w.left {
		w.left -= int64(len(p))
		return w.recorder.Write(p)
	}
	n, _ := w.recorder.Write(p[:w.left])
	w.left = 0
	w.done = true
	w.recorder.dropped = true
	w.recorder.update(w.recorder.status, true) // logged before the client sees the cut
	rc := http.NewResponseController(w.recorder)
	rc.Flush()
	if conn, _, err := rc.Hijack(); err == nil {
		conn.Close()
	}
	return n, fmt.Errorf("hubtest: connection dropped by fault")
}
