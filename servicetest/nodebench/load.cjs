'use strict';
// Drives one service with autocannon (10 connections) for SECONDS and
// prints {"rps": requests per second, "p99": latency ms, "total":
// requests} as JSON.
//   node load.cjs URL SECONDS
//
// The p99 is of every 2xx response's own time, in fractions of a
// millisecond: autocannon's histogram keeps whole milliseconds, a step of
// 4 to 9 % at the p99 of a service alone on its core.
const autocannon = require('autocannon');
const [url, seconds] = [process.argv[2], Number(process.argv[3] || 10)];
const times = [];
const instance = autocannon({ url, connections: 10, duration: seconds });
instance.on('response', (_client, status, _bytes, ms) => {
  if (status >= 200 && status < 300) {
    times.push(ms);
  }
});
instance.then((r) => {
  if (r.non2xx || r.errors) {
    console.error(`non-2xx: ${r.non2xx}, errors: ${r.errors}`);
    process.exit(1);
  }
  times.sort((a, b) => a - b);
  const p99 = times.length ? times[Math.ceil(times.length * 0.99) - 1] : 0;
  console.log(JSON.stringify({ rps: r.requests.average, p99, total: r.requests.total }));
});
