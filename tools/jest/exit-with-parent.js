// Preloaded (`node --require`) into every service process the test harness starts (libs/testing
// startServiceProcess): its stdin is a pipe from the test process, which reaches end-of-file when that
// process is gone, however it went (a Jest worker killed outright cannot kill its children). The
// service then goes too, instead of living on with its ports, connections and Redis keys.
'use strict';
if (process.stdin && !process.stdin.isTTY) {
  process.stdin.on('end', () => process.kill(process.pid, 'SIGKILL'));
  process.stdin.on('error', () => undefined);
  process.stdin.resume();
  // Reading stdin must not keep a process alive that would otherwise exit.
  if (typeof process.stdin.unref === 'function') process.stdin.unref();
}
