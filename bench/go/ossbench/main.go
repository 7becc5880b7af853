// The official Go SDK (aliyun-oss-go-sdk v1) as a bench peer: `ossbench '<json job>'`, endpoint and keys from OSS_*
// env. Upload is Bucket.UploadFile, download Bucket.DownloadFile, both with Routines and a Checkpoint file, the
// same part size and concurrency as ossup. "putdir" puts every regular file under File as Key + its relative path,
// one PutObjectFromFile per file from Parallel goroutines (what a Go program uploading a folder of small files does). Prints {"seconds": ...} and, like bench/usage-hook.cjs for node children,
// writes its own peak RSS (VmHWM) and CPU to $BENCH_USAGE_FILE at exit. Built by bench/go-peer.ts (GOPATH mode,
// offline, against the Debian-packaged SDK in /usr/share/gocode).
package main

import (
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
)

type job struct {
	Op         string `json:"op"`
	Bucket     string `json:"bucket"`
	Key        string `json:"key"`
	File       string `json:"file"`
	PartSize   int64  `json:"partSize"`
	Parallel   int    `json:"parallel"`
	Checkpoint string `json:"checkpoint"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "ossbench: "+format+"\n", args...)
	os.Exit(1)
}

func writeUsage() {
	target := os.Getenv("BENCH_USAGE_FILE")
	if target == "" {
		return
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	rss := float64(ru.Maxrss) * 1024
	if status, err := ioutil.ReadFile("/proc/self/status"); err == nil {
		if m := regexp.MustCompile(`(?m)^VmHWM:\s+(\d+) kB$`).FindSubmatch(status); m != nil {
			kib, _ := strconv.ParseFloat(string(m[1]), 64)
			rss = kib * 1024
		}
	}
	out, _ := json.Marshal(map[string]float64{"maxRssBytes": rss, "cpuSeconds": cpu, "lifetimeMs": 0})
	ioutil.WriteFile(target, out, 0o644)
}

// putDir puts every regular file under dir as prefix + its slash-separated relative path, from `parallel` goroutines.
func putDir(bucket *oss.Bucket, dir, prefix string, parallel int) error {
	var files []string
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return err
	}
	work := make(chan string)
	errs := make(chan error, parallel)
	var wg sync.WaitGroup
	for i := 0; i < parallel; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range work {
				rel, _ := filepath.Rel(dir, path)
				if err := bucket.PutObjectFromFile(prefix+filepath.ToSlash(rel), path); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for _, f := range files {
		work <- f
	}
	close(work)
	wg.Wait()
	close(errs)
	return <-errs
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: ossbench '<json job>'")
	}
	var j job
	if err := json.Unmarshal([]byte(os.Args[1]), &j); err != nil {
		fail("bad job: %v", err)
	}
	client, err := oss.New(os.Getenv("OSS_ENDPOINT"), os.Getenv("OSS_ACCESS_KEY_ID"), os.Getenv("OSS_ACCESS_KEY_SECRET"), oss.Timeout(10, 600))
	if err != nil {
		fail("client: %v", err)
	}
	bucket, err := client.Bucket(j.Bucket)
	if err != nil {
		fail("bucket: %v", err)
	}
	opts := []oss.Option{oss.Routines(j.Parallel), oss.Checkpoint(true, j.Checkpoint)}
	started := time.Now()
	switch j.Op {
	case "upload":
		err = bucket.UploadFile(j.Key, j.File, j.PartSize, opts...)
	case "download":
		err = bucket.DownloadFile(j.Key, j.File, j.PartSize, opts...)
	case "putdir":
		err = putDir(bucket, j.File, j.Key, j.Parallel)
	default:
		fail("unknown op %q", j.Op)
	}
	if err != nil {
		fail("%s: %v", j.Op, err)
	}
	seconds := time.Since(started).Seconds()
	writeUsage()
	fmt.Printf("{\"seconds\":%f}\n", seconds)
}
