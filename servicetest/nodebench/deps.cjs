'use strict';
// The dependency benchmark's client (BenchmarkNodeDependencies): n
// sequential pg queries, then n ioredis GETs, each in its own active span
// as a request's would be, after a warm-up, timed per call. Run bare
// (`node deps.cjs bare N`) it uses the clients alone; run instrumented
// (`node --import <register> deps.cjs instrumented N`) the generated
// module's instrumentations patch them and observePostgres/observeRedis
// time them. It prints {"span_us": ..., "query_us": ..., "redis_us": ...}:
// microseconds per empty span, per query and per GET (each in its span).
const pg = require('pg');
const { Redis } = require('ioredis');
const { trace } = require('@opentelemetry/api');

async function main() {
  const [mode, count] = process.argv.slice(2);
  const n = Number(count);
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  const redis = new Redis(process.env.REDIS_URL);
  if (mode === 'instrumented') {
    const { observePostgres, observeRedis } = require(process.env.DEPENDENCIES_MODULE);
    observePostgres('postgres', pool);
    observeRedis('redis', redis);
  }
  await redis.set('bench', 'value');
  // Without the SDK (bare) the API's tracer makes non-recording spans:
  // the same code runs, only the instrumentation's work is missing.
  const tracer = trace.getTracer('bench');
  const inSpan = (fn) => tracer.startActiveSpan('request', async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
  const time = async (fn) => {
    for (let i = 0; i < 500; i++) {
      await inSpan(fn);
    }
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await inSpan(fn);
    }
    return ((performance.now() - t0) * 1000) / n;
  };
  // The request's span alone: recorded with the SDK, not without it. It
  // is the request's cost, not the call's, and is subtracted.
  const span = await time(() => Promise.resolve());
  const query = await time(() => pool.query('SELECT $1::int + 1 AS n', [7]));
  const get = await time(() => redis.get('bench'));
  process.stdout.write(JSON.stringify({ span_us: span, query_us: query, redis_us: get }) + '\n');
  await pool.end();
  redis.disconnect();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
