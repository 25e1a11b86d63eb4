package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/types"
)

// Only the sdk's event package (and what it imports) is used: a module whose functions take
// event.Event has go.sum entries for exactly those, while the sdk's HTTP protocol package
// would need modules (zap, uuid) the user's go.sum may lack.

// The largest event body accepted (Google Cloud Functions' request limit).
const maxEventBytes = 32 << 20

const (
	structuredMediaType = "application/cloudevents+json"
	batchMediaType      = "application/cloudevents-batch+json"
)

// serveCloudEvent serves a cloudevent function: each POST carries one CloudEvent in binary
// or structured HTTP mode. As with Google's Functions Framework (which answers through the
// CloudEvents SDK's HTTP protocol), a nil error answers 200 OK with an empty body and an
// error 500; a request that is not a valid CloudEvent gets 400 or 415 and never reaches the
// function.
func serveCloudEvent(listen listenConfig, name string, function func(context.Context, event.Event) error) {
	serve(listen, "cloudevent function "+name, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "CloudEvents are delivered with POST", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEventBytes))
		if err != nil {
			http.Error(w, fmt.Sprintf("Cannot read the request body: %v", err), http.StatusRequestEntityTooLarge)
			return
		}
		received, status, err := decodeEvent(r.Header, body)
		if err != nil {
			log.Printf("Rejected a request to %s: %v", name, err)
			http.Error(w, err.Error(), status)
			return
		}
		defer recoverPanic(w, r, name)
		failure := function(r.Context(), received)
		status, message := resultStatus(failure)
		if status >= http.StatusBadRequest {
			log.Printf("The function %s failed on event %s: %v", name, received.ID(), failure)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, message)
	}))
}

// decodeEvent reads a CloudEvent from a request in structured mode (the whole event as JSON)
// or binary mode (attributes in ce-* headers, data in the body), and validates it. On error it
// also returns the status to answer with.
func decodeEvent(header http.Header, body []byte) (event.Event, int, error) {
	mediaType, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	switch {
	case mediaType == structuredMediaType:
		var structured event.Event
		if err := json.Unmarshal(body, &structured); err != nil {
			return structured, http.StatusBadRequest, fmt.Errorf("invalid structured CloudEvent: %v", err)
		}
		return validated(structured)
	case mediaType == batchMediaType:
		return event.Event{}, http.StatusUnsupportedMediaType, errors.New("batched CloudEvents are not supported: send one event per request")
	case header.Get("Ce-Specversion") != "":
		return binaryEvent(header, body)
	default:
		return event.Event{}, http.StatusUnsupportedMediaType, errors.New(
			"not a CloudEvent: send binary mode (ce-specversion, ce-id, ce-source and ce-type headers) or structured mode (Content-Type: application/cloudevents+json)")
	}
}

func binaryEvent(header http.Header, body []byte) (event.Event, int, error) {
	version := headerValue(header.Get("Ce-Specversion"))
	if version != event.CloudEventsVersionV1 && version != event.CloudEventsVersionV03 {
		return event.Event{}, http.StatusBadRequest, fmt.Errorf("unsupported CloudEvents spec version %q: use 1.0", version)
	}
	received := event.New(version)
	for name, values := range header {
		attribute := strings.ToLower(name)
		if !strings.HasPrefix(attribute, "ce-") || len(values) == 0 {
			continue
		}
		attribute = strings.TrimPrefix(attribute, "ce-")
		value := headerValue(values[0])
		switch attribute {
		case "specversion":
		case "id":
			received.SetID(value)
		case "source":
			received.SetSource(value)
		case "type":
			received.SetType(value)
		case "subject":
			received.SetSubject(value)
		case "dataschema", "schemaurl":
			received.SetDataSchema(value)
		case "time":
			at, err := types.ParseTime(value)
			if err != nil {
				return received, http.StatusBadRequest, fmt.Errorf("invalid ce-time %q: %v", value, err)
			}
			received.SetTime(at)
		default:
			received.SetExtension(attribute, value)
		}
	}
	if contentType := header.Get("Content-Type"); contentType != "" {
		received.SetDataContentType(contentType)
	}
	if len(body) > 0 {
		received.DataEncoded = body
	}
	return validated(received)
}

// headerValue undoes the percent-encoding the HTTP binding applies to attribute values.
func headerValue(raw string) string {
	if decoded, err := url.PathUnescape(raw); err == nil {
		return decoded
	}
	return raw
}

func validated(received event.Event) (event.Event, int, error) {
	if err := received.Validate(); err != nil {
		return received, http.StatusBadRequest, fmt.Errorf("invalid CloudEvent: %v", err)
	}
	return received, http.StatusOK, nil
}

// resultStatus maps the function's error to the answer's status and body. A plain error
// answers 500 with an empty body (its text goes to the log, not to the caller, as with
// Google's framework). Besides nil, it understands the
// CloudEvents SDK's own results, without importing the SDK packages that define them: an
// acknowledging protocol.Receipt is a success, and a protocol/http.Result carries its
// status code.
func resultStatus(err error) (int, string) {
	if err == nil {
		return http.StatusOK, ""
	}
	for cause := err; cause != nil; cause = errors.Unwrap(cause) {
		value := reflect.Indirect(reflect.ValueOf(cause))
		if value.Kind() != reflect.Struct {
			continue
		}
		kind := value.Type()
		switch {
		case kind.PkgPath() == sdkModule+"/protocol" && kind.Name() == "Receipt":
			if acknowledged := value.FieldByName("ACK"); acknowledged.Kind() == reflect.Bool && acknowledged.Bool() {
				return http.StatusOK, ""
			}
		case kind.PkgPath() == sdkModule+"/protocol/http" && kind.Name() == "Result":
			if code := value.FieldByName("StatusCode"); code.Kind() == reflect.Int && code.Int() > 100 && code.Int() < 600 {
				return int(code.Int()), resultMessage(value)
			}
		}
	}
	return http.StatusInternalServerError, ""
}

const sdkModule = "github.com/cloudevents/sdk-go/v2"

// resultMessage is the message of a protocol/http.Result, which the SDK answers as the body:
// its Format applied to its Args.
func resultMessage(result reflect.Value) string {
	format := result.FieldByName("Format")
	args := result.FieldByName("Args")
	if format.Kind() != reflect.String || args.Kind() != reflect.Slice {
		return ""
	}
	values := make([]interface{}, args.Len())
	for i := range values {
		values[i] = args.Index(i).Interface()
	}
	return fmt.Sprintf(format.String(), values...)
}
