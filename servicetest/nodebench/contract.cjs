'use strict';
// The hand-wired setup that keeps the generated module's contract: the
// NodeSDK with a resource, the stable HTTP metric in seconds with the SLO
// buckets and only low-cardinality labels, health checks left out,
// OTLP traces, the Prometheus exporter, @sentry/node linked to
// OpenTelemetry. Each piece as its documentation sets it up.
process.env.OTEL_SEMCONV_STABILITY_OPT_IN = 'http';
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { AggregationType, createAllowListAttributesProcessor } = require('@opentelemetry/sdk-metrics');
const Sentry = require('@sentry/node');

const probes = new Set(['/healthz', '/readyz']);
new NodeSDK({
  resource: resourceFromAttributes({ 'service.name': 'svc-bench', 'service.version': '1.4.2', 'deployment.environment.name': 'production' }),
  traceExporter: new OTLPTraceExporter(),
  metricReaders: [new PrometheusExporter({ host: '127.0.0.1', port: Number(process.env.OTEL_EXPORTER_PROMETHEUS_PORT), withoutScopeInfo: true })],
  views: [{
    instrumentName: 'http.server.request.duration',
    aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.3, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] } },
    attributesProcessors: [createAllowListAttributesProcessor(['http.request.method', 'http.response.status_code', 'http.route', 'error.type'])],
  }],
  instrumentations: [new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => probes.has(req.url.split('?')[0]) })],
  logRecordProcessors: [],
}).start();
Sentry.init({ dsn: process.env.SENTRY_DSN, integrations: [Sentry.openTelemetryIntegration()] });
