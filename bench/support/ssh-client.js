'use strict';

const { createHash } = require('node:crypto');
const { Client } = require('ssh2');

/**
 * The raw ssh2 baselines of the ssh benchmark, in the bench process: the same client library,
 * algorithms (ssh2's defaults) and password login as Tomo's pool, none of Tomo around it.
 *
 * `noDelay` (TCP_NODELAY on the client socket) is on unless turned off. ssh2 leaves Nagle's
 * algorithm on by default; then every command on an open connection waits ~40 ms: the client's
 * CHANNEL_OPEN is held back until the server acknowledges the client's previous packet, which
 * the server's delayed ACK postpones by 40 ms.
 */

/** Channel opens sshd refused at once (MaxSessions) and how often, as Tomo's SshConnection. */
const CHANNEL_OPEN_ATTEMPTS = 5;

/** `SHA256:…` of a host key blob, as ssh-keygen prints it (and the sshd harness reports). */
function fingerprintOf(key) {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An authenticated connection to the sshd (password login; the host key must be the sshd's). */
function connect(sshd, { noDelay = true } = {}) {
  const client = new Client();
  return new Promise((resolve, reject) => {
    client.once('error', reject);
    client.once('ready', () => {
      client.removeListener('error', reject);
      client.on('error', () => undefined); // a later error surfaces as a failed exec or close
      resolve(client);
    });
    client.connect({
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      password: sshd.password,
      tryKeyboard: false,
      readyTimeout: 30_000,
      hostVerifier: (key) => fingerprintOf(key) === sshd.hostKeyFingerprint,
    });
    // connect() has created the socket by now; the option applies from the first packet.
    if (noDelay) client.setNoDelay(true);
  });
}

/** Ends the connection; resolves once its socket is closed (5 s at most). */
function disconnect(client) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5_000);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

/**
 * One command on its own channel of an open connection; resolves with its exit code once the
 * channel is closed (output is read and dropped). Rejects with `refused: true` when sshd would
 * not open the channel.
 */
function execOnce(client, command) {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (error, channel) => {
        if (error) {
          reject(Object.assign(new Error(`channel refused: ${error.message}`), { refused: true }));
          return;
        }
        let exitCode = null;
        channel.on('exit', (code) => (exitCode = typeof code === 'number' ? code : null));
        channel.on('data', () => undefined);
        channel.stderr.on('data', () => undefined);
        channel.on('close', () => resolve(exitCode));
      });
    } catch (error) {
      reject(error); // "Not connected"
    }
  });
}

/**
 * execOnce, retrying a refused channel open like Tomo's SshConnection does (sshd frees a session
 * slot a moment after the channel closes, so an open right after a close may be refused).
 * `counters.retries` counts the retries.
 */
async function execWithRetry(client, command, counters = { retries: 0 }) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await execOnce(client, command);
    } catch (error) {
      if (!error.refused || attempt >= CHANNEL_OPEN_ATTEMPTS) throw error;
      counters.retries += 1;
      await sleep(20 * attempt);
    }
  }
}

/** One command over a connection of its own: connect + auth + exec + close. */
async function execFresh(sshd, command, options) {
  const client = await connect(sshd, options);
  try {
    return await execOnce(client, command);
  } finally {
    await disconnect(client);
  }
}

module.exports = { connect, disconnect, execOnce, execWithRetry, execFresh };
