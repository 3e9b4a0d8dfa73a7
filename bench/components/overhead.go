// Command overhead prints the microseconds per no-op job through a generated
// Go component. bench/claims.mjs copies it into a generated project as
// cmd/overhead/main.go, next to the run function of overhead-<pattern>.go
// with MODULE replaced by the project's module path, and runs it there:
//
//	overhead -jobs N -workers N -samples N [-cpuprofile FILE]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"
)

func main() {
	jobs := flag.Int("jobs", 100_000, "no-op jobs")
	workers := flag.Int("workers", 4, "pool workers")
	samples := flag.Int("samples", 3, "samples after one warm-up")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the measured runs to this file")
	flag.Parse()
	measure := func() float64 {
		start := time.Now()
		run(*jobs, *workers)
		return float64(time.Since(start).Nanoseconds()) / 1000 / float64(*jobs)
	}
	measure()
	if *profile != "" {
		file, err := os.Create(*profile)
		if err == nil {
			err = pprof.StartCPUProfile(file)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	out := make([]float64, *samples)
	for i := range out {
		out[i] = measure()
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string]any{"samples_us": out}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
