#!/bin/sh
# Deploys HMS to Kubernetes in the order a release needs:
#   1. namespace, settings, secrets, network policy and backup schedule;
#   2. a backup of the database, taken by the backup CronJob's own template;
#   3. `hms migrate up` as the hms-migrate Job, once;
#   4. the servers (Deployment, Service, Ingress, autoscaler, disruption budget),
#      then waits for the rollout.
# Each step waits for the one before and stops the deploy if it fails.
#
#   deploy/kubernetes/deploy.sh [OVERLAY]    default: deploy/kubernetes/overlays/production
#
# Needs kubectl (it has kustomize built in) pointed at the cluster.
# HMS_NAMESPACE (default hms) must be the overlay's namespace;
# HMS_DEPLOY_TIMEOUT is the seconds each step may take (default 600).
set -eu

overlay=${1:-deploy/kubernetes/overlays/production}
ns=${HMS_NAMESPACE:-hms}
timeout=${HMS_DEPLOY_TIMEOUT:-600}

# wait_job NAME: returns when the Job has completed, fails as soon as it has failed.
wait_job() {
	deadline=$(($(date +%s) + timeout))
	while :; do
		conditions=$(kubectl -n "$ns" get job "$1" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
		case " $conditions " in
		*" Complete "*) return 0 ;;
		*" Failed "*)
			kubectl -n "$ns" logs "job/$1" --tail=50 >&2 || true
			echo "deploy: job $1 failed" >&2
			return 1
			;;
		esac
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "deploy: job $1 did not finish within ${timeout}s" >&2
			return 1
		fi
		sleep 5
	done
}

echo "deploy: 1/4 namespace, settings, secrets, network policy, backup schedule"
kubectl apply -k "$overlay" -l 'app.kubernetes.io/component notin (server,migration)'

# An overlay that brings its own database (overlays/cloudnativepg): the operator
# must have it running before anything connects.
if kubectl -n "$ns" get clusters.postgresql.cnpg.io hms-db >/dev/null 2>&1; then
	kubectl -n "$ns" wait --for=condition=Ready clusters.postgresql.cnpg.io/hms-db --timeout="${timeout}s"
fi

echo "deploy: 2/4 backup before migrating"
backup="hms-backup-predeploy-$(date -u +%Y%m%d%H%M%S)"
kubectl -n "$ns" create job "$backup" --from=cronjob/hms-backup
wait_job "$backup"

echo "deploy: 3/4 migrations"
# A Job's pod template is immutable: the previous release's run must go first.
kubectl -n "$ns" delete job hms-migrate --ignore-not-found --wait=true
kubectl apply -k "$overlay" -l 'app.kubernetes.io/component=migration'
wait_job hms-migrate

echo "deploy: 4/4 servers"
kubectl apply -k "$overlay"
kubectl -n "$ns" rollout status deployment/hms --timeout="${timeout}s"
