'use strict';
// Drives one service with autocannon (10 connections) for SECONDS and
// prints {"rps": requests per second, "p99": latency ms, "total":
// requests} as JSON.
//   node load.cjs URL SECONDS
const autocannon = require('autocannon');
const [url, seconds] = [process.argv[2], Number(process.argv[3] || 10)];
autocannon({ url, connections: 10, duration: seconds }).then((r) => {
  if (r.non2xx || r.errors) {
    console.error(`non-2xx: ${r.non2xx}, errors: ${r.errors}`);
    process.exit(1);
  }
  console.log(JSON.stringify({ rps: r.requests.average, p99: r.latency.p99, total: r.requests.total }));
});
