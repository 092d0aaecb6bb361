package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	triggersv1beta1 "github.com/tektoncd/triggers/pkg/apis/triggers/v1beta1"
	"knative.dev/pkg/apis"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// header is the part of any Kubernetes object needed to pick its Go type and name it in messages.
type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name         string `json:"name"`
		GenerateName string `json:"generateName"`
	} `json:"metadata"`
}

func (h header) String() string {
	name := h.Metadata.Name
	if name == "" {
		name = h.Metadata.GenerateName + "*"
	}
	return h.Kind + "/" + name
}

// problem is one finding about a document: field is a dotted path inside the object ("" for the whole
// document), warning marks a diagnostic the webhook would only warn about.
type problem struct {
	field   string
	message string
	warning bool
}

// outcome of checking one document: skipped says why a document of another API was not checked.
type outcome struct {
	object   string
	skipped  string
	problems []problem
}

// checkDocument does to one YAML document what the Tekton webhooks do on create: decode it rejecting
// unknown and duplicate fields, set defaults, validate.
func checkDocument(ctx context.Context, doc []byte) outcome {
	var h header
	if err := yaml.Unmarshal(doc, &h); err != nil {
		return outcome{object: "document", problems: []problem{{message: "not valid YAML: " + decodeMessage(err)}}}
	}
	if h.APIVersion == "" || h.Kind == "" {
		return outcome{object: "document", problems: []problem{{message: "apiVersion and kind are required"}}}
	}
	newObject, known := lookupKind(h.APIVersion, h.Kind)
	if !known {
		if isTektonGroup(h.APIVersion) {
			return outcome{object: h.String(), problems: []problem{{field: "apiVersion", message: unsupportedTektonKind(h.APIVersion, h.Kind)}}}
		}
		return outcome{object: h.String(), skipped: h.APIVersion + " is not a Tekton API"}
	}
	obj := newObject()
	if problems := strictDecode(doc, obj, ""); len(problems) > 0 {
		return outcome{object: h.String(), problems: problems}
	}
	obj.SetDefaults(ctx)
	result := outcome{object: h.String(), problems: fieldProblems(obj.Validate(ctx))}
	if tt, ok := obj.(*triggersv1beta1.TriggerTemplate); ok {
		result.problems = append(result.problems, checkResourceTemplates(ctx, tt)...)
	}
	return result
}

// isEmptyDocument is true for a document of only comments, as a trailing "---" leaves behind.
func isEmptyDocument(doc []byte) bool {
	var v any
	return yaml.Unmarshal(doc, &v) == nil && v == nil
}

// strictDecode decodes like the API server does for a create with fieldValidation=Strict: field names
// are case-sensitive, and unknown or duplicate fields are errors naming their full path.
func strictDecode(doc []byte, obj any, pathPrefix string) []problem {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return []problem{{message: "not valid YAML: " + decodeMessage(err)}}
	}
	strictErrs, err := kjson.UnmarshalStrict(js, obj)
	if err != nil {
		return []problem{{message: decodeMessage(err)}}
	}
	out := make([]problem, 0, len(strictErrs))
	for _, e := range strictErrs {
		var fe kjson.FieldError
		if errors.As(e, &fe) {
			// The message reads `unknown field "spec.x"`: the path goes to the field column.
			what, _, _ := strings.Cut(e.Error(), ` "`)
			out = append(out, problem{field: pathPrefix + fe.FieldPath(), message: what})
			continue
		}
		out = append(out, problem{field: strings.TrimSuffix(pathPrefix, "."), message: e.Error()})
	}
	return out
}

// decodeMessage drops the wrapping sigs.k8s.io/yaml and encoding/json put around a decoder's words.
func decodeMessage(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "json: ")
	return msg
}

func fieldProblems(fe *apis.FieldError) []problem {
	if fe == nil {
		return nil
	}
	var out []problem
	for _, e := range fe.WrappedErrors() {
		message := e.Message
		if e.Details != "" {
			message += " (" + strings.ReplaceAll(strings.TrimSpace(e.Details), "\n", " ") + ")"
		}
		out = append(out, problem{field: strings.Join(e.Paths, ", "), message: message, warning: e.Level == apis.WarningLevel})
	}
	return out
}

// checkResourceTemplates validates the PipelineRuns and TaskRuns a TriggerTemplate creates. The Triggers
// webhook only checks that they have a kind; Tekton would reject a bad one only when an event arrives.
// Strict decoding catches misspelt fields; $(tt.params.*) placeholders are plain strings at this point,
// so they pass wherever a string is allowed. Metadata is left alone: names such as
// "generateName: $(tt.params.app)-" are only valid once substituted.
func checkResourceTemplates(ctx context.Context, tt *triggersv1beta1.TriggerTemplate) []problem {
	var out []problem
	for i, rt := range tt.Spec.ResourceTemplates {
		prefix := fmt.Sprintf("spec.resourcetemplates[%d]", i)
		var h header
		if err := yaml.Unmarshal(rt.Raw, &h); err != nil {
			continue // the TriggerTemplate's own validation reports a template without kind
		}
		var run any
		var spec interface {
			SetDefaults(context.Context)
			Validate(context.Context) *apis.FieldError
		}
		switch h.APIVersion + " " + h.Kind {
		case "tekton.dev/v1 PipelineRun":
			pr := &pipelinev1.PipelineRun{}
			run, spec = pr, &pr.Spec
		case "tekton.dev/v1 TaskRun":
			tr := &pipelinev1.TaskRun{}
			run, spec = tr, &tr.Spec
		default:
			if isTektonGroup(h.APIVersion) {
				out = append(out, problem{field: prefix + ".apiVersion", message: fmt.Sprintf("%s %s: a TriggerTemplate of this library creates tekton.dev/v1 PipelineRuns or TaskRuns", h.APIVersion, h.Kind)})
			}
			continue
		}
		if problems := strictDecode(rt.Raw, run, prefix+"."); len(problems) > 0 {
			out = append(out, problems...)
			continue
		}
		spec.SetDefaults(ctx)
		out = append(out, fieldProblems(spec.Validate(apis.WithinSpec(ctx)).ViaField(prefix+".spec"))...)
	}
	return out
}
