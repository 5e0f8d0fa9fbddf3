'use strict';
// The benchmark app, hand-wired to the generated module's contract with
// the documented pieces: pino JSON lines with the service's fields, a
// trace-ID mixin and a child logger per request for its request ID
// (redaction by pino's paths), X-Request-ID in and out, the security
// headers, the route template on the span and metric (prepended, so it is
// set before the HTTP instrumentation's own listener records them), one
// access line per request, http.server.active_requests as the up-down
// counter the semantic conventions name, the probes, Sentry's error
// handler.
const { randomUUID } = require('node:crypto');
const express = require('express');
const { pino } = require('pino');
const { context, metrics, trace, TraceFlags } = require('@opentelemetry/api');
const { getRPCMetadata, RPCType } = require('@opentelemetry/core');
const Sentry = require('@sentry/node');

const logger = pino({
  messageKey: 'msg',
  base: { service: 'svc-bench', version: '1.4.2', environment: 'production' },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  redact: ['password', 'token', 'authorization', 'cookie', '*.password', '*.token', '*.authorization', '*.cookie'],
  mixin() {
    const sc = trace.getSpan(context.active())?.spanContext();
    return sc ? { trace_id: sc.traceId, span_id: sc.spanId, trace_sampled: (sc.traceFlags & TraceFlags.SAMPLED) !== 0 } : {};
  },
});
const active = metrics.getMeter('app').createUpDownCounter('http.server.active_requests');
const app = express();
app.get('/healthz', (req, res) => res.json({ status: 'ok' }));
app.get('/readyz', (req, res) => res.json({ status: 'ok' }));
app.use((req, res, next) => {
  const start = performance.now();
  const id = req.get('x-request-id') || randomUUID();
  const log = logger.child({ request_id: id });
  res.set({ 'x-request-id': id, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'" });
  const attrs = { 'http.request.method': req.method, 'url.scheme': req.protocol };
  active.add(1, attrs);
  res.prependOnceListener('finish', () => {
    active.add(-1, attrs);
    const route = req.route ? req.baseUrl + req.route.path : '';
    const rpc = getRPCMetadata(context.active());
    if (route && rpc?.type === RPCType.HTTP) rpc.route = route;
    log.info({ method: req.method, route, path: req.path, status: res.statusCode, duration_ms: performance.now() - start, bytes: Number(res.get('content-length') || 0) }, 'request');
  });
  next();
});
app.get('/hello/:name', (req, res) => res.json({ hello: req.params.name }));
Sentry.setupExpressErrorHandler(app);
app.listen(Number(process.env.PORT), '127.0.0.1');
