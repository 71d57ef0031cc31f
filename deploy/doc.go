// Package deploy holds the tests that check HMS's deployment files: the
// Dockerfile, compose.yaml, the Kubernetes manifests and the CI workflows.
//
// It is a module of its own so that Kubernetes, kustomize, BuildKit and
// actionlint never become dependencies of the hms binary.
package deploy
