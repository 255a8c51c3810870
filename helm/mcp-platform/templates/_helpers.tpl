{{/*
Naming, labels and the per-server context shared by every template.

A server's settings are `serverDefaults` with its `servers.<name>` entry merged over them:
  {{- range $name, $entry := .Values.servers }}
  {{- $s := include "mcp-platform.server" (dict "root" $ "name" $name "entry" $entry) | fromYaml }}
Everything a template needs about one server is in that one map, so adding a server is values only.
*/}}

{{/* Chart name (nameOverride wins), cut to 63 characters: a DNS label. */}}
{{- define "mcp-platform.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Release-qualified name. Cut to 63 characters because some Kubernetes name fields are DNS labels;
when the release name already contains the chart name it is used alone.
*/}}
{{- define "mcp-platform.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* name-version for the helm.sh/chart label ("+" is not allowed in label values). */}}
{{- define "mcp-platform.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of objects that belong to the whole release (dashboard). */}}
{{- define "mcp-platform.labels" -}}
helm.sh/chart: {{ include "mcp-platform.chart" . }}
app.kubernetes.io/name: {{ include "mcp-platform.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mcp-platform
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selects one server's pods of one role, for Deployment, Service, PDB, HPA target and spread
constraints. Role "server" (the Deployment) is kept apart from role "migration" (the hook Job)
so a running migration pod never becomes a Service endpoint.
ctx: dict "root" "s" ["role"]
*/}}
{{- define "mcp-platform.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mcp-platform.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .s.name }}
mcp-platform/role: {{ .role | default "server" }}
{{- end }}

{{/* Selects every pod of one server, whatever its role (NetworkPolicy). ctx: dict "root" "s" */}}
{{- define "mcp-platform.serverPodLabels" -}}
app.kubernetes.io/name: {{ include "mcp-platform.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .s.name }}
{{- end }}

{{/* Labels of one server's objects. ctx: dict "root" "s" ["role"] */}}
{{- define "mcp-platform.serverLabels" -}}
helm.sh/chart: {{ include "mcp-platform.chart" .root }}
{{ include "mcp-platform.selectorLabels" . }}
app.kubernetes.io/version: {{ .s.imageTag | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: mcp-platform
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Milliseconds to whole seconds, rounded up. */}}
{{- define "mcp-platform.ceilSeconds" -}}
{{- div (add (int64 .) 999) 1000 }}
{{- end }}

{{/*
One server's merged settings plus derived fields, as YAML (read back with fromYaml):
  name, fullname, serviceAccountName, image, imageTag, host, publicUrl, tlsSecretName,
  terminationGracePeriodSeconds, replicasFloor (replicas, or HPA minReplicas).
The entry may be null (`crm:` with nothing under it): it then takes every default.
Validation happens here, once per server, so every template sees the same verdict.
ctx: dict "root" "name" "entry"
*/}}
{{- define "mcp-platform.server" -}}
{{- $root := .root }}
{{- $name := .name }}
{{- $s := mergeOverwrite (deepCopy $root.Values.serverDefaults) (deepCopy (.entry | default dict)) }}
{{- $_ := set $s "name" $name }}
{{- $_ := set $s "fullname" (printf "%s-%s" (include "mcp-platform.fullname" $root) $name | trunc 63 | trimSuffix "-") }}
{{- if not (regexMatch "^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$" $name) }}
{{- fail (printf "servers.%s: a server name must be a lowercase DNS label of at most 32 characters (it names Kubernetes objects and labels)" $name) }}
{{- end }}
{{- /* image */}}
{{- $img := $s.image }}
{{- $tag := $img.tag | default $root.Chart.AppVersion | toString }}
{{- $repo := $img.repository | default (printf "mcp-platform/%s" $name) }}
{{- $ref := ternary (printf "%s/%s" $img.registry $repo) $repo (not (empty $img.registry)) }}
{{- $ref = printf "%s:%s" $ref $tag }}
{{- if $img.digest }}{{ $ref = printf "%s@%s" $ref $img.digest }}{{ end }}
{{- $_ := set $s "image" (merge (dict "ref" $ref) $img) }}
{{- $_ := set $s "imageTag" $tag }}
{{- /* service account */}}
{{- $sa := $s.serviceAccount }}
{{- $_ := set $s "serviceAccountName" (ternary ($sa.name | default $s.fullname) ($sa.name | default "default") $sa.create) }}
{{- /* public address */}}
{{- $host := $s.ingress.host | default (printf "%s.%s" $name $s.ingress.domain) }}
{{- $_ := set $s "host" $host }}
{{- $derived := "" }}
{{- if $s.ingress.enabled }}
{{- $derived = printf "%s://%s" (ternary "https" "http" $s.ingress.tls.enabled) $host }}
{{- end }}
{{- $_ := set $s "publicUrl" ($s.publicUrl | default $derived | trimSuffix "/") }}
{{- $_ := set $s "tlsSecretName" ($s.ingress.tls.secretName | default (printf "%s-tls" $s.fullname)) }}
{{- /* shutdown budget: preStop drain + the longer of tool timeout and shutdown grace + margin */}}
{{- $toolSeconds := include "mcp-platform.ceilSeconds" $s.toolTimeoutMs | int64 }}
{{- $graceSeconds := include "mcp-platform.ceilSeconds" $s.shutdownGraceMs | int64 }}
{{- $drain := $s.drainSeconds | int64 }}
{{- $floor := add $drain $toolSeconds | int64 }}
{{- $tgps := $s.terminationGracePeriodSeconds | int64 }}
{{- if eq $tgps 0 }}
{{- $tgps = add $drain (max $toolSeconds $graceSeconds) 10 | int64 }}
{{- else if le $tgps $floor }}
{{- fail (printf "servers.%s.terminationGracePeriodSeconds=%d must be longer than drainSeconds + toolTimeoutMs (%ds): Kubernetes would kill in-flight tool calls. Leave it 0 to compute it." $name $tgps $floor) }}
{{- end }}
{{- $_ := set $s "terminationGracePeriodSeconds" $tgps }}
{{- $_ := set $s "replicasFloor" (ternary $s.autoscaling.minReplicas $s.replicaCount $s.autoscaling.enabled | int64) }}
{{- if $s.enabled }}
{{- include "mcp-platform.validateServer" (dict "s" $s "toolSeconds" $toolSeconds) }}
{{- end }}
{{- toYaml $s }}
{{- end }}

{{/* Rules no schema can express; each failure says how to fix it. ctx: dict "s" "toolSeconds" */}}
{{- define "mcp-platform.validateServer" -}}
{{- $s := .s }}
{{- $p := printf "servers.%s" $s.name }}
{{- if ne ($s.auth.mode | toString) "oauth" }}
{{- fail (printf "%s.auth.mode=%q is refused: only \"oauth\" is supported in a cluster. Mode \"none\" serves every tool without authentication and the servers accept it only on a loopback address; for a smoke test use auth.serviceTokens instead." $p ($s.auth.mode | toString)) }}
{{- end }}
{{- if not $s.auth.issuer }}
{{- fail (printf "%s.auth.issuer is empty: set the OAuth issuer URL of your identity provider (serverDefaults.auth.issuer for all servers)." $p) }}
{{- end }}
{{- if and $s.ingress.enabled (not $s.ingress.tls.enabled) (not $s.ingress.allowInsecure) }}
{{- fail (printf "%s.ingress.tls.enabled=false would publish OAuth bearer tokens in clear text. Keep TLS on, or set %s.ingress.allowInsecure=true for a throwaway cluster." $p $p) }}
{{- end }}
{{- if and $s.ingress.enabled (le (int64 $s.ingress.proxyTimeoutSeconds) (int64 .toolSeconds)) }}
{{- fail (printf "%s.ingress.proxyTimeoutSeconds=%d must exceed toolTimeoutMs (%ds), or the proxy cuts streamed tool results." $p (int64 $s.ingress.proxyTimeoutSeconds) (int64 .toolSeconds)) }}
{{- end }}
{{- if and (not $s.ingress.enabled) (not $s.publicUrl) }}
{{- fail (printf "%s.publicUrl is required when the chart's Ingress is off: it is the external https base URL clients use (the OAuth audience is <publicUrl>/mcp)." $p) }}
{{- end }}
{{- if not $s.database.existingSecret }}
{{- fail (printf "%s.database.existingSecret is empty: name the Secret holding DATABASE_URL (key %q)." $p $s.database.key) }}
{{- end }}
{{- if not $s.requestState.existingSecret }}
{{- fail (printf "%s.requestState.existingSecret is empty: name the Secret holding REQUEST_STATE_SECRET (>= 32 random bytes, the same for every replica)." $p) }}
{{- end }}
{{- /* Set by the chart from auditDatabase and tracing. */}}
{{- $reservedTrail := list "AUDIT_DATABASE_URL" "AUDIT_MIGRATE_DATABASE_URL" "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" "OTEL_TRACES_SAMPLER" "OTEL_TRACES_SAMPLER_ARG" }}
{{- if gt (int64 $s.httpKeepAliveHintMs) (int64 $s.httpIdleTimeoutMs) }}
{{- fail (printf "%s.httpKeepAliveHintMs=%d is longer than httpIdleTimeoutMs=%d: the server must keep a connection at least as long as it tells clients it will." $p (int64 $s.httpKeepAliveHintMs) (int64 $s.httpIdleTimeoutMs)) }}
{{- end }}
{{- if and $s.autoscaling.enabled (gt (int64 $s.autoscaling.minReplicas) (int64 $s.autoscaling.maxReplicas)) }}
{{- fail (printf "%s.autoscaling.minReplicas (%d) is above maxReplicas (%d)." $p (int64 $s.autoscaling.minReplicas) (int64 $s.autoscaling.maxReplicas)) }}
{{- end }}
{{- $reserved := list "HOST" "PORT" "LOG_LEVEL" "PUBLIC_URL" "AUTH_MODE" "OAUTH_ISSUER" "OAUTH_JWKS_URL" "OAUTH_AUDIENCE" "OAUTH_SCOPE_CLAIM" "OAUTH_ROLE_CLAIM" "OAUTH_ROLE_SCOPES" "OAUTH_SCOPE_PREFIX" "OAUTH_ALGORITHMS" "SERVICE_TOKENS" "ALLOWED_ORIGINS" "CORS_ALLOWED_ORIGINS" "TRUST_PROXY" "RATE_LIMIT_PER_MINUTE" "RATE_LIMIT_OVERRIDES" "DATABASE_URL" "REDIS_URL" "REQUEST_STATE_SECRET" "AUDIT_SPOOL_DIR" "AUDIT_SPOOL_MAX_BYTES" "MIGRATE_DATABASE_URL" "DATABASE_RUNTIME_ROLE" "TOOL_TIMEOUT_MS" "SHUTDOWN_GRACE_MS" "HTTP_REQUEST_TIMEOUT_MS" "HTTP_HEADERS_TIMEOUT_MS" "HTTP_IDLE_TIMEOUT_MS" "HTTP_KEEP_ALIVE_HINT_MS" "AUDIT_REFUSALS_PER_MINUTE" "CONSOLE_OIDC_ISSUER" "CONSOLE_OIDC_CLIENT_ID" "CONSOLE_OIDC_CLIENT_SECRET" "CONSOLE_SESSION_SECRET" "APPROVAL_WEBHOOK_URLS" "APPROVAL_WEBHOOK_FORMAT" "APPROVAL_WEBHOOK_SECRET" "NODE_ENV" "HTTPS_PROXY" "NO_PROXY" "NODE_USE_ENV_PROXY" }}
{{- range $key, $_ := $s.env }}
{{- if or (has $key $reserved) (has $key $reservedTrail) }}
{{- fail (printf "%s.env.%s is set by the chart from its own value; use that value instead (see values.yaml)." $p $key) }}
{{- end }}
{{- if regexMatch "(SECRET|PASSWORD|TOKEN|PRIVATE_KEY|CREDENTIAL|API_KEY)" (upper $key) }}
{{- fail (printf "%s.env.%s looks like a credential: values files are not secret. Put it in a Secret and reference it with %s.envFromSecrets, secretEnv or secretFiles." $p $key $p) }}
{{- end }}
{{- end }}
{{- range $f := $s.secretFiles }}
{{- if or (has $f.env $reserved) (has $f.env $reservedTrail) }}
{{- fail (printf "%s.secretFiles: env %s is set by the chart itself." $p $f.env) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Environment of a server container (Deployment and migration Job alike): plain settings
inline, every credential from an existing Secret. ctx: dict "root" "s"
*/}}
{{- define "mcp-platform.env" -}}
{{- $s := .s -}}
- name: NODE_ENV
  value: production
- name: HOST
  value: "0.0.0.0"
- name: PORT
  value: {{ $s.containerPort | int64 | quote }}
- name: LOG_LEVEL
  value: {{ $s.logLevel | quote }}
- name: PUBLIC_URL
  value: {{ $s.publicUrl | quote }}
- name: AUTH_MODE
  value: {{ $s.auth.mode | quote }}
- name: OAUTH_ISSUER
  value: {{ $s.auth.issuer | quote }}
{{- with $s.auth.jwksUrl }}
- name: OAUTH_JWKS_URL
  value: {{ . | quote }}
{{- end }}
{{- with $s.auth.audience }}
- name: OAUTH_AUDIENCE
  value: {{ . | quote }}
{{- end }}
{{- range $var, $key := dict "OAUTH_SCOPE_CLAIM" "scopeClaim" "OAUTH_ROLE_CLAIM" "roleClaim" "OAUTH_ROLE_SCOPES" "roleScopes" "OAUTH_SCOPE_PREFIX" "scopePrefix" }}
{{- with get $s.auth $key }}
- name: {{ $var }}
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- with $s.auth.algorithms }}
- name: OAUTH_ALGORITHMS
  value: {{ join "," . | quote }}
{{- end }}
{{- with $s.auth.serviceTokens.existingSecret }}
- name: SERVICE_TOKENS
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $s.auth.serviceTokens.key | quote }}
{{- end }}
{{- with $s.allowedOrigins }}
- name: ALLOWED_ORIGINS
  value: {{ join "," . | quote }}
{{- end }}
{{- with $s.corsAllowedOrigins }}
- name: CORS_ALLOWED_ORIGINS
  value: {{ join "," . | quote }}
{{- end }}
- name: TRUST_PROXY
  value: {{ $s.trustProxy | toString | quote }}
- name: RATE_LIMIT_PER_MINUTE
  value: {{ $s.rateLimit.perMinute | int64 | quote }}
{{- with $s.rateLimit.overrides }}
- name: RATE_LIMIT_OVERRIDES
  value: {{ include "mcp-platform.overrides" . | quote }}
{{- end }}
- name: TOOL_TIMEOUT_MS
  value: {{ $s.toolTimeoutMs | int64 | quote }}
- name: SHUTDOWN_GRACE_MS
  value: {{ $s.shutdownGraceMs | int64 | quote }}
- name: HTTP_REQUEST_TIMEOUT_MS
  value: {{ $s.httpRequestTimeoutMs | int64 | quote }}
- name: HTTP_HEADERS_TIMEOUT_MS
  value: {{ $s.httpHeadersTimeoutMs | int64 | quote }}
- name: HTTP_IDLE_TIMEOUT_MS
  value: {{ $s.httpIdleTimeoutMs | int64 | quote }}
- name: HTTP_KEEP_ALIVE_HINT_MS
  value: {{ $s.httpKeepAliveHintMs | int64 | quote }}
- name: AUDIT_REFUSALS_PER_MINUTE
  value: {{ $s.auditRefusalsPerMinute | int64 | quote }}
- name: AUDIT_SPOOL_DIR
  value: {{ $s.auditSpool.mountPath | quote }}
- name: AUDIT_SPOOL_MAX_BYTES
  value: {{ $s.auditSpool.maxBytes | int64 | quote }}
{{- with $s.auditDatabase.existingSecret }}
- name: AUDIT_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $s.auditDatabase.key | default $s.name | quote }}
{{- end }}
{{- with $s.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  value: {{ . | quote }}
- name: OTEL_TRACES_SAMPLER
  value: {{ $s.tracing.sampler | quote }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ $s.tracing.samplerRatio | toString | quote }}
{{- end }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $s.database.existingSecret | quote }}
      key: {{ $s.database.key | quote }}
{{- with $s.redis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $s.redis.key | quote }}
{{- end }}
- name: REQUEST_STATE_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $s.requestState.existingSecret | quote }}
      key: {{ $s.requestState.key | quote }}
{{- with $s.approvals }}
{{- with .console.issuer }}
- name: CONSOLE_OIDC_ISSUER
  value: {{ . | quote }}
{{- end }}
{{- with .console.existingSecret }}
{{- $secret := . }}
{{- range $var := list "CONSOLE_OIDC_CLIENT_ID" "CONSOLE_OIDC_CLIENT_SECRET" "CONSOLE_SESSION_SECRET" }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret | quote }}
      key: {{ $var }}
{{- end }}
{{- end }}
{{- if .webhooks.urls }}
{{- if not .webhooks.existingSecret }}
{{- fail "approvals.webhooks.existingSecret is empty: name the Secret holding APPROVAL_WEBHOOK_SECRET (>= 32 random bytes) that signs the notifications." }}
{{- end }}
- name: APPROVAL_WEBHOOK_URLS
  value: {{ join "," .webhooks.urls | quote }}
- name: APPROVAL_WEBHOOK_FORMAT
  value: {{ .webhooks.format | default "json" | quote }}
- name: APPROVAL_WEBHOOK_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .webhooks.existingSecret | quote }}
      key: {{ .webhooks.key | quote }}
{{- end }}
{{- end }}
{{- with $s.egressProxy.url }}
- name: HTTPS_PROXY
  value: {{ . | quote }}
- name: NO_PROXY
  value: {{ join "," $s.egressProxy.noProxy | quote }}
- name: NODE_USE_ENV_PROXY
  value: "1"
{{- end }}
{{- range $key := keys $s.env | sortAlpha }}
- name: {{ $key }}
  value: {{ get $s.env $key | toString | quote }}
{{- end }}
{{- range $key := keys $s.secretEnv | sortAlpha }}
{{- $ref := get $s.secretEnv $key }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.secretName | quote }}
      key: {{ $ref.key | quote }}
{{- end }}
{{- range $f := $s.secretFiles }}
- name: {{ $f.env }}
  value: {{ printf "/var/run/secrets/mcp/%s/%s" $f.secretName $f.key | quote }}
{{- end }}
{{- end }}

{{/* {tool: limit} as RATE_LIMIT_OVERRIDES wants it: tool=limit,tool2=limit (sorted). */}}
{{- define "mcp-platform.overrides" -}}
{{- $parts := list }}
{{- range $tool := keys . | sortAlpha }}
{{- $parts = append $parts (printf "%s=%d" $tool (get $ $tool | int64)) }}
{{- end }}
{{- join "," $parts }}
{{- end }}

{{/* What only the migration Job gets: the owner role and the role to grant to. ctx: dict "s" */}}
{{- define "mcp-platform.migrationEnv" -}}
{{- $m := .s.migrations }}
{{- with $m.database.existingSecret }}
- name: MIGRATE_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $m.database.key | quote }}
{{- end }}
{{- with $m.runtimeRole }}
- name: DATABASE_RUNTIME_ROLE
  value: {{ . | quote }}
{{- end }}
{{- with .s.auditDatabase.migrate.existingSecret }}
- name: AUDIT_MIGRATE_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $.s.auditDatabase.migrate.key | quote }}
{{- end }}
{{- end }}

{{/* envFrom: whole backend Secrets whose keys are variable names. ctx: dict "s" */}}
{{- define "mcp-platform.envFrom" -}}
{{- range $secret := .s.envFromSecrets }}
- secretRef:
    name: {{ $secret | quote }}
{{- end }}
{{- end }}

{{/* Writable mounts of a read-only root filesystem, plus mounted secret files. ctx: dict "s" */}}
{{- define "mcp-platform.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: audit-spool
  mountPath: {{ .s.auditSpool.mountPath }}
{{- $seen := dict }}
{{- range $f := .s.secretFiles }}
{{- if not (hasKey $seen $f.secretName) }}
{{- $_ := set $seen $f.secretName true }}
- name: {{ printf "secret-%s" $f.secretName | trunc 63 | trimSuffix "-" }}
  mountPath: {{ printf "/var/run/secrets/mcp/%s" $f.secretName }}
  readOnly: true
{{- end }}
{{- end }}
{{- end }}

{{/* Volumes matching mcp-platform.volumeMounts. ctx: dict "s" */}}
{{- define "mcp-platform.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .s.tmpSizeLimit }}
- name: audit-spool
  emptyDir:
    sizeLimit: {{ .s.auditSpool.sizeLimit }}
{{- $files := dict }}
{{- range $f := .s.secretFiles }}
{{- $_ := set $files $f.secretName (append (get $files $f.secretName | default list) $f.key) }}
{{- end }}
{{- range $secretName := keys $files | sortAlpha }}
- name: {{ printf "secret-%s" $secretName | trunc 63 | trimSuffix "-" }}
  secret:
    secretName: {{ $secretName | quote }}
    defaultMode: 0440
    items:
      {{- range $key := get $files $secretName | uniq }}
      - key: {{ $key | quote }}
        path: {{ $key | quote }}
      {{- end }}
{{- end }}
{{- end }}

{{/* Pod-level scheduling and security shared by the Deployment and the migration Job. ctx: dict "root" "s" */}}
{{- define "mcp-platform.podCommon" -}}
automountServiceAccountToken: false
{{- with .s.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . | quote }}
  {{- end }}
{{- end }}
securityContext:
  {{- toYaml .s.podSecurityContext | nindent 2 }}
{{- with .s.priorityClassName }}
priorityClassName: {{ . | quote }}
{{- end }}
{{- with .s.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .s.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
One NetworkPolicy peer from {namespaceSelector, podSelector}. Only non-empty selectors are
written: podSelector alone = pods of the release namespace. Callers skip a peer naming nothing.
*/}}
{{- define "mcp-platform.npPeer" -}}
{{- with .namespaceSelector }}
namespaceSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .podSelector }}
podSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
One egress rule to a peer {cidrs, namespaceSelector, podSelector} on ports (TCP unless
"protocols" says otherwise). A peer that names nothing allows any destination, still on those
ports only. ctx: dict "peer" "ports" ["protocols"]
*/}}
{{- define "mcp-platform.npRule" -}}
{{- $p := .peer }}
{{- if or $p.cidrs $p.namespaceSelector $p.podSelector }}
to:
  {{- range $p.cidrs }}
  - ipBlock:
      cidr: {{ . | quote }}
  {{- end }}
  {{- if or $p.namespaceSelector $p.podSelector }}
  - {{- include "mcp-platform.npPeer" $p | nindent 4 }}
  {{- end }}
{{- end }}
ports:
  {{- range $port := .ports }}
  {{- range $proto := $.protocols | default (list "TCP") }}
  - port: {{ $port | int64 }}
    protocol: {{ $proto }}
  {{- end }}
  {{- end }}
{{- end }}
