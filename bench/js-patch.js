'use strict';
/*
 * In-process module patching, the comparison point of bench/RESULTS.md
 * ("per request"): what a JS-level network sandbox does.  It wraps
 * http.request / http.get and https.request / https.get with a host
 * allowlist check and refuses any other host before a socket is made.
 *
 *   node -r ./bench/js-patch.js app.js
 *   NG_JS_ALLOW=127.0.0.1,localhost,api.stripe.com   (the default list)
 *
 * It sees only calls made through these two modules of this process: a
 * child process (exec('curl ...')), a native addon, net.connect, dgram,
 * DNS lookups and fetch (undici, which goes through net) pass beside it.
 * That is the point of the comparison, not an oversight to fix here.
 */
const http = require('http');
const https = require('https');

const allow = new Set((process.env.NG_JS_ALLOW || '127.0.0.1,localhost,::1,api.stripe.com')
	.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean));

function hostOf(args) {
	let a = args[0], o = null;

	if (typeof a === 'string')
		a = new URL(a);
	if (a instanceof URL) {
		o = typeof args[1] === 'object' && args[1] !== null ? args[1] : null;
		if (o && (o.hostname || o.host))
			a = o;
		else
			return a.hostname.replace(/^\[|\]$/g, '');
	}
	if (a === null || typeof a !== 'object')
		return 'localhost';	/* what http.request defaults to */
	if (a.hostname)
		return String(a.hostname);
	if (a.host)
		return String(a.host).replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
	return 'localhost';
}

function refused(host) {
	const e = new Error(`js-patch: host ${host} is not on the allowlist`);

	e.code = 'EHOSTBLOCKED';
	return e;
}

function patch(mod) {
	const request = mod.request;

	function guarded(...args) {
		const host = hostOf(args).toLowerCase();

		if (!allow.has(host))
			throw refused(host);
		return request.apply(this, args);
	}
	/* http.get calls the module's internal request, not exports.request */
	function get(...args) {
		const req = guarded.apply(this, args);

		req.end();
		return req;
	}
	guarded.ngPatched = get.ngPatched = true;
	mod.request = guarded;
	mod.get = get;
}

patch(http);
patch(https);
