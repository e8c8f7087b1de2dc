package distributed

import (
	"fmt"
	"strconv"
	"strings"
)

// maxNodeListHosts bounds what ExpandNodeList builds, so a typo such as node[1-999999999] is an
// error rather than gigabytes of host names.
const maxNodeListHosts = 1 << 20

// ExpandNodeList expands a Slurm host list (SLURM_JOB_NODELIST, SLURM_STEP_NODELIST, the output
// of `scontrol show hostnames` turned around) into host names, in order, as Slurm's hostlist code
// does:
//
//	node[01-04,07]      node01 node02 node03 node04 node07   (zero padding kept)
//	a[1-2],b[3,5]       a1 a2 b3 b5
//	rack1-[01-02]       rack1-01 rack1-02
//	r[1-2]-n[1-2]       r1-n1 r1-n2 r2-n1 r2-n2             (several brackets: every combination)
//	host0,host1 host3   host0 host1 host3                   (plain names, commas or spaces)
//
// A range's width is that of its lower bound when the bound has leading zeros (node[8-10] gives
// node8 node9 node10; node[08-10] gives node08 node09 node10). A malformed list (an unclosed
// bracket, a descending range, a non-number in brackets, an empty item) is an error quoting it.
func ExpandNodeList(list string) ([]string, error) {
	exprs, err := splitNodeList(list)
	if err != nil {
		return nil, err
	}
	var hosts []string
	for _, e := range exprs {
		parts, err := parseHostExpr(e)
		if err != nil {
			return nil, fmt.Errorf("distributed: node list %q: %w", list, err)
		}
		n := 1
		for _, p := range parts {
			n *= len(p)
			if n > maxNodeListHosts || len(hosts)+n > maxNodeListHosts {
				return nil, fmt.Errorf("distributed: node list %q: more than %d hosts", list, maxNodeListHosts)
			}
		}
		hosts = appendProduct(hosts, "", parts)
	}
	return hosts, nil
}

// firstNode is the first host of a Slurm host list without expanding the rest: the address of
// rank 0, as Lightning's SLURMEnvironment.resolve_root_node_address picks it. The whole list is
// still checked.
func firstNode(list string) (string, error) {
	exprs, err := splitNodeList(list)
	if err != nil {
		return "", err
	}
	var first string
	for i, e := range exprs {
		parts, err := parseHostExpr(e)
		if err != nil {
			return "", fmt.Errorf("distributed: node list %q: %w", list, err)
		}
		if i == 0 {
			var b strings.Builder
			for _, p := range parts {
				b.WriteString(p[0])
			}
			first = b.String()
		}
	}
	return first, nil
}

// splitNodeList cuts a host list at the commas and spaces that are outside brackets.
func splitNodeList(list string) ([]string, error) {
	var exprs []string
	depth, start := 0, 0
	cut := func(end int) {
		if end > start {
			exprs = append(exprs, list[start:end])
		}
		start = end + 1
	}
	for i := 0; i < len(list); i++ {
		switch c := list[i]; {
		case c == '[':
			if depth > 0 {
				return nil, fmt.Errorf("distributed: node list %q: nested '[' at byte %d", list, i)
			}
			depth++
		case c == ']':
			if depth == 0 {
				return nil, fmt.Errorf("distributed: node list %q: ']' without '[' at byte %d", list, i)
			}
			depth--
		case depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n'):
			cut(i)
		}
	}
	if depth > 0 {
		return nil, fmt.Errorf("distributed: node list %q: unclosed '['", list)
	}
	cut(len(list))
	if len(exprs) == 0 {
		return nil, fmt.Errorf("distributed: node list %q is empty", list)
	}
	return exprs, nil
}

// parseHostExpr turns one host expression (prefix[ranges]infix[ranges]suffix) into its parts: each
// part is the list of strings one position can take; literals are lists of one.
func parseHostExpr(e string) ([][]string, error) {
	var parts [][]string
	for e != "" {
		open := strings.IndexByte(e, '[')
		if open < 0 {
			parts = append(parts, []string{e})
			break
		}
		if open > 0 {
			parts = append(parts, []string{e[:open]})
		}
		end := strings.IndexByte(e, ']') // splitNodeList checked the brackets pair up
		items, err := parseRanges(e[open+1 : end])
		if err != nil {
			return nil, err
		}
		parts = append(parts, items)
		e = e[end+1:]
	}
	return parts, nil
}

// parseRanges expands the inside of one bracket: "01-04,07".
func parseRanges(s string) ([]string, error) {
	if s == "" {
		return nil, fmt.Errorf("empty brackets")
	}
	var out []string
	for _, item := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(item, "-")
		if !isRange {
			hi = lo
		}
		a, errA := parseIndex(lo)
		b, errB := parseIndex(hi)
		if errA != nil || errB != nil {
			return nil, fmt.Errorf("range %q in brackets: want N or N-M with decimal numbers", item)
		}
		if b < a {
			return nil, fmt.Errorf("range %q in brackets is descending", item)
		}
		if b-a >= maxNodeListHosts || len(out)+(b-a) >= maxNodeListHosts {
			return nil, fmt.Errorf("range %q in brackets: more than %d hosts", item, maxNodeListHosts)
		}
		width := 0
		if len(lo) > 1 && lo[0] == '0' {
			width = len(lo)
		}
		for i := a; i <= b; i++ {
			out = append(out, fmt.Sprintf("%0*d", width, i))
		}
	}
	return out, nil
}

func parseIndex(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return strconv.Atoi(s)
}

// appendProduct appends prefix followed by every combination of parts, in order.
func appendProduct(hosts []string, prefix string, parts [][]string) []string {
	if len(parts) == 0 {
		return append(hosts, prefix)
	}
	for _, p := range parts[0] {
		hosts = appendProduct(hosts, prefix+p, parts[1:])
	}
	return hosts
}

// expandTasksPerNode expands Slurm's compressed per-node task counts (SLURM_TASKS_PER_NODE,
// SLURM_STEP_TASKS_PER_NODE): "2(x3),1" is 2, 2, 2, 1.
func expandTasksPerNode(s string) ([]int, error) {
	var out []int
	for _, item := range strings.Split(s, ",") {
		count, reps := item, "1"
		if i := strings.IndexByte(item, '('); i >= 0 {
			if !strings.HasPrefix(item[i:], "(x") || !strings.HasSuffix(item, ")") {
				return nil, fmt.Errorf("item %q: want N or N(xM)", item)
			}
			count, reps = item[:i], item[i+2:len(item)-1]
		}
		n, errN := parseIndex(count)
		r, errR := parseIndex(reps)
		if errN != nil || errR != nil || r < 1 {
			return nil, fmt.Errorf("item %q: want N or N(xM)", item)
		}
		if len(out)+r > maxNodeListHosts {
			return nil, fmt.Errorf("more than %d nodes", maxNodeListHosts)
		}
		for range r {
			out = append(out, n)
		}
	}
	return out, nil
}
