package cli

// Launch is the command line to run for args (os.Args): args themselves,
// or, when consolida was started with no arguments and no terminal (a
// double-click on consolida.exe), the office's page in the folder it was
// started from, prepared as init does (consolida.toml, inbox, archivio,
// uscita) when needed.
func Launch(args []string) []string {
	if len(args) == 1 && withoutTerminal() {
		return []string{args[0], "serve", "--doppio-clic"}
	}
	return args
}

// unixWithoutTerminal tells whether a program on a Unix system was
// started from the desktop rather than from a shell: no terminal on its
// standard input, and, on Linux and the BSDs, a graphical session
// (DISPLAY or WAYLAND_DISPLAY; a service, a cron job or CI has none), on
// macOS no TERM (every shell sets it; Finder and launchd do not).
func unixWithoutTerminal(goos string, stdinTTY bool, getenv func(string) string) bool {
	if stdinTTY {
		return false
	}
	if goos == "darwin" {
		return getenv("TERM") == ""
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}
