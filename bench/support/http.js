'use strict';

const http = require('node:http');
const { performance } = require('node:perf_hooks');

/**
 * One request through node:http: status and body text. Without `agent`, on a connection of its
 * own (no keep-alive, nothing lazily loaded); pass a keep-alive http.Agent to reuse connections.
 */
function request(url, { method = 'GET', headers = {}, body, agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `url` every `intervalMs` until it answers 200; resolves with performance.now() of the
 * moment that 200 arrived. Connection errors (not listening yet) count as "not yet".
 */
async function firstOk(url, { intervalMs = 5, timeoutMs = 60_000 } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const response = await request(url);
      if (response.status === 200) return performance.now();
    } catch {
      // not accepting connections yet
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 in time`);
    await sleep(intervalMs);
  }
}

/** POST /api/v1/auth/login; the session JWT. */
async function login(baseUrl, username, password) {
  const response = await request(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200)
    throw new Error(`login as ${username} failed: ${response.status} ${response.text}`);
  return JSON.parse(response.text).token;
}

module.exports = { request, sleep, firstOk, login };
