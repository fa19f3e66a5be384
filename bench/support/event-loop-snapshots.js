'use strict';

const { readFileSync } = require('node:fs');
const { sleep } = require('./http');

/**
 * The bench side of event-loop-probe.js: each `mark()` sends SIGUSR2 to the server, which
 * writes the delay percentiles since the previous mark and starts a new window. `read(seq)` waits
 * for the snapshot with that sequence number.
 */
class EventLoopSnapshots {
  constructor(pid, file) {
    this.pid = pid;
    this.file = file;
    this.seq = 0;
  }

  /** Closes the current window; returns the seq its snapshot will carry. */
  mark() {
    this.seq += 1;
    process.kill(this.pid, 'SIGUSR2');
    return this.seq;
  }

  async read(seq, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const snapshot = JSON.parse(readFileSync(this.file, 'utf8'));
        if (snapshot.seq === seq) return snapshot;
      } catch {
        // not written yet
      }
      if (Date.now() > deadline) throw new Error(`no event-loop snapshot #${seq} in ${this.file}`);
      await sleep(20);
    }
  }
}

module.exports = { EventLoopSnapshots };
