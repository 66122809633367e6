package ui

import (
	"fmt"
	"strings"

	"consolida/exporter"
	"consolida/pipeline"
)

// StepLabel names a step of a use case for a person watching it ("Lettura
// dei file"), as the progress bar does.
func StepLabel(s pipeline.Step) string { return stepLabels[s] }

// EventLine is the line a log shows for an event that is not the
// progress of a step (the list of comuni read, the CST workbook being
// written, an unreadable file...); "" for the others. The web page shows
// these lines under its progress bars.
func EventLine(e pipeline.Event) string {
	switch e := e.(type) {
	case pipeline.FileUnreadable:
		return Message(e.Err)
	case pipeline.ComuniListLoaded:
		return fmt.Sprintf("Elenco ISTAT: %s comuni da %s", Count(e.Comuni), e.Path)
	case pipeline.WritingCST:
		return fmt.Sprintf("Scrittura di %s (%s candidature, %s anomalie)", e.Path, Count(e.Candidature), Count(e.Anomalies))
	case pipeline.CouncilWritten:
		return fmt.Sprintf("Scritti %s prospetti in %s", Count(e.Workbooks), e.Dir)
	case pipeline.ConservationFailed:
		return strings.Join(exporter.ConservationLines(e.Result), "\n")
	}
	return ""
}
