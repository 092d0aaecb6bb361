// Command tekton-validate checks Tekton YAML the way the Tekton and Tekton Triggers admission webhooks
// would on create: strict decoding into the upstream Go types, SetDefaults, Validate.
//
// Usage: tekton-validate [-feature-flag key=value]... [-triggers-feature-flag key=value]... PATH...
//
// PATH is a YAML file or a directory searched for *.yaml and *.yml (kustomization files excluded).
// Each finding is printed as "file:document kind/name: field: message", documents counted from 1.
// Exit status: 0 all valid, 1 findings, 2 bad usage or unreadable input.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// keyValues collects repeated key=value flags into the map a ConfigMap's data would be.
type keyValues map[string]string

func (kv keyValues) String() string { return fmt.Sprint(map[string]string(kv)) }

func (kv keyValues) Set(s string) error {
	key, value, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	kv[key] = value
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tekton-validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pipelineFlags, triggersFlags := keyValues{}, keyValues{}
	fs.Var(pipelineFlags, "feature-flag", "an entry of Tekton Pipelines' feature-flags ConfigMap, e.g. enable-api-fields=alpha (repeatable)")
	fs.Var(triggersFlags, "triggers-feature-flag", "an entry of Tekton Triggers' feature-flags-triggers ConfigMap (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "tekton-validate: give at least one YAML file or directory")
		return 2
	}
	ctx, err := admissionContext(pipelineFlags, triggersFlags)
	if err != nil {
		fmt.Fprintln(stderr, "tekton-validate:", err)
		return 2
	}
	files, err := yamlFiles(fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "tekton-validate:", err)
		return 2
	}

	var checked, skipped, errorCount int
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(stderr, "tekton-validate:", err)
			return 2
		}
		docs, err := splitDocuments(data)
		if err != nil {
			fmt.Fprintf(stdout, "%s: cannot split into YAML documents: %v\n", file, err)
			errorCount++
			continue
		}
		for i, doc := range docs {
			if isEmptyDocument(doc) {
				continue
			}
			where := fmt.Sprintf("%s:%d ", file, i+1)
			result := checkDocument(ctx, doc)
			if result.skipped != "" {
				fmt.Fprintf(stderr, "%s%s: skipped: %s\n", where, result.object, result.skipped)
				skipped++
				continue
			}
			checked++
			for _, p := range result.problems {
				errorCount++
				fmt.Fprintln(stdout, formatProblem(where+result.object, p))
			}
		}
	}
	fmt.Fprintf(stdout, "tekton-validate: %d files, %d Tekton documents checked, %d skipped, %d problems\n", len(files), checked, skipped, errorCount)
	if errorCount > 0 {
		return 1
	}
	return 0
}

func formatProblem(subject string, p problem) string {
	var b strings.Builder
	b.WriteString(subject)
	b.WriteString(": ")
	if p.field != "" {
		b.WriteString(p.field)
		b.WriteString(": ")
	}
	if p.warning {
		// The webhook would only warn, but a library shipped to others should not set off warnings.
		b.WriteString("warning: ")
	}
	// One line per problem, so each can be read (and grepped) on its own.
	b.WriteString(strings.Join(strings.Fields(p.message), " "))
	return b.String()
}
