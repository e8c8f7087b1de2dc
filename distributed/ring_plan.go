package distributed

// The ring schedules, as NCCL runs them. A buffer is cut into channels (contiguous parts, each
// with its own gRPC stream and goroutines, so that sending, receiving and reducing overlap); in
// a channel, an all-reduce cuts its part into n segments and each segment into chunks.
// Reduce-scatter: at step t (0 ≤ t < n-1) rank r sends segment r-t to rank r+1 and adds the
// segment r-t-1 that rank r-1 sends it into its own; after n-1 steps rank r holds segment r+1
// summed over all ranks. All-gather: for n-1 more steps the summed segments travel round the
// ring and overwrite. A chunk goes on to the next step as soon as it has arrived (and been added),
// so the steps pipeline chunk by chunk instead of waiting for whole segments.
//
// Determinism: segment k starts at rank k and is added at ranks k+1, k+2, …, so element e is
// always ((x_k + x_{k+1}) + x_{k+2}) + … in the same order, set by n and the buffer's length
// (which fix k), whatever the timing. The rank that completes a segment's sum applies Mean's
// scaling before the all-gather, so all ranks receive the same bits.

// span is the half-open range [lo, hi) of elements of a buffer.
type span struct{ lo, hi int }

func (s span) len() int { return s.hi - s.lo }

// part is the k-th of parts near-equal pieces of s.
func (s span) part(k, parts int) span {
	n := s.len()
	return span{s.lo + k*n/parts, s.lo + (k+1)*n/parts}
}

// chunks cuts s into max(1, ⌈len/size⌉) near-equal pieces; an empty span gives one empty chunk,
// so every step of every channel carries at least one frame (which checks that the ranks agree).
func (s span) chunks(size int) []span {
	k := max(1, (s.len()+size-1)/size)
	out := make([]span, k)
	for i := range out {
		out[i] = s.part(i, k)
	}
	return out
}

// transfer is one chunk of a channel's schedule.
type transfer struct {
	sp    span
	dep   int  // sends: receipts of this channel that must be complete before it goes
	final bool // receipts: the add that completes this chunk's sum (Mean scales it)
	add   bool // receipts: add into the buffer (reduce-scatter) rather than overwrite
}

// chanSchedule is what one rank sends and receives on one channel, in order.
type chanSchedule struct {
	sends, recvs []transfer
}

func mod(a, n int) int { return ((a % n) + n) % n }

// channelsFor is how many channels a collective of bytes uses: one per minBytes, at most max.
func channelsFor(bytes, minBytes, maxChannels int) int {
	return max(1, min(maxChannels, bytes/max(1, minBytes)))
}

// allReduceSchedule is rank r's part in a ring all-reduce of length elements among n ranks,
// over channels channels with chunks of at most chunk elements.
func allReduceSchedule(r, n, length, channels, chunk int) []chanSchedule {
	out := make([]chanSchedule, channels)
	for j := range out {
		part := span{0, length}.part(j, channels)
		var cs chanSchedule
		for t := 0; t < 2*(n-1); t++ {
			sendSeg, recvSeg := mod(r-t, n), mod(r-t-1, n)
			if t >= n-1 { // all-gather
				u := t - (n - 1)
				sendSeg, recvSeg = mod(r+1-u, n), mod(r-u, n)
			}
			// The segment sent at step t is the one received at step t-1, chunk for chunk.
			first := len(cs.recvs) - len(part.part(sendSeg, n).chunks(chunk))
			for c, sp := range part.part(sendSeg, n).chunks(chunk) {
				dep := 0
				if t > 0 {
					dep = first + c + 1
				}
				cs.sends = append(cs.sends, transfer{sp: sp, dep: dep})
			}
			for _, sp := range part.part(recvSeg, n).chunks(chunk) {
				cs.recvs = append(cs.recvs, transfer{sp: sp, add: t < n-1, final: t == n-2})
			}
		}
		out[j] = cs
	}
	return out
}

// broadcastSchedule is rank r's part in a pipelined ring broadcast of length bytes from root:
// root sends every chunk to root+1, each rank forwards a chunk as soon as it has it, and the
// rank before root only receives.
func broadcastSchedule(r, n, root, length, channels, chunk int) []chanSchedule {
	out := make([]chanSchedule, channels)
	for j := range out {
		chunks := span{0, length}.part(j, channels).chunks(chunk)
		var cs chanSchedule
		if r != root {
			for _, sp := range chunks {
				cs.recvs = append(cs.recvs, transfer{sp: sp})
			}
		}
		if mod(r+1, n) != root {
			for c, sp := range chunks {
				dep := 0
				if r != root {
					dep = c + 1
				}
				cs.sends = append(cs.sends, transfer{sp: sp, dep: dep})
			}
		}
		out[j] = cs
	}
	return out
}
