// Docker HEALTHCHECK of every service image: healthy while GET /ready (or the path given as the
// first argument) answers 200 within 2 s. /ready fails while dependencies are unreachable and
// while the service drains, which is what `depends_on: condition: service_healthy` should wait on.
'use strict';
const http = require('node:http');

const port = Number(process.env.PORT || require('./image.json').port);
const path = process.argv[2] || '/ready';
const req = http.get({ host: '127.0.0.1', port, path, timeout: 2000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', () => process.exit(1));
