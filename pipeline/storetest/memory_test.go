package storetest

import (
	"testing"

	"consolida/pipeline"
)

func TestMemory(t *testing.T) {
	Run(t, func(*testing.T) pipeline.Store { return NewMemory() })
}
