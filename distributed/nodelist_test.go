package distributed

import (
	"slices"
	"strings"
	"testing"
)

func TestExpandNodeList(t *testing.T) {
	for _, tc := range []struct{ list, want string }{
		{"node01", "node01"},
		{"node[01-04,07]", "node01 node02 node03 node04 node07"},
		{"node[8-10]", "node8 node9 node10"},
		{"node[08-10]", "node08 node09 node10"},
		{"node[007]", "node007"},
		{"a[1-2],b[3,5]", "a1 a2 b3 b5"},
		{"rack1-[01-02]", "rack1-01 rack1-02"},
		{"r[1-2]-n[1-2]", "r1-n1 r1-n2 r2-n1 r2-n2"},
		{"gpu[1-2]x", "gpu1x gpu2x"},
		{"host0,host1,host3", "host0 host1 host3"},
		{"host0 host1  host3", "host0 host1 host3"},
		{"c[0-1],login", "c0 c1 login"},
		{"10.0.0.[1-2]", "10.0.0.1 10.0.0.2"},
	} {
		got, err := ExpandNodeList(tc.list)
		if err != nil {
			t.Errorf("ExpandNodeList(%q): %v", tc.list, err)
			continue
		}
		if want := strings.Fields(tc.want); !slices.Equal(got, want) {
			t.Errorf("ExpandNodeList(%q) = %q, want %q", tc.list, got, want)
		}
		first, err := firstNode(tc.list)
		if err != nil || first != got[0] {
			t.Errorf("firstNode(%q) = %q, %v; want %q", tc.list, first, err, got[0])
		}
	}
}

func TestExpandNodeListErrors(t *testing.T) {
	for _, tc := range []struct{ list, want string }{
		{"", `distributed: node list "" is empty`},
		{" , ", `distributed: node list " , " is empty`},
		{"node[01-02", `distributed: node list "node[01-02": unclosed '['`},
		{"node01-02]", `distributed: node list "node01-02]": ']' without '[' at byte 9`},
		{"node[[1]]", `distributed: node list "node[[1]]": nested '[' at byte 5`},
		{"node[]", `distributed: node list "node[]": empty brackets`},
		{"node[04-01]", `distributed: node list "node[04-01]": range "04-01" in brackets is descending`},
		{"node[a-b]", `distributed: node list "node[a-b]": range "a-b" in brackets: want N or N-M with decimal numbers`},
		{"node[1,,2]", `distributed: node list "node[1,,2]": range "" in brackets: want N or N-M with decimal numbers`},
		{"node[1-2-3]", `distributed: node list "node[1-2-3]": range "1-2-3" in brackets: want N or N-M with decimal numbers`},
		{"node[0-99999999]", `distributed: node list "node[0-99999999]": range "0-99999999" in brackets: more than 1048576 hosts`},
		{"a[0-1023]b[0-1023]c[0-1]", `distributed: node list "a[0-1023]b[0-1023]c[0-1]": more than 1048576 hosts`},
	} {
		_, err := ExpandNodeList(tc.list)
		if err == nil || err.Error() != tc.want {
			t.Errorf("ExpandNodeList(%q) error = %v, want %q", tc.list, err, tc.want)
		}
	}
}

func TestExpandTasksPerNode(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want []int
	}{
		{"2", []int{2}},
		{"2(x3),1", []int{2, 2, 2, 1}},
		{"4(x2)", []int{4, 4}},
		{"1,2,3", []int{1, 2, 3}},
	} {
		got, err := expandTasksPerNode(tc.s)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("expandTasksPerNode(%q) = %v, %v; want %v", tc.s, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "x", "2(3)", "2(x0)", "2(x", "2(x3", "-1", "2(xa)"} {
		if got, err := expandTasksPerNode(bad); err == nil {
			t.Errorf("expandTasksPerNode(%q) = %v, want an error", bad, got)
		}
	}
}

func FuzzExpandNodeList(f *testing.F) {
	for _, s := range []string{"node[01-04,07]", "a[1-2],b[3,5]", "rack1-[01-02]", "x", "[", "a[1-]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		hosts, err := ExpandNodeList(list)
		first, ferr := firstNode(list)
		// firstNode skips only the total-size limit, which needs the whole expansion.
		if ferr != nil && err == nil {
			t.Fatalf("firstNode(%q): %v, but ExpandNodeList succeeded", list, ferr)
		}
		if err == nil && (len(hosts) == 0 || hosts[0] != first) {
			t.Fatalf("ExpandNodeList(%q)[0] = %v, firstNode = %q", list, hosts, first)
		}
	})
}
