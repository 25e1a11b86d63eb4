// Package function is kiln's CloudEvent function fixture: build it with FUNC_NAME=Receive
// and FUNC_SIGNATURE_TYPE=cloudevent.
package function

import (
	"context"
	"fmt"
	"log"

	"github.com/cloudevents/sdk-go/v2/event"
)

type order struct {
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

// Receive logs each order event it gets; an event whose data is not an order is an error.
func Receive(_ context.Context, e event.Event) error {
	var received order
	if err := e.DataAs(&received); err != nil || received.Item == "" {
		return fmt.Errorf("event %s carries no order (%v)", e.ID(), err)
	}
	log.Printf("go-cloudevent received %s %s from %s: %d x %s", e.Type(), e.ID(), e.Source(), received.Quantity, received.Item)
	return nil
}
