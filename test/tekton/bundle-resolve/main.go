// Command bundle-resolve fetches one resource from a Tekton bundle with Tekton's own bundles resolver code
// (github.com/tektoncd/pipeline/pkg/resolution/resolver/bundle), so the tests prove that what `image-lifecycle
// bundle` publishes is what a cluster's resolver accepts, not only what our own reader expects.
//
// Usage: bundle-resolve BUNDLE_REF KIND NAME   (prints the resource's bytes; exit 1 with the resolver's error)
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/tektoncd/pipeline/pkg/resolution/resolver/bundle"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: bundle-resolve BUNDLE_REF KIND NAME")
		os.Exit(2)
	}
	opts := bundle.RequestOptions{Bundle: os.Args[1], Kind: os.Args[2], EntryName: os.Args[3]}
	resolved, err := bundle.GetEntry(context.Background(), authn.DefaultKeychain, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := json.Marshal(map[string]any{
		"data":        string(resolved.Data()),
		"annotations": resolved.Annotations(),
		"refSource":   resolved.RefSource(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
