package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"consolida/pipeline"
)

// A web page can stream the events of a use case as server-sent events:
// the events are plain values, so each is one "event:" and one "data:"
// line (the page of issue 10 would add the Italian text from package ui).
func ExampleProgressFunc_serverSentEvents() {
	out, _ := os.MkdirTemp("", "consolida-example")
	defer os.RemoveAll(out)
	sse := pipeline.ProgressFunc(func(e pipeline.Event) {
		switch e := e.(type) {
		case pipeline.StepStarted, pipeline.StepDone:
			data, _ := json.Marshal(e)
			fmt.Printf("event: %T\ndata: %s\n\n", e, data)
		case pipeline.StepItem:
			fmt.Printf("event: %T\ndata: {\"Index\":%d,\"Total\":%d,\"File\":%q}\n\n", e, e.Index, e.Total, filepath.Base(e.Path))
		}
	})
	_, err := pipeline.Run(context.Background(), pipeline.RunOptions{
		Inputs: []string{"../samples/candidature_comuni_lecco.csv"},
		Output: pipeline.Output{Dir: out, Council: true},
	}, sse)
	fmt.Println(err)
	// Output:
	// event: pipeline.StepStarted
	// data: {"Step":"read","Total":1}
	//
	// event: pipeline.StepItem
	// data: {"Index":0,"Total":1,"File":"candidature_comuni_lecco.csv"}
	//
	// event: pipeline.StepDone
	// data: {"Step":"read"}
	//
	// event: pipeline.StepStarted
	// data: {"Step":"council","Total":5}
	//
	// event: pipeline.StepDone
	// data: {"Step":"council"}
	//
	// <nil>
}
