package main

import (
	"fmt"
	"strings"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	pipelinev1beta1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	triggersv1alpha1 "github.com/tektoncd/triggers/pkg/apis/triggers/v1alpha1"
	triggersv1beta1 "github.com/tektoncd/triggers/pkg/apis/triggers/v1beta1"
	"knative.dev/pkg/apis"
)

// resource is what the Tekton admission webhooks do to an object on create: default it, then validate it.
type resource interface {
	apis.Defaultable
	apis.Validatable
}

// knownKinds maps "apiVersion kind" to a fresh object of the upstream Go type. Each Tekton kind is
// listed at the API version the library writes; any other version of a Tekton kind is an error.
var knownKinds = map[string]func() resource{
	"tekton.dev/v1 Task":                                func() resource { return &pipelinev1.Task{} },
	"tekton.dev/v1 Pipeline":                            func() resource { return &pipelinev1.Pipeline{} },
	"tekton.dev/v1 TaskRun":                             func() resource { return &pipelinev1.TaskRun{} },
	"tekton.dev/v1 PipelineRun":                         func() resource { return &pipelinev1.PipelineRun{} },
	"tekton.dev/v1beta1 StepAction":                     func() resource { return &pipelinev1beta1.StepAction{} },
	"triggers.tekton.dev/v1beta1 EventListener":         func() resource { return &triggersv1beta1.EventListener{} },
	"triggers.tekton.dev/v1beta1 TriggerBinding":        func() resource { return &triggersv1beta1.TriggerBinding{} },
	"triggers.tekton.dev/v1beta1 ClusterTriggerBinding": func() resource { return &triggersv1beta1.ClusterTriggerBinding{} },
	"triggers.tekton.dev/v1beta1 TriggerTemplate":       func() resource { return &triggersv1beta1.TriggerTemplate{} },
	"triggers.tekton.dev/v1beta1 Trigger":               func() resource { return &triggersv1beta1.Trigger{} },
	"triggers.tekton.dev/v1alpha1 Interceptor":          func() resource { return &triggersv1alpha1.Interceptor{} },
	"triggers.tekton.dev/v1alpha1 ClusterInterceptor":   func() resource { return &triggersv1alpha1.ClusterInterceptor{} },
}

func lookupKind(apiVersion, kind string) (func() resource, bool) {
	f, ok := knownKinds[apiVersion+" "+kind]
	return f, ok
}

// isTektonGroup says whether an apiVersion belongs to Tekton (tekton.dev, triggers.tekton.dev, ...): an
// object of such a group that this program cannot check is an error, never silently skipped.
func isTektonGroup(apiVersion string) bool {
	group, _, found := strings.Cut(apiVersion, "/")
	return found && (group == "tekton.dev" || strings.HasSuffix(group, ".tekton.dev"))
}

// unsupportedTektonKind explains a Tekton object this program has no type for: either another API
// version of a kind it knows, or a kind the library does not use.
func unsupportedTektonKind(apiVersion, kind string) string {
	for key := range knownKinds {
		knownVersion, knownKind, _ := strings.Cut(key, " ")
		if knownKind == kind {
			return fmt.Sprintf("%s %s is not checked: write it as %s", apiVersion, kind, knownVersion)
		}
	}
	return fmt.Sprintf("%s %s is not a Tekton kind this validator knows", apiVersion, kind)
}
