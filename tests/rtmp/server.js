// A real RTMP server (node-media-server's RTMP session) for Confera's tests,
// listening on one loopback address only: the library's own server listens
// on every interface, so this makes the TCP server itself and hands each
// connection to the library's session, as its server does.
//
// Environment: HOST and PORT (where it listens). Anyone may publish to
// rtmp://HOST:PORT/<app>/<stream> and play it back from the same URL.
// Stdout, one line each: "ready" once it listens, "publish <path>" and
// "unpublish <path>" as streams come and go. SIGUSR2 drops every connection
// (an ingest that goes away under a live broadcast); SIGTERM stops it.

'use strict';

const net = require('node:net');
const Logger = require('node-media-server/src/node_core_logger');
const NodeRtmpSession = require('node-media-server/src/node_rtmp_session');
const context = require('node-media-server/src/node_core_ctx');

const config = { rtmp: { port: Number(process.env.PORT), chunk_size: 60000, gop_cache: true, ping: 30, ping_timeout: 60 } };
Logger.setLogType(0);  // quiet: the tests read stdout

context.nodeEvent.on('postPublish', (id, path) => console.log(`publish ${path}`));
context.nodeEvent.on('donePublish', (id, path) => console.log(`unpublish ${path}`));

const server = net.createServer((socket) => new NodeRtmpSession(config, socket).run());
server.on('error', (error) => { console.error(String(error)); process.exit(1); });
server.listen(config.rtmp.port, process.env.HOST, () => console.log('ready'));

process.on('SIGUSR2', () => {
  for (const session of [...context.sessions.values()]) {
    if (session instanceof NodeRtmpSession) session.stop();
  }
  console.log('dropped');
});
process.on('SIGTERM', () => process.exit(0));
