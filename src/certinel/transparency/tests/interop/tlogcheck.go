// tlogcheck follows a Certinel log over HTTP with golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog, an independent implementation of signed notes and of tiled
// RFC 6962 trees: it verifies the checkpoint, reads the tiles and entry bundles, and checks
// the tree hash, an inclusion proof and a consistency proof.
//
// Usage: tlogcheck <log URL ending in /> <origin> <verifier key> <index> <old size>
package main

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		fail("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return body
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL "+format+"\n", args...)
	os.Exit(1)
}

// tiles reads tiles of height 8 from a C2SP tlog-tiles log, whose paths are tlog's without
// the height: tile/<L>/<N>[.p/<W>].
type tiles struct{ base string }

func (t tiles) Height() int { return 8 }

func (t tiles) ReadTiles(list []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(list))
	for i, tile := range list {
		out[i] = get(t.base + "tile/" + strings.TrimPrefix(tile.Path(), "tile/8/"))
	}
	return out, nil
}

func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func entry(base string, index int64, size int64) []byte {
	n := index / 256
	width := size - n*256
	path := tlog.Tile{H: 8, L: -1, N: n, W: 256}
	if width < 256 {
		path.W = int(width)
	}
	bundle := get(base + "tile/entries/" + strings.TrimPrefix(path.Path(), "tile/8/data/"))
	for i := int64(0); len(bundle) >= 2; i++ {
		length := int(binary.BigEndian.Uint16(bundle))
		if i == index%256 {
			return bundle[2 : 2+length]
		}
		bundle = bundle[2+length:]
	}
	fail("entry %d not in its bundle", index)
	return nil
}

func main() {
	if len(os.Args) != 6 {
		fail("usage: tlogcheck <log URL> <origin> <verifier key> <index> <old size>")
	}
	base, origin, vkey := os.Args[1], os.Args[2], os.Args[3]
	index, _ := strconv.ParseInt(os.Args[4], 10, 64)
	old, _ := strconv.ParseInt(os.Args[5], 10, 64)
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	signed, err := note.Open(get(base+"checkpoint"), note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint: %v", err)
	}
	lines := strings.Split(signed.Text, "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	rootBytes, err2 := base64.StdEncoding.DecodeString(lines[2])
	if lines[0] != origin || err != nil || err2 != nil || len(rootBytes) != tlog.HashSize {
		fail("checkpoint text: %q", signed.Text)
	}
	var root tlog.Hash
	copy(root[:], rootBytes)
	reader := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tiles{base})
	computed, err := tlog.TreeHash(size, reader)
	if err != nil || computed != root {
		fail("tree hash: %v %v", computed, err)
	}
	proof, err := tlog.ProveRecord(size, index, reader)
	if err != nil {
		fail("inclusion proof: %v", err)
	}
	if err := tlog.CheckRecord(proof, size, root, index, tlog.RecordHash(entry(base, index, size))); err != nil {
		fail("inclusion check: %v", err)
	}
	oldRoot, err := tlog.TreeHash(old, reader)
	if err != nil {
		fail("old tree hash: %v", err)
	}
	treeProof, err := tlog.ProveTree(size, old, reader)
	if err != nil {
		fail("consistency proof: %v", err)
	}
	if err := tlog.CheckTree(treeProof, size, root, old, oldRoot); err != nil {
		fail("consistency check: %v", err)
	}
	fmt.Printf("OK %s %d %s %s\n", origin, size, root, oldRoot)
}
