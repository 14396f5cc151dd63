{{/*
Helpers take a dict: "c" is a component's settings (the `default` block merged with its own
entry, plus name, Release, Chart and Values), "role" is api, worker or migrations.
*/}}

{{- define "ordning.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* "ordning" for a release named ordning, "<release>-ordning" otherwise. */}}
{{- define "ordning.base" -}}
{{- if contains "ordning" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-ordning" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ordning.fullname" -}}
{{- printf "%s-%s-%s" (include "ordning.base" .c) .c.name .role | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ordning.selectorLabels" -}}
app.kubernetes.io/name: {{ printf "ordning-%s" .c.name | quote }}
app.kubernetes.io/instance: {{ .c.Release.Name | quote }}
app.kubernetes.io/component: {{ .role | quote }}
{{- end -}}

{{- define "ordning.labels" -}}
{{ include "ordning.selectorLabels" . }}
app.kubernetes.io/version: {{ .c.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: "ordning"
app.kubernetes.io/managed-by: {{ .c.Release.Service | quote }}
helm.sh/chart: {{ include "ordning.chart" .c | quote }}
{{- end -}}

{{- define "ordning.serviceAccountName" -}}
{{- default (include "ordning.base" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "ordning.migrationsServiceAccountName" -}}
{{- printf "%s-migrations" (include "ordning.base" .) -}}
{{- end -}}

{{/* The image of one service; a digest, when given, pins it exactly. */}}
{{- define "ordning.image" -}}
{{- $image := .Values.image -}}
{{- if $image.digest -}}
{{- printf "%s%s@%s" $image.repositoryPrefix .name $image.digest -}}
{{- else -}}
{{- printf "%s%s:%s" $image.repositoryPrefix .name (default .Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "ordning.databaseSecret" -}}
{{- required "database.existingSecret (or the component's databaseSecret) names the Secret with the service's PostgreSQL URL" (default .Values.database.existingSecret .databaseSecret) -}}
{{- end -}}

{{- define "ordning.databaseUrlKey" -}}
{{- default (printf "%s-database-url" .name) .databaseUrlKey -}}
{{- end -}}

{{/* The owner's URL, for the migration Job only: the API and the worker never see it. */}}
{{- define "ordning.migrationsDatabaseSecret" -}}
{{- required "database.migrationsSecret (or the component's migrationsDatabaseSecret) names the Secret with the URL of the service's database owner, which runs the migrations" (default .Values.database.migrationsSecret .migrationsDatabaseSecret) -}}
{{- end -}}

{{- define "ordning.migrationsDatabaseUrlKey" -}}
{{- default (printf "%s-migrations-database-url" .name) .migrationsDatabaseUrlKey -}}
{{- end -}}

{{- define "ordning.brokerSecret" -}}
{{- required "broker.existingSecret (or the component's brokerSecret) names the Secret with the service's RabbitMQ URL" (default .Values.broker.existingSecret .brokerSecret) -}}
{{- end -}}

{{/* Each service connects as its own RabbitMQ user, so one service cannot publish as another. */}}
{{- define "ordning.brokerUrlKey" -}}
{{- default (printf "%s-broker-url" .name) .brokerUrlKey -}}
{{- end -}}

{{- define "ordning.queueName" -}}
{{- printf "%s.%s" .Values.broker.namespace .name -}}
{{- end -}}

{{/*
The service's settings as ORDNING_* variables: the ConfigMap of the API and the worker, and
the environment of the migration hook, which runs before that ConfigMap exists.
Credentials are never here: they are files from the Secrets (see ordning.secretVolumes).
*/}}
{{- define "ordning.settings" -}}
ORDNING_ENV: "production"
{{- with .Values.auth.trustedIssuers }}
ORDNING_AUTH_TRUSTED_ISSUERS: {{ include "ordning.trustedIssuers" $ | quote }}
{{- else }}
ORDNING_AUTH_JWKS_URL: {{ required "auth.jwksUrl: the identity provider's JWKS URL is required (or auth.trustedIssuers)" .Values.auth.jwksUrl | quote }}
ORDNING_AUTH_ISSUER: {{ required "auth.issuer: the identity provider's issuer is required (or auth.trustedIssuers)" .Values.auth.issuer | quote }}
{{- end }}
ORDNING_AUTH_AUDIENCE: {{ .Values.auth.audience | quote }}
ORDNING_{{ upper .name }}_DATABASE_URL_FILE: "/var/run/secrets/ordning/database/url"
ORDNING_BROKER_URL_FILE: "/var/run/secrets/ordning/broker/url"
ORDNING_BUS_NAMESPACE: {{ .Values.broker.namespace | quote }}
ORDNING_DELIVERY_LIMIT: {{ .Values.broker.deliveryLimit | quote }}
ORDNING_RETRY_DELAYS: {{ join "," .Values.broker.retryDelays | quote }}
ORDNING_LOG_LEVEL: {{ .logLevel | quote }}
ORDNING_MAX_REQUEST_BYTES: {{ .maxRequestBytes | quote }}
ORDNING_TRUSTED_PROXIES: {{ if .Values.ingress.enabled }}{{ .Values.ingress.trustedProxies | quote }}{{ else }}"0"{{ end }}
ORDNING_WORKER_METRICS_PORT: {{ .worker.metricsPort | quote }}
ORDNING_WORKER_STALL_SECONDS: {{ .worker.stallSeconds | quote }}
ORDNING_API_WORKERS: {{ .api.gunicornWorkers | quote }}
ORDNING_API_THREADS: {{ .api.gunicornThreads | quote }}
{{- if include "ordning.sendsMail" . }}
{{- include "ordning.mailSettings" . }}
{{- end }}
{{- range $name, $value := .extraEnv }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* "true" for the service whose worker sends mail (notify), when an SMTP server is set; else empty. */}}
{{- define "ordning.sendsMail" -}}
{{- if and (eq .name "notify") .Values.mail.smtpHost }}true{{ end -}}
{{- end -}}

{{/*
The SMTP server and the web's address for the links in mails. The password is not here: the notify
worker alone mounts it (ordning.mailPassword), and its container alone names the file.
*/}}
{{- define "ordning.mailSettings" -}}
{{- $m := .Values.mail }}
{{- if and $m.username (not $m.existingSecret) }}
{{- fail "mail.existingSecret: the Secret with the SMTP password is required with mail.username" }}
{{- end }}
{{- if and $m.username (not $m.startTls) (ne (int $m.smtpPort) 465) }}
{{- fail "mail.startTls: a login needs STARTTLS (or smtpPort 465), so that the password is not sent in clear" }}
{{- end }}
ORDNING_SMTP_HOST: {{ $m.smtpHost | quote }}
ORDNING_SMTP_PORT: {{ $m.smtpPort | quote }}
ORDNING_SMTP_STARTTLS: {{ $m.startTls | quote }}
ORDNING_SMTP_FROM: {{ required "mail.from: the sender of the mails (e.g. Ordning <noreply@kommun.se>) is required with mail.smtpHost" $m.from | quote }}
{{- with $m.username }}
ORDNING_SMTP_USERNAME: {{ . | quote }}
{{- end }}
ORDNING_WEB_URL: {{ default (printf "https://%s" (required "mail.webUrl or ingress.host: the web's address, for the links in mails" .Values.ingress.host)) $m.webUrl | quote }}
{{- end -}}

{{/* "true" when the pod is the notify worker and mounts the SMTP password; else empty. */}}
{{- define "ordning.mailPassword" -}}
{{- if and (eq .role "worker") (include "ordning.sendsMail" .c) .c.Values.mail.existingSecret }}true{{ end -}}
{{- end -}}

{{/* Several identity providers, each for its own tenants, which must be tenants of this installation. */}}
{{- define "ordning.trustedIssuers" -}}
{{- $served := list }}
{{- range .Values.tenants }}{{ $served = append $served .code }}{{ end }}
{{- if and .Values.auth.trustedIssuers (or .Values.auth.jwksUrl .Values.auth.issuer) }}
{{- fail "auth: give either trustedIssuers or jwksUrl and issuer, not both" }}
{{- end }}
{{- range .Values.auth.trustedIssuers }}
{{- $issuer := .issuer }}
{{- range .tenants }}
{{- if not (has . $served) }}
{{- fail (printf "auth.trustedIssuers: %s speaks for tenant %s, which is not in tenants" $issuer .) }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson .Values.auth.trustedIssuers -}}
{{- end -}}

{{/* Of a role's pod: every pod gets the runtime database URL, only the migration Job the owner's too. */}}
{{- define "ordning.secretVolumes" -}}
{{- $c := .c -}}
- name: "tmp"
  emptyDir:
    medium: "Memory"
    sizeLimit: "64Mi"
- name: "database"
  secret:
    secretName: {{ include "ordning.databaseSecret" $c | quote }}
    defaultMode: 0440
    items:
      - key: {{ include "ordning.databaseUrlKey" $c | quote }}
        path: "url"
{{- if eq .role "migrations" }}
- name: "migrations-database"
  secret:
    secretName: {{ include "ordning.migrationsDatabaseSecret" $c | quote }}
    defaultMode: 0440
    items:
      - key: {{ include "ordning.migrationsDatabaseUrlKey" $c | quote }}
        path: "url"
{{- end }}
- name: "broker"
  secret:
    secretName: {{ include "ordning.brokerSecret" $c | quote }}
    defaultMode: 0440
    items:
      - key: {{ include "ordning.brokerUrlKey" $c | quote }}
        path: "url"
{{- if include "ordning.mailPassword" . }}
- name: "smtp"
  secret:
    secretName: {{ $c.Values.mail.existingSecret | quote }}
    defaultMode: 0440
    items:
      - key: {{ $c.Values.mail.passwordKey | quote }}
        path: "password"
{{- end }}
{{- end -}}

{{- define "ordning.volumeMounts" -}}
- name: "tmp"
  mountPath: "/tmp"
- name: "database"
  mountPath: "/var/run/secrets/ordning/database"
  readOnly: true
{{- if eq .role "migrations" }}
- name: "migrations-database"
  mountPath: "/var/run/secrets/ordning/migrations-database"
  readOnly: true
{{- end }}
- name: "broker"
  mountPath: "/var/run/secrets/ordning/broker"
  readOnly: true
{{- if include "ordning.mailPassword" . }}
- name: "smtp"
  mountPath: "/var/run/secrets/ordning/smtp"
  readOnly: true
{{- end }}
{{- end -}}

{{/* What every pod of a service shares: identity, security, placement, volumes. */}}
{{- define "ordning.podSpec" -}}
{{- $c := .c -}}
serviceAccountName: {{ if eq .role "migrations" }}{{ include "ordning.migrationsServiceAccountName" $c | quote }}{{ else }}{{ include "ordning.serviceAccountName" $c | quote }}{{ end }}
automountServiceAccountToken: false
securityContext: {{- toYaml $c.podSecurityContext | nindent 2 }}
{{- with $c.Values.imagePullSecrets }}
imagePullSecrets: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.nodeSelector }}
nodeSelector: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.tolerations }}
tolerations: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $c.affinity }}
affinity: {{- toYaml . | nindent 2 }}
{{- end }}
{{- if ne .role "migrations" }}
{{- with $c.topologySpreadConstraints }}
topologySpreadConstraints:
{{- range . }}
{{- /* A constraint without a selector spreads this Deployment's own pods. */}}
{{- $constraint := . }}
{{- if not (hasKey . "labelSelector") }}
{{- $constraint = merge (dict "labelSelector" (dict "matchLabels" (fromYaml (include "ordning.selectorLabels" $)))) . }}
{{- end }}
  - {{- toYaml $constraint | nindent 4 }}
{{- end }}
{{- end }}
{{- end }}
volumes: {{- include "ordning.secretVolumes" . | nindent 2 }}
{{- end -}}

{{/* What every container of a service shares. */}}
{{- define "ordning.container" -}}
image: {{ include "ordning.image" .c | quote }}
imagePullPolicy: {{ .c.Values.image.pullPolicy | quote }}
securityContext: {{- toYaml .c.securityContext | nindent 2 }}
volumeMounts: {{- include "ordning.volumeMounts" . | nindent 2 }}
{{- end -}}

{{/* One egress rule: TCP to a port, on the given peers, or anywhere when none are given. */}}
{{- define "ordning.egressTo" -}}
- {{- with .to }}
  to: {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    - port: {{ .port }}
      protocol: "TCP"
{{- end -}}

{{/* The NetworkPolicy egress every pod needs: DNS and its database. */}}
{{- define "ordning.egressBase" -}}
- to: {{- toYaml .Values.networkPolicy.dnsTo | nindent 4 }}
  ports:
    - port: 53
      protocol: "UDP"
    - port: 53
      protocol: "TCP"
{{ include "ordning.egressTo" (dict "to" .Values.networkPolicy.databaseTo "port" .Values.database.port) }}
{{- end -}}


{{/*
The web's settings: where the APIs are inside the cluster, who people sign in with, where its two
secrets are mounted. No database, no broker: it owns no data.
*/}}
{{- define "ordning.webSettings" -}}
{{- $w := .Values.web -}}
ORDNING_ENV: "production"
{{- range $name, $component := .Values.components }}
{{- if $component.enabled }}
ORDNING_WEB_{{ upper $name }}_URL: {{ printf "http://%s.%s.svc" (include "ordning.fullname" (dict "c" (dict "name" $name "Release" $.Release) "role" "api")) $.Release.Namespace | quote }}
{{- end }}
{{- end }}
ORDNING_WEB_OIDC_ISSUER: {{ required "web.oidc.issuer (or auth.issuer): the identity provider people sign in to the web with" (default .Values.auth.issuer $w.oidc.issuer) | quote }}
ORDNING_WEB_OIDC_CLIENT_ID: {{ required "web.oidc.clientId: the web's client id at the identity provider" $w.oidc.clientId | quote }}
ORDNING_WEB_OIDC_SCOPE: {{ $w.oidc.scope | quote }}
ORDNING_WEB_TENANTS: {{ .Values.tenants | toJson | quote }}
ORDNING_WEB_OIDC_CLIENT_SECRET_FILE: "/var/run/secrets/ordning/oidc/client-secret"
ORDNING_WEB_SECRET_KEY_FILE: "/var/run/secrets/ordning/session/key"
ORDNING_WEB_API_TIMEOUT_SECONDS: {{ $w.apiTimeoutSeconds | quote }}
ORDNING_AUTH_AUDIENCE: {{ .Values.auth.audience | quote }}
ORDNING_LOG_LEVEL: {{ default .Values.default.logLevel $w.logLevel | quote }}
ORDNING_TRUSTED_PROXIES: {{ if .Values.ingress.enabled }}{{ .Values.ingress.trustedProxies | quote }}{{ else }}"0"{{ end }}
ORDNING_API_WORKERS: {{ $w.gunicornWorkers | quote }}
ORDNING_API_THREADS: {{ $w.gunicornThreads | quote }}
{{- range $name, $value := $w.extraEnv }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end -}}
