// Command benchprobe measures what bench/claims.mjs asks of Go: the cost of a
// hand-off, the memory of a parked goroutine, an HTTP server and client, and
// the bare worker pool the generated components are compared with. Each
// subcommand prints one JSON object on stdout.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchprobe handoff|park|serve|client|bare-pool|bare-fanout [flags]")
		os.Exit(2)
	}
	flags := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	rounds := flags.Int("rounds", 100_000, "round trips per sample")
	samples := flags.Int("samples", 3, "samples after one warm-up")
	locked := flags.Bool("locked", false, "pin each goroutine to its own OS thread")
	units := flags.Int("units", 10_000, "goroutines to park")
	url := flags.String("url", "", "server URL")
	requests := flags.Int("requests", 10_000, "requests to send")
	conns := flags.Int("workers", 100, "requests in flight at once")
	jobs := flags.Int("jobs", 100_000, "no-op jobs")
	profile := flags.String("cpuprofile", "", "write a CPU profile to this file")
	flags.Parse(os.Args[2:])
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

	switch os.Args[1] {
	case "handoff":
		emit(map[string]any{"samples_us": repeat(*samples, func() float64 { return handoff(*rounds, *locked) })})
	case "start":
		emit(map[string]any{"samples_us": repeat(*samples, func() float64 { return startGoroutines(*rounds) })})
	case "cpu":
		emit(map[string]any{"one": cpuBound(*rounds, 1), "two": cpuBound(*rounds, 2)})
	case "park":
		emit(park(*units))
	case "serve":
		serve()
	case "client":
		emit(client(*url, *requests, *conns))
	case "bare-pool":
		emit(perJob(*samples, *jobs, func() { barePool(*jobs, *conns) }))
	case "bare-fanout":
		emit(perJob(*samples, *jobs, func() { bareFanOut(*jobs) }))
	default:
		fmt.Fprintf(os.Stderr, "unknown subcommand %q\n", os.Args[1])
		os.Exit(2)
	}
}

func emit(value any) {
	if err := json.NewEncoder(os.Stdout).Encode(value); err != nil {
		panic(err)
	}
}

// repeat runs measure once to warm up, then samples times, and returns the samples.
func repeat(samples int, measure func() float64) []float64 {
	measure()
	out := make([]float64, samples)
	for i := range out {
		out[i] = measure()
	}
	return out
}

// perJob runs once to warm up, then samples times, and returns the wall and
// CPU (all of this process's threads) microseconds per job of each run.
func perJob(samples, jobs int, run func()) map[string][]float64 {
	run()
	out := map[string][]float64{"samples_us": {}, "cpu_samples_us": {}}
	for range samples {
		cpu, start := processCPU(), time.Now()
		run()
		wall, used := time.Since(start).Seconds(), processCPU()-cpu
		out["samples_us"] = append(out["samples_us"], wall*1e6/float64(jobs))
		out["cpu_samples_us"] = append(out["cpu_samples_us"], used*1e6/float64(jobs))
	}
	return out
}

// handoff returns the microseconds of one round trip between two goroutines
// over unbuffered channels: ping, then pong.
func handoff(rounds int, locked bool) float64 {
	ping, pong := make(chan int), make(chan int)
	go func() {
		if locked {
			runtime.LockOSThread()
		}
		for v := range ping {
			pong <- v
		}
		close(pong)
	}()
	if locked {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	start := time.Now()
	for i := range rounds {
		ping <- i
		<-pong
	}
	elapsed := time.Since(start)
	close(ping)
	<-pong
	return float64(elapsed.Microseconds()) / float64(rounds)
}

// startGoroutines returns the microseconds to start a goroutine that does
// nothing and wait for it.
func startGoroutines(count int) float64 {
	start := time.Now()
	for range count {
		var wg sync.WaitGroup
		wg.Go(func() {})
		wg.Wait()
	}
	return float64(time.Since(start).Nanoseconds()) / 1000 / float64(count)
}

// spin is CPU work the compiler cannot remove.
func spin(iterations int) (sum int) {
	for i := range iterations {
		sum += i * i % 7
	}
	return sum
}

// processCPU is the CPU seconds every thread of this process has used.
func processCPU() float64 {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e9
}

// cpuBound runs 2 jobs of spin on units goroutines and returns wall and CPU seconds.
func cpuBound(iterations, units int) map[string]float64 {
	jobs := make(chan int, 2)
	jobs <- iterations
	jobs <- iterations
	close(jobs)
	sums := make([]int, units)
	var wg sync.WaitGroup
	cpu, start := processCPU(), time.Now()
	for unit := range units {
		wg.Go(func() {
			for job := range jobs {
				sums[unit] += spin(job)
			}
		})
	}
	wg.Wait()
	wall, used := time.Since(start).Seconds(), processCPU()-cpu
	for _, sum := range sums {
		sink += sum
	}
	return map[string]float64{"wall_s": wall, "cpu_s": used}
}

// sink keeps spin's result alive.
var sink int

// park starts units goroutines that all block on one channel and reports the
// resident memory they added.
func park(units int) map[string]any {
	debug.SetGCPercent(-1) // nothing to collect; a GC mid-way would only add noise
	before := rssBytes()
	release := make(chan struct{})
	var started, done sync.WaitGroup
	started.Add(units)
	for range units {
		done.Go(func() {
			started.Done()
			<-release
		})
	}
	started.Wait()
	after := rssBytes()
	close(release)
	done.Wait()
	return map[string]any{"units": units, "rss_before": before, "rss_after": after}
}

func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb)
			return kb * 1024
		}
	}
	return 0
}

var body = []byte("hello, world\n")

// serve answers every request with a short body on a loopback port, printed
// first, until it is killed.
func serve() {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("{\"port\": %d}\n", listener.Addr().(*net.TCPAddr).Port)
	server := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})}
	server.Serve(listener)
}

// client sends requests through workers goroutines, each sending its share
// one after another over a kept-alive connection.
func client(url string, requests, workers int) map[string]any {
	transport := &http.Transport{MaxIdleConns: workers, MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
	httpClient := &http.Client{Transport: transport}
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for w := range workers {
		share := requests / workers
		if w < requests%workers {
			share++
		}
		wg.Go(func() {
			for range share {
				if err := get(httpClient, url); err != nil {
					mu.Lock()
					if failed == 0 {
						fmt.Fprintln(os.Stderr, err)
					}
					failed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	transport.CloseIdleConnections()
	return usage(wall, requests, failed)
}

func get(client *http.Client, url string) error {
	response, err := client.Get(url)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	if _, err := io.Copy(io.Discard, response.Body); err != nil {
		return err
	}
	if response.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", response.StatusCode)
	}
	return nil
}

func usage(wall time.Duration, requests, failed int) map[string]any {
	var self syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	cpu := time.Duration(self.Utime.Nano() + self.Stime.Nano())
	return map[string]any{
		"wall_s": wall.Seconds(), "cpu_s": cpu.Seconds(), "rss_kb": self.Maxrss,
		"requests": requests, "failed": failed, "processes": 1,
	}
}

// barePool is what a worker pool is made of, with nothing added: workers
// goroutines take jobs from a channel and a WaitGroup waits for them.
func barePool(jobs, workers int) {
	work := func(_ context.Context, job int) int { return job * 2 }
	results := make([]int, jobs)
	queue := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for job := range queue {
				results[job] = work(context.Background(), job)
			}
		})
	}
	for job := range jobs {
		queue <- job
	}
	close(queue)
	wg.Wait()
}

// bareFanOut starts one goroutine per job and waits for them with a WaitGroup.
func bareFanOut(jobs int) {
	results := make([]int, jobs)
	var wg sync.WaitGroup
	for job := range jobs {
		wg.Go(func() { results[job] = job * 2 })
	}
	wg.Wait()
}
