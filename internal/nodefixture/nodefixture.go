// Package nodefixture writes the Node services the tests generate for: a
// small Express or Fastify app, as a repository looks before obsgen runs
// in it. servicetest runs every variant; e2e runs one through the stack.
package nodefixture

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/obsgen/obsgen/generators/nodecode"
)

// Write writes a small real service into dir: package.json, the app, and
// for TypeScript a tsconfig.json, the way such a repo looks before obsgen.
// The package is named svc-<name>; framework is express or fastify,
// moduleType commonjs or module.
func Write(dir, name, framework, moduleType string, ts bool) error {
	fw := nodecode.Frameworks[framework]
	pkg := map[string]any{
		"name": "svc-" + name, "version": "1.4.2", "private": true, "type": moduleType,
		"dependencies": map[string]string{fw.Name: fw.Version},
	}
	main := "server.js"
	if ts {
		main = "dist/server.js"
		dev := map[string]string{}
		for _, d := range nodecode.TypeScript {
			dev[d.Name] = d.Version
		}
		if framework == "express" {
			dev["@types/express"] = "5.0.6"
		}
		pkg["devDependencies"] = dev
		pkg["scripts"] = map[string]string{"build": "tsc -p .", "start": "node " + main}
	} else {
		pkg["main"] = main
	}
	data, _ := json.MarshalIndent(pkg, "", "  ")
	files := map[string]string{"package.json": string(data)}
	src := nodeApp(framework, moduleType == "module" || ts, ts)
	if ts {
		files["src/server.ts"] = src
		files["tsconfig.json"] = `{
  // The usual Node setup: src compiled to dist.
  "compilerOptions": {
    "target": "es2022", "module": "nodenext", "moduleResolution": "nodenext",
    "rootDir": "src", "outDir": "dist", "strict": true, "esModuleInterop": true,
    "skipLibCheck": true, "types": ["node"]
  },
  "include": ["src"]
}
`
	} else {
		files[main] = src
	}
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// nodeApp is the service's own code: a route with a parameter, one that
// throws, one that says which tracer provider is global, and the routes
// the conformance suite reads (/log, /errors, /fail, /upload). /errors
// reports with the generated reportError.
func nodeApp(framework string, esm, ts bool) string {
	ext := ".cjs"
	switch {
	case ts:
		ext = ".js"
	case esm:
		ext = ".mjs"
	}
	mod := "./src/observability/" + framework + ext
	if ts {
		mod = "./observability/" + framework + ext
	}
	var b strings.Builder
	if framework == "express" {
		if esm {
			fmt.Fprintf(&b, "import express from 'express';\nimport { context, propagation, trace } from '@opentelemetry/api';\nimport { observe, errorHandler, closeOnShutdown, logger, reportError } from '%s';\n", mod)
		} else {
			fmt.Fprintf(&b, "'use strict';\nconst express = require('express');\nconst { context, propagation, trace } = require('@opentelemetry/api');\nconst { observe, errorHandler, closeOnShutdown, logger, reportError } = require('%s');\n", mod)
		}
		b.WriteString(shared(ts))
		b.WriteString(`
const app = express();
observe(app);
// The service's own load shedder, after obsgen's middleware: the probes
// must never reach it.
app.use((req, res, next) => {
  if (req.headers['x-overloaded']) {
    res.status(503).json({ error: 'overloaded' });
    return;
  }
  next();
});
app.get('/hello/:name', (req, res) => {
  logger.info({ password: 'hunter2' }, 'saying hello');
  res.json({ hello: req.params.name });
});
app.get('/panic', () => {
  throw new Error('example panic');
});
app.get('/log', (req, res) => {
  logLines(req);
  res.json({ logged: true });
});
app.get('/errors', (_req, res) => {
  errorStorm();
  res.json({ logged: true });
});
app.get('/fail', (_req, res) => {
  res.status(503).json({ error: 'inventory backend down' });
});
app.post('/upload', express.raw({ type: () => true, limit: '10mb' }), (req, res) => {
  res.json({ bytes: (req.body` + tsOnly(ts, " as Buffer") + `).length });
});
app.get('/crash', (_req, res) => {
  setImmediate(() => {
    throw new Error('crash example');
  });
  res.json({ crashing: true });
});
app.get('/debug/tracer-provider', (_req, res) => {
  res.json({ provider: (trace.getTracerProvider()` + tsOnly(ts, " as any") + `).getDelegate().constructor.name });
});
const api = express.Router();
api.get('/user', (req, res, next) => {
  if (req.query.deny) {
    next(Object.assign(new Error('unauthorized'), { status: 401 }));
    return;
  }
  if (req.query.shed) {
    next(Object.assign(new Error('overloaded'), { status: 503 }));
    return;
  }
  if (req.query.boom) {
    next(new Error('user store down'));
    return;
  }
  res.json({ user: 'ana' });
});
// The API's own error format: a final error middleware that answers
// without calling next, so no error of /api reaches obsgen's errorHandler.
api.use((err` + tsOnly(ts, ": any") + `, _req` + tsOnly(ts, ": express.Request") + `, res` + tsOnly(ts, ": express.Response") + `, _next` + tsOnly(ts, ": express.NextFunction") + `) => {
  res.status(err.status || 500).json({ api_error: err.status ? err.message : 'internal' });
});
app.use('/api', api);
app.use(errorHandler);
closeOnShutdown(app.listen(Number(process.env.PORT), '127.0.0.1'));
`)
		return b.String()
	}
	if esm {
		fmt.Fprintf(&b, "import Fastify from 'fastify';\nimport { context, propagation, trace } from '@opentelemetry/api';\nimport { observe, logger, reportError } from '%s';\n", mod)
	} else {
		fmt.Fprintf(&b, "'use strict';\nconst Fastify = require('fastify');\nconst { context, propagation, trace } = require('@opentelemetry/api');\nconst { observe, logger, reportError } = require('%s');\n", mod)
	}
	b.WriteString(shared(ts))
	b.WriteString(`
const app = Fastify();
observe(app);
// The service's own load shedder, after obsgen's hooks: the probes must
// never reach it.
app.addHook('onRequest', async (req, reply) => {
  if (req.headers['x-overloaded']) {
    reply.code(503).send({ error: 'overloaded' });
    return reply;
  }
});
app.get('/hello/:name', async (req) => {
  logger.info({ password: 'hunter2' }, 'saying hello');
  return { hello: (req.params` + tsOnly(ts, " as { name: string }") + `).name };
});
app.get('/panic', async () => {
  throw new Error('example panic');
});
app.get('/log', async (req) => {
  logLines(req.raw);
  return { logged: true };
});
app.get('/errors', async () => {
  errorStorm();
  return { logged: true };
});
app.get('/fail', async (_req, reply) => {
  reply.code(503);
  return { error: 'inventory backend down' };
});
app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
app.post('/upload', async (req) => ({ bytes: (req.body` + tsOnly(ts, " as Buffer") + `).length }));
app.get('/crash', async () => {
  setImmediate(() => {
    throw new Error('crash example');
  });
  return { crashing: true };
});
app.get('/debug/tracer-provider', async () => ({ provider: (trace.getTracerProvider()` + tsOnly(ts, " as any") + `).getDelegate().constructor.name }));
app.register(async (api) => {
  // The API's own error format: its own error handler replaces obsgen's
  // for every route of the plugin.
  api.setErrorHandler((err` + tsOnly(ts, ": Error & { statusCode?: number }") + `, _req, reply) => {
    reply.code(err.statusCode ?? 500).send({ api_error: err.statusCode ? err.message : 'internal' });
  });
  api.get('/user', async (req) => {
    const q = req.query` + tsOnly(ts, " as { deny?: string; shed?: string; boom?: string }") + `;
    if (q.deny) {
      throw Object.assign(new Error('unauthorized'), { statusCode: 401 });
    }
    if (q.shed) {
      throw Object.assign(new Error('overloaded'), { statusCode: 503 });
    }
    if (q.boom) {
      throw new Error('user store down');
    }
    return { user: 'ana' };
  });
}, { prefix: '/api' });
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`)
	return b.String()
}

// shared is the handlers' code both frameworks call: what the conformance
// suite's /log and /errors do in every language (the Go probe's handlers
// do the same).
func shared(ts bool) string {
	return `
// logLines logs what a careless handler logs: the logger's own key names,
// a child logger, a request with its credentials, personal data.
function logLines(req` + tsOnly(ts, ": any") + `) {
  logger.info({ service: 'payments', level: 'fatal', trace_id: 'forged', msg: 'forged' }, 'calling payments');
  logger.child({ db: { table: 'orders' } }).info({ rows: 3 }, 'query done');
  const url = new URL(req.url, 'http://localhost');
  logger.info({
    headers: req.headers, query: url.searchParams, request: req,
    card_number: '4111111111111111', email: 'ana@example.com', span_name: 'kept',
    meta: { cvv: '123', plan: 'gold' },
  }, 'inbound request');
  const bag = propagation.getBaggage(context.active());
  const seen = bag ? bag.getAllEntries().map(([k, e]) => k + '=' + e.value).join(',') : '';
  logger.info({ baggage_seen: seen }, 'baggage');
}

// errorStorm reports two errors 50 times each, interleaved, as two
// failing dependencies make a handler do, and a third once.
function errorStorm() {
  for (let i = 0; i < 50; i++) {
    reportError(new Error('payment provider unreachable: dial tcp: i/o timeout'));
    reportError(new Error('inventory lookup failed: context deadline exceeded'));
  }
  reportError(new Error('ledger write failed: disk full'));
}
`
}

func tsOnly(ts bool, s string) string {
	if ts {
		return s
	}
	return ""
}

// StartArgs reads the start script obsgen wrote into dir's package.json
// and returns node's arguments: a test starts the service exactly as npm
// start would, but as a direct child, so its SIGTERM reaches node.
func StartArgs(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	var pkg struct {
		Scripts map[string]string `json:"scripts"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return nil, err
	}
	fields := strings.Fields(pkg.Scripts["start"])
	if len(fields) < 4 || fields[0] != "node" || fields[1] != "--import" {
		return nil, fmt.Errorf("start script %q does not load the generated module first", pkg.Scripts["start"])
	}
	return fields[1:], nil
}

// NPM runs npm with args in dir and returns its combined output. One npm
// cache is shared between the tests' installs (and with the developer's)
// and preferred over the registry, so only a cold machine downloads.
func NPM(npm, dir string, args ...string) ([]byte, error) {
	cmd := exec.Command(npm, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "npm_config_prefer_offline=true", "npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false")
	return cmd.CombinedOutput()
}

// CloseWithGrace is the close-with-grace version AddCloseWithGrace pins.
const CloseWithGrace = "2.5.0"

// AddCloseWithGrace makes the service Write wrote in dir shut down as
// fastify-cli's template and many Fastify services do: close-with-grace
// handles SIGTERM, closes the app and calls process.exit itself.
func AddCloseWithGrace(dir string) error {
	if err := editPackage(dir, func(deps, _ map[string]any) { deps["close-with-grace"] = CloseWithGrace }); err != nil {
		return err
	}
	main := filepath.Join(dir, "server.js")
	src, err := os.ReadFile(main)
	if err != nil {
		return err
	}
	load := "const closeWithGrace = require('close-with-grace');\n"
	if strings.HasPrefix(string(src), "import ") {
		load = "import closeWithGrace from 'close-with-grace';\n"
	}
	wired := load + string(src) + `
// Closed by close-with-grace: it runs this, then calls process.exit.
closeWithGrace({ delay: 10000 }, async ({ err }) => {
  if (err) {
    logger.error({ error: String(err) }, 'closing after an error');
  }
  await app.close();
});
`
	return os.WriteFile(main, []byte(wired), 0o644)
}

// Client versions AddDependencies pins: the pg and ioredis the generated
// module's instrumentations are tested with.
const (
	PG      = "8.16.3"
	TypesPG = "8.15.6"
	IORedis = "5.8.2"
)

// AddDependencies makes the service Write wrote in dir a client of
// PostgreSQL (pg, a pool of DATABASE_URL) and Redis (ioredis, REDIS_URL),
// observed through the generated module as its docs say, with two routes:
//
//	GET /orders/{id}  a query with id as its parameter, then SET and GET
//	                  of a key holding a secret value
//	GET /slow         a query that holds a connection for 300 ms (the
//	                  pool has 2)
//
// Write's listen line stays last: Fastify takes no routes once it listens.
func AddDependencies(dir, framework string, esm, ts bool) error {
	err := editPackage(dir, func(deps, dev map[string]any) {
		deps["pg"], deps["ioredis"] = PG, IORedis
		if ts {
			dev["@types/pg"] = TypesPG
		}
	})
	if err != nil {
		return err
	}
	main := filepath.Join(dir, "server.js")
	mod := "./src/observability/dependencies"
	ext := ".cjs"
	switch {
	case ts:
		main, mod, ext = filepath.Join(dir, "src", "server.ts"), "./observability/dependencies", ".js"
	case esm:
		ext = ".mjs"
	}
	var b strings.Builder
	if esm || ts {
		fmt.Fprintf(&b, "import pg from 'pg';\nimport { Redis } from 'ioredis';\nimport { observePostgres, observeRedis } from '%s%s';\n", mod, ext)
	} else {
		fmt.Fprintf(&b, "const pg = require('pg');\nconst { Redis } = require('ioredis');\nconst { observePostgres, observeRedis } = require('%s%s');\n", mod, ext)
	}
	b.WriteString(`
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
// pg-pool emits an idle connection's error on the pool: without a
// listener, a database restart would end the process.
pool.on('error', (err) => logger.warn({ error: String(err) }, 'idle database connection failed'));
observePostgres('postgres', pool);
const redis = new Redis(process.env.REDIS_URL` + tsOnly(ts, " as string") + `, { maxRetriesPerRequest: 1 });
redis.on('error', (err) => logger.warn({ error: String(err) }, 'redis connection failed'));
observeRedis('redis', redis);

async function order(id` + tsOnly(ts, ": string") + `) {
  const r = await pool.query('SELECT $1::int + 1 AS n', [id]);
  await redis.set('order:' + id, 'secret-' + id);
  const cached = await redis.get('order:' + id);
  return { n: r.rows[0].n, cached: cached !== null };
}
`)
	if framework == "express" {
		b.WriteString(`app.get('/orders/:id', (req, res, next) => {
  order(req.params.id).then((o) => res.json(o), next);
});
app.get('/slow', (_req, res, next) => {
  pool.query('SELECT pg_sleep(0.3)').then(() => res.json({ slept: true }), next);
});
`)
	} else {
		b.WriteString(`app.get('/orders/:id', async (req) => order((req.params` + tsOnly(ts, " as { id: string }") + `).id));
app.get('/slow', async () => {
  await pool.query('SELECT pg_sleep(0.3)');
  return { slept: true };
});
`)
	}
	src, err := os.ReadFile(main)
	if err != nil {
		return err
	}
	listen := "closeOnShutdown(app.listen("
	if framework == "fastify" {
		listen = "await app.listen("
	}
	i := strings.LastIndex(string(src), listen)
	if i < 0 {
		return fmt.Errorf("%s has no %q line", main, listen)
	}
	wired := string(src[:i]) + b.String() + string(src[i:])
	return os.WriteFile(main, []byte(wired), 0o644)
}

// editPackage changes the dependencies and devDependencies of dir's
// package.json (a nil map when it has none).
func editPackage(dir string, edit func(deps, dev map[string]any)) error {
	pkgFile := filepath.Join(dir, "package.json")
	data, err := os.ReadFile(pkgFile)
	if err != nil {
		return err
	}
	var pkg map[string]any
	if err := json.Unmarshal(data, &pkg); err != nil {
		return err
	}
	deps, _ := pkg["dependencies"].(map[string]any)
	dev, _ := pkg["devDependencies"].(map[string]any)
	edit(deps, dev)
	data, _ = json.MarshalIndent(pkg, "", "  ")
	return os.WriteFile(pkgFile, data, 0o644)
}
