'use strict';
// Drives one service with autocannon: a warm-up, then the measured run.
// Prints {"rps": requests per second, "p99": latency ms} as JSON.
const autocannon = require('autocannon');
const [url, seconds] = [process.argv[2], Number(process.argv[3] || 10)];
const run = (duration) => autocannon({ url, connections: 10, duration });
run(3).then(() => run(seconds)).then((r) => {
  if (r.non2xx || r.errors) {
    console.error(`non-2xx: ${r.non2xx}, errors: ${r.errors}`);
    process.exit(1);
  }
  console.log(JSON.stringify({ rps: r.requests.average, p99: r.latency.p99 }));
});
