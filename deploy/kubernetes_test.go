package deploy

import (
	"errors"
	"fmt"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

const (
	kubernetesDir = "deploy/kubernetes"
	hmsImage      = "ghcr.io/hms-project/hms"
	ingressNS     = "ingress-nginx"
)

// apiTypes maps each apiVersion/kind the manifests may hold to the official type it must decode into.
var apiTypes = map[string]func() any{
	"v1/Namespace":                           func() any { return new(corev1.Namespace) },
	"v1/ConfigMap":                           func() any { return new(corev1.ConfigMap) },
	"v1/Secret":                              func() any { return new(corev1.Secret) },
	"v1/Service":                             func() any { return new(corev1.Service) },
	"v1/PersistentVolumeClaim":               func() any { return new(corev1.PersistentVolumeClaim) },
	"apps/v1/Deployment":                     func() any { return new(appsv1.Deployment) },
	"batch/v1/Job":                           func() any { return new(batchv1.Job) },
	"batch/v1/CronJob":                       func() any { return new(batchv1.CronJob) },
	"networking.k8s.io/v1/Ingress":           func() any { return new(networkingv1.Ingress) },
	"networking.k8s.io/v1/NetworkPolicy":     func() any { return new(networkingv1.NetworkPolicy) },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
	"policy/v1/PodDisruptionBudget":          func() any { return new(policyv1.PodDisruptionBudget) },
	"postgresql.cnpg.io/v1/Cluster":          func() any { return new(Cluster) },
}

// manifests is one kustomization, rendered and decoded into the official API types.
type manifests struct {
	name    string
	objects []any
}

// render builds the kustomization in deploy/kubernetes/dir in memory, as
// `kubectl apply -k` would, with each secrets.env.example standing in for the
// git-ignored secrets.env beside it, and decodes every object strictly.
func render(t *testing.T, dir string) manifests {
	t.Helper()
	mem := filesys.MakeFsInMemory()
	walkRepo(t, kubernetesDir, func(rel string) error {
		name := "/" + rel
		switch path.Base(rel) {
		case "secrets.env":
			return nil
		case "secrets.env.example":
			name = strings.TrimSuffix(name, ".example")
		}
		return mem.WriteFile(name, readRepoFile(t, kubernetesDir+"/"+rel))
	})
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(mem, "/"+dir)
	if err != nil {
		t.Fatalf("kustomize build %s/%s: %v", kubernetesDir, dir, err)
	}
	m := manifests{name: dir}
	for _, r := range resources.Resources() {
		id := r.GetApiVersion() + "/" + r.GetKind()
		newObject, known := apiTypes[id]
		if !known {
			t.Errorf("%s: %s %q is not a kind these manifests are meant to hold", dir, id, r.GetName())
			continue
		}
		data, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		obj := newObject()
		if err := decodeStrict(data, obj); err != nil {
			t.Errorf("%s: %s %q does not match the Kubernetes API: %v", dir, id, r.GetName(), err)
			continue
		}
		m.objects = append(m.objects, obj)
	}
	return m
}

// decodeStrict decodes JSON as the API server does in strict mode: an unknown
// field, a duplicate field or a field in the wrong case is an error.
func decodeStrict(data []byte, obj any) error {
	strictErrs, err := sigsjson.UnmarshalStrict(data, obj)
	if err != nil {
		return err
	}
	return errors.Join(strictErrs...)
}

// ofType returns the rendered objects of type T.
func ofType[T any](m manifests) []*T {
	var found []*T
	for _, o := range m.objects {
		if v, ok := o.(*T); ok {
			found = append(found, v)
		}
	}
	return found
}

// the returns the one rendered object of type T.
func the[T any](t *testing.T, m manifests) *T {
	t.Helper()
	found := ofType[T](m)
	if len(found) != 1 {
		t.Fatalf("%s: want exactly one %T, found %d", m.name, new(T), len(found))
	}
	return found[0]
}

// podTemplate is a pod that some workload starts.
type podTemplate struct {
	owner string
	meta  metav1.ObjectMeta
	spec  corev1.PodSpec
}

func podTemplates(m manifests) []podTemplate {
	var pods []podTemplate
	for _, d := range ofType[appsv1.Deployment](m) {
		pods = append(pods, podTemplate{"Deployment " + d.Name, d.Spec.Template.ObjectMeta, d.Spec.Template.Spec})
	}
	for _, j := range ofType[batchv1.Job](m) {
		pods = append(pods, podTemplate{"Job " + j.Name, j.Spec.Template.ObjectMeta, j.Spec.Template.Spec})
	}
	for _, c := range ofType[batchv1.CronJob](m) {
		tpl := c.Spec.JobTemplate.Spec.Template
		pods = append(pods, podTemplate{"CronJob " + c.Name, tpl.ObjectMeta, tpl.Spec})
	}
	return pods
}

func selects(t *testing.T, sel *metav1.LabelSelector, podLabels map[string]string) bool {
	t.Helper()
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("bad label selector %v: %v", sel, err)
	}
	return !s.Empty() && s.Matches(labels.Set(podLabels))
}

func TestKubernetesManifests(t *testing.T) {
	common := map[string]int{
		"Deployment": 1, "Service": 1, "Ingress": 1, "HorizontalPodAutoscaler": 1,
		"PodDisruptionBudget": 1, "ConfigMap": 1, "Secret": 1, "NetworkPolicy": 1,
		"Job": 1, "CronJob": 2, "PersistentVolumeClaim": 1,
	}
	withNamespace := map[string]int{"Namespace": 1}
	for k, v := range common {
		withNamespace[k] = v
	}
	withDatabase := map[string]int{"Cluster": 1}
	for k, v := range withNamespace {
		withDatabase[k] = v
	}
	renders := []struct {
		dir   string
		kinds map[string]int
	}{
		{"base", common},
		{"overlays/production", withNamespace},
		{"overlays/cloudnativepg", withDatabase},
	}
	checks := []struct {
		name  string
		check func(*testing.T, manifests)
	}{
		{"pods run unprivileged", checkPodSecurity},
		{"deployment", checkDeployment},
		{"service", checkService},
		{"ingress", checkIngress},
		{"autoscaler", checkAutoscaler},
		{"disruption budget", checkDisruptionBudget},
		{"network policy", checkNetworkPolicy},
		{"migration job", checkMigrationJob},
		{"backup cronjob", checkBackupCronJob},
		{"restore cronjob", checkRestoreCronJob},
		{"database connections", checkConnectionBudget},
		{"config and secrets", checkConfigAndSecrets},
		{"references resolve", checkReferences},
	}
	for _, r := range renders {
		t.Run(r.dir, func(t *testing.T) {
			m := render(t, r.dir)
			if t.Failed() {
				t.FailNow()
			}
			t.Run("kinds", func(t *testing.T) { checkKinds(t, m, r.kinds) })
			for _, c := range checks {
				t.Run(c.name, func(t *testing.T) { c.check(t, m) })
			}
		})
	}
}

// The decoder the manifests are checked with must itself refuse a misspelt field.
func TestStrictDecodingRejectsTypos(t *testing.T) {
	typos := []struct {
		doc string
		obj any
	}{
		{`{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replica":2}}`, new(appsv1.Deployment)},
		{`{"apiVersion":"apps/v1","kind":"Deployment","spec":{"Replicas":2}}`, new(appsv1.Deployment)},
		{`{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":2,"replicas":3}}`, new(appsv1.Deployment)},
		{`{"apiVersion":"v1","kind":"Service","spec":{"type":"ClusterIP","port":80}}`, new(corev1.Service)},
	}
	for _, typo := range typos {
		if err := decodeStrict([]byte(typo.doc), typo.obj); err == nil {
			t.Errorf("decodeStrict accepted %s", typo.doc)
		}
	}
}

func checkKinds(t *testing.T, m manifests, want map[string]int) {
	got := map[string]int{}
	for _, o := range m.objects {
		got[reflect.TypeOf(o).Elem().Name()]++
	}
	for kind, n := range want {
		if got[kind] != n {
			t.Errorf("%d %s, want %d", got[kind], kind, n)
		}
	}
	for kind, n := range got {
		if _, ok := want[kind]; !ok {
			t.Errorf("%d unexpected %s", n, kind)
		}
	}
}

func checkPodSecurity(t *testing.T, m manifests) {
	pods := podTemplates(m)
	if len(pods) != 4 {
		t.Fatalf("%d pod templates, want 4 (server, migration, backup, restore)", len(pods))
	}
	for _, p := range pods {
		s := p.spec
		if s.AutomountServiceAccountToken == nil || *s.AutomountServiceAccountToken {
			t.Errorf("%s: automountServiceAccountToken must be false", p.owner)
		}
		if s.HostNetwork || s.HostPID || s.HostIPC {
			t.Errorf("%s: uses a host namespace", p.owner)
		}
		psc := s.SecurityContext
		if psc == nil {
			t.Errorf("%s: no pod securityContext", p.owner)
			continue
		}
		if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			t.Errorf("%s: runAsNonRoot must be true", p.owner)
		}
		if psc.RunAsUser == nil || *psc.RunAsUser == 0 {
			t.Errorf("%s: runAsUser must name a non-root uid", p.owner)
		}
		if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: seccompProfile must be RuntimeDefault", p.owner)
		}
		volumes := map[string]corev1.Volume{}
		for _, v := range s.Volumes {
			volumes[v.Name] = v
		}
		for _, c := range append(slices.Clone(s.InitContainers), s.Containers...) {
			where := p.owner + " container " + c.Name
			sc := c.SecurityContext
			if sc == nil {
				t.Errorf("%s: no securityContext", where)
				continue
			}
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: allowPrivilegeEscalation must be false", where)
			}
			if sc.Privileged != nil && *sc.Privileged {
				t.Errorf("%s: privileged", where)
			}
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s: readOnlyRootFilesystem must be true", where)
			}
			if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
				t.Errorf("%s: capabilities must drop ALL and add none", where)
			}
			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, lim := c.Resources.Requests[res], c.Resources.Limits[res]
				if req.IsZero() || lim.IsZero() {
					t.Errorf("%s: %s needs both a request and a limit", where, res)
				} else if req.Cmp(lim) > 0 {
					t.Errorf("%s: %s request %s is above its limit %s", where, res, req.String(), lim.String())
				}
			}
			for _, vm := range c.VolumeMounts {
				if _, ok := volumes[vm.Name]; !ok {
					t.Errorf("%s: mounts %q, which is not a volume of the pod", where, vm.Name)
				}
			}
		}
	}
}

// serverPod is the Deployment's pod template and its one container.
func serverPod(t *testing.T, m manifests) (*appsv1.Deployment, corev1.Container) {
	t.Helper()
	d := the[appsv1.Deployment](t, m)
	if n := len(d.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("Deployment %s has %d containers, want 1", d.Name, n)
	}
	return d, d.Spec.Template.Spec.Containers[0]
}

func containerPort(c corev1.Container, port intstr.IntOrString) (corev1.ContainerPort, bool) {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return p, true
		}
	}
	return corev1.ContainerPort{}, false
}

func envValue(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// configValue is a setting of the rendered hms-config ConfigMap.
func configValue(t *testing.T, m manifests, key string) string {
	t.Helper()
	v, ok := the[corev1.ConfigMap](t, m).Data[key]
	if !ok {
		t.Fatalf("the ConfigMap does not set %s", key)
	}
	return v
}

func checkDeployment(t *testing.T, m manifests) {
	d, c := serverPod(t, m)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas %v, want 2", d.Spec.Replicas)
	}
	if !selects(t, d.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("selector %v does not select the pod template's labels %v", d.Spec.Selector, d.Spec.Template.Labels)
	}
	if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("a rolling update must keep every serving pod until its replacement is ready (maxUnavailable: 0)")
	}
	if !strings.HasPrefix(c.Image, hmsImage) {
		t.Errorf("image %q, want %s", c.Image, hmsImage)
	}
	if !slices.Equal(c.Args, []string{"serve"}) {
		t.Errorf("args %q, want [serve]", c.Args)
	}
	if v, ok := envValue(c, "HMS_MIGRATE"); !ok || v != "false" {
		t.Errorf("HMS_MIGRATE=%q, want false: migrations belong to the Job", v)
	}
	probes := []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{
		{"liveness", c.LivenessProbe, "/health"},
		{"readiness", c.ReadinessProbe, "/ready"},
	}
	for _, p := range probes {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s probe path %q, want %q", p.name, p.probe.HTTPGet.Path, p.path)
		}
		if port, ok := containerPort(c, p.probe.HTTPGet.Port); !ok || port.ContainerPort != 8080 {
			t.Errorf("%s probe port %s is not the HTTP port 8080", p.name, p.probe.HTTPGet.Port.String())
		}
	}
	scratch := map[string]bool{}
	for _, v := range d.Spec.Template.Spec.Volumes {
		scratch[v.Name] = v.EmptyDir != nil
	}
	mounted := map[string]bool{}
	for _, vm := range c.VolumeMounts {
		if scratch[vm.Name] {
			mounted[vm.MountPath] = true
		}
	}
	for _, dir := range []string{"/tmp", configValue(t, m, "HMS_DATA_DIR")} {
		if !mounted[dir] {
			t.Errorf("%s is not an emptyDir mount, and the root filesystem is read-only", dir)
		}
	}
	shutdown, err := time.ParseDuration(configValue(t, m, "HMS_SHUTDOWN_TIMEOUT"))
	if err != nil {
		t.Fatal(err)
	}
	if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= shutdown {
		t.Errorf("terminationGracePeriodSeconds must exceed HMS_SHUTDOWN_TIMEOUT (%s)", shutdown)
	}
}

func checkService(t *testing.T, m manifests) {
	s := the[corev1.Service](t, m)
	d, c := serverPod(t, m)
	if s.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("type %q, want ClusterIP", s.Spec.Type)
	}
	sel := &metav1.LabelSelector{MatchLabels: s.Spec.Selector}
	for _, p := range podTemplates(m) {
		if want := p.owner == "Deployment "+d.Name; selects(t, sel, p.meta.Labels) != want {
			t.Errorf("selector %v: selects %s = %v, want %v", s.Spec.Selector, p.owner, !want, want)
		}
	}
	for _, p := range s.Spec.Ports {
		if port, ok := containerPort(c, p.TargetPort); !ok || port.ContainerPort != 8080 {
			t.Errorf("port %q targets %s, not the HTTP port 8080", p.Name, p.TargetPort.String())
		}
	}
}

func checkIngress(t *testing.T, m manifests) {
	ing := the[networkingv1.Ingress](t, m)
	svc := the[corev1.Service](t, m)
	if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("ingressClassName must be nginx")
	}
	for _, a := range []string{"nginx.ingress.kubernetes.io/ssl-redirect", "nginx.ingress.kubernetes.io/force-ssl-redirect"} {
		if ing.Annotations[a] != "true" {
			t.Errorf("annotation %s=%q, want \"true\"", a, ing.Annotations[a])
		}
	}
	tlsHosts := map[string]bool{}
	for _, tls := range ing.Spec.TLS {
		if tls.SecretName == "" {
			t.Errorf("TLS entry %v names no certificate Secret", tls.Hosts)
		}
		for _, h := range tls.Hosts {
			tlsHosts[h] = true
		}
	}
	if len(ing.Spec.Rules) == 0 {
		t.Fatal("no rules")
	}
	for _, rule := range ing.Spec.Rules {
		if !tlsHosts[rule.Host] {
			t.Errorf("host %q is served without TLS", rule.Host)
		}
		if rule.HTTP == nil {
			t.Errorf("host %q has no paths", rule.Host)
			continue
		}
		for _, p := range rule.HTTP.Paths {
			b := p.Backend.Service
			if b == nil || b.Name != svc.Name || !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool {
				return sp.Name == b.Port.Name && (b.Port.Name != "" || sp.Port == b.Port.Number)
			}) {
				t.Errorf("path %q does not lead to a port of Service %s", p.Path, svc.Name)
			}
		}
	}
}

func checkAutoscaler(t *testing.T, m manifests) {
	h := the[autoscalingv2.HorizontalPodAutoscaler](t, m)
	d := the[appsv1.Deployment](t, m)
	if r := h.Spec.ScaleTargetRef; r.APIVersion != "apps/v1" || r.Kind != "Deployment" || r.Name != d.Name {
		t.Errorf("scales %v, want Deployment %s", r, d.Name)
	}
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas != 2 || h.Spec.MaxReplicas != 10 {
		t.Errorf("replicas %v-%d, want 2-10", h.Spec.MinReplicas, h.Spec.MaxReplicas)
	}
	if len(h.Spec.Metrics) != 1 {
		t.Fatalf("%d metrics, want CPU only", len(h.Spec.Metrics))
	}
	r := h.Spec.Metrics[0].Resource
	if r == nil || r.Name != corev1.ResourceCPU || r.Target.Type != autoscalingv2.UtilizationMetricType ||
		r.Target.AverageUtilization == nil || *r.Target.AverageUtilization != 70 {
		t.Errorf("metric %+v, want CPU at 70%% average utilization", h.Spec.Metrics[0])
	}
	down := (*autoscalingv2.HPAScalingRules)(nil)
	if h.Spec.Behavior != nil {
		down = h.Spec.Behavior.ScaleDown
	}
	if down == nil || down.StabilizationWindowSeconds == nil || *down.StabilizationWindowSeconds < 300 || len(down.Policies) == 0 {
		t.Fatalf("scale-down must be slow: a stabilization window of 5 minutes or more and a rate policy")
	}
	for _, p := range down.Policies {
		if p.Type == autoscalingv2.PodsScalingPolicy && p.Value > 1 || p.Type == autoscalingv2.PercentScalingPolicy && p.Value > 25 {
			t.Errorf("scale-down policy %+v removes more than one pod (or 25%%) per period", p)
		}
	}
}

func checkDisruptionBudget(t *testing.T, m manifests) {
	pdb := the[policyv1.PodDisruptionBudget](t, m)
	d := the[appsv1.Deployment](t, m)
	if pdb.Spec.MinAvailable == nil && pdb.Spec.MaxUnavailable == nil {
		t.Error("sets neither minAvailable nor maxUnavailable")
	}
	for _, p := range podTemplates(m) {
		if want := p.owner == "Deployment "+d.Name; selects(t, pdb.Spec.Selector, p.meta.Labels) != want {
			t.Errorf("selects %s = %v, want %v", p.owner, !want, want)
		}
	}
}

func checkNetworkPolicy(t *testing.T, m manifests) {
	np := the[networkingv1.NetworkPolicy](t, m)
	for _, p := range podTemplates(m) {
		if !selects(t, &np.Spec.PodSelector, p.meta.Labels) {
			t.Errorf("does not apply to %s", p.owner)
		}
	}
	if !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) || !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
		t.Errorf("policyTypes %v must hold both Ingress and Egress", np.Spec.PolicyTypes)
	}
	if len(np.Spec.Ingress) == 0 {
		t.Error("no ingress rule: the ingress controller could not reach the pods")
	}
	for _, rule := range np.Spec.Ingress {
		if len(rule.From) == 0 {
			t.Error("an ingress rule without `from` admits every source")
		}
		for _, peer := range rule.From {
			ns := peer.NamespaceSelector
			if peer.IPBlock != nil || ns == nil || len(ns.MatchExpressions) > 0 ||
				len(ns.MatchLabels) != 1 || ns.MatchLabels["kubernetes.io/metadata.name"] != ingressNS {
				t.Errorf("ingress from %+v: only the %s namespace may connect", peer, ingressNS)
			}
		}
		if got := allowedPorts(rule.Ports); !slices.Equal(got, []string{"TCP/8080"}) {
			t.Errorf("ingress ports %v, want only TCP/8080", got)
		}
	}
	var egress []string
	for _, rule := range np.Spec.Egress {
		if len(rule.Ports) == 0 {
			t.Errorf("an egress rule without ports (to %+v) allows every port", rule.To)
		}
		egress = append(egress, allowedPorts(rule.Ports)...)
	}
	slices.Sort(egress)
	if want := []string{"TCP/443", "TCP/465", "TCP/53", "TCP/5432", "TCP/587", "UDP/53"}; !slices.Equal(egress, want) {
		t.Errorf("egress ports %v, want %v (PostgreSQL, DNS, SMTP and the SMS gateway's HTTPS only)", egress, want)
	}
}

func allowedPorts(ports []networkingv1.NetworkPolicyPort) []string {
	var out []string
	for _, p := range ports {
		proto := corev1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		port := "any"
		if p.Port != nil {
			port = p.Port.String()
		}
		if p.EndPort != nil {
			port += fmt.Sprintf("-%d", *p.EndPort)
		}
		out = append(out, string(proto)+"/"+port)
	}
	slices.Sort(out)
	return out
}

func checkMigrationJob(t *testing.T, m manifests) {
	j := the[batchv1.Job](t, m)
	_, server := serverPod(t, m)
	spec := j.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]
	if c.Image != server.Image {
		t.Errorf("image %q, want the server's %q", c.Image, server.Image)
	}
	if len(c.Command) > 0 || !slices.Equal(c.Args, []string{"migrate", "up"}) {
		t.Errorf("runs %q %q, want `hms migrate up`", c.Command, c.Args)
	}
	if !reflect.DeepEqual(c.EnvFrom, server.EnvFrom) {
		t.Errorf("envFrom %v differs from the server's %v", c.EnvFrom, server.EnvFrom)
	}
	if spec.RestartPolicy != corev1.RestartPolicyNever && spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Errorf("restartPolicy %q", spec.RestartPolicy)
	}
	if j.Spec.BackoffLimit == nil || j.Spec.ActiveDeadlineSeconds == nil {
		t.Error("needs a backoffLimit and an activeDeadlineSeconds, so a failing migration stops")
	}
}

// cronJob returns the rendered CronJob of that name.
func cronJob(t *testing.T, m manifests, name string) *batchv1.CronJob {
	t.Helper()
	for _, c := range ofType[batchv1.CronJob](m) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("%s: no CronJob %s", m.name, name)
	return nil
}

// backupsClaim returns the claim mounted on /backups in a CronJob's pod, and whether the mount is writable.
func backupsClaim(cj *batchv1.CronJob) (claim string, writable bool) {
	spec := cj.Spec.JobTemplate.Spec.Template.Spec
	for _, v := range spec.Volumes {
		for _, c := range spec.Containers {
			for _, vm := range c.VolumeMounts {
				if vm.Name == v.Name && vm.MountPath == "/backups" && v.PersistentVolumeClaim != nil {
					return v.PersistentVolumeClaim.ClaimName, !vm.ReadOnly && !v.PersistentVolumeClaim.ReadOnly
				}
			}
		}
	}
	return "", false
}

func script(c corev1.Container) string {
	return strings.Join(append(slices.Clone(c.Command), c.Args...), " ")
}

func checkBackupCronJob(t *testing.T, m manifests) {
	cj := cronJob(t, m, "hms-backup")
	fields := strings.Fields(cj.Spec.Schedule)
	if len(fields) != 5 || fields[2] != "*" || fields[3] != "*" || fields[4] != "*" ||
		strings.ContainsAny(fields[0]+fields[1], "*/,-") {
		t.Errorf("schedule %q is not once a day", cj.Spec.Schedule)
	}
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy %q, want Forbid", cj.Spec.ConcurrencyPolicy)
	}
	spec := cj.Spec.JobTemplate.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Containers))
	}
	sh := script(spec.Containers[0])
	for _, want := range []string{"pg_dump --format=custom", "/backups/hms-", "-mtime +89", "-delete"} {
		if !strings.Contains(sh, want) {
			t.Errorf("the backup script lacks %q: %s", want, sh)
		}
	}
	if claim, writable := backupsClaim(cj); claim == "" || !writable {
		t.Error("/backups is not a writable PersistentVolumeClaim: the dumps would vanish with the pod")
	}
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		t.Error("the backup CronJob is suspended")
	}
}

// checkRestoreCronJob: the restore template never runs by itself and restores
// from the claim the backups are written to.
func checkRestoreCronJob(t *testing.T, m manifests) {
	restore := cronJob(t, m, "hms-restore")
	if restore.Spec.Suspend == nil || !*restore.Spec.Suspend {
		t.Error("hms-restore must be suspended: it is a template for one-off Jobs, never a schedule")
	}
	spec := restore.Spec.JobTemplate.Spec.Template.Spec
	if len(spec.Containers) != 1 || !strings.Contains(script(spec.Containers[0]), "pg_restore") {
		t.Fatal("hms-restore does not run pg_restore")
	}
	backupClaim, _ := backupsClaim(cronJob(t, m, "hms-backup"))
	if claim, writable := backupsClaim(restore); claim != backupClaim || writable {
		t.Errorf("hms-restore mounts claim %q (writable %v), want the backups' claim %q read-only", claim, writable, backupClaim)
	}
}

// postgresConnections is what PostgreSQL's default max_connections (100) leaves
// after its superuser_reserved_connections (3).
const postgresConnections = 97

// checkConnectionBudget: at the autoscaler's maximum, during a rollout, every
// server pool full plus the migration and the backup fit in a default PostgreSQL.
func checkConnectionBudget(t *testing.T, m manifests) {
	perPod, err := strconv.Atoi(configValue(t, m, "HMS_DB_MAX_CONNS"))
	if err != nil {
		t.Fatal(err)
	}
	d := the[appsv1.Deployment](t, m)
	surge := 0
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil && ru.MaxSurge != nil {
		surge = ru.MaxSurge.IntValue()
	}
	pods := int(the[autoscalingv2.HorizontalPodAutoscaler](t, m).Spec.MaxReplicas) + surge
	if need := pods*perPod + 2; need > postgresConnections {
		t.Errorf("%d server pods x HMS_DB_MAX_CONNS %d + 2 = %d connections, more than the %d of a default PostgreSQL",
			pods, perPod, need, postgresConnections)
	}
}

func checkConfigAndSecrets(t *testing.T, m manifests) {
	cm := the[corev1.ConfigMap](t, m)
	for key := range cm.Data {
		if strings.Contains(key, "SECRET") || strings.Contains(key, "PASSWORD") || key == "HMS_DATABASE_URL" {
			t.Errorf("ConfigMap holds %s, which belongs in the Secret", key)
		}
	}
	if v, ok := cm.Data["HMS_MIGRATE"]; ok && v != "false" {
		t.Errorf("ConfigMap sets HMS_MIGRATE=%s", v)
	}
	s := the[corev1.Secret](t, m)
	for _, key := range []string{"HMS_DATABASE_URL", "HMS_JWT_SECRET"} {
		if _, ok := s.Data[key]; !ok {
			if _, ok := s.StringData[key]; !ok {
				t.Errorf("Secret %s lacks %s", s.Name, key)
			}
		}
	}
	values := map[string]string{}
	for k, v := range s.Data {
		values[k] = string(v)
	}
	for k, v := range s.StringData {
		values[k] = v
	}
	for k, v := range values {
		if !isPlaceholder(v) {
			t.Errorf("Secret %s: %s=%q is not a placeholder, and a real secret must never be committed", s.Name, k, v)
		}
	}
}

// checkReferences: every ConfigMap, Secret and claim a pod names is in the
// render, under its final (hash-suffixed) name.
func checkReferences(t *testing.T, m manifests) {
	have := map[string]bool{}
	for _, c := range ofType[corev1.ConfigMap](m) {
		have["ConfigMap/"+c.Name] = true
	}
	for _, s := range ofType[corev1.Secret](m) {
		have["Secret/"+s.Name] = true
	}
	for _, c := range ofType[corev1.PersistentVolumeClaim](m) {
		have["PersistentVolumeClaim/"+c.Name] = true
	}
	for _, c := range ofType[Cluster](m) {
		have["Secret/"+c.appSecret()] = true // the operator creates it
	}
	for _, p := range podTemplates(m) {
		var refs []string
		for _, v := range p.spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				refs = append(refs, "PersistentVolumeClaim/"+v.PersistentVolumeClaim.ClaimName)
			}
		}
		for _, c := range p.spec.Containers {
			for _, e := range c.EnvFrom {
				if e.ConfigMapRef != nil {
					refs = append(refs, "ConfigMap/"+e.ConfigMapRef.Name)
				}
				if e.SecretRef != nil {
					refs = append(refs, "Secret/"+e.SecretRef.Name)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					refs = append(refs, "Secret/"+e.ValueFrom.SecretKeyRef.Name)
				}
				if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
					refs = append(refs, "ConfigMap/"+e.ValueFrom.ConfigMapKeyRef.Name)
				}
			}
		}
		for _, ref := range refs {
			if !have[ref] {
				t.Errorf("%s refers to %s, which the manifests do not hold", p.owner, ref)
			}
		}
	}
}

func TestProductionOverlay(t *testing.T) {
	m := render(t, "overlays/production")
	ns := the[corev1.Namespace](t, m)
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("Namespace %s must enforce the restricted Pod Security Standard", ns.Name)
	}
	for _, o := range m.objects {
		meta := o.(metav1.ObjectMetaAccessor).GetObjectMeta()
		if _, isNS := o.(*corev1.Namespace); !isNS && meta.GetNamespace() != ns.Name {
			t.Errorf("%T %s is in namespace %q, want %q", o, meta.GetName(), meta.GetNamespace(), ns.Name)
		}
	}
	for _, p := range podTemplates(m) {
		for _, c := range p.spec.Containers {
			if tag := imageTag(c.Image); tag == "" || tag == "latest" {
				t.Errorf("%s runs %s: production pins a tag or digest", p.owner, c.Image)
			}
		}
	}
	// The base's placeholder Secret must be replaced by the one from secrets.env.
	s := the[corev1.Secret](t, m)
	want := readEnvFile(t, path.Join(kubernetesDir, "overlays/production/secrets.env.example"))
	for key, value := range want {
		if got, ok := s.Data[key]; !ok || string(got) != value {
			t.Errorf("Secret %s=%q, want %q from secrets.env", key, got, value)
		}
	}
	if len(s.Data) != len(want) || len(s.StringData) != 0 {
		t.Errorf("Secret holds %d keys, want exactly the %d of secrets.env.example", len(s.Data)+len(s.StringData), len(want))
	}
	if !gitIgnores(t, path.Join(kubernetesDir, "overlays/production/.gitignore"), "secrets.env", "/secrets.env") {
		t.Error("overlays/production/secrets.env is not git-ignored")
	}
}

// imageTag returns the tag or digest of an image reference, "" when it has neither.
func imageTag(image string) string {
	if _, digest, ok := strings.Cut(image, "@"); ok {
		return digest
	}
	name := image[strings.LastIndex(image, "/")+1:]
	_, tag, _ := strings.Cut(name, ":")
	return tag
}
