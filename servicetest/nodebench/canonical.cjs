'use strict';
// The minimal hand-wired setup: the OpenTelemetry NodeSDK with the HTTP
// instrumentation, OTLP traces and the Prometheus exporter, and
// @sentry/node linked to OpenTelemetry, each as its documentation's first
// example sets it up. Loaded with node --import, like the generated
// register file.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const Sentry = require('@sentry/node');

new NodeSDK({
  traceExporter: new OTLPTraceExporter(),
  metricReaders: [new PrometheusExporter({ host: '127.0.0.1', port: Number(process.env.OTEL_EXPORTER_PROMETHEUS_PORT) })],
  instrumentations: [new HttpInstrumentation()],
  logRecordProcessors: [],
}).start();
Sentry.init({ dsn: process.env.SENTRY_DSN, integrations: [Sentry.openTelemetryIntegration()] });
