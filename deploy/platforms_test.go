package deploy

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"sigs.k8s.io/yaml"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// Values the platform fills in at run time, as a running worker would see
// them, so the whole environment can be loaded.
const (
	samplePodIP  = "10.1.2.3"
	sampleSecret = "s3cret"
)

// ---- Kubernetes (and Cloud Run, which speaks Knative's shapes) ----

type k8sObject struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   objectMeta        `json:"metadata"`
	Data       map[string]string `json:"data"`
	StringData map[string]string `json:"stringData"`
	Spec       json.RawMessage   `json:"spec"`
	file       string
}

type objectMeta struct {
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

type podTemplate struct {
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		TerminationGracePeriodSeconds *int        `json:"terminationGracePeriodSeconds"`
		InitContainers                []container `json:"initContainers"`
		Containers                    []container `json:"containers"`
		Volumes                       []struct {
			Name   string `json:"name"`
			Secret *struct {
				SecretName string `json:"secretName"`
				Items      []struct {
					Key  string `json:"key"`
					Path string `json:"path"`
				} `json:"items"`
			} `json:"secret"`
		} `json:"volumes"`
	} `json:"spec"`
}

// secretAt finds which key of which secret volume c sees at file.
func (p podTemplate) secretAt(c container, file string) (keyRef, bool) {
	for _, m := range c.VolumeMounts {
		rel, under := strings.CutPrefix(file, strings.TrimSuffix(m.MountPath, "/")+"/")
		switch {
		case m.SubPath != "" && file == m.MountPath:
			rel = m.SubPath
		case m.SubPath != "" || !under:
			continue
		}
		for _, v := range p.Spec.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			if len(v.Secret.Items) == 0 && !strings.Contains(rel, "/") {
				return keyRef{Name: v.Secret.SecretName, Key: rel}, true
			}
			for _, it := range v.Secret.Items {
				if it.Path == rel {
					return keyRef{Name: v.Secret.SecretName, Key: it.Key}, true
				}
			}
		}
	}
	return keyRef{}, false
}

type labelSelector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

type container struct {
	Name          string `json:"name"`
	Image         string `json:"image"`
	RestartPolicy string `json:"restartPolicy"`
	Ports         []struct {
		Name          string `json:"name"`
		ContainerPort int    `json:"containerPort"`
	} `json:"ports"`
	Env []struct {
		Name      string `json:"name"`
		Value     string `json:"value"`
		ValueFrom *struct {
			FieldRef *struct {
				FieldPath string `json:"fieldPath"`
			} `json:"fieldRef"`
			SecretKeyRef    *keyRef `json:"secretKeyRef"`
			ConfigMapKeyRef *keyRef `json:"configMapKeyRef"`
		} `json:"valueFrom"`
	} `json:"env"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `json:"name"`
		} `json:"configMapRef"`
		SecretRef *struct {
			Name string `json:"name"`
		} `json:"secretRef"`
	} `json:"envFrom"`
	VolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
		SubPath   string `json:"subPath"`
	} `json:"volumeMounts"`
	StartupProbe   *probe `json:"startupProbe"`
	ReadinessProbe *probe `json:"readinessProbe"`
	LivenessProbe  *probe `json:"livenessProbe"`
}

type keyRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

type probe struct {
	HTTPGet *struct {
		Path string      `json:"path"`
		Port intOrString `json:"port"`
	} `json:"httpGet"`
	GRPC      json.RawMessage `json:"grpc"`
	TCPSocket json.RawMessage `json:"tcpSocket"`
	Exec      json.RawMessage `json:"exec"`
}

// intOrString is a port given by number or by name.
type intOrString struct {
	num  int
	name string
}

func (p *intOrString) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &p.num); err == nil {
		return nil
	}
	return json.Unmarshal(b, &p.name)
}

// port resolves p against c's named ports.
func (c container) port(p intOrString) (int, error) {
	if p.name == "" {
		return p.num, nil
	}
	for _, cp := range c.Ports {
		if cp.Name == p.name {
			return cp.ContainerPort, nil
		}
	}
	return 0, fmt.Errorf("container %s has no port named %q", c.Name, p.name)
}

func (c container) probes() map[string]*probe {
	out := map[string]*probe{}
	for kind, p := range map[string]*probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p != nil {
			out[kind] = p
		}
	}
	return out
}

// probeUse records the worker container's probes: HTTP/1 GETs on its REST
// port, by kind.
func probeUse(t *testing.T, u *use, c container, file string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for kind, p := range c.probes() {
		where := c.Name + " " + kind + "Probe"
		if p.HTTPGet == nil {
			t.Errorf("%s: %s is not an httpGet probe", file, where)
			continue
		}
		paths[kind] = p.HTTPGet.Path
		u.path(p.HTTPGet.Path, where)
		port, err := c.port(p.HTTPGet.Port)
		if err != nil {
			t.Errorf("%s: %s: %v", file, where, err)
		}
		u.port(port, where)
	}
	return paths
}

func decodeObjects(t *testing.T, file string, raw []byte) []k8sObject {
	t.Helper()
	var out []k8sObject
	for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(raw), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(doc, "")) == "" {
			continue
		}
		var o k8sObject
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("%s document %d: %v", file, i, err)
		}
		if o.Kind == "" || o.Metadata.Name == "" {
			t.Fatalf("%s document %d has no kind or name", file, i)
		}
		o.file = file
		out = append(out, o)
	}
	return out
}

func decodeSpec(t *testing.T, o k8sObject, into any) {
	t.Helper()
	if err := json.Unmarshal(o.Spec, into); err != nil {
		t.Fatalf("%s: %s %s spec: %v", o.file, o.Kind, o.Metadata.Name, err)
	}
}

// kubernetesFacts is what TestKubernetes checks beyond the common rules.
type kubernetesFacts struct {
	deployment  string
	sidecar     container
	probes      map[string]string
	advertised  string // fieldPath of CONNECT_REST_ADVERTISED_HOST_NAME
	scaleTarget string
	maxReplicas int
	trigger     map[string]string
}

// kubernetesUse reads the kustomization in files and what its Deployment
// asks of the worker.
func kubernetesUse(t *testing.T, files map[string][]byte) (use, kubernetesFacts) {
	t.Helper()
	var kust struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(files["kustomization.yaml"], &kust); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	listed := map[string]bool{"kustomization.yaml": true}
	objs := map[string]k8sObject{} // Kind/name
	for _, name := range kust.Resources {
		listed[name] = true
		raw, ok := files[name]
		if !ok {
			t.Fatalf("kustomization.yaml lists %s, which is not in deploy/kubernetes", name)
		}
		for _, o := range decodeObjects(t, name, raw) {
			objs[o.Kind+"/"+o.Metadata.Name] = o
		}
	}
	for name := range files {
		if !listed[name] {
			t.Errorf("deploy/kubernetes/%s is not in kustomization.yaml", name)
		}
	}
	byKind := func(kind string) []k8sObject {
		var out []k8sObject
		for _, key := range sortedKeys(objs) {
			if objs[key].Kind == kind {
				out = append(out, objs[key])
			}
		}
		if len(out) == 0 {
			t.Fatalf("deploy/kubernetes has no %s", kind)
		}
		return out
	}

	var k kubernetesFacts
	u := use{file: "kubernetes"}
	deps := byKind("Deployment")
	if len(deps) != 1 {
		t.Fatalf("want one Deployment, found %d", len(deps))
	}
	dep := deps[0]
	k.deployment = dep.Metadata.Name
	var spec struct {
		Selector labelSelector `json:"selector"`
		Template podTemplate   `json:"template"`
	}
	decodeSpec(t, dep, &spec)
	pod := spec.Template
	for _, c := range pod.Spec.Containers {
		if c.Name == sidecarContainer {
			t.Errorf("%s: %s is in containers; a native sidecar goes in initContainers", dep.file, sidecarContainer)
		}
	}
	found := false
	for _, c := range pod.Spec.InitContainers {
		if c.Name == sidecarContainer {
			k.sidecar, found = c, true
		}
	}
	if !found {
		t.Fatalf("%s: no initContainer named %s", dep.file, sidecarContainer)
	}
	c := k.sidecar
	for _, p := range c.Ports {
		u.port(p.ContainerPort, c.Name+" port "+p.Name)
	}
	k.probes = probeUse(t, &u, c, dep.file)
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		u.stopWindow = time.Duration(*g) * time.Second
	} else {
		u.stopWindow = 30 * time.Second // Kubernetes' default
	}

	// Environment: envFrom first, then env, which wins.
	data := func(kind, name string) map[string]string {
		o, ok := objs[kind+"/"+name]
		if !ok {
			t.Errorf("%s: %s refers to %s %s, which the kustomization does not define", dep.file, c.Name, kind, name)
			return nil
		}
		out := map[string]string{}
		for k, v := range o.Data {
			if kind == "Secret" {
				dec, err := base64.StdEncoding.DecodeString(v)
				if err != nil {
					t.Errorf("%s: data.%s is not base64", o.file, k)
				}
				v = string(dec)
			}
			out[k] = v
		}
		for k, v := range o.StringData {
			out[k] = v
		}
		return out
	}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			d := data("ConfigMap", ef.ConfigMapRef.Name)
			for _, name := range sortedKeys(d) {
				u.setEnv(name, d[name], "ConfigMap "+ef.ConfigMapRef.Name)
			}
		case ef.SecretRef != nil:
			d := data("Secret", ef.SecretRef.Name)
			for _, name := range sortedKeys(d) {
				u.setEnv(name, d[name], "Secret "+ef.SecretRef.Name)
			}
		}
	}
	// A Secret the kustomization defines holds its values in the example;
	// one it does not is created apart (kustomization.yaml must say how),
	// and the worker gets a sample.
	secret := func(ref keyRef) (value, from string) {
		if _, ok := objs["Secret/"+ref.Name]; ok {
			return data("Secret", ref.Name)[ref.Key], ""
		}
		if !strings.Contains(string(files["kustomization.yaml"]), ref.Name) {
			t.Errorf("%s: %s uses Secret %s, which the kustomization neither defines nor says how to create", dep.file, c.Name, ref.Name)
		}
		return sampleSecret, "Secret " + ref.Name + " key " + ref.Key
	}
	for _, e := range c.Env {
		value, from := e.Value, ""
		if vf := e.ValueFrom; vf != nil {
			switch {
			case vf.FieldRef != nil:
				if e.Name == "CONNECT_REST_ADVERTISED_HOST_NAME" {
					k.advertised = vf.FieldRef.FieldPath
				}
				value = samplePodIP
			case vf.SecretKeyRef != nil:
				value, from = secret(*vf.SecretKeyRef)
			case vf.ConfigMapKeyRef != nil:
				value = data("ConfigMap", vf.ConfigMapKeyRef.Name)[vf.ConfigMapKeyRef.Key]
			}
		}
		u.setSecretEnv(e.Name, value, c.Name+" env", from)
	}
	// Settings that name a file of a secret volume, and files of one that
	// config provider placeholders read: a file provider's path, a
	// directory provider's path and key.
	named := map[string]bool{}
	for _, e := range u.env {
		named[e.value] = true
	}
	for _, ph := range u.placeholders() {
		named[ph.Path], named[path.Join(ph.Path, ph.Key)] = true, true
	}
	for _, file := range sortedKeys(named) {
		if ref, ok := pod.secretAt(c, file); ok {
			content, from := secret(ref)
			u.mount(file, content, from)
		}
	}

	// Scraping, the Service, the disruption budget and the autoscaler.
	if a := pod.Metadata.Annotations; a["prometheus.io/scrape"] == "true" {
		u.path(a["prometheus.io/path"], "prometheus.io/path")
		port, err := strconv.Atoi(a["prometheus.io/port"])
		if err != nil {
			t.Errorf("%s: prometheus.io/port %q", dep.file, a["prometheus.io/port"])
		}
		u.port(port, "prometheus.io/port")
	}
	if !matches(spec.Selector.MatchLabels, pod.Metadata.Labels) {
		t.Errorf("%s: the selector %v does not match the pod's labels", dep.file, spec.Selector.MatchLabels)
	}
	services := map[string]bool{}
	for _, svc := range byKind("Service") {
		var s struct {
			Selector map[string]string `json:"selector"`
			Ports    []struct {
				Name       string      `json:"name"`
				Port       int         `json:"port"`
				TargetPort intOrString `json:"targetPort"`
			} `json:"ports"`
		}
		decodeSpec(t, svc, &s)
		if !matches(s.Selector, pod.Metadata.Labels) {
			t.Errorf("%s: Service %s selects %v, not the Deployment's pods", svc.file, svc.Metadata.Name, s.Selector)
		}
		services[svc.Metadata.Name] = true
		for _, p := range s.Ports {
			target, err := c.port(p.TargetPort)
			if err != nil {
				t.Errorf("%s: Service port %s: %v", svc.file, p.Name, err)
			}
			u.port(target, "Service "+svc.Metadata.Name+" targetPort")
			u.port(p.Port, "Service "+svc.Metadata.Name+" port")
		}
	}
	for _, pm := range byKind("PodMonitor") {
		var s struct {
			Selector  labelSelector `json:"selector"`
			Endpoints []struct {
				Port string `json:"port"`
				Path string `json:"path"`
			} `json:"podMetricsEndpoints"`
		}
		decodeSpec(t, pm, &s)
		if len(s.Selector.MatchLabels) == 0 || !matches(s.Selector.MatchLabels, pod.Metadata.Labels) {
			t.Errorf("%s: PodMonitor selects %v, not the Deployment's pods", pm.file, s.Selector.MatchLabels)
		}
		if len(s.Endpoints) == 0 {
			t.Errorf("%s: PodMonitor %s scrapes nothing", pm.file, pm.Metadata.Name)
		}
		for _, e := range s.Endpoints {
			target, err := c.port(intOrString{name: e.Port})
			if err != nil {
				t.Errorf("%s: PodMonitor port %s: %v", pm.file, e.Port, err)
			}
			u.port(target, "PodMonitor "+pm.Metadata.Name+" port")
			u.path(cmp.Or(e.Path, "/metrics"), "PodMonitor "+pm.Metadata.Name+" path")
		}
	}
	for _, pdb := range byKind("PodDisruptionBudget") {
		var s struct {
			Selector labelSelector `json:"selector"`
		}
		decodeSpec(t, pdb, &s)
		if len(s.Selector.MatchLabels) == 0 || !matches(s.Selector.MatchLabels, pod.Metadata.Labels) {
			t.Errorf("%s: PodDisruptionBudget selects %v, not the Deployment's pods", pdb.file, s.Selector.MatchLabels)
		}
	}
	for _, so := range byKind("ScaledObject") {
		var s struct {
			ScaleTargetRef struct {
				Name string `json:"name"`
			} `json:"scaleTargetRef"`
			MaxReplicaCount int `json:"maxReplicaCount"`
			Triggers        []struct {
				Type     string            `json:"type"`
				Metadata map[string]string `json:"metadata"`
			} `json:"triggers"`
		}
		decodeSpec(t, so, &s)
		k.scaleTarget, k.maxReplicas = s.ScaleTargetRef.Name, s.MaxReplicaCount
		for _, tr := range s.Triggers {
			if tr.Type != "metrics-api" {
				t.Errorf("%s: trigger %s; the example scales on the metrics-api trigger", so.file, tr.Type)
				continue
			}
			k.trigger = tr.Metadata
			target, err := url.Parse(tr.Metadata["url"])
			if err != nil {
				t.Fatalf("%s: url: %v", so.file, err)
			}
			host, _, _ := strings.Cut(target.Hostname(), ".")
			if !services[host] {
				t.Errorf("%s: url %s does not name one of the Services %v", so.file, target, sortedKeys(services))
			}
			port, _ := strconv.Atoi(target.Port())
			u.port(port, "metrics-api url")
			u.path(target.Path, "metrics-api url")
		}
	}
	return u, k
}

func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

// ---- Cloud Run ----

type cloudRunFacts struct {
	name               string            // the service's
	serviceAnnotations map[string]string // the service's (scaling mode)
	annotations        map[string]string // the revision template's
	others             []string          // the other containers
	probes             map[string]string
}

func cloudRunUse(t *testing.T, file string) (use, cloudRunFacts) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	objs := decodeObjects(t, file, raw)
	if len(objs) != 1 || objs[0].Kind != "Service" || !strings.HasPrefix(objs[0].APIVersion, "serving.knative.dev/") {
		t.Fatalf("%s: want one serving.knative.dev Service", file)
	}
	var spec struct {
		Template podTemplate `json:"template"`
	}
	decodeSpec(t, objs[0], &spec)
	c := cloudRunFacts{
		name:               objs[0].Metadata.Name,
		serviceAnnotations: objs[0].Metadata.Annotations,
		annotations:        spec.Template.Metadata.Annotations,
	}
	u := use{file: file, stopWindow: 10 * time.Second, fixedStop: true} // Cloud Run: SIGTERM, then SIGKILL 10 s later
	var worker *container
	for i, ctr := range spec.Template.Spec.Containers {
		if ctr.Name == sidecarContainer {
			worker = &spec.Template.Spec.Containers[i]
		} else {
			c.others = append(c.others, ctr.Name)
		}
	}
	if worker == nil || len(c.others) == 0 {
		t.Fatalf("%s: want the app and a container named %s", file, sidecarContainer)
	}
	if len(worker.Ports) > 0 {
		t.Errorf("%s: %s declares ports; only the ingress container (the app) may", file, sidecarContainer)
	}
	c.probes = probeUse(t, &u, *worker, file)
	// Secrets come from Secret Manager: name is the secret, key its version.
	secretManager := func(ref keyRef) string {
		return "Secret Manager secret " + ref.Name + " version " + ref.Key
	}
	for _, e := range worker.Env {
		value, from := e.Value, ""
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			value, from = sampleSecret, secretManager(*e.ValueFrom.SecretKeyRef)
		}
		u.setSecretEnv(e.Name, value, sidecarContainer+" env", from)
	}
	for _, e := range u.env {
		if ref, ok := spec.Template.secretAt(*worker, e.value); ok {
			u.mount(e.value, sampleSecret, secretManager(ref))
		}
	}
	return u, c
}

// cremaConfig is the configuration of CREMA (Cloud Run External Metrics
// Autoscaling): KEDA ScaledObjects whose targets are Cloud Run services or
// worker pools, and the credentials their triggers use.
type cremaConfig struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		PollingInterval        *int                `json:"pollingInterval"`
		TriggerAuthentications []cremaTriggerAuth  `json:"triggerAuthentications"`
		ScaledObjects          []cremaScaledObject `json:"scaledObjects"`
	} `json:"spec"`
	file string
}

type cremaTriggerAuth struct {
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		PodIdentity *struct {
			Provider string `json:"provider"`
		} `json:"podIdentity"`
		GCPSecretManager *struct {
			Secrets []struct {
				Parameter string `json:"parameter"`
				ID        string `json:"id"`
				Version   string `json:"version"`
			} `json:"secrets"`
		} `json:"gcpSecretManager"`
	} `json:"spec"`
}

type cremaScaledObject struct {
	Spec struct {
		ScaleTargetRef struct {
			Name string `json:"name"`
		} `json:"scaleTargetRef"`
		MinReplicaCount *int            `json:"minReplicaCount"`
		MaxReplicaCount *int            `json:"maxReplicaCount"`
		Triggers        []cremaTrigger  `json:"triggers"`
		Advanced        json.RawMessage `json:"advanced"`
	} `json:"spec"`
}

type cremaTrigger struct {
	Type              string            `json:"type"`
	Name              string            `json:"name"`
	Metadata          map[string]string `json:"metadata"`
	AuthenticationRef *struct {
		Name string `json:"name"`
	} `json:"authenticationRef"`
}

// cremaUse reads CREMA's configuration strictly, as CREMA does: a key it
// does not know fails.
func cremaUse(t *testing.T, file string) cremaConfig {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var c cremaConfig
	if err := yaml.UnmarshalStrict(raw, &c); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	c.file = file
	return c
}

// cloudRunService is a Cloud Run service's full name, as scaleTargetRef
// gives it.
var cloudRunService = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/services/([^/]+)$`)

// checkCloudRunScaling checks the service's manual scaling and CREMA's
// configuration for it against the worker's settings: the kafka trigger
// must ask for what the workers' own figure asks for, the sink's lag over
// SIDECAR_LAG_PER_WORKER, within the task count.
func checkCloudRunScaling(r *report, u use, c cloudRunFacts, crema cremaConfig, loaded config.Loaded, tasksMax int) {
	if mode := c.serviceAnnotations["run.googleapis.com/scalingMode"]; mode != "manual" {
		r.fail("%s: run.googleapis.com/scalingMode is %q, want manual: CREMA sets the instance count of a service in manual mode", u.file, mode)
	}
	manual, err := strconv.Atoi(c.serviceAnnotations["run.googleapis.com/manualInstanceCount"])
	if err != nil || manual < 1 {
		r.fail("%s: run.googleapis.com/manualInstanceCount %q, want at least 1", u.file, c.serviceAnnotations["run.googleapis.com/manualInstanceCount"])
	}
	for _, a := range []string{"autoscaling.knative.dev/minScale", "autoscaling.knative.dev/maxScale"} {
		if v, ok := c.annotations[a]; ok {
			r.fail("%s: the template sets %s %q, which manual scaling ignores; CREMA's minReplicaCount and maxReplicaCount bound the count", u.file, a, v)
		}
	}
	if crema.APIVersion != "crema/v1" || crema.Kind != "CremaConfig" {
		r.fail("%s: apiVersion %q kind %q, want crema/v1 CremaConfig", crema.file, crema.APIVersion, crema.Kind)
	}
	var so *cremaScaledObject
	for i, o := range crema.Spec.ScaledObjects {
		if m := cloudRunService.FindStringSubmatch(o.Spec.ScaleTargetRef.Name); m != nil && m[1] == c.name {
			so = &crema.Spec.ScaledObjects[i]
		}
	}
	if so == nil {
		r.fail("%s: no scaledObject scales the service %s (scaleTargetRef.name projects/PROJECT/locations/REGION/services/%s)", crema.file, c.name, c.name)
		return
	}

	most := manual
	switch mx := so.Spec.MaxReplicaCount; {
	case mx == nil:
		r.fail("%s: maxReplicaCount is unset, so KEDA's 100; want the declared connectors' tasks.max %d, as many workers as can get a task", crema.file, tasksMax)
		most = 100
	case *mx != tasksMax:
		r.fail("%s: maxReplicaCount %d, want the declared connectors' tasks.max %d, as many workers as can get a task", crema.file, *mx, tasksMax)
		most = max(most, *mx)
	default:
		most = max(most, *mx)
	}
	if mn := so.Spec.MinReplicaCount; mn == nil || *mn < 1 {
		r.fail("%s: minReplicaCount is unset or 0, want at least 1: the app runs in the same instances", crema.file)
	}
	if most > 1 && !bool(loaded.Sidecar.Peerless) {
		r.fail("%s: up to %d instances without SIDECAR_PEERLESS=true: Cloud Run instances cannot reach each other", u.file, most)
	}

	// Every declared sink is read by a kafka trigger, as the worker reads it.
	sinks := map[string]config.Connector{} // by consumer group
	for _, conn := range loaded.Sidecar.Connectors {
		if conn.Config["topics"] != "" || conn.Config["topics.regex"] != "" {
			sinks["connect-"+conn.Name] = conn
		}
	}
	read := map[string]bool{}
	for _, tr := range so.Spec.Triggers {
		if tr.Type != "kafka" {
			r.fail("%s: trigger %s; the example scales on KEDA's kafka trigger", crema.file, tr.Type)
			continue
		}
		md := tr.Metadata
		conn, ok := sinks[md["consumerGroup"]]
		if !ok {
			r.fail("%s: kafka trigger consumerGroup %q is not the consumer group of a declared sink connector (connect-<connector>: %v)", crema.file, md["consumerGroup"], sortedKeys(sinks))
			continue
		}
		read[md["consumerGroup"]] = true
		topics := strings.Split(conn.Config["topics"], ",")
		for i := range topics {
			topics[i] = strings.TrimSpace(topics[i])
		}
		if topic := md["topic"]; topic != "" && (len(topics) != 1 || topic != topics[0]) {
			r.fail("%s: kafka trigger topic %q, but connector %s reads %q (leave topic out to count every topic of the group)", crema.file, topic, conn.Name, conn.Config["topics"])
		}
		if want := strconv.FormatInt(loaded.Sidecar.LagPerWorker, 10); md["lagThreshold"] != want {
			r.fail("%s: kafka trigger lagThreshold %q, want %s, the worker's SIDECAR_LAG_PER_WORKER: KEDA asks for lag / lagThreshold instances, the workers for lag / SIDECAR_LAG_PER_WORKER", crema.file, md["lagThreshold"], want)
		}
		if want := strings.ToLower(cmp.Or(conn.Config["consumer.override.auto.offset.reset"], "earliest")); md["offsetResetPolicy"] != want {
			r.fail("%s: kafka trigger offsetResetPolicy %q, want %s as the sink's auto.offset.reset: a partition without a committed offset is then lag to the workers too", crema.file, md["offsetResetPolicy"], want)
		}
		checkKafkaTriggerAccess(r, u, crema, tr)
	}
	for _, group := range sortedKeys(sinks) {
		if !read[group] {
			r.fail("%s: no kafka trigger reads the lag of %s, the group of sink connector %s", crema.file, group, sinks[group].Name)
		}
	}
}

// checkKafkaTriggerAccess checks that a kafka trigger reaches the worker's
// Kafka as the worker does: the same bootstrap servers, SASL mechanism and
// TLS, and credentials from Secret Manager, the password the worker's own.
func checkKafkaTriggerAccess(r *report, u use, crema cremaConfig, tr cremaTrigger) {
	md := tr.Metadata
	list := func(s string) []string {
		var out []string
		for part := range strings.SplitSeq(s, ",") {
			out = append(out, strings.TrimSpace(part))
		}
		return out
	}
	if want := u.lookupEnv("CONNECT_BOOTSTRAP_SERVERS"); !slices.Equal(list(md["bootstrapServers"]), list(want)) {
		r.fail("%s: kafka trigger bootstrapServers %q, but the worker's CONNECT_BOOTSTRAP_SERVERS is %q", crema.file, md["bootstrapServers"], want)
	}
	protocol := strings.ToUpper(cmp.Or(u.lookupEnv("CONNECT_SECURITY_PROTOCOL"), "PLAINTEXT"))
	wantTLS := "disable"
	if protocol == "SSL" || protocol == "SASL_SSL" {
		wantTLS = "enable"
	}
	if tls := cmp.Or(md["tls"], "disable"); tls != wantTLS {
		r.fail("%s: kafka trigger tls %q, want %s for the worker's %s", crema.file, tls, wantTLS, protocol)
	}
	wantSASL := "none"
	if strings.HasPrefix(protocol, "SASL_") {
		mechanism := strings.ToUpper(u.lookupEnv("CONNECT_SASL_MECHANISM"))
		wantSASL = map[string]string{"PLAIN": "plaintext", "SCRAM-SHA-256": "scram_sha256", "SCRAM-SHA-512": "scram_sha512", "OAUTHBEARER": "oauthbearer"}[mechanism]
	}
	if sasl := cmp.Or(md["sasl"], "none"); sasl != wantSASL {
		r.fail("%s: kafka trigger sasl %q, want %q for the worker's CONNECT_SASL_MECHANISM %q", crema.file, sasl, wantSASL, u.lookupEnv("CONNECT_SASL_MECHANISM"))
	}
	if wantSASL == "none" {
		return
	}
	// KEDA takes the user name and password from the trigger's
	// authentication only; CREMA fills that from Secret Manager.
	secrets := map[string]string{} // parameter -> secret
	for _, a := range crema.Spec.TriggerAuthentications {
		if tr.AuthenticationRef != nil && a.Metadata.Name == tr.AuthenticationRef.Name && a.Spec.GCPSecretManager != nil {
			for _, s := range a.Spec.GCPSecretManager.Secrets {
				secrets[s.Parameter] = s.ID
			}
		}
	}
	if secrets["username"] == "" || secrets["password"] == "" {
		r.fail("%s: the kafka trigger's authenticationRef gives no username and password from Secret Manager (gcpSecretManager secrets with parameter username and password)", crema.file)
		return
	}
	for _, e := range u.env {
		if e.name == "SIDECAR_SASL_PASSWORD" && !strings.HasPrefix(e.from, "Secret Manager secret "+secrets["password"]+" ") {
			r.fail("%s: the kafka trigger's password is secret %s, but the worker's SIDECAR_SASL_PASSWORD comes from %q", crema.file, secrets["password"], e.from)
		}
	}
}

// ---- ECS ----

type ecsFacts struct {
	healthCheck []string
	dependsOn   map[string]string // container -> condition on the worker
	taskRole    string
	agent       *cloudWatchAgent // nil without one
}

func ecsUse(t *testing.T, file string) (use, ecsFacts) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var td struct {
		TaskRoleArn          string `json:"taskRoleArn"`
		ContainerDefinitions []struct {
			Name         string `json:"name"`
			Essential    *bool  `json:"essential"`
			PortMappings []struct {
				ContainerPort int `json:"containerPort"`
			} `json:"portMappings"`
			Environment []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"environment"`
			Secrets []struct {
				Name      string `json:"name"`
				ValueFrom string `json:"valueFrom"`
			} `json:"secrets"`
			HealthCheck *struct {
				Command []string `json:"command"`
			} `json:"healthCheck"`
			DependsOn []struct {
				ContainerName string `json:"containerName"`
				Condition     string `json:"condition"`
			} `json:"dependsOn"`
			StopTimeout *int `json:"stopTimeout"`
		} `json:"containerDefinitions"`
	}
	if err := json.Unmarshal(raw, &td); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	u := use{file: file}
	e := ecsFacts{dependsOn: map[string]string{}, taskRole: td.TaskRoleArn}
	found := false
	for _, c := range td.ContainerDefinitions {
		for _, d := range c.DependsOn {
			if d.ContainerName == sidecarContainer {
				e.dependsOn[c.Name] = d.Condition
			}
		}
		env := map[string]string{}
		for _, v := range c.Environment {
			env[v.Name] = v.Value
		}
		if _, ok := env["PROMETHEUS_CONFIG_CONTENT"]; ok && c.Name != sidecarContainer {
			if e.agent != nil {
				t.Fatalf("%s: two CloudWatch agent containers, %s and %s", file, e.agent.container, c.Name)
			}
			e.agent = readCloudWatchAgent(t, file, c.Name, env)
			// What it scrapes in its own task is the worker's REST listener.
			for _, j := range e.agent.jobs {
				for _, target := range j.targets() {
					if host, port, err := net.SplitHostPort(target); err == nil && isLoopback(host) {
						n, _ := strconv.Atoi(port)
						u.port(n, c.Name+" scrape target "+target)
						u.path(j.metricsPath(), c.Name+" scrape job "+j.JobName)
					}
				}
			}
		}
		if c.Name != sidecarContainer {
			continue
		}
		found = true
		if c.Essential == nil || !*c.Essential {
			t.Errorf("%s: %s must be essential, so a failed worker replaces the task", file, sidecarContainer)
		}
		for _, p := range c.PortMappings {
			u.port(p.ContainerPort, "portMappings")
		}
		for _, v := range c.Environment {
			u.setEnv(v.Name, v.Value, "environment")
		}
		for _, s := range c.Secrets {
			if s.ValueFrom == "" {
				t.Errorf("%s: secret %s has no valueFrom", file, s.Name)
			}
			u.setSecretEnv(s.Name, sampleSecret, "secrets", s.ValueFrom)
		}
		if c.HealthCheck == nil || len(c.HealthCheck.Command) < 2 || c.HealthCheck.Command[0] != "CMD" {
			t.Fatalf("%s: %s needs a healthCheck [\"CMD\", ...]: ECS ignores the image's HEALTHCHECK", file, sidecarContainer)
		}
		e.healthCheck = c.HealthCheck.Command
		u.commands = append(u.commands, c.HealthCheck.Command[1:])
		u.stopWindow = 30 * time.Second // ECS's default
		if c.StopTimeout != nil {
			u.stopWindow = time.Duration(*c.StopTimeout) * time.Second
		}
	}
	if !found {
		t.Fatalf("%s: no container named %s", file, sidecarContainer)
	}
	return u, e
}

// cloudWatchAgent is the CloudWatch agent container of an ECS task: what
// it scrapes (its Prometheus configuration) and what it publishes to
// CloudWatch as EMF (logs.metrics_collected.prometheus of its own).
type cloudWatchAgent struct {
	container    string
	namespace    string // emf_processor.metric_namespace
	declarations []emfDeclaration
	jobs         []scrapeJob
}

// emfDeclaration is one emf_processor.metric_declaration: the metrics it
// selects by name and by labels, and the dimension sets they get.
type emfDeclaration struct {
	SourceLabels    []string   `json:"source_labels"`
	LabelMatcher    string     `json:"label_matcher"`
	LabelSeparator  string     `json:"label_separator"`
	MetricSelectors []string   `json:"metric_selectors"`
	Dimensions      [][]string `json:"dimensions"`
}

// selects reports whether d publishes metric from a series with labels.
func (d emfDeclaration) selects(metric string, labels map[string]string) bool {
	named := slices.ContainsFunc(d.MetricSelectors, func(sel string) bool {
		re, err := regexp.Compile(sel)
		return err == nil && re.MatchString(metric)
	})
	if !named || len(d.SourceLabels) == 0 { // the agent skips a declaration without source_labels
		return false
	}
	var values []string
	for _, l := range d.SourceLabels {
		values = append(values, labels[l])
	}
	re, err := regexp.Compile(cmp.Or(d.LabelMatcher, ".*"))
	return err == nil && re.MatchString(strings.Join(values, cmp.Or(d.LabelSeparator, ";")))
}

// scrapeJob is one of Prometheus's scrape_configs, with static targets.
type scrapeJob struct {
	JobName       string `json:"job_name"`
	MetricsPath   string `json:"metrics_path"`
	StaticConfigs []struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	} `json:"static_configs"`
	MetricRelabelConfigs []struct {
		SourceLabels []string `json:"source_labels"`
		Regex        string   `json:"regex"`
		Action       string   `json:"action"`
	} `json:"metric_relabel_configs"`
}

func (j scrapeJob) metricsPath() string { return cmp.Or(j.MetricsPath, "/metrics") }

func (j scrapeJob) targets() []string {
	var out []string
	for _, sc := range j.StaticConfigs {
		out = append(out, sc.Targets...)
	}
	return out
}

// keeps reports whether the job's metric_relabel_configs keep the series
// named metric (Prometheus anchors their regexes).
func (j scrapeJob) keeps(metric string) bool {
	for _, rc := range j.MetricRelabelConfigs {
		if !slices.Equal(rc.SourceLabels, []string{"__name__"}) {
			continue
		}
		re, err := regexp.Compile("^(?:" + cmp.Or(rc.Regex, "(.*)") + ")$")
		if err != nil {
			return false
		}
		switch strings.ToLower(rc.Action) {
		case "keep":
			if !re.MatchString(metric) {
				return false
			}
		case "drop":
			if re.MatchString(metric) {
				return false
			}
		}
	}
	return true
}

func isLoopback(host string) bool {
	return host == "localhost" || net.ParseIP(host).IsLoopback()
}

// readCloudWatchAgent reads the agent's configuration from its container's
// environment: CW_CONFIG_CONTENT, and the Prometheus configuration where
// prometheus_config_path points ("env:NAME", a variable of the container).
func readCloudWatchAgent(t *testing.T, file, container string, env map[string]string) *cloudWatchAgent {
	t.Helper()
	var cw struct {
		Logs struct {
			MetricsCollected struct {
				Prometheus *struct {
					PrometheusConfigPath string `json:"prometheus_config_path"`
					EMFProcessor         struct {
						MetricNamespace   string           `json:"metric_namespace"`
						MetricDeclaration []emfDeclaration `json:"metric_declaration"`
					} `json:"emf_processor"`
				} `json:"prometheus"`
			} `json:"metrics_collected"`
		} `json:"logs"`
	}
	if err := json.Unmarshal([]byte(env["CW_CONFIG_CONTENT"]), &cw); err != nil {
		t.Fatalf("%s: %s: CW_CONFIG_CONTENT: %v", file, container, err)
	}
	p := cw.Logs.MetricsCollected.Prometheus
	if p == nil {
		t.Fatalf("%s: %s: CW_CONFIG_CONTENT has no logs.metrics_collected.prometheus", file, container)
	}
	name, ok := strings.CutPrefix(p.PrometheusConfigPath, "env:")
	if !ok {
		t.Fatalf("%s: %s: prometheus_config_path %q; the example passes the scrape configuration in a variable, env:NAME", file, container, p.PrometheusConfigPath)
	}
	var prom struct {
		ScrapeConfigs []scrapeJob `json:"scrape_configs"`
	}
	if err := yaml.Unmarshal([]byte(env[name]), &prom); err != nil {
		t.Fatalf("%s: %s: %s: %v", file, container, name, err)
	}
	return &cloudWatchAgent{
		container:    container,
		namespace:    p.EMFProcessor.MetricNamespace,
		declarations: p.EMFProcessor.MetricDeclaration,
		jobs:         prom.ScrapeConfigs,
	}
}

// ecsScaling is the input of Application Auto Scaling's
// register-scalable-target and put-scaling-policy (--cli-input-json).
type ecsScaling struct {
	targetFile, policyFile string
	target                 struct {
		ServiceNamespace  string `json:"ServiceNamespace"`
		ResourceID        string `json:"ResourceId"`
		ScalableDimension string `json:"ScalableDimension"`
		MinCapacity       *int   `json:"MinCapacity"`
		MaxCapacity       *int   `json:"MaxCapacity"`
	}
	policy struct {
		PolicyName                               string `json:"PolicyName"`
		ServiceNamespace                         string `json:"ServiceNamespace"`
		ResourceID                               string `json:"ResourceId"`
		ScalableDimension                        string `json:"ScalableDimension"`
		PolicyType                               string `json:"PolicyType"`
		TargetTrackingScalingPolicyConfiguration *struct {
			TargetValue                   float64 `json:"TargetValue"`
			CustomizedMetricSpecification *struct {
				Metrics []metricDataQuery `json:"Metrics"`
			} `json:"CustomizedMetricSpecification"`
			ScaleOutCooldown *int  `json:"ScaleOutCooldown"`
			ScaleInCooldown  *int  `json:"ScaleInCooldown"`
			DisableScaleIn   *bool `json:"DisableScaleIn"`
		} `json:"TargetTrackingScalingPolicyConfiguration"`
	}
}

// metricDataQuery is a TargetTrackingMetricDataQuery: a metric or a math
// expression over others.
type metricDataQuery struct {
	ID         string `json:"Id"`
	Label      string `json:"Label"`
	Expression string `json:"Expression"`
	ReturnData *bool  `json:"ReturnData"`
	MetricStat *struct {
		Metric struct {
			Namespace  string `json:"Namespace"`
			MetricName string `json:"MetricName"`
			Dimensions []struct {
				Name  string `json:"Name"`
				Value string `json:"Value"`
			} `json:"Dimensions"`
		} `json:"Metric"`
		Stat string `json:"Stat"`
	} `json:"MetricStat"`
}

func (q metricDataQuery) dimensions() map[string]string {
	out := map[string]string{}
	if q.MetricStat != nil {
		for _, d := range q.MetricStat.Metric.Dimensions {
			out[d.Name] = d.Value
		}
	}
	return out
}

func (q metricDataQuery) metric() string {
	if q.MetricStat == nil {
		return "(no MetricStat)"
	}
	return q.MetricStat.Metric.Namespace + " " + q.MetricStat.Metric.MetricName
}

// ecsScalingUse reads scalable-target.json and scaling-policy.json in dir.
// A key the API does not have fails, as it fails the AWS CLI.
func ecsScalingUse(t *testing.T, dir string) ecsScaling {
	t.Helper()
	s := ecsScaling{targetFile: filepath.Join(dir, "scalable-target.json"), policyFile: filepath.Join(dir, "scaling-policy.json")}
	for file, into := range map[string]any{s.targetFile: &s.target, s.policyFile: &s.policy} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(into); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	return s
}

// desiredWorkersMetric is the workers' scaling signal, the same figure on
// every worker.
const desiredWorkersMetric = "connect_sidecar_desired_workers"

var (
	ecsService   = regexp.MustCompile(`^service/([^/]+)/([^/]+)$`)
	metricsRatio = regexp.MustCompile(`^\s*([a-z]\w*)\s*/\s*([a-z]\w*)\s*$`)
)

// checkECSScaling checks the chain that scales the ECS service: the agent
// scrapes the worker of its own task and publishes desired workers to
// CloudWatch; the policy tracks that figure per desired task at 1 for the
// service the scalable target names, up to the task count.
func checkECSScaling(f facts, r *report, u use, e ecsFacts, s ecsScaling, loaded config.Loaded, tasksMax int) {
	tg := s.target
	m := ecsService.FindStringSubmatch(tg.ResourceID)
	if tg.ServiceNamespace != "ecs" || tg.ScalableDimension != "ecs:service:DesiredCount" || m == nil {
		r.fail("%s: ServiceNamespace %q, ScalableDimension %q, ResourceId %q; want ecs, ecs:service:DesiredCount and service/CLUSTER/SERVICE", s.targetFile, tg.ServiceNamespace, tg.ScalableDimension, tg.ResourceID)
		return
	}
	cluster, service := m[1], m[2]
	if tg.MinCapacity == nil || *tg.MinCapacity < 1 {
		r.fail("%s: MinCapacity is unset or 0, want at least 1: with no task left, no worker reports the lag", s.targetFile)
	}
	most := tasksMax
	switch mx := tg.MaxCapacity; {
	case mx == nil:
		r.fail("%s: MaxCapacity is unset, want the declared connectors' tasks.max %d, as many workers as can get a task", s.targetFile, tasksMax)
	case *mx != tasksMax:
		most = *mx
		r.fail("%s: MaxCapacity %d, want the declared connectors' tasks.max %d, as many workers as can get a task", s.targetFile, most, tasksMax)
	}
	if most > 1 && !bool(loaded.Sidecar.Peerless) {
		r.fail("%s: up to %d tasks without SIDECAR_PEERLESS=true: workers would call each other on port 8083, which the example opens between tasks by no security-group rule or Cloud Map", u.file, most)
	}

	// The agent, and the dimension sets it publishes the metric with.
	a := e.agent
	if a == nil {
		r.fail("%s: no CloudWatch agent container (one with PROMETHEUS_CONFIG_CONTENT) publishes %s", u.file, desiredWorkersMetric)
		return
	}
	if e.taskRole == "" {
		r.fail("%s: no taskRoleArn: the CloudWatch agent writes its EMF log group with the task role", u.file)
	}
	checkMetric(f, r, u.file, desiredWorkersMetric, a.container)
	var published []map[string]string
	scraped := false
	for _, j := range a.jobs {
		for _, sc := range j.StaticConfigs {
			for _, target := range sc.Targets {
				if host, _, err := net.SplitHostPort(target); err != nil || !isLoopback(host) {
					r.fail("%s: %s scrapes %s; the worker of its own task is at 127.0.0.1 (awsvpc: the task's containers share localhost)", u.file, a.container, target)
					continue
				}
				if !j.keeps(desiredWorkersMetric) {
					r.fail("%s: %s job %s: metric_relabel_configs drop %s", u.file, a.container, j.JobName, desiredWorkersMetric)
					continue
				}
				scraped = true
				// The series' labels: Prometheus's, the agent's metric type
				// and, on ECS, the cluster's name; then the job's own.
				labels := map[string]string{"job": j.JobName, "instance": target, "prom_metric_type": "gauge", "ClusterName": cluster}
				maps.Copy(labels, sc.Labels)
				for _, d := range a.declarations {
					if !d.selects(desiredWorkersMetric, labels) {
						continue
					}
					for _, set := range d.Dimensions {
						dims := map[string]string{}
						for _, name := range set {
							if v, ok := labels[name]; ok {
								dims[name] = v
							}
						}
						if len(dims) == len(set) { // the agent drops a set a label is missing from
							published = append(published, dims)
						}
					}
				}
			}
		}
	}
	if !scraped {
		r.fail("%s: %s scrapes no worker in its own task for %s", u.file, a.container, desiredWorkersMetric)
	} else if len(published) == 0 {
		r.fail("%s: no metric_declaration of %s selects %s (metric_selectors, source_labels and label_matcher) with a dimension set the series has", u.file, a.container, desiredWorkersMetric)
	}

	// The policy.
	p := s.policy
	if p.ServiceNamespace != tg.ServiceNamespace || p.ResourceID != tg.ResourceID || p.ScalableDimension != tg.ScalableDimension {
		r.fail("%s: the policy is for %s %s %s, not the scalable target's %s %s %s", s.policyFile, p.ServiceNamespace, p.ResourceID, p.ScalableDimension, tg.ServiceNamespace, tg.ResourceID, tg.ScalableDimension)
	}
	tt := p.TargetTrackingScalingPolicyConfiguration
	if p.PolicyType != "TargetTrackingScaling" || tt == nil || tt.CustomizedMetricSpecification == nil {
		r.fail("%s: PolicyType %q, want TargetTrackingScaling with a CustomizedMetricSpecification", s.policyFile, p.PolicyType)
		return
	}
	if tt.TargetValue != 1 {
		r.fail("%s: TargetValue %v, want 1: target tracking sets the desired count to count x metric / target, and the metric is desired workers per task", s.policyFile, tt.TargetValue)
	}
	queries := map[string]metricDataQuery{}
	var returned []metricDataQuery
	for _, q := range tt.CustomizedMetricSpecification.Metrics {
		queries[q.ID] = q
		if q.ReturnData == nil || *q.ReturnData { // true unless set
			returned = append(returned, q)
		}
	}
	var ratio []string
	if len(returned) == 1 {
		ratio = metricsRatio.FindStringSubmatch(returned[0].Expression)
	}
	if ratio == nil {
		r.fail("%s: want one query with ReturnData true, whose Expression is DESIRED / TASKS", s.policyFile)
		return
	}
	desired, tasks := queries[ratio[1]], queries[ratio[2]]
	switch ms := desired.MetricStat; {
	case ms == nil:
		r.fail("%s: Expression %q: %s is no MetricStat", s.policyFile, returned[0].Expression, ratio[1])
	case ms.Metric.MetricName != desiredWorkersMetric || ms.Metric.Namespace != a.namespace:
		r.fail("%s: Expression %q divides %s; want %s in the namespace the agent publishes to, %q (emf_processor.metric_namespace)", s.policyFile, returned[0].Expression, desired.metric(), desiredWorkersMetric, a.namespace)
	case ms.Stat != "Maximum":
		r.fail("%s: %s Stat %s, want Maximum: every worker reports the whole group's figure, so more tasks must not add up", s.policyFile, desired.ID, ms.Stat)
	case !slices.ContainsFunc(published, func(d map[string]string) bool { return maps.Equal(d, desired.dimensions()) }):
		r.fail("%s: %s dimensions %v are none of the sets the agent publishes %s with, %v", s.policyFile, desired.ID, desired.dimensions(), desiredWorkersMetric, published)
	}
	want := map[string]string{"ClusterName": cluster, "ServiceName": service}
	if ms := tasks.MetricStat; ms == nil || ms.Metric.Namespace != "ECS/ContainerInsights" || ms.Metric.MetricName != "DesiredTaskCount" || !maps.Equal(tasks.dimensions(), want) {
		r.fail("%s: Expression %q divides by %s %v; want ECS/ContainerInsights DesiredTaskCount %v (Container Insights on): target tracking multiplies the service's desired count by the metric, so the metric is per desired task", s.policyFile, returned[0].Expression, tasks.metric(), tasks.dimensions(), want)
	}
}

// ---- Nomad ----

// hclBlock is an HCL body read without a schema: attributes as text,
// nested blocks in order.
type hclBlock struct {
	typ    string
	labels []string
	attrs  map[string]string
	blocks []*hclBlock
}

func (b *hclBlock) all(typ string, labels ...string) []*hclBlock {
	var out []*hclBlock
	for _, c := range b.blocks {
		if c.typ == typ && (len(labels) == 0 || strings.Join(c.labels, "\x00") == strings.Join(labels, "\x00")) {
			out = append(out, c)
		}
	}
	return out
}

// one returns the single nested block of typ (and labels), failing otherwise.
func (b *hclBlock) one(t *testing.T, typ string, labels ...string) *hclBlock {
	t.Helper()
	bs := b.all(typ, labels...)
	if len(bs) != 1 {
		t.Fatalf("%s %q: want one %s block %q, found %d", b.typ, b.labels, typ, labels, len(bs))
	}
	return bs[0]
}

func parseHCL(t *testing.T, file string) *hclBlock {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclparse.NewParser().ParseHCL(src, file)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", file, diags)
	}
	return walkHCL(src, "", nil, f.Body.(*hclsyntax.Body))
}

func walkHCL(src []byte, typ string, labels []string, body *hclsyntax.Body) *hclBlock {
	b := &hclBlock{typ: typ, labels: labels, attrs: map[string]string{}}
	for name, a := range body.Attributes {
		b.attrs[name] = exprText(src, a.Expr)
	}
	for _, blk := range body.Blocks {
		b.blocks = append(b.blocks, walkHCL(src, blk.Type, blk.Labels, blk.Body))
	}
	return b
}

// exprText is a constant expression's value as text, or the source of one
// that needs run-time values (Nomad's "${NOMAD_...}"), without its quotes.
func exprText(src []byte, e hclsyntax.Expression) string {
	v, diags := e.Value(&hcl.EvalContext{})
	if !diags.HasErrors() && v.IsKnown() && !v.IsNull() {
		switch v.Type() {
		case cty.String:
			return v.AsString()
		case cty.Number:
			return v.AsBigFloat().Text('f', -1)
		case cty.Bool:
			return strconv.FormatBool(v.True())
		}
	}
	r := e.Range()
	return strings.Trim(string(src[r.Start.Byte:r.End.Byte]), `"`)
}

type nomadFacts struct {
	hook, sidecar    string
	checks           map[string]string // probe kind -> path
	restartOn        []string          // paths of checks with check_restart
	strategy, target string
	query            string
}

var nomadRuntime = regexp.MustCompile(`\$\{(NOMAD_HOST_IP|NOMAD_HOST_PORT|NOMAD_IP|NOMAD_PORT|NOMAD_ALLOC_PORT)_([A-Za-z0-9_]+)\}`)

// nomadDirs are the task's directories as a Docker task sees them.
var nomadDirs = strings.NewReplacer("${NOMAD_SECRETS_DIR}", "/secrets", "${NOMAD_TASK_DIR}", "/local", "${NOMAD_ALLOC_DIR}", "/alloc")

// nomadSecret finds the secret store a template reads: a Nomad Variable
// (nomadVar) or Vault (secret).
var nomadSecret = regexp.MustCompile(`\b(nomadVar|secret)\s+"([^"]+)"`)

func nomadSecretFrom(tpl string) string {
	m := nomadSecret.FindStringSubmatch(tpl)
	switch {
	case m == nil:
		return ""
	case m[1] == "nomadVar":
		return "Nomad Variable " + m[2]
	}
	return "Vault secret " + m[2]
}

func nomadUse(t *testing.T, file string) (use, nomadFacts) {
	t.Helper()
	root := parseHCL(t, file)
	group := root.one(t, "job").one(t, "group")
	task := group.one(t, "task", sidecarContainer)
	u := use{file: file, stopWindow: 5 * time.Second} // Nomad's default kill_timeout
	n := nomadFacts{checks: map[string]string{}}

	lc := task.one(t, "lifecycle")
	n.hook, n.sidecar = lc.attrs["hook"], lc.attrs["sidecar"]
	if kt, ok := task.attrs["kill_timeout"]; ok {
		d, err := time.ParseDuration(kt)
		if err != nil {
			t.Errorf("%s: kill_timeout %q: %v", file, kt, err)
		}
		u.stopWindow = d
	}

	// Ports: the service's label, mapped in the group's network.
	ports := map[string]string{}
	for _, p := range group.one(t, "network").all("port") {
		ports[p.labels[0]] = p.attrs["to"]
	}
	svc := task.one(t, "service")
	to, err := strconv.Atoi(ports[svc.attrs["port"]])
	if err != nil {
		t.Errorf("%s: service port %q is not mapped to a container port in the group network", file, svc.attrs["port"])
	}
	u.port(to, "service port "+svc.attrs["port"])
	for _, m := range svc.all("meta") {
		if p, ok := m.attrs["metrics_path"]; ok {
			u.path(p, "service meta metrics_path")
		}
	}
	for _, c := range svc.all("check") {
		if c.attrs["type"] != "http" {
			t.Errorf("%s: check %q is %q, want http", file, c.attrs["name"], c.attrs["type"])
			continue
		}
		path := c.attrs["path"]
		u.path(path, "check "+c.attrs["name"])
		kind := "readiness"
		if len(c.all("check_restart")) > 0 {
			kind = "liveness"
			n.restartOn = append(n.restartOn, path)
		}
		if prev, dup := n.checks[kind]; dup {
			t.Errorf("%s: two %s checks (%s and %s)", file, kind, prev, path)
		}
		n.checks[kind] = path
	}

	// Environment: the env block, then templates rendered into it.
	env := task.one(t, "env")
	for _, name := range sortedKeys(env.attrs) {
		value := nomadRuntime.ReplaceAllStringFunc(env.attrs[name], func(ref string) string {
			m := nomadRuntime.FindStringSubmatch(ref)
			if _, ok := ports[m[2]]; !ok {
				t.Errorf("%s: %s uses %s, but the group network has no port %q", file, name, ref, m[2])
			}
			if strings.Contains(m[1], "PORT") {
				return "28083"
			}
			return samplePodIP
		})
		value = nomadDirs.Replace(value)
		if strings.Contains(value, "${") {
			t.Errorf("%s: %s = %q uses a run-time value this test does not know", file, name, value)
		}
		u.setEnv(name, value, "env")
	}
	// Templates: rendered into the environment, or into a file (a relative
	// destination is in the task directory). What they read from a secret
	// store is a sample here; the rest is the example's own text.
	for _, tpl := range task.all("template") {
		data, dest := tpl.attrs["data"], tpl.attrs["destination"]
		if tpl.attrs["env"] != "true" {
			content, from := data, nomadSecretFrom(data)
			if from != "" {
				content = sampleSecret
			}
			u.mount(path.Join("/", nomadDirs.Replace(dest)), content, from)
			continue
		}
		for line := range strings.Lines(data) {
			name, value, ok := strings.Cut(strings.TrimSpace(line), "=")
			if !ok {
				continue
			}
			from := nomadSecretFrom(value)
			if from != "" || strings.Contains(value, "{{") {
				value = sampleSecret
			}
			u.setSecretEnv(name, value, "template "+dest, from)
		}
	}

	scaling := group.one(t, "scaling")
	check := scaling.one(t, "policy").one(t, "check")
	n.query = check.attrs["query"]
	if strat := check.all("strategy"); len(strat) == 1 {
		n.strategy, n.target = strat[0].labels[0], strat[0].attrs["target"]
	}
	return u, n
}
