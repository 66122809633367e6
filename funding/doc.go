// Package funding is the domain of consolida: the PNRR "PA digitale 2026"
// funding that Italian comuni receive, as rows read from the notices, and
// what those rows add up to. It does no I/O: the importer turns files
// into Records, the ledger stores them, the exporter writes what funding
// computed, and funding imports none of them (a test holds the flow).
//
//   - Record, Anomaly, Pos: one data row in canonical fields, something
//     wrong or doubtful about it, and where it was read (file, sheet, row).
//   - Amount: money in euro cents (int64), never a float; ParseAmount and
//     ParseNumber read it as offices write it; sums are checked
//     (AddAmounts, Tally) and one that overflows fails the conservation.
//   - Date, Status: dates as the files write them; A assegnata, E
//     erogata, R rinuncia, revoca.
//   - Catalog, Measure: the measures and the rules that recognise them
//     from an avviso title (data in templates/).
//   - Registry, Comune: the comuni the rows and the ISTAT list tell of,
//     and how a row's codes or name resolve to one.
//   - Consolidate: rows to candidature (identity.go), the newest status of
//     each, totals per comune and measure, and the conservation check
//     that nothing was lost or counted twice. It only reads its Input.
//   - TakeSnapshot, Diff: what changed between two exports (the Novità).
//
// # Glossary
//
// The code is in English, but for these nouns of the domain: they name
// things of Italian public administration that have no exact English
// word, and the users, the files and the outputs use them.
//
//   - comune (plural comuni): a municipality, the body whose funding is
//     reported. It is identified by its ISTAT code (6 digits, which can
//     change), its codice catastale (a letter and 3 digits, e.g. G026),
//     its IPA code (usually "c_" + catastale) or its name with the
//     province (Comune, Registry).
//   - candidatura (plural candidature): one application of a comune for
//     the funding of one measure under one avviso; the unit that is
//     counted once, however many files and rows tell of it (Candidatura,
//     identity.go).
//   - avviso: the public notice (call) a candidatura answers, with its
//     title ("1.4.5 'Piattaforma Notifiche Digitali' Comuni (Settembre
//     2022)") and its windows (finestra temporale); the title tells the
//     measure (Record.Avviso, Catalog.Classify).
//   - CUP: Codice Unico di Progetto, the 15-character code of the funded
//     project; the main key of a candidatura together with comune and
//     measure (Record.CUP).
//   - decreto: the decree that granted the funding, with its number and
//     date (Record.Decreto, Record.FundingDate).
//   - erogato: paid out, after the asseverazione (status E); "di cui
//     erogato" is the part of the funded total already paid
//     (StatusErogata, ComuneTotals.Erogato).
//   - altri enti: bodies other than a comune (provinces, ASL, schools,
//     unions of comuni...) located in a comune: their money is counted
//     apart, never in the comune's totals (Owner, OutAltriEnti,
//     Outcomes.AltriEnti).
//
// Every other identifier is English: the codice catastale is Belfiore,
// the finestra temporale Window, a rinuncia StatusRenounced, a row outside
// the selected comuni OutOfScope. Italian stays in the values the user
// reads (anomaly reasons, status labels) and in the names of the columns
// of the files and of the ledger's tables.
package funding
