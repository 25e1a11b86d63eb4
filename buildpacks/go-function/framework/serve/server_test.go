package main

import "testing"

func TestTheListenAddressComesFromTheContractVariables(t *testing.T) {
	listen := listenConfig{portEnv: "PORT", defaultPort: "8080", addressEnv: "FUNC_ADDRESS"}
	for _, test := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, ":8080"},
		{map[string]string{"PORT": "9090"}, ":9090"},
		{map[string]string{"FUNC_ADDRESS": "127.0.0.1"}, "127.0.0.1:8080"},
		{map[string]string{"FUNC_ADDRESS": "127.0.0.1", "PORT": "9090"}, "127.0.0.1:9090"},
		{map[string]string{"FUNC_ADDRESS": "::1", "PORT": "9090"}, "[::1]:9090"},
		{map[string]string{"FUNC_ADDRESS": "", "PORT": ""}, ":8080"},
	} {
		if got := listen.address(func(name string) string { return test.env[name] }); got != test.want {
			t.Errorf("%v: listening on %q, want %q", test.env, got, test.want)
		}
	}
}
