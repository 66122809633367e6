package grid

import (
	"errors"
	"math"
	"testing"
)

func TestBlank(t *testing.T) {
	for _, c := range []struct {
		cells []Cell
		want  bool
	}{
		{nil, true},
		{[]Cell{{}, {V: "  "}, {V: "\t\n"}, {V: "\u00a0"}}, true},
		{[]Cell{{}, {V: " x "}}, false},
		{[]Cell{{V: "0", Num: true}}, false},
	} {
		if got := Blank(c.cells); got != c.want {
			t.Errorf("Blank(%+v) = %v", c.cells, got)
		}
	}
}

func TestNumber(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want Cell
	}{
		{4326.4, Cell{V: "4326.4", Num: true}},
		{4326.3999999999996, Cell{V: "4326.4", Num: true}},
		{math.Nextafter(0.3, 1), Cell{V: "0.30000000000000004", Num: true}},
		{1e20, Cell{V: "100000000000000000000", Num: true}},
		{1e-7, Cell{V: "0.0000001", Num: true}},
		{-2, Cell{V: "-2", Num: true}},
		{math.Copysign(0, -1), Cell{V: "-0", Num: true}},
		{math.NaN(), Cell{V: "#NUM!"}},
		{math.Inf(-1), Cell{V: "#NUM!"}},
	} {
		if got := Number(c.v); got != c.want {
			t.Errorf("Number(%v) = %+v, want %+v", c.v, got, c.want)
		}
	}
}

func TestErrorsMatchTheirSentinels(t *testing.T) {
	if !errors.Is(&CorruptError{Detail: "x"}, ErrCorrupt) || !errors.Is(&LimitError{What: "cells"}, ErrTooBig) {
		t.Error("CorruptError or LimitError does not match its sentinel")
	}
	if errors.Is(ErrEncrypted, ErrCorrupt) {
		t.Error("ErrEncrypted is ErrCorrupt")
	}
}
