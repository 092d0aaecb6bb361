// Command trigger-sim runs one webhook event through EventListeners the way the Tekton Triggers sink does,
// with Tekton's own code: the github, gitlab and cel interceptors (github.com/tektoncd/triggers/pkg/
// interceptors/...), then the bindings and the TriggerTemplate (pkg/template). It prints, per trigger,
// whether it fired (or which interceptor stopped it, and why) and the resources it would create. The
// tests use it to prove what the library's triggers do with real GitHub and GitLab payloads, without a
// cluster.
//
// Usage: trigger-sim -event EVENT.json [-secret NAME/KEY=VALUE]... FILE.yaml...
// EVENT.json: {"headers": {"X-GitHub-Event": ["push"], ...}, "body": "<the raw request body>"}
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	triggersv1 "github.com/tektoncd/triggers/pkg/apis/triggers/v1beta1"
	"github.com/tektoncd/triggers/pkg/interceptors"
	"github.com/tektoncd/triggers/pkg/interceptors/cel"
	"github.com/tektoncd/triggers/pkg/interceptors/github"
	"github.com/tektoncd/triggers/pkg/interceptors/gitlab"
	"github.com/tektoncd/triggers/pkg/template"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
)

const namespace = "image-lifecycle"

type secrets map[string]string

func (s secrets) String() string { return "" }
func (s secrets) Set(v string) error {
	ref, value, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("want NAME/KEY=VALUE")
	}
	s[ref] = value
	return nil
}

// Get serves the interceptors' secretRefs from the -secret flags, as the sink's Kubernetes getter would.
func (s secrets) Get(_ context.Context, _ string, sr *triggersv1.SecretRef) ([]byte, error) {
	v, ok := s[sr.SecretName+"/"+sr.SecretKey]
	if !ok {
		return nil, fmt.Errorf("secret %s/%s not found", sr.SecretName, sr.SecretKey)
	}
	return []byte(v), nil
}

type library struct {
	listeners []triggersv1.EventListener
	bindings  map[string]*triggersv1.TriggerBinding
	templates map[string]*triggersv1.TriggerTemplate
}

func load(files []string) (*library, error) {
	lib := &library{bindings: map[string]*triggersv1.TriggerBinding{}, templates: map[string]*triggersv1.TriggerTemplate{}}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		decoder := k8syaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			var raw json.RawMessage
			if err := decoder.Decode(&raw); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			var meta struct{ Kind string }
			if len(raw) == 0 || json.Unmarshal(raw, &meta) != nil {
				continue
			}
			switch meta.Kind {
			case "EventListener":
				var el triggersv1.EventListener
				if err := json.Unmarshal(raw, &el); err != nil {
					return nil, fmt.Errorf("%s: %w", file, err)
				}
				lib.listeners = append(lib.listeners, el)
			case "TriggerBinding":
				var tb triggersv1.TriggerBinding
				if err := json.Unmarshal(raw, &tb); err != nil {
					return nil, fmt.Errorf("%s: %w", file, err)
				}
				lib.bindings[tb.Name] = &tb
			case "TriggerTemplate":
				var tt triggersv1.TriggerTemplate
				if err := json.Unmarshal(raw, &tt); err != nil {
					return nil, fmt.Errorf("%s: %w", file, err)
				}
				lib.templates[tt.Name] = &tt
			}
		}
	}
	return lib, nil
}

type outcome struct {
	Listener  string            `json:"listener"`
	Trigger   string            `json:"trigger"`
	Fired     bool              `json:"fired"`
	StoppedBy string            `json:"stoppedBy,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	Resources []json.RawMessage `json:"resources,omitempty"`
}

type processor interface {
	Process(ctx context.Context, r *triggersv1.InterceptorRequest) *triggersv1.InterceptorResponse
}

// runTrigger is the sink's ExecuteInterceptors + processTrigger for one trigger, in process.
func runTrigger(lib *library, sg secrets, el triggersv1.EventListener, t triggersv1.EventListenerTrigger, body []byte, header http.Header) outcome {
	out := outcome{Listener: el.Name, Trigger: t.Name}
	impls := map[string]processor{"github": github.NewInterceptor(sg), "gitlab": gitlab.NewInterceptor(sg), "cel": cel.NewInterceptor(sg)}
	request := triggersv1.InterceptorRequest{
		Body:       string(body),
		Header:     header.Clone(),
		Extensions: map[string]interface{}{},
		Context: &triggersv1.TriggerContext{
			EventURL:  "http://el-" + el.Name + "." + namespace + ".svc:8080",
			EventID:   "event-1",
			TriggerID: "namespaces/" + namespace + "/triggers/" + t.Name,
		},
	}
	for _, i := range t.Interceptors {
		impl, ok := impls[i.GetName()]
		if !ok {
			out.StoppedBy, out.Reason = i.GetName(), "trigger-sim knows only the github, gitlab and cel interceptors"
			return out
		}
		request.InterceptorParams = interceptors.GetInterceptorParams(i)
		resp := impl.Process(context.Background(), &request)
		if !resp.Continue {
			out.StoppedBy = i.GetName()
			if resp.Status.Message != "" {
				out.Reason = resp.Status.Message
			}
			return out
		}
		for k, v := range resp.Extensions {
			request.Extensions[k] = v
		}
	}
	trigger := triggersv1.Trigger{Spec: triggersv1.TriggerSpec{Bindings: t.Bindings, Template: *t.Template, Interceptors: t.Interceptors}}
	rt, err := template.ResolveTrigger(trigger,
		func(name string) (*triggersv1.TriggerBinding, error) {
			if b, ok := lib.bindings[name]; ok {
				return b, nil
			}
			return nil, fmt.Errorf("TriggerBinding %s not found", name)
		},
		func(name string) (*triggersv1.ClusterTriggerBinding, error) {
			return nil, fmt.Errorf("ClusterTriggerBinding %s not found", name)
		},
		func(name string) (*triggersv1.TriggerTemplate, error) {
			if tt, ok := lib.templates[name]; ok {
				return tt, nil
			}
			return nil, fmt.Errorf("TriggerTemplate %s not found", name)
		})
	if err != nil {
		out.StoppedBy, out.Reason = "resolve", err.Error()
		return out
	}
	params, err := template.ResolveParams(rt, []byte(request.Body), request.Header, request.Extensions, template.NewTriggerContext("event-1"))
	if err != nil {
		out.StoppedBy, out.Reason = "params", err.Error()
		return out
	}
	out.Fired = true
	out.Resources = template.ResolveResources(rt.TriggerTemplate, params)
	return out
}

func main() {
	eventFile := flag.String("event", "", "the event: {headers, body}")
	sg := secrets{}
	flag.Var(sg, "secret", "NAME/KEY=VALUE a Secret key the interceptors may read (repeatable)")
	flag.Parse()
	if *eventFile == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: trigger-sim -event EVENT.json [-secret NAME/KEY=VALUE]... FILE.yaml...")
		os.Exit(2)
	}
	var event struct {
		Headers map[string][]string `json:"headers"`
		Body    string              `json:"body"`
	}
	data, err := os.ReadFile(*eventFile)
	if err == nil {
		err = json.Unmarshal(data, &event)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	lib, err := load(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	header := http.Header{}
	for k, v := range event.Headers {
		for _, s := range v {
			header.Add(k, s)
		}
	}
	outcomes := []outcome{}
	for _, el := range lib.listeners {
		for _, t := range el.Spec.Triggers {
			outcomes = append(outcomes, runTrigger(lib, sg, el, t, []byte(event.Body), header))
		}
	}
	encoded, err := json.Marshal(outcomes)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(encoded))
}
