// Start-up CPU of a command (issue 27): preloaded with `node --require bench/first-request-cpu.cjs ...`, appends the
// process's CPU time (user + system, ms) to $FIRST_REQUEST_CPU_FILE at the first outgoing connection
// (net.Socket#connect: the first request), or when a server starts listening (`ossup serve`), or else at exit
// (`ossup --version`), as "<event> <ms>". CPU, unlike wall time, is little distorted by a loaded machine.
const fs = require('node:fs');
const net = require('node:net');

const out = process.env.FIRST_REQUEST_CPU_FILE;
let recorded = false;
function record(event) {
  if (recorded || !out) return;
  recorded = true;
  const u = process.cpuUsage();
  fs.appendFileSync(out, `${event} ${((u.user + u.system) / 1000).toFixed(1)}\n`);
}
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  record('connect');
  return connect.apply(this, args);
};
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  this.once('listening', () => record('listening'));
  return listen.apply(this, args);
};
process.on('exit', () => record('exit'));
