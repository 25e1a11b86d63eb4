package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudevents/sdk-go/v2/protocol"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

func TestBinaryModeReadsHeadersAndBody(t *testing.T) {
	header := http.Header{}
	header.Set("Ce-Specversion", "1.0")
	header.Set("Ce-Id", "42")
	header.Set("Ce-Source", "/orders")
	header.Set("Ce-Type", "com.example.order.created")
	header.Set("Ce-Time", "2026-11-25T10:00:00Z")
	header.Set("Ce-Subject", "caf%C3%A9")
	header.Set("Ce-Region", "eu")
	header.Set("Content-Type", "application/json")
	received, status, err := decodeEvent(header, []byte(`{"item":"tea"}`))
	if err != nil {
		t.Fatalf("status %d: %v", status, err)
	}
	if received.ID() != "42" || received.Source() != "/orders" || received.Type() != "com.example.order.created" {
		t.Errorf("attributes: %v", received)
	}
	if received.Subject() != "café" {
		t.Errorf("percent-encoded subject decoded to %q", received.Subject())
	}
	if received.Time().Year() != 2026 || received.Extensions()["region"] != "eu" {
		t.Errorf("time or extension: %v", received)
	}
	if string(received.Data()) != `{"item":"tea"}` || received.DataContentType() != "application/json" {
		t.Errorf("data: %q (%s)", received.Data(), received.DataContentType())
	}
}

func TestStructuredModeReadsTheJSONEvent(t *testing.T) {
	header := http.Header{"Content-Type": {"application/cloudevents+json; charset=utf-8"}}
	body := `{"specversion":"1.0","id":"7","source":"/s","type":"t","datacontenttype":"application/json","data":{"n":1}}`
	received, _, err := decodeEvent(header, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if received.ID() != "7" || string(received.Data()) != `{"n":1}` {
		t.Errorf("event: %v data %q", received, received.Data())
	}
}

func TestRequestsThatAreNotValidEventsAreRefused(t *testing.T) {
	missingType := http.Header{"Ce-Specversion": {"1.0"}, "Ce-Id": {"1"}, "Ce-Source": {"/s"}}
	for name, test := range map[string]struct {
		header http.Header
		body   string
		status int
	}{
		"plain JSON":          {http.Header{"Content-Type": {"application/json"}}, `{}`, http.StatusUnsupportedMediaType},
		"batch":               {http.Header{"Content-Type": {"application/cloudevents-batch+json"}}, `[]`, http.StatusUnsupportedMediaType},
		"missing type":        {missingType, "", http.StatusBadRequest},
		"unknown specversion": {http.Header{"Ce-Specversion": {"9.9"}}, "", http.StatusBadRequest},
		"broken structured":   {http.Header{"Content-Type": {"application/cloudevents+json"}}, `{"specversion":`, http.StatusBadRequest},
	} {
		_, status, err := decodeEvent(test.header, []byte(test.body))
		if err == nil || status != test.status {
			t.Errorf("%s: status %d, error %v; want %d", name, status, err, test.status)
		}
	}
}

func TestResultsFollowTheCloudEventsSDK(t *testing.T) {
	for name, test := range map[string]struct {
		err    error
		status int
		body   string
	}{
		"nil":            {nil, http.StatusOK, ""},
		"plain error":    {errors.New("secret detail"), http.StatusInternalServerError, ""},
		"ACK receipt":    {protocol.ResultACK, http.StatusOK, ""},
		"NACK receipt":   {protocol.ResultNACK, http.StatusInternalServerError, ""},
		"HTTP result":    {cehttp.NewResult(http.StatusConflict, "already have %s", "7"), http.StatusConflict, "already have 7"},
		"wrapped result": {fmt.Errorf("saving: %w", cehttp.NewResult(http.StatusTooManyRequests, "slow down")), http.StatusTooManyRequests, "slow down"},
	} {
		status, body := resultStatus(test.err)
		if status != test.status || body != test.body {
			t.Errorf("%s: got %d %q, want %d %q", name, status, body, test.status, test.body)
		}
	}
}

func TestAPanicAnswers500AndTheServerGoesOn(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer recoverPanic(w, r, "Boom")
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		_, _ = w.Write([]byte("fine"))
	})
	server := httptest.NewServer(handler)
	defer server.Close()
	for _, test := range []struct {
		path   string
		status int
		body   string
	}{{"/panic", http.StatusInternalServerError, "panicked"}, {"/", http.StatusOK, "fine"}} {
		response, err := http.Get(server.URL + test.path)
		if err != nil {
			t.Fatal(err)
		}
		var body strings.Builder
		_, _ = fmt.Fprint(&body, response.Status)
		buffer := make([]byte, 512)
		n, _ := response.Body.Read(buffer)
		response.Body.Close()
		if response.StatusCode != test.status || !strings.Contains(string(buffer[:n]), test.body) {
			t.Errorf("%s: %s %q", test.path, body.String(), buffer[:n])
		}
	}
}
