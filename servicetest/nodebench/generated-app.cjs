'use strict';
// The benchmark app with the generated module: the same route as
// canonical-app.cjs, wired with the generated Express glue.
const express = require('express');
const { observe, errorHandler, closeOnShutdown } = require('./src/observability/express.cjs');

const app = express();
observe(app);
app.get('/hello/:name', (req, res) => res.json({ hello: req.params.name }));
app.use(errorHandler);
closeOnShutdown(app.listen(Number(process.env.PORT), '127.0.0.1'));
