package hubtest_test

import (
	"fmt"
	"io"
	"net/http"

	"github.com/hftrain/hftrain/hub/hubtest"
)

func Example() {
	s, err := hubtest.NewServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	s.AddRepo("model", "org/tiny", hubtest.RepoOptions{})
	commit := s.Commit("model", "org/tiny", "main", "init", map[string][]byte{"config.json": []byte("{}\n")})

	resp, err := http.Get(s.URL + "/org/tiny/resolve/main/config.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("ETag"), resp.Header.Get("X-Repo-Commit") == commit)
	fmt.Printf("%q\n", body)
	// Output:
	// 200 "0967ef424bce6791893e9a57bb952f80fd536e93" true
	// "{}\n"
}
