{{/* Names and labels. */}}
{{- define "confera.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "confera.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "web"). */}}
{{- define "confera.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "confera.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "confera.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "confera.fullname" .)) -}}
{{- end -}}

{{/* The web's in-cluster host name: the nodes' WEB_URL and NODE_API_HOSTS. */}}
{{- define "confera.webInternalHost" -}}
{{ include "confera.fullname" . }}-web.{{ .Release.Namespace }}.svc
{{- end -}}

{{- define "confera.webUrl" -}}
http://{{ include "confera.webInternalHost" . }}:{{ .Values.web.port }}
{{- end -}}

{{- define "confera.sfuPublicDomain" -}}
{{ required "sfu.publicDomain is required: each media node's wss:// name is <pod>.<publicDomain>" .Values.sfu.publicDomain }}
{{- end -}}

{{/* The settings of the web, the worker and the migration Job that are no
     secret (the ConfigMap's data). */}}
{{- define "confera.config" -}}
CONFERA_ENV: production
CONFERA_INSTANCE_PATH: /var/lib/confera
PUBLIC_SCHEME: {{ .Values.publicScheme | quote }}
PORT: {{ .Values.web.port | quote }}
WEB_WORKERS: {{ .Values.web.workers | quote }}
WEB_THREADS: {{ .Values.web.threads | quote }}
WEB_GRACEFUL_TIMEOUT_SECONDS: {{ .Values.web.gracefulTimeoutSeconds | quote }}
STORAGE_URL: {{ required "storage.url is required (s3://bucket/prefix)" .Values.storage.url | quote }}
{{- with .Values.storage.s3EndpointUrl }}
S3_ENDPOINT_URL: {{ . | quote }}
{{- end }}
STORAGE_BUCKET_PER_COMPANY: {{ ternary "1" "0" .Values.storage.bucketPerCompany | quote }}
DATABASE_POOL_SIZE: {{ .Values.database.poolSize | quote }}
DATABASE_MAX_OVERFLOW: {{ .Values.database.maxOverflow | quote }}
NODE_API_HOSTS: {{ include "confera.webInternalHost" . | quote }}
MEDIA_NODE_ALLOWED_HOSTS: {{ append .Values.mediaNodeAllowedHosts (printf "*.%s" (include "confera.sfuPublicDomain" .)) | join "," | quote }}
{{- with .Values.ingress.trustedProxies }}
TRUSTED_PROXIES: {{ join "," . | quote }}
{{- end }}
{{- with .Values.iceServers }}
ICE_SERVERS: {{ join "," . | quote }}
{{- end }}
{{- range $name, $value := .Values.config }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The Secret's data: the given values, base64. */}}
{{- define "confera.secretData" -}}
{{- $s := .Values.secrets -}}
SECRET_KEY: {{ required "secrets.secretKey is required (or secrets.existingSecret)" $s.secretKey | b64enc | quote }}
MEDIA_NODE_SECRET: {{ required "secrets.mediaNodeSecret is required (or secrets.existingSecret)" $s.mediaNodeSecret | b64enc | quote }}
DATABASE_URL: {{ required "secrets.databaseUrl is required (or secrets.existingSecret)" $s.databaseUrl | b64enc | quote }}
{{- range $key, $name := dict "smtpUrl" "SMTP_URL" "redisUrl" "REDIS_URL" "joinTokenPrivateKey" "JOIN_TOKEN_PRIVATE_KEY" "awsAccessKeyId" "AWS_ACCESS_KEY_ID" "awsSecretAccessKey" "AWS_SECRET_ACCESS_KEY" "metricsToken" "METRICS_TOKEN" }}
{{- with index $s $key }}
{{ $name }}: {{ . | b64enc | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* An environment variable from the Secret: (dict "root" $ "key" "X" "optional" true). */}}
{{- define "confera.secretEnv" -}}
- name: {{ .key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "confera.secretName" .root }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/* The pod's own name and addresses, for the settings that name them. */}}
{{- define "confera.podEnv" -}}
- name: POD_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.name}}
- name: POD_IP
  valueFrom: {fieldRef: {fieldPath: status.podIP}}
- name: HOST_IP
  valueFrom: {fieldRef: {fieldPath: status.hostIP}}
- name: NODE_NAME
  valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
{{- end -}}

{{/* Writable folders under a read-only root file system. */}}
{{- define "confera.scratchVolumes" -}}
- name: tmp
  emptyDir: {}
- name: instance
  emptyDir: {}
{{- end -}}

{{- define "confera.scratchMounts" -}}
- name: tmp
  mountPath: /tmp
- name: instance
  mountPath: /var/lib/confera
{{- end -}}

{{/* PostgreSQL connections at the most replicas (values.yaml, database). */}}
{{- define "confera.connectionBudget" -}}
{{- $db := .Values.database -}}
{{- $pool := add $db.poolSize $db.maxOverflow -}}
{{- $rateLimit := ternary 0 10 (or (ne .Values.secrets.redisUrl "") .Values.secrets.existingSecretHasRedisUrl) -}}
{{- $webPods := ternary .Values.web.autoscaling.maxReplicas .Values.web.replicas .Values.web.autoscaling.enabled -}}
{{- $web := mul $webPods .Values.web.workers (add $pool 1 $rateLimit) -}}
{{- $worker := mul .Values.worker.replicas (add $pool 1) -}}
{{- $total := add $web $worker 1 -}}
{{- $available := sub $db.maxConnections $db.reservedConnections -}}
{{- if gt (int $total) (int $available) -}}
{{- fail (printf "PostgreSQL connections: the processes may open %d (web %d x %d workers x (pool %d + 1 listener + %d rate limits) + worker %d + migration 1), more than database.maxConnections %d - reservedConnections %d = %d: lower the pools or replicas, set secrets.redisUrl, or raise max_connections" (int $total) (int $webPods) (int .Values.web.workers) (int $pool) (int $rateLimit) (int $worker) (int $db.maxConnections) (int $db.reservedConnections) (int $available)) -}}
{{- end -}}
{{- $total -}}
{{- end -}}
