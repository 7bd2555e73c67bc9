'use strict';
/*
 * The per-request benchmark's node side, driven by `bench/bench-spawn http`
 * over stdin/stdout (one command a line, one answer a line).
 *
 *   node http-bench.js server
 *       an HTTP server on 127.0.0.1 (ephemeral port) answering "ok" with
 *       Connection: close; prints "ready port=N version=vX.Y.Z"; exits at EOF on stdin.
 *   node http-bench.js client PORT none|preload|patch
 *       prints "ready guard=..." after checking it is guarded as announced
 *       (preload: a GET to 192.0.2.1 fails with EACCES; patch: it throws
 *       EHOSTBLOCKED; none: no probe, nothing is sent anywhere); then for
 *       each "go N" line makes N sequential GETs to http://127.0.0.1:PORT/
 *       and N to http://localhost:PORT/ (getaddrinfo, IPv4), keep-alive
 *       off (agent: false, a new connection per request), and prints the
 *       mean microseconds per request of each: "US_IP US_NAME".
 */
const http = require('http');
const readline = require('readline');

const mode = process.argv[2];

if (mode === 'server') {
	const srv = http.createServer((req, res) => {
		res.setHeader('Connection', 'close');
		res.end('ok\n');
	});

	srv.keepAliveTimeout = 0;
	srv.listen(0, '127.0.0.1', () => {
		process.stdout.write(`ready port=${srv.address().port} version=${process.version}\n`);
	});
	process.stdin.on('end', () => process.exit(0));
	process.stdin.resume();
	return;
}
if (mode !== 'client') {
	process.stdout.write('error: usage: http-bench.js server | client PORT none|preload|patch\n');
	process.exit(1);
}

const port = Number(process.argv[3]);
const expect = process.argv[4];

function get(host, p) {
	return new Promise((resolve, reject) => {
		let req;

		try {
			req = http.get({ host, port: p, path: '/', agent: false, family: 4 }, (res) => {
				let body = '';

				res.setEncoding('utf8');
				res.on('data', (d) => { body += d; });
				res.on('end', () => (body === 'ok\n' ? resolve() : reject(new Error(`bad body ${body}`))));
			});
		} catch (e) {
			reject(e);
			return;
		}
		req.on('error', reject);
	});
}

async function batch(host, n) {
	const t0 = process.hrtime.bigint();

	for (let i = 0; i < n; i++)
		await get(host, port);
	return Number(process.hrtime.bigint() - t0) / 1e3 / n;
}

async function probe() {
	if (expect === 'none')
		return 'none';
	try {
		await get('192.0.2.1', 80);
		return 'NOT GUARDED: the request to 192.0.2.1 was answered';
	} catch (e) {
		if (expect === 'preload' && e.code === 'EACCES' && process.env.NETGUARD_SNAPSHOT)
			return 'preload';
		if (expect === 'patch' && e.code === 'EHOSTBLOCKED')
			return 'patch';
		return `NOT GUARDED as expected (${e.code || e.message})`;
	}
}

(async () => {
	const g = await probe();

	process.stdout.write(`ready guard=${g}\n`);
	const rl = readline.createInterface({ input: process.stdin });

	for await (const line of rl) {
		const m = /^go (\d+)$/.exec(line);

		if (!m) {
			process.stdout.write('error: bad command\n');
			process.exit(1);
		}
		try {
			const a = await batch('127.0.0.1', Number(m[1]));
			const b = await batch('localhost', Number(m[1]));

			process.stdout.write(`${a.toFixed(1)} ${b.toFixed(1)}\n`);
		} catch (e) {
			process.stdout.write(`error: ${e.code || e.message}\n`);
			process.exit(1);
		}
	}
	process.exit(0);
})();
