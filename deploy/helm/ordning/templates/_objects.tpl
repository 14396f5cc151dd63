{{/* Each define renders one service's objects from its merged settings (see component.yaml). */}}

{{- define "ordning.configmap" -}}
{{- $ctx := dict "c" . "role" "settings" }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "ordning.fullname" $ctx | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels: {{- include "ordning.labels" $ctx | nindent 4 }}
data: {{- include "ordning.settings" . | nindent 2 }}
{{- end -}}

{{- define "ordning.api" -}}
{{- $ctx := dict "c" . "role" "api" }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "ordning.fullname" $ctx | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels: {{- include "ordning.labels" $ctx | nindent 4 }}
spec:
  {{- if not .api.autoscaling.enabled }}
  replicas: {{ .api.replicas }}
  {{- end }}
  revisionHistoryLimit: 3
  strategy:
    type: "RollingUpdate"
    rollingUpdate:
      # Start the new pod before stopping an old one: a report sent during an upgrade is answered.
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels: {{- include "ordning.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels: {{- include "ordning.labels" $ctx | nindent 8 }}
      annotations:
        checksum/settings: {{ include "ordning.settings" . | sha256sum | quote }}
    spec: {{- include "ordning.podSpec" $ctx | nindent 6 }}
      containers:
        - name: "api"
          {{- include "ordning.container" $ctx | nindent 10 }}
          command: ["gunicorn", "--config", "python:ordning_shared.gunicorn_conf", "ordning_{{ .name }}.app:create_app()"]
          envFrom:
            - configMapRef:
                name: {{ include "ordning.fullname" (dict "c" . "role" "settings") | quote }}
          ports:
            - name: "http"
              containerPort: 8000
              protocol: "TCP"
          startupProbe:
            httpGet:
              path: "/healthz"
              port: "http"
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet:
              path: "/healthz"
              port: "http"
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            # /readyz checks the database only: the outbox holds events while the broker is down.
            httpGet:
              path: "/readyz"
              port: "http"
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          resources: {{- toYaml .api.resources | nindent 12 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "ordning.fullname" $ctx | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels: {{- include "ordning.labels" $ctx | nindent 4 }}
spec:
  type: "ClusterIP"
  selector: {{- include "ordning.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: "http"
      port: 80
      targetPort: "http"
      protocol: "TCP"
{{- if .api.autoscaling.enabled }}
{{ include "ordning.hpa" (dict "c" . "role" "api" "autoscaling" .api.autoscaling) }}
{{- end }}
{{ include "ordning.pdb" (dict "c" . "role" "api" "budget" .api.podDisruptionBudget) }}
{{- end -}}

{{- define "ordning.worker" -}}
{{- $ctx := dict "c" . "role" "worker" }}
{{- $keda := and .Values.keda.enabled .consumesEvents }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "ordning.fullname" $ctx | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels: {{- include "ordning.labels" $ctx | nindent 4 }}
spec:
  {{- if not (or $keda .worker.autoscaling.enabled) }}
  replicas: {{ .worker.replicas }}
  {{- end }}
  revisionHistoryLimit: 3
  selector:
    matchLabels: {{- include "ordning.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels: {{- include "ordning.labels" $ctx | nindent 8 }}
      annotations:
        checksum/settings: {{ include "ordning.settings" . | sha256sum | quote }}
    spec: {{- include "ordning.podSpec" $ctx | nindent 6 }}
      # The worker finishes the event in hand on SIGTERM; unacknowledged ones are redelivered.
      terminationGracePeriodSeconds: 60
      containers:
        - name: "worker"
          {{- include "ordning.container" $ctx | nindent 10 }}
          command: ["ordning-{{ .name }}-worker"]
          envFrom:
            - configMapRef:
                name: {{ include "ordning.fullname" (dict "c" . "role" "settings") | quote }}
          {{- if include "ordning.mailPassword" $ctx }}
          env:
            - name: "ORDNING_SMTP_PASSWORD_FILE"
              value: "/var/run/secrets/ordning/smtp/password"
          {{- end }}
          ports:
            - name: "metrics"
              containerPort: {{ .worker.metricsPort }}
              protocol: "TCP"
          livenessProbe:
            # /healthz fails when the relay or the consumer loop stalls (worker.stallSeconds).
            httpGet:
              path: "/healthz"
              port: "metrics"
            initialDelaySeconds: 10
            periodSeconds: 20
            timeoutSeconds: 5
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: "/metrics"
              port: "metrics"
            periodSeconds: 10
            timeoutSeconds: 5
          resources: {{- toYaml .worker.resources | nindent 12 }}
---
apiVersion: v1
kind: Service
# Headless: only for Prometheus to find the workers' metrics.
metadata:
  name: {{ include "ordning.fullname" $ctx | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels: {{- include "ordning.labels" $ctx | nindent 4 }}
spec:
  clusterIP: "None"
  selector: {{- include "ordning.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: "metrics"
      port: {{ .worker.metricsPort }}
      targetPort: "metrics"
      protocol: "TCP"
{{- if $keda }}
{{ include "ordning.scaledObject" $ctx }}
{{- else if .worker.autoscaling.enabled }}
{{ include "ordning.hpa" (dict "c" . "role" "worker" "autoscaling" .worker.autoscaling) }}
{{- end }}
{{ include "ordning.pdb" (dict "c" . "role" "worker" "budget" .worker.podDisruptionBudget) }}
{{- end -}}

{{- define "ordning.hpa" -}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "ordning.fullname" . | quote }}
  namespace: {{ .c.Release.Namespace | quote }}
  labels: {{- include "ordning.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: "apps/v1"
    kind: "Deployment"
    name: {{ include "ordning.fullname" . | quote }}
  minReplicas: {{ .autoscaling.minReplicas }}
  maxReplicas: {{ .autoscaling.maxReplicas }}
  metrics:
    - type: "Resource"
      resource:
        name: "cpu"
        target:
          type: "Utilization"
          averageUtilization: {{ .autoscaling.targetCPUUtilizationPercentage }}
{{- end -}}

{{- define "ordning.pdb" -}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "ordning.fullname" . | quote }}
  namespace: {{ .c.Release.Namespace | quote }}
  labels: {{- include "ordning.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .budget.maxUnavailable }}
  selector:
    matchLabels: {{- include "ordning.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/* KEDA: scale a worker on the length of its service's queue, and on CPU. */}}
{{- define "ordning.scaledObject" -}}
{{- $c := .c }}
---
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata:
  name: {{ include "ordning.fullname" . | quote }}
  namespace: {{ .c.Release.Namespace | quote }}
  labels: {{- include "ordning.labels" . | nindent 4 }}
spec:
  secretTargetRef:
    - parameter: "host"
      name: {{ include "ordning.brokerSecret" $c | quote }}
      key: {{ include "ordning.brokerUrlKey" $c | quote }}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ include "ordning.fullname" . | quote }}
  namespace: {{ .c.Release.Namespace | quote }}
  labels: {{- include "ordning.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    name: {{ include "ordning.fullname" . | quote }}
  minReplicaCount: {{ $c.worker.autoscaling.minReplicas }}
  maxReplicaCount: {{ $c.worker.autoscaling.maxReplicas }}
  triggers:
    - type: "rabbitmq"
      metadata:
        protocol: "amqp"
        queueName: {{ include "ordning.queueName" $c | quote }}
        mode: "QueueLength"
        value: {{ $c.Values.keda.queueLength | quote }}
      authenticationRef:
        name: {{ include "ordning.fullname" . | quote }}
    - type: "cpu"
      metricType: "Utilization"
      metadata:
        value: {{ $c.worker.autoscaling.targetCPUUtilizationPercentage | quote }}
{{- end -}}

{{/* Migrations run as a hook before the new version's pods start, on install and on upgrade. */}}
{{- define "ordning.migrations" -}}
{{- $ctx := dict "c" . "role" "migrations" }}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "ordning.fullname" $ctx | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels: {{- include "ordning.labels" $ctx | nindent 4 }}
  annotations:
    "helm.sh/hook": "pre-install,pre-upgrade"
    "helm.sh/hook-weight": "0"
    "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded"
spec:
  backoffLimit: {{ .migrations.backoffLimit }}
  activeDeadlineSeconds: {{ .migrations.activeDeadlineSeconds }}
  template:
    metadata:
      labels: {{- include "ordning.labels" $ctx | nindent 8 }}
    spec: {{- include "ordning.podSpec" $ctx | nindent 6 }}
      restartPolicy: "Never"
      containers:
        - name: "migrations"
          {{- include "ordning.container" $ctx | nindent 10 }}
          command: ["ordning-migrate", {{ .name | quote }}]
          env:
            {{- range $name, $value := fromYaml (include "ordning.settings" .) }}
            - name: {{ $name | quote }}
              value: {{ $value | quote }}
            {{- end }}
            # Migrates as the owner; the runtime URL above names the role it grants the service's privileges to.
            - name: {{ printf "ORDNING_%s_MIGRATION_DATABASE_URL_FILE" (upper .name) | quote }}
              value: "/var/run/secrets/ordning/migrations-database/url"
          resources: {{- toYaml .migrations.resources | nindent 12 }}
{{- end -}}

{{- define "ordning.networkPolicies" -}}
{{- $np := .Values.networkPolicy }}
{{- $api := dict "c" . "role" "api" }}
{{- $worker := dict "c" . "role" "worker" }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "ordning.fullname" $api | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels: {{- include "ordning.labels" $api | nindent 4 }}
spec:
  podSelector:
    matchLabels: {{- include "ordning.selectorLabels" $api | nindent 6 }}
  policyTypes: ["Ingress", "Egress"]
  ingress:
    - from: {{- toYaml (concat $np.ingressFrom $np.metricsFrom) | nindent 8 }}
      ports:
        - port: "http"
          protocol: "TCP"
    {{- if .Values.web.enabled }}
    # The web's pods call the APIs with the signed-in person's token.
    - from:
        - podSelector:
            matchLabels: {{- include "ordning.selectorLabels" (dict "c" (dict "name" "web" "Release" .Release) "role" "server") | nindent 14 }}
      ports:
        - port: "http"
          protocol: "TCP"
    {{- end }}
  egress: {{- include "ordning.egressBase" . | nindent 4 }}
    {{- include "ordning.egressTo" (dict "to" $np.brokerTo "port" .Values.broker.port) | nindent 4 }}
    # Token signatures are checked against the identity provider's keys.
    {{- include "ordning.egressTo" (dict "to" $np.identityProviderTo "port" $np.identityProviderPort) | nindent 4 }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "ordning.fullname" $worker | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels: {{- include "ordning.labels" $worker | nindent 4 }}
spec:
  podSelector:
    matchLabels: {{- include "ordning.selectorLabels" $worker | nindent 6 }}
  policyTypes: ["Ingress", "Egress"]
  ingress:
    - from: {{- toYaml $np.metricsFrom | nindent 8 }}
      ports:
        - port: "metrics"
          protocol: "TCP"
  egress: {{- include "ordning.egressBase" . | nindent 4 }}
    {{- include "ordning.egressTo" (dict "to" $np.brokerTo "port" .Values.broker.port) | nindent 4 }}
    {{- if include "ordning.sendsMail" . }}
    # The notify worker sends mail to the SMTP server.
    {{- include "ordning.egressTo" (dict "to" $np.smtpTo "port" .Values.mail.smtpPort) | nindent 4 }}
    {{- end }}
    {{- if eq .name "notify" }}
    # The notify worker POSTs webhooks to other systems over HTTPS.
    {{- include "ordning.egressTo" (dict "to" $np.webhooksTo "port" $np.webhooksPort) | nindent 4 }}
    {{- end }}
{{- end -}}

{{/* The migration pods' policy is a hook too: it must exist before they start. */}}
{{- define "ordning.migrationsNetworkPolicy" -}}
{{- $ctx := dict "c" . "role" "migrations" }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "ordning.fullname" $ctx | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels: {{- include "ordning.labels" $ctx | nindent 4 }}
  annotations:
    "helm.sh/hook": "pre-install,pre-upgrade"
    "helm.sh/hook-weight": "-10"
    "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded"
spec:
  podSelector:
    matchLabels: {{- include "ordning.selectorLabels" $ctx | nindent 6 }}
  policyTypes: ["Ingress", "Egress"]
  egress: {{- include "ordning.egressBase" . | nindent 4 }}
{{- end -}}

{{- define "ordning.ingress" -}}
{{- $ctx := dict "c" . "role" "api" }}
{{- $c := . }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "ordning.fullname" $ctx | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels: {{- include "ordning.labels" $ctx | nindent 4 }}
  {{- with .Values.ingress.annotations }}
  annotations: {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with .Values.ingress.className }}
  ingressClassName: {{ . | quote }}
  {{- end }}
  {{- with .Values.ingress.tlsSecretName }}
  tls:
    - hosts: [{{ $c.Values.ingress.host | quote }}]
      secretName: {{ . | quote }}
  {{- end }}
  rules:
    - host: {{ required "ingress.host: the host name the API is reached at" .Values.ingress.host | quote }}
      http:
        paths:
          {{- range .ingressPaths }}
          - path: {{ . | quote }}
            pathType: "Prefix"
            backend:
              service:
                name: {{ include "ordning.fullname" $ctx | quote }}
                port:
                  name: "http"
          {{- end }}
          {{- /* Citizens reach only the public endpoints of the tenants this installation serves. */}}
          {{- range $tenant := $c.Values.tenants }}
          {{- range $c.publicPaths }}
          - path: {{ printf "/api/v1/public/%s/%s" $tenant.code . | quote }}
            pathType: "Prefix"
            backend:
              service:
                name: {{ include "ordning.fullname" $ctx | quote }}
                port:
                  name: "http"
          {{- end }}
          {{- end }}
{{- end -}}

{{- define "ordning.serviceMonitor" -}}
{{- $ctx := dict "c" . "role" "metrics" }}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "ordning.fullname" $ctx | quote }}
  namespace: {{ .Release.Namespace | quote }}
  labels:
    {{- include "ordning.labels" $ctx | nindent 4 }}
    {{- with .Values.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ printf "ordning-%s" .name | quote }}
      app.kubernetes.io/instance: {{ .Release.Name | quote }}
  endpoints:
    - port: "http"
      path: "/metrics"
      interval: {{ .Values.serviceMonitor.interval | quote }}
    - port: "metrics"
      path: "/metrics"
      interval: {{ .Values.serviceMonitor.interval | quote }}
{{- end -}}
