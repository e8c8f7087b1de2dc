package distributed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/peer"
)

// The rendezvous: rank 0 serves it on MASTER_PORT; every other rank opens one stream to it,
// sends a registration (its rank, the world size it expects, its ring port, its fingerprint)
// and waits for the answer, which rank 0 sends to all once every rank has registered: the ring
// address of every rank, a session token that every ring stream then carries (so that a stray
// process of another run cannot join), and the transport tuning. When the registrations
// disagree (sizes, duplicate ranks, fingerprints), every rank gets the same error.

// registration is a rank's first frame to rank 0.
type registration struct {
	Rank        int               `json:"rank"`
	Size        int               `json:"size"`
	Port        int               `json:"port"`
	DataPort    int               `json:"data_port"`
	Fingerprint map[string]string `json:"fingerprint"`
}

// rendezvousAnswer is rank 0's reply to every registration.
type rendezvousAnswer struct {
	Addrs     []string `json:"addrs"`
	DataAddrs []string `json:"data_addrs"`
	Session   string   `json:"session"`
	Tuning    tuning   `json:"tuning"`
	Error     string   `json:"error,omitempty"`
}

// arrival is a registration waiting in serveRendezvous for the answer.
type arrival struct {
	reg   registration
	host  string // the address the registration came from, as rank 0 sees it
	reply chan rendezvousAnswer
	gone  <-chan struct{} // the registrant's stream ended (it gave up, died or restarted)
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// rendezvous is rank 0's side.
type rendezvous struct {
	arrive   chan arrival
	done     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	finished *rendezvousAnswer // the answer, for a registration that comes after it was given
	over     chan struct{}     // closed when finished is set
}

// late is the answer to a registration that arrives after the world was answered.
func (r *rendezvous) late(reg registration) rendezvousAnswer {
	r.mu.Lock()
	ans := *r.finished
	r.mu.Unlock()
	if ans.Error == "" {
		ans = rendezvousAnswer{Error: fmt.Sprintf("distributed: rendezvous: rank %d registered after the world was complete (is another run using MASTER_PORT?)", reg.Rank)}
	}
	return ans
}

func (r *rendezvous) stop() { r.once.Do(func() { close(r.done) }) }

// serveRendezvous handles one rank's registration (on rank 0).
func (g *ringGroup) serveRendezvous(ss grpc.ServerStream) error {
	if g.rdv == nil {
		return fmt.Errorf("distributed: rank %d is not rank 0 (check MASTER_ADDR and MASTER_PORT)", g.rank)
	}
	var f inFrame
	if err := ss.RecvMsg(&f); err != nil {
		return err
	}
	var reg registration
	err := f.decodeJSON(kindHello, &reg)
	f.release()
	if err != nil {
		return err
	}
	host := ""
	if p, ok := peer.FromContext(ss.Context()); ok {
		if a, ok := p.Addr.(*net.TCPAddr); ok {
			host = a.IP.String()
		}
	}
	r := g.rdv
	a := arrival{reg: reg, host: host, reply: make(chan rendezvousAnswer, 1), gone: ss.Context().Done()}
	select {
	case <-r.over:
		return sendJSON(ss, kindWelcome, r.late(reg))
	default:
	}
	select {
	case r.arrive <- a:
	case <-r.over:
		return sendJSON(ss, kindWelcome, r.late(reg))
	case <-r.done:
		return errors.New("distributed: rank 0's rendezvous has ended")
	case <-ss.Context().Done():
		return ss.Context().Err()
	}
	select {
	case ans := <-a.reply:
		return sendJSON(ss, kindWelcome, ans)
	case <-ss.Context().Done():
		return ss.Context().Err()
	case <-r.done:
		select {
		case ans := <-a.reply:
			return sendJSON(ss, kindWelcome, ans)
		default:
			return errors.New("distributed: rank 0's rendezvous has ended")
		}
	}
}

// lead runs the rendezvous on rank 0: it waits for every other rank, checks the world and
// answers everyone.
func (g *ringGroup) lead(ctx context.Context, c Config) (rendezvousAnswer, error) {
	tune, err := rank0Tuning()
	if err != nil {
		return rendezvousAnswer{}, err
	}
	var token [16]byte
	_, _ = rand.Read(token[:])
	regs := map[int]arrival{}
	// The registrations arrive on the rendezvous field, set before the server could take any:
	// listen() has started the server, so set it under the lock the handler reads.
	answer := func(ans rendezvousAnswer) {
		g.rdv.mu.Lock()
		g.rdv.finished = &ans
		g.rdv.mu.Unlock()
		close(g.rdv.over)
		for _, a := range regs {
			a.reply <- ans
		}
	}
	fail := func(err error) (rendezvousAnswer, error) {
		answer(rendezvousAnswer{Error: err.Error()})
		return rendezvousAnswer{}, err
	}
	// complete reports whether every rank has a live registration; a registration whose
	// stream ended (the rank gave up or was restarted) is dropped, and the rank may register again.
	complete := func() bool {
		for r, a := range regs {
			if r > 0 && isDone(a.gone) {
				delete(regs, r)
			}
		}
		return len(regs) == c.Size-1
	}
	for !complete() {
		select {
		case a := <-g.rdv.arrive:
			switch r := a.reg; {
			case r.Size != c.Size:
				regs[-1-len(regs)] = a
				return fail(fmt.Errorf("distributed: rendezvous: rank %d (from %s) has WORLD_SIZE %d but rank 0 has %d", r.Rank, a.host, r.Size, c.Size))
			case r.Rank < 1 || r.Rank >= c.Size:
				regs[-1-len(regs)] = a
				return fail(fmt.Errorf("distributed: rendezvous: a process at %s registered as rank %d, outside [1, %d)", a.host, r.Rank, c.Size))
			case regs[r.Rank].reply != nil && !isDone(regs[r.Rank].gone):
				first := regs[r.Rank].host
				regs[-1-len(regs)] = a
				return fail(fmt.Errorf("distributed: rendezvous: rank %d registered twice, from %s and from %s (two processes with the same RANK)", r.Rank, first, a.host))
			case r.Port < 1 || r.Port > 65535 || r.DataPort < 1 || r.DataPort > 65535:
				regs[-1-len(regs)] = a
				return fail(fmt.Errorf("distributed: rendezvous: rank %d sent port %d", r.Rank, r.Port))
			}
			regs[a.reg.Rank] = a
		case <-ctx.Done():
			var missing []string
			for r := 1; r < c.Size; r++ {
				if regs[r].reply == nil {
					missing = append(missing, strconv.Itoa(r))
				}
			}
			return fail(fmt.Errorf("distributed: rendezvous: rank(s) %s did not register with rank 0 (listening on %s, MASTER_ADDR %s) within %v",
				strings.Join(missing, ", "), g.lis.Addr(), c.master(), g.timeout))
		}
	}
	fps := make([]map[string]string, c.Size)
	fps[0] = c.Fingerprint
	addrs := make([]string, c.Size)
	data := make([]string, c.Size)
	addrs[0] = c.master()
	data[0] = net.JoinHostPort(c.MasterAddr, strconv.Itoa(g.dlis.Addr().(*net.TCPAddr).Port))
	for r, a := range regs {
		fps[r] = a.reg.Fingerprint
		addrs[r] = net.JoinHostPort(a.host, strconv.Itoa(a.reg.Port))
		data[r] = net.JoinHostPort(a.host, strconv.Itoa(a.reg.DataPort))
	}
	if err := compareFingerprints(fps); err != nil {
		return fail(err)
	}
	ans := rendezvousAnswer{Addrs: addrs, DataAddrs: data, Session: hex.EncodeToString(token[:]), Tuning: tune}
	answer(ans)
	return ans, nil
}

// compareFingerprints names every key whose value is not the same on all ranks.
func compareFingerprints(fps []map[string]string) error {
	keys := map[string]bool{}
	for _, fp := range fps {
		for k := range fp {
			keys[k] = true
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var diffs []string
	for _, k := range sorted {
		byValue := map[string][]int{}
		for r, fp := range fps {
			v, ok := fp[k]
			if !ok {
				v = "(not set)"
			}
			byValue[v] = append(byValue[v], r)
		}
		if len(byValue) == 1 {
			continue
		}
		var parts []string
		for v, ranks := range byValue {
			parts = append(parts, fmt.Sprintf("%s %s", rankList(ranks), v))
		}
		slices.Sort(parts)
		diffs = append(diffs, fmt.Sprintf("%s differs (%s)", k, strings.Join(parts, "; ")))
	}
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("distributed: the ranks are not running the same job: %s", strings.Join(diffs, ", "))
}

func rankList(ranks []int) string {
	s := make([]string, len(ranks))
	for i, r := range ranks {
		s[i] = strconv.Itoa(r)
	}
	if len(ranks) == 1 {
		return "rank " + s[0] + " has"
	}
	return "ranks " + strings.Join(s, ",") + " have"
}

// register runs the rendezvous on a rank other than 0.
func (g *ringGroup) register(ctx context.Context, c Config) (rendezvousAnswer, error) {
	cc, err := g.dial(c.master())
	if err != nil {
		return rendezvousAnswer{}, fmt.Errorf("distributed: rank %d: MASTER_ADDR:MASTER_PORT %s: %w", g.rank, c.master(), err)
	}
	defer cc.Close()
	unreachable := func(err error) error {
		return &PeerError{Rank: 0, Addr: c.master(), Op: "rendezvous",
			Err: fmt.Errorf("rank %d could not register within %v (is rank 0 running, and MASTER_ADDR/MASTER_PORT right?): %w", g.rank, g.timeout, err)}
	}
	cs, err := cc.NewStream(ctx, &bidiDesc, methodRendezvous, grpc.WaitForReady(true))
	if err != nil {
		return rendezvousAnswer{}, unreachable(err)
	}
	port := g.lis.Addr().(*net.TCPAddr).Port
	if err := sendJSON(cs, kindHello, registration{Rank: g.rank, Size: c.Size, Port: port,
		DataPort: g.dlis.Addr().(*net.TCPAddr).Port, Fingerprint: c.Fingerprint}); err != nil {
		return rendezvousAnswer{}, unreachable(err)
	}
	var f inFrame
	if err := cs.RecvMsg(&f); err != nil {
		return rendezvousAnswer{}, unreachable(err)
	}
	var ans rendezvousAnswer
	err = f.decodeJSON(kindWelcome, &ans)
	f.release()
	if err != nil {
		return rendezvousAnswer{}, err
	}
	if ans.Error != "" {
		return rendezvousAnswer{}, errors.New(ans.Error)
	}
	if len(ans.Addrs) != c.Size || len(ans.DataAddrs) != c.Size || ans.Tuning.Channels < 1 || ans.Tuning.Chunk < 1 {
		return rendezvousAnswer{}, fmt.Errorf("distributed: rank 0's rendezvous answer is malformed (%d addresses for %d ranks)", len(ans.Addrs), c.Size)
	}
	return ans, nil
}
