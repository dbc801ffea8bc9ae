// Command benchserver serves one benchmark target (our broker, kfake or the
// loopback sink) in a process of its own and reports its memory on request,
// as cmd/bench's child processes do. Use it to look at one target by hand,
// for instance with pprof:
//
//	go run ./cmd/benchserver -target ours -addr 127.0.0.1:9092 -pprof 127.0.0.1:6060
//	go tool pprof -top 'http://127.0.0.1:6060/debug/pprof/profile?seconds=10'
//
// It prints "addr HOST:PORT" and then answers commands on standard input,
// one a line: stats (a JSON line of TotalAlloc, Mallocs, HeapInuse, peak
// heap, RSS, peak RSS and CPU time), reset, cpuprofile PATH,
// cpuprofile-stop, heapprofile PATH, sampler off, sampler on and quit.
// End of input also quits, unless -signal is given; SIGINT or SIGTERM
// prints the stats line and quits in any case.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"syscall"

	"kafka/interop/bench"
)

func main() {
	target := flag.String("target", "ours", "ours, kfake or loopback")
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	data := flag.String("data", "", "our broker's data directory (default: a new temporary one)")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this loopback address, e.g. 127.0.0.1:6060")
	onlySignal := flag.Bool("signal", false, "keep serving at end of input; quit only on SIGINT or SIGTERM")
	flag.Parse()

	// Commands come from stdin; a signal adds "stats" and "quit".
	cmds, cmdw := io.Pipe()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		io.WriteString(cmdw, "\nstats\nquit\n")
	}()
	go func() {
		io.Copy(cmdw, os.Stdin)
		if !*onlySignal {
			io.WriteString(cmdw, "\nquit\n")
		}
	}()

	if *pprofAddr != "" {
		go func() {
			if err := http.ListenAndServe(*pprofAddr, nil); err != nil {
				fmt.Fprintf(os.Stderr, "benchserver: pprof: %v\n", err)
			}
		}()
	}
	dir := *data
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "kafka-benchserver-"); err != nil {
			fatal(err)
		}
		defer os.RemoveAll(dir)
	}
	if err := bench.ServerMain(bench.Kind(*target), *addr, dir, cmds, os.Stdout); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "benchserver: %v\n", err)
	os.Exit(1)
}
