package version

import (
	"runtime"
	"strings"
	"testing"
)

func TestGet(t *testing.T) {
	in := Get()
	if in.Go != runtime.Version() || in.Version == "" {
		t.Fatalf("%+v", in)
	}
	stamped = "v9.9.9"
	defer func() { stamped = "" }()
	if got := Get().Version; got != "v9.9.9" {
		t.Errorf("stamped version: %q", got)
	}
	if !strings.HasPrefix(Short(), "consolida v9.9.9") {
		t.Errorf("Short: %q", Short())
	}
}
