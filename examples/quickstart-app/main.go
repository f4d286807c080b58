// Command quickstart-app is the smallest app an HTTP sink can deliver to:
// it prints each record it receives, one line each, and answers 200 so the
// sink commits them. It reads the sink's default body, http.format=json:
// {"records":[{"id":..,"topic":..,"partition":..,"offset":..,"key":..,
// "value":..,"headers":{..}}]} (see the README's Connectors section).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
)

// record is the part of a delivered record this app prints.
type record struct {
	ID    string          `json:"id"` // <topic>-<partition>-<offset>, the same on a redelivery
	Key   json.RawMessage `json:"key"`
	Value json.RawMessage `json:"value"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on; the sink delivers to SIDECAR_APP_URL, http://127.0.0.1:8080/ by default")
	flag.Parse()
	http.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Records []record `json:"records"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			// A 4xx tells the sink never to send these records again: they
			// go to its dead letter queue, if it has one.
			http.Error(w, "expected {\"records\":[...]}: "+err.Error(), http.StatusBadRequest)
			return
		}
		for _, rec := range body.Records {
			fmt.Printf("%s key=%s value=%s\n", rec.ID, rec.Key, rec.Value)
		}
		// 200 acknowledges the whole batch; an app that takes only some
		// records answers 207 with a status for each (see the README).
		w.WriteHeader(http.StatusOK)
	})
	log.SetFlags(0)
	log.Printf("quickstart-app: listening on http://%s/, printing each record it receives", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
