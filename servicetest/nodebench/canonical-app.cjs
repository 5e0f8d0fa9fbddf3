'use strict';
// The benchmark app, hand-wired the minimal way: pino JSON lines with the
// trace IDs from the active span, one access line per request, Sentry's
// error handler. It keeps less of the contract than the generated module
// (no request IDs, no route on the metric, the old-conventions metric in
// milliseconds, no security headers): contract-app.cjs keeps all of it.
const express = require('express');
const { pino } = require('pino');
const { context, trace } = require('@opentelemetry/api');
const Sentry = require('@sentry/node');

const logger = pino({
  mixin() {
    const sc = trace.getSpan(context.active())?.spanContext();
    return sc ? { trace_id: sc.traceId, span_id: sc.spanId } : {};
  },
});
const app = express();
app.use((req, res, next) => {
  const start = performance.now();
  res.once('finish', () => logger.info({ method: req.method, route: req.route?.path, status: res.statusCode, duration_ms: performance.now() - start }, 'request'));
  next();
});
app.get('/hello/:name', (req, res) => res.json({ hello: req.params.name }));
Sentry.setupExpressErrorHandler(app);
app.listen(Number(process.env.PORT), '127.0.0.1');
