package deploy

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Cluster is the part of CloudNativePG's Cluster (postgresql.cnpg.io/v1) that the
// manifests use, field for field as the operator's API names them
// (https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/); strict decoding
// refuses any other field, so a misspelt one fails here rather than in the cluster.
type Cluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              struct {
		Instances             int    `json:"instances"`
		ImageName             string `json:"imageName,omitempty"`
		PrimaryUpdateStrategy string `json:"primaryUpdateStrategy,omitempty"`
		FailoverDelay         *int   `json:"failoverDelay,omitempty"`
		PostgreSQL            struct {
			Synchronous *struct {
				Method         string `json:"method"`
				Number         int    `json:"number"`
				DataDurability string `json:"dataDurability,omitempty"`
			} `json:"synchronous,omitempty"`
			Parameters map[string]string `json:"parameters,omitempty"`
		} `json:"postgresql"`
		Bootstrap struct {
			InitDB *struct {
				Database string `json:"database"`
				Owner    string `json:"owner"`
			} `json:"initdb,omitempty"`
		} `json:"bootstrap"`
		Storage struct {
			Size string `json:"size"`
		} `json:"storage"`
		Affinity struct {
			EnablePodAntiAffinity *bool  `json:"enablePodAntiAffinity,omitempty"`
			PodAntiAffinityType   string `json:"podAntiAffinityType,omitempty"`
			TopologyKey           string `json:"topologyKey,omitempty"`
		} `json:"affinity"`
		Resources corev1.ResourceRequirements `json:"resources"`
	} `json:"spec"`
}

// appSecret is the Secret the operator creates for the application's owner: its uri key
// is the URL of the database on the -rw Service.
func (c *Cluster) appSecret() string { return c.Name + "-app" }

// TestCloudNativePGOverlay: the database runs replicated with synchronous commits, every
// pod that talks to it takes the URL of the primary's Service from the operator, and the
// servers read from the standbys' Service.
func TestCloudNativePGOverlay(t *testing.T) {
	m := render(t, "overlays/cloudnativepg")
	c := the[Cluster](t, m)
	if c.Spec.Instances < 2 {
		t.Errorf("Cluster %s has %d instances: a failover needs a standby", c.Name, c.Spec.Instances)
	}
	if s := c.Spec.PostgreSQL.Synchronous; s == nil || s.Number < 1 || s.Number >= c.Spec.Instances || s.DataDurability != "required" {
		t.Errorf("Cluster %s: synchronous %+v, want commits that wait for at least one standby, always (dataDurability required)", c.Name, s)
	}
	if b := c.Spec.Bootstrap.InitDB; b == nil || b.Database != "hms" || b.Owner != "hms" {
		t.Errorf("Cluster %s bootstraps %+v, want the database hms owned by hms", c.Name, b)
	}
	if a := c.Spec.Affinity; a.EnablePodAntiAffinity == nil || !*a.EnablePodAntiAffinity || a.PodAntiAffinityType != "required" {
		t.Errorf("Cluster %s: instances may share a node (affinity %+v)", c.Name, a)
	}
	_, server := serverPod(t, m)
	if got, _ := envValue(server, "HMS_DATABASE_READ_URL"); !strings.Contains(got, "@"+c.Name+"-ro:") {
		t.Errorf("the servers' HMS_DATABASE_READ_URL %q does not name the %s-ro Service (the standbys)", got, c.Name)
	}
	for _, p := range podTemplates(m) {
		for _, ctr := range p.spec.Containers {
			var url *corev1.EnvVar
			for i, e := range ctr.Env {
				if e.Name == "HMS_DATABASE_URL" {
					url = &ctr.Env[i]
				}
			}
			if url == nil || url.ValueFrom == nil || url.ValueFrom.SecretKeyRef == nil ||
				url.ValueFrom.SecretKeyRef.Name != c.appSecret() || url.ValueFrom.SecretKeyRef.Key != "uri" {
				t.Errorf("%s container %s: HMS_DATABASE_URL %+v, want the uri of Secret %s (the -rw Service)", p.owner, ctr.Name, url, c.appSecret())
			}
		}
	}
}
